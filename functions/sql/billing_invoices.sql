-- Invoice health per report period: late payments among invoices due in the period, and the
-- amount overdue at the end of the period.
-- due_at is a date: "due in the period" means first_day <= due_at <= last_day.
WITH due_in_period AS (
  SELECT
    p.period_index,
    count(*) AS invoices_due,
    -- Late: paid on a later UTC calendar day than due_at (paid_at is a UTC instant), or unpaid.
    count(*) FILTER (WHERE i.paid_at IS NULL OR CAST(i.paid_at AS DATE) > i.due_at) AS invoices_late
  FROM report_periods AS p
  JOIN invoices AS i
    ON i.due_at >= p.first_day
    AND i.due_at <= p.last_day
  WHERE i.status <> 'void'
  GROUP BY p.period_index
),
overdue AS (
  -- Open, unpaid invoices due before last_day, as they stood at the end of the period: an
  -- invoice paid after the period (status 'paid', paid_at >= end_ts) was still open then. For
  -- the report's own period this is the catalog's "status open, no paid_at"; for earlier periods
  -- it keeps the trend and the previous value from shrinking as old invoices get paid, and a
  -- rerun gives the same figures. Converted at last_day's rates; money stays decimal.
  SELECT
    p.period_index,
    count(*) AS overdue_invoices,
    sum(i.amount * r.closing_rate) AS overdue_amount
  FROM period_rates AS r
  JOIN report_periods AS p
    ON p.period_index = r.period_index
  JOIN invoices AS i
    ON i.currency = r.currency
    AND i.due_at < p.last_day
    AND (i.paid_at IS NULL OR i.paid_at >= p.end_ts)
  WHERE i.status IN ('open', 'paid')
  GROUP BY p.period_index
)
SELECT
  p.period_index,
  coalesce(d.invoices_due, 0) AS invoices_due,
  coalesce(d.invoices_late, 0) AS invoices_late,
  coalesce(o.overdue_invoices, 0) AS overdue_invoices,
  coalesce(o.overdue_amount, CAST(0 AS DECIMAL(38, 16))) AS overdue_amount
FROM report_periods AS p
LEFT JOIN due_in_period AS d
  ON d.period_index = p.period_index
LEFT JOIN overdue AS o
  ON o.period_index = p.period_index
ORDER BY p.period_index
