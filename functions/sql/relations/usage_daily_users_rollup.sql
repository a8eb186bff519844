-- The head of usage_trend.sql on the usage rollups (docs/rollups.md): the rows of
-- relations/usage_daily_users.sql from the rollup's (dt, local day, account, user) rows of the
-- same dt partitions. A user's rows of one local day (two dt partitions in a zone other than
-- UTC, several accounts) add up to its distinct events: a repeated event_id is one event of one
-- instant and user, so its copies fall in one row.
SELECT
  r.local_day,
  r.user_id,
  sum(CASE WHEN r.local_day >= c.first_counted_day THEN r.events ELSE 0 END) AS events
FROM usage_rollup_user_days AS r
CROSS JOIN usage_counted_days AS c
WHERE r.dt BETWEEN ? AND ?
GROUP BY r.local_day, r.user_id
