-- The CSM who owns each account in the report's period and the previous one (periods 0 and 1):
-- accounts.csm_owner as of the period's last day, trimmed and lower-cased (an e-mail address
-- compares case-insensitively), NULL when empty (the "unassigned" book). The accounts table
-- holds one row per account with its owner as exported, which is taken as the owner on the
-- period's last day: an account that changed owner during the period belongs, with its whole
-- bridge (opening, movement, closing), to the owner it has at the end (docs/csm-digests.md).
-- Two nested single-match replacements, as DuckDB's regexp_replace replaces only the first
-- match and Trino's every match; trim() would strip only spaces in DuckDB.
SELECT
  p.period_index,
  a.account_id,
  nullif(lower(regexp_replace(regexp_replace(a.csm_owner, '^\s+', ''), '\s+$', '')), '') AS csm_owner
FROM report_periods AS p
CROSS JOIN accounts AS a
WHERE p.period_index < 2
