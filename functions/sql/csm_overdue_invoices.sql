-- Invoices overdue at the end of the report's period, for the CSM digests: as the
-- overdue_amount KPI counts them (billing_invoices.sql), open and unpaid at the end of the
-- period and due before last_day, with the amount converted at last_day's rates.
SELECT
  i.invoice_id,
  i.account_id,
  i.due_at,
  i.amount,
  i.currency,
  CAST(i.amount * r.closing_rate AS DECIMAL(38, 12)) AS amount_reporting,
  date_diff('day', i.due_at, p.last_day) AS days_overdue
FROM period_rates AS r
JOIN report_periods AS p
  ON p.period_index = r.period_index
JOIN invoices AS i
  ON i.currency = r.currency
  AND i.due_at < p.last_day
  AND (i.paid_at IS NULL OR i.paid_at >= p.end_ts)
WHERE r.period_index = 0
  AND i.status IN ('open', 'paid')
ORDER BY i.account_id, i.due_at, i.invoice_id
