-- Conversion from trial or free to paid, per report period: accounts created in the period
-- (created_at is an instant: start_ts <= created_at < end_ts, the period's local midnights in
-- UTC) and accounts whose first paid day falls in the period (a date: first_day..last_day).
-- The two counts are flows of the same period, as the catalog defines the rate; the converted
-- accounts need not have been created in it.
WITH
created AS (
  SELECT
    p.period_index,
    count(*) AS accounts_created
  FROM report_periods AS p
  JOIN accounts AS a
    ON a.created_at >= p.start_ts
    AND a.created_at < p.end_ts
  GROUP BY p.period_index
),
converted AS (
  SELECT
    p.period_index,
    count(*) AS accounts_converted
  FROM report_periods AS p
  JOIN revenue_account_first_paid AS f
    ON f.first_paid_day BETWEEN p.first_day AND p.last_day
  GROUP BY p.period_index
)
SELECT
  p.period_index,
  coalesce(c.accounts_created, 0) AS accounts_created,
  coalesce(v.accounts_converted, 0) AS accounts_converted
FROM report_periods AS p
LEFT JOIN created AS c
  ON c.period_index = p.period_index
LEFT JOIN converted AS v
  ON v.period_index = p.period_index
ORDER BY p.period_index
