-- The exchange rate of each currency on the two balance days of each report period: the day
-- before first_day (opening_rate: valid_from < first_day <= valid_to) and last_day
-- (closing_rate). One row per period and currency, so that money relations join rates on
-- equality instead of a date range per subscription row.
SELECT
  opening.period_index,
  opening.currency,
  opening.rate AS opening_rate,
  closing.rate AS closing_rate
FROM (
  SELECT
    p.period_index,
    fx.currency,
    fx.rate
  FROM report_periods AS p
  JOIN fx_spans AS fx
    ON fx.valid_from < p.first_day
    AND (fx.valid_to IS NULL OR fx.valid_to >= p.first_day)
) AS opening
JOIN (
  SELECT
    p.period_index,
    fx.currency,
    fx.rate
  FROM report_periods AS p
  JOIN fx_spans AS fx
    ON fx.valid_from <= p.last_day
    AND (fx.valid_to IS NULL OR fx.valid_to > p.last_day)
) AS closing
  ON closing.period_index = opening.period_index
  AND closing.currency = opening.currency
