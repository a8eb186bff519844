-- Customer retention cost inputs per report period: the customer-success cost that falls in
-- the period and the paying customers at its end.
-- A month's cost is spread evenly over its days, so a period takes (its days in that month /
-- days in the month) of each month it touches (a week across two months takes a share of each).
-- Costs convert at the period's last_day rates, like MRR and the overdue amount.
WITH period_month_days AS (
  -- Each cost row with the number of the period's days that fall in its month.
  SELECT
    d.period_index,
    c."month",
    c.category,
    c.currency,
    c.amount,
    count(*) AS days_in_period
  FROM report_days AS d
  JOIN cs_costs AS c
    ON c."month" <= d.day
    AND d.day < CAST(c."month" + INTERVAL '1' MONTH AS DATE)
  GROUP BY d.period_index, c."month", c.category, c.currency, c.amount
),
period_costs AS (
  SELECT
    p.period_index,
    count(DISTINCT m."month") AS months_with_costs,
    -- The one division (by the month's length) is cast straight back to decimal.
    sum(
      CAST(
        m.amount * r.closing_rate * m.days_in_period
        / date_diff('day', m."month", CAST(m."month" + INTERVAL '1' MONTH AS DATE))
        AS DECIMAL(38, 12)
      )
    ) AS cost
  FROM report_periods AS p
  JOIN period_month_days AS m
    ON m.period_index = p.period_index
  JOIN period_rates AS r
    ON r.period_index = p.period_index
    AND r.currency = m.currency
  GROUP BY p.period_index
),
period_months AS (
  -- Calendar months each period touches: a cost is known only when every one has cost rows.
  SELECT
    period_index,
    count(DISTINCT extract(YEAR FROM day) * 12 + extract(MONTH FROM day)) AS months_touched
  FROM report_days
  GROUP BY period_index
),
customers_at_end AS (
  -- Paying accounts on last_day; the customers at the start of period i are those at the end
  -- of period i + 1 (the day before first_day is the previous period's last day).
  SELECT
    period_index,
    count(*) AS customers_end
  FROM account_mrr_end
  GROUP BY period_index
)
SELECT
  p.period_index,
  pm.months_touched,
  coalesce(pc.months_with_costs, 0) AS months_with_costs,
  pc.cost,
  coalesce(ce.customers_end, 0) AS customers_end
FROM report_periods AS p
LEFT JOIN period_months AS pm
  ON pm.period_index = p.period_index
LEFT JOIN period_costs AS pc
  ON pc.period_index = p.period_index
LEFT JOIN customers_at_end AS ce
  ON ce.period_index = p.period_index
ORDER BY p.period_index
