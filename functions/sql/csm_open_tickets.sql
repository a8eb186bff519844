-- Tickets open at the end of the report's period that were created more than 3 days before it
-- (created_at < end_ts - 3 days, not resolved by end_ts), for the CSM digests.
SELECT
  t.ticket_id,
  t.account_id,
  t.created_at,
  t.channel,
  date_diff('day', t.created_at, p.end_ts) AS age_days
FROM report_periods AS p
JOIN support_tickets AS t
  ON t.created_at < p.end_ts - INTERVAL '3' DAY
  AND (t.resolved_at IS NULL OR t.resolved_at >= p.end_ts)
WHERE p.period_index = 0
ORDER BY t.account_id, t.created_at, t.ticket_id
