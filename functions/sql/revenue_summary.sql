-- Revenue and customer totals per report period: the MRR bridge (opening balance, what exchange
-- rates alone changed, each movement, closing balance) and the customer counts. Money stays
-- decimal; the report turns it into numbers once, after the sums.
-- Also run over six calendar months (a replaced calendar) for the churn behind LTV.
SELECT
  p.period_index,
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
  -- Numerators of net and gross revenue retention (constant currency).
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
  count(*) FILTER (WHERE m.movement = 'expansion') AS customers_expanded,
  count(*) FILTER (WHERE m.movement = 'contraction') AS customers_contracted,
  count(*) FILTER (WHERE m.movement = 'churn') AS customers_churned
FROM report_periods AS p
LEFT JOIN revenue_account_movements AS m
  ON m.period_index = p.period_index
GROUP BY p.period_index
ORDER BY p.period_index
