-- The MRR bridge of the report's period (index 0) by customer segment and by plan. Every
-- account paying at either end of the period falls in exactly one segment and one plan (see
-- revenue_account_plans), so each row satisfies the MRR identity on its own. Accounts without
-- a segment, or missing from accounts (or no accounts table at all), are under '(none)'.
WITH
period_accounts AS (
  SELECT
    m.account_id,
    m.mrr_start,
    m.mrr_start_cc,
    m.mrr_end,
    m.mrr_new,
    m.mrr_reactivation,
    m.mrr_expansion,
    m.mrr_contraction,
    m.mrr_churn,
    coalesce(a.segment, '(none)') AS segment,
    coalesce(pl.plan, '(none)') AS plan
  FROM revenue_account_movements AS m
  LEFT JOIN revenue_account_plans AS pl
    ON pl.period_index = m.period_index
    AND pl.account_id = m.account_id
  LEFT JOIN accounts AS a
    ON a.account_id = m.account_id
  WHERE m.period_index = 0
),
breakdown AS (
  SELECT
    'segment' AS dimension,
    segment AS name,
    sum(mrr_start) AS mrr_start,
    sum(mrr_start_cc) AS mrr_start_cc,
    sum(mrr_end) AS mrr_end,
    sum(mrr_new) AS mrr_new,
    sum(mrr_reactivation) AS mrr_reactivation,
    sum(mrr_expansion) AS mrr_expansion,
    sum(mrr_contraction) AS mrr_contraction,
    sum(mrr_churn) AS mrr_churn
  FROM period_accounts
  GROUP BY segment
  UNION ALL
  SELECT
    'plan' AS dimension,
    plan AS name,
    sum(mrr_start) AS mrr_start,
    sum(mrr_start_cc) AS mrr_start_cc,
    sum(mrr_end) AS mrr_end,
    sum(mrr_new) AS mrr_new,
    sum(mrr_reactivation) AS mrr_reactivation,
    sum(mrr_expansion) AS mrr_expansion,
    sum(mrr_contraction) AS mrr_contraction,
    sum(mrr_churn) AS mrr_churn
  FROM period_accounts
  GROUP BY plan
)
SELECT
  dimension,
  name,
  CAST(mrr_start AS DECIMAL(38, 12)) AS mrr_start,
  CAST(mrr_end AS DECIMAL(38, 12)) AS mrr_end,
  CAST(mrr_start_cc - mrr_start AS DECIMAL(38, 12)) AS mrr_fx_adjustment,
  CAST(mrr_new AS DECIMAL(38, 12)) AS mrr_new,
  CAST(mrr_reactivation AS DECIMAL(38, 12)) AS mrr_reactivation,
  CAST(mrr_expansion AS DECIMAL(38, 12)) AS mrr_expansion,
  CAST(mrr_contraction AS DECIMAL(38, 12)) AS mrr_contraction,
  CAST(mrr_churn AS DECIMAL(38, 12)) AS mrr_churn
FROM breakdown
ORDER BY dimension, mrr_end DESC, mrr_start DESC, name
