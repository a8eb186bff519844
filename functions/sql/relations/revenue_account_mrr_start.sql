-- Opening MRR of each account in each report period: the rows paying on the day before
-- first_day. A row covers that day when start_date < first_day and end_date >= first_day
-- (end_date is exclusive, so a row ending exactly on first_day still counts here and churns in
-- the period).
-- Converted twice:
--   mrr_start    at that day's rates (what the opening balance was worth then);
--   mrr_start_cc at the period's last_day rates (constant currency): movements are measured
--                against it, so exchange rates alone never look like expansion or contraction.
-- The one division per row is cast straight back to decimal, as in account_mrr_end.
SELECT
  p.period_index,
  s.account_id,
  sum(CAST(s.amount * fx.opening_rate / s.interval_months AS DECIMAL(38, 12))) AS mrr_start,
  sum(CAST(s.amount * fx.closing_rate / s.interval_months AS DECIMAL(38, 12))) AS mrr_start_cc
FROM report_periods AS p
JOIN revenue_paying_rows AS s
  ON s.start_date < p.first_day
  AND (s.end_date IS NULL OR s.end_date >= p.first_day)
JOIN period_rates AS fx
  ON fx.period_index = p.period_index
  AND fx.currency = s.currency
GROUP BY p.period_index, s.account_id
