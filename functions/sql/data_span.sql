-- What the business data covers, to tell a period wholly before or after it: the earliest and
-- latest clean row of the date columns (subscriptions.start_date, invoices.issued_at,
-- cs_costs.month: calendar days) and of the instant columns (accounts.created_at,
-- survey_responses.responded_at, support_tickets.created_at, usage_events.occurred_at: UTC).
-- Exchange rates are not business data. Usage events are read only in the period's partitions
-- (the two ? are its first and last dt, with a day either side), as the data-quality check
-- reads them: a min/max over every partition would scan the whole table. An absent table
-- contributes nothing; no rows at all gives NULLs.
WITH day_rows AS (
  SELECT start_date AS d FROM subscriptions
  UNION ALL
  SELECT issued_at AS d FROM invoices
  UNION ALL
  SELECT "month" AS d FROM cs_costs
),
instant_rows AS (
  SELECT created_at AS ts FROM accounts
  UNION ALL
  SELECT responded_at AS ts FROM survey_responses
  UNION ALL
  SELECT created_at AS ts FROM support_tickets
  UNION ALL
  SELECT occurred_at AS ts FROM usage_events WHERE dt BETWEEN ? AND ?
)
SELECT
  days.earliest_day,
  days.latest_day,
  instants.earliest_instant,
  instants.latest_instant
FROM (
  SELECT min(d) AS earliest_day, max(d) AS latest_day FROM day_rows
) AS days
CROSS JOIN (
  SELECT min(ts) AS earliest_instant, max(ts) AS latest_instant FROM instant_rows
) AS instants
