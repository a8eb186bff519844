-- The MRR bridge of each account in each report period: opening balance (mrr_start, and
-- mrr_start_cc in constant currency), closing balance (mrr_end, from account_mrr_end) and the
-- one movement it makes. Every movement is derived from the same three decimals, so the
-- identity  Σ mrr_start + (Σ mrr_start_cc − Σ mrr_start) + new + reactivation + expansion
--           − contraction − churn = Σ mrr_end  holds exactly, per account and in any sum.
--   new           opening 0, closing > 0, never paying before first_day       amount = closing
--   reactivation  opening 0, closing > 0, paying on some day before first_day  amount = closing
--   expansion     0 < opening < closing                                        amount = closing − opening
--   contraction   0 < closing < opening                                        amount = opening − closing
--   churn         opening > 0, closing 0                                       amount = opening
-- "Opening" is mrr_start_cc here (it is zero exactly when mrr_start is, rates being positive).
-- "Paying before" looks at days before first_day only: an account whose first paid day falls
-- inside the period is new in that period even if it stopped and resumed within it.
SELECT
  classified.period_index,
  classified.account_id,
  classified.mrr_start,
  classified.mrr_start_cc,
  classified.mrr_end,
  classified.movement,
  CAST(CASE WHEN classified.movement = 'new' THEN classified.mrr_end ELSE 0 END AS DECIMAL(38, 12)) AS mrr_new,
  CAST(
    CASE WHEN classified.movement = 'reactivation' THEN classified.mrr_end ELSE 0 END AS DECIMAL(38, 12)
  ) AS mrr_reactivation,
  CAST(
    CASE
      WHEN classified.movement = 'expansion' THEN classified.mrr_end - classified.mrr_start_cc
      ELSE 0
    END AS DECIMAL(38, 12)
  ) AS mrr_expansion,
  CAST(
    CASE
      WHEN classified.movement = 'contraction' THEN classified.mrr_start_cc - classified.mrr_end
      ELSE 0
    END AS DECIMAL(38, 12)
  ) AS mrr_contraction,
  CAST(
    CASE WHEN classified.movement = 'churn' THEN classified.mrr_start_cc ELSE 0 END AS DECIMAL(38, 12)
  ) AS mrr_churn
FROM (
  SELECT
    balances.period_index,
    balances.account_id,
    balances.mrr_start,
    balances.mrr_start_cc,
    balances.mrr_end,
    CASE
      WHEN balances.mrr_start_cc = 0 AND balances.mrr_end > 0 AND first_paid.first_paid_day >= p.first_day
        THEN 'new'
      WHEN balances.mrr_start_cc = 0 AND balances.mrr_end > 0 THEN 'reactivation'
      WHEN balances.mrr_start_cc > 0 AND balances.mrr_end = 0 THEN 'churn'
      WHEN balances.mrr_start_cc > 0 AND balances.mrr_end > balances.mrr_start_cc THEN 'expansion'
      WHEN balances.mrr_end > 0 AND balances.mrr_end < balances.mrr_start_cc THEN 'contraction'
    END AS movement
  FROM (
    -- Opening and closing balances side by side: one row per account paying at either end.
    SELECT
      period_index,
      account_id,
      CAST(sum(mrr_start) AS DECIMAL(38, 12)) AS mrr_start,
      CAST(sum(mrr_start_cc) AS DECIMAL(38, 12)) AS mrr_start_cc,
      CAST(sum(mrr_end) AS DECIMAL(38, 12)) AS mrr_end
    FROM (
      SELECT
        period_index,
        account_id,
        mrr_start,
        mrr_start_cc,
        CAST(0 AS DECIMAL(38, 12)) AS mrr_end
      FROM revenue_account_mrr_start
      UNION ALL
      SELECT
        period_index,
        account_id,
        CAST(0 AS DECIMAL(38, 12)) AS mrr_start,
        CAST(0 AS DECIMAL(38, 12)) AS mrr_start_cc,
        mrr_end
      FROM account_mrr_end
    ) AS sides
    GROUP BY period_index, account_id
  ) AS balances
  JOIN report_periods AS p
    ON p.period_index = balances.period_index
  LEFT JOIN revenue_account_first_paid AS first_paid
    ON first_paid.account_id = balances.account_id
) AS classified
