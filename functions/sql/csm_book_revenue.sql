-- The MRR bridge and customer counts of every CSM's book in the report's period and the
-- previous one: revenue_summary.sql's sums over the same per-account movements, grouped by
-- the account's owner (relations/account_owners.sql; NULL = unassigned). One query for all
-- books, so each book's identity holds to the cent and the books add up to the company.
SELECT
  m.period_index,
  o.csm_owner,
  CAST(coalesce(sum(m.mrr_start), 0) AS DECIMAL(38, 12)) AS mrr_start,
  CAST(coalesce(sum(m.mrr_start_cc), 0) AS DECIMAL(38, 12)) AS mrr_start_cc,
  CAST(coalesce(sum(m.mrr_end), 0) AS DECIMAL(38, 12)) AS mrr_end,
  CAST(coalesce(sum(m.mrr_end), 0) * 12 AS DECIMAL(38, 12)) AS arr,
  CAST(coalesce(sum(m.mrr_start_cc), 0) - coalesce(sum(m.mrr_start), 0) AS DECIMAL(38, 12)) AS mrr_fx_adjustment,
  CAST(coalesce(sum(m.mrr_new), 0) AS DECIMAL(38, 12)) AS mrr_new,
  CAST(coalesce(sum(m.mrr_reactivation), 0) AS DECIMAL(38, 12)) AS mrr_reactivation,
  CAST(coalesce(sum(m.mrr_expansion), 0) AS DECIMAL(38, 12)) AS mrr_expansion,
  CAST(coalesce(sum(m.mrr_contraction), 0) AS DECIMAL(38, 12)) AS mrr_contraction,
  CAST(coalesce(sum(m.mrr_churn), 0) AS DECIMAL(38, 12)) AS mrr_churn,
  CAST(
    coalesce(
      sum(m.mrr_new + m.mrr_reactivation + m.mrr_expansion - m.mrr_contraction - m.mrr_churn),
      0
    ) AS DECIMAL(38, 12)
  ) AS net_new_mrr,
  CAST(
    coalesce(sum(m.mrr_start_cc + m.mrr_expansion - m.mrr_contraction - m.mrr_churn), 0) AS DECIMAL(38, 12)
  ) AS mrr_retained_net,
  CAST(
    coalesce(sum(m.mrr_start_cc - m.mrr_contraction - m.mrr_churn), 0) AS DECIMAL(38, 12)
  ) AS mrr_retained_gross,
  count(*) FILTER (WHERE m.mrr_start > 0) AS customers_start,
  count(*) FILTER (WHERE m.mrr_end > 0) AS customers_end,
  count(*) FILTER (WHERE m.movement = 'new') AS customers_new,
  count(*) FILTER (WHERE m.movement = 'reactivation') AS customers_reactivated,
  count(*) FILTER (WHERE m.movement = 'churn') AS customers_churned
FROM revenue_account_movements AS m
LEFT JOIN account_owners AS o
  ON o.period_index = m.period_index
  AND o.account_id = m.account_id
WHERE m.period_index < 2
GROUP BY m.period_index, o.csm_owner
ORDER BY m.period_index, o.csm_owner
