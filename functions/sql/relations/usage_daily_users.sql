-- The head of usage_trend.sql on the raw events: one row per local day and active user of the
-- dt partitions the caller passes (ComposeContext.heads), with the user's distinct event ids
-- of that day from the first day of period 1 on (ids are blanked before it, which keeps the
-- de-duplication small). The only aggregation of the events. The usage rollups give the same
-- rows from relations/usage_daily_users_rollup.sql.
SELECT
  e.local_day,
  e.user_id,
  count(DISTINCT CASE WHEN e.local_day >= c.first_counted_day THEN e.event_id END) AS events
FROM usage_local_events AS e
CROSS JOIN usage_counted_days AS c
WHERE e.dt BETWEEN ? AND ?
GROUP BY e.local_day, e.user_id
