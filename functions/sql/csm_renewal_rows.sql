-- The paying subscription rows on the last day of the report's period with their MRR at that
-- day's rates, for the CSM digests' renewals: the next term end of each row (start_date +
-- k × interval_months months, as revenue_renewals.sql dates terms) is found from these.
SELECT
  s.subscription_id,
  s.account_id,
  s.plan,
  s.start_date,
  s.end_date,
  s.interval_months,
  CAST(s.amount * r.closing_rate / s.interval_months AS DECIMAL(38, 12)) AS mrr
FROM period_rates AS r
JOIN report_periods AS p
  ON p.period_index = r.period_index
JOIN revenue_paying_rows AS s
  ON s.currency = r.currency
  AND s.start_date <= p.last_day
  AND (s.end_date IS NULL OR s.end_date > p.last_day)
WHERE r.period_index = 0
ORDER BY s.account_id, s.subscription_id, s.start_date
