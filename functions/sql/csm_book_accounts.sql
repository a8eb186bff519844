-- Every account of every book in the report's period: each account of the accounts table and
-- each account with MRR at either end of the period (one without an accounts row is
-- unassigned), with its owner, its opening MRR in constant currency, closing MRR and the
-- movement it makes (revenue_account_movements, as the company's figures).
WITH book_accounts AS (
  SELECT account_id FROM accounts
  UNION
  SELECT account_id FROM revenue_account_movements WHERE period_index = 0
)
SELECT
  b.account_id,
  a.name AS account_name,
  a.segment,
  o.csm_owner,
  coalesce(m.mrr_start_cc, CAST(0 AS DECIMAL(38, 12))) AS mrr_start_cc,
  coalesce(m.mrr_end, CAST(0 AS DECIMAL(38, 12))) AS mrr_end,
  m.movement,
  CAST(coalesce(m.mrr_end, 0) - coalesce(m.mrr_start_cc, 0) AS DECIMAL(38, 12)) AS mrr_change
FROM book_accounts AS b
LEFT JOIN accounts AS a
  ON a.account_id = b.account_id
LEFT JOIN account_owners AS o
  ON o.period_index = 0
  AND o.account_id = b.account_id
LEFT JOIN revenue_account_movements AS m
  ON m.period_index = 0
  AND m.account_id = b.account_id
ORDER BY b.account_id
