-- The plan each account is on in each report period, for the MRR breakdown by plan: the plan of
-- its largest-MRR paying row on last_day or, for an account paying nothing on last_day
-- (churned), on the day before first_day. Row MRR is compared at last_day's rates (constant
-- currency); ties go to the plan name, then the subscription id, so the choice is stable.
-- One plan per account keeps every breakdown row's MRR bridge whole.
SELECT
  period_index,
  account_id,
  plan
FROM (
  SELECT
    period_index,
    account_id,
    plan,
    row_number() OVER (
      PARTITION BY period_index, account_id
      ORDER BY side_rank, row_mrr DESC, plan, subscription_id
    ) AS pick
  FROM (
    SELECT
      p.period_index,
      s.account_id,
      s.plan,
      s.subscription_id,
      1 AS side_rank,
      CAST(s.amount * fx.closing_rate / s.interval_months AS DECIMAL(38, 12)) AS row_mrr
    FROM report_periods AS p
    JOIN revenue_paying_rows AS s
      ON s.start_date <= p.last_day
      AND (s.end_date IS NULL OR s.end_date > p.last_day)
    JOIN period_rates AS fx
      ON fx.period_index = p.period_index
      AND fx.currency = s.currency
    UNION ALL
    SELECT
      p.period_index,
      s.account_id,
      s.plan,
      s.subscription_id,
      2 AS side_rank,
      CAST(s.amount * fx.closing_rate / s.interval_months AS DECIMAL(38, 12)) AS row_mrr
    FROM report_periods AS p
    JOIN revenue_paying_rows AS s
      ON s.start_date < p.first_day
      AND (s.end_date IS NULL OR s.end_date >= p.first_day)
    JOIN period_rates AS fx
      ON fx.period_index = p.period_index
      AND fx.currency = s.currency
  ) AS rows_by_side
) AS ranked
WHERE pick = 1
