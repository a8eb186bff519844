-- The exchange rate from each currency to the reporting currency R on the two balance days of
-- each report period: the day before first_day (opening_rate: valid_from < first_day <=
-- valid_to) and last_day (closing_rate). One row per period and currency, so that money
-- relations join rates on equality instead of a date range per subscription row.
-- Rates are quoted against the base of fx_rates: rate(currency) / rate(R), the division cast
-- straight back to decimal(20,12). An amount already in R converts at exactly 1. R must have a
-- rate on or before every balance day with money in another currency; the report checks that
-- first (fx_reporting_coverage.sql) and stops naming the day when it has not.
WITH base_rates AS (
  SELECT
    opening.period_index,
    opening.currency,
    opening.rate AS opening_rate,
    closing.rate AS closing_rate,
    opening.first_date < opening.first_day AS opening_covered,
    closing.first_date <= closing.last_day AS closing_covered
  FROM (
    SELECT
      p.period_index,
      p.first_day,
      fx.currency,
      fx.first_date,
      fx.rate
    FROM report_periods AS p
    JOIN fx_spans AS fx
      ON fx.valid_from < p.first_day
      AND (fx.valid_to IS NULL OR fx.valid_to >= p.first_day)
  ) AS opening
  JOIN (
    SELECT
      p.period_index,
      p.last_day,
      fx.currency,
      fx.first_date,
      fx.rate
    FROM report_periods AS p
    JOIN fx_spans AS fx
      ON fx.valid_from <= p.last_day
      AND (fx.valid_to IS NULL OR fx.valid_to > p.last_day)
  ) AS closing
    ON closing.period_index = opening.period_index
    AND closing.currency = opening.currency
),
reporting_rates AS (
  -- R's own rate on each balance day, NULL where it has none yet: only days without money in
  -- another currency can lack it (the report stops otherwise), so a NULL converts nothing.
  SELECT
    b.period_index,
    CASE WHEN b.opening_covered THEN b.opening_rate END AS opening_rate,
    CASE WHEN b.closing_covered THEN b.closing_rate END AS closing_rate
  FROM base_rates AS b
  WHERE b.currency IN (SELECT currency FROM reporting_currency)
)
SELECT
  b.period_index,
  b.currency,
  CAST(b.opening_rate / r.opening_rate AS DECIMAL(20, 12)) AS opening_rate,
  CAST(b.closing_rate / r.closing_rate AS DECIMAL(20, 12)) AS closing_rate
FROM base_rates AS b
JOIN reporting_rates AS r
  ON r.period_index = b.period_index
WHERE b.currency NOT IN (SELECT currency FROM reporting_currency)
UNION ALL
SELECT
  p.period_index,
  rc.currency,
  CAST(1 AS DECIMAL(20, 12)) AS opening_rate,
  CAST(1 AS DECIMAL(20, 12)) AS closing_rate
FROM report_periods AS p
CROSS JOIN reporting_currency AS rc
