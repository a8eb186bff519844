-- Every account with an MRR movement in the report's period (index 0), for the digest's
-- account list: opening MRR in constant currency, closing MRR and the signed change the
-- movement contributes (closing − opening: negative for contraction and churn).
-- Ordered by movement (new, reactivation, expansion, contraction, churn), then by the size of
-- the change, then by account id.
SELECT
  m.account_id,
  a.name AS account_name,
  a.segment,
  m.movement,
  m.mrr_start_cc,
  m.mrr_end,
  CAST(m.mrr_end - m.mrr_start_cc AS DECIMAL(38, 12)) AS mrr_change
FROM revenue_account_movements AS m
LEFT JOIN accounts AS a
  ON a.account_id = m.account_id
WHERE m.period_index = 0
  AND m.movement IS NOT NULL
ORDER BY
  CASE m.movement
    WHEN 'new' THEN 1
    WHEN 'reactivation' THEN 2
    WHEN 'expansion' THEN 3
    WHEN 'contraction' THEN 4
    ELSE 5
  END,
  abs(m.mrr_end - m.mrr_start_cc) DESC,
  m.account_id
