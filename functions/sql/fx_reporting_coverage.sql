-- What the report needs to convert money to the reporting currency R through the base of
-- fx_rates: whether R is the base, the first day R has a rate, and the first day with money
-- (a subscription starting, an invoice issued, a month of costs) in a currency other than R.
-- From that day on, every balance day of the report needs a rate for R (functions/core/fx-coverage.ts).
WITH foreign_money AS (
  SELECT start_date AS money_day FROM subscriptions
  WHERE currency NOT IN (SELECT currency FROM reporting_currency)
  UNION ALL
  SELECT issued_at AS money_day FROM invoices
  WHERE currency NOT IN (SELECT currency FROM reporting_currency)
  UNION ALL
  SELECT "month" AS money_day FROM cs_costs
  WHERE currency NOT IN (SELECT currency FROM reporting_currency)
),
reporting_rates AS (
  SELECT "date" FROM fx_rates
  WHERE currency IN (SELECT currency FROM reporting_currency)
)
SELECT
  b.currency AS base_currency,
  m.first_money_day,
  r.first_rate_day
FROM fx_base AS b
CROSS JOIN (SELECT min(money_day) AS first_money_day FROM foreign_money) AS m
CROSS JOIN (SELECT min("date") AS first_rate_day FROM reporting_rates) AS r
