-- MRR of each paying account on the last day of each report period, converted at that day's
-- rates. Paying on day d: a subscription row with start_date <= d < end_date (or no end),
-- not a trial, amount > 0. MRR = amount / interval_months; the one division is cast straight
-- back to decimal so sums never drift.
SELECT
  r.period_index,
  s.account_id,
  sum(CAST(s.amount * r.closing_rate / s.interval_months AS DECIMAL(38, 12))) AS mrr_end,
  sum(s.quantity) AS seats
FROM period_rates AS r
JOIN report_periods AS p
  ON p.period_index = r.period_index
JOIN subscriptions AS s
  ON s.currency = r.currency
  AND s.start_date <= p.last_day
  AND (s.end_date IS NULL OR s.end_date > p.last_day)
WHERE s.is_trial = false
  AND s.amount > 0
GROUP BY r.period_index, s.account_id
