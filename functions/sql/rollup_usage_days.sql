-- Rollup of the clean usage_events of the raw dt partitions [?, ?] (the caller rolls up a batch
-- of days; each dt is written as its own partition), in ONE pass over the events, as two kinds
-- of rows (`part`), the two rollup tables of docs/rollups.md:
-- 'user_day' one per raw partition, local day, account and user, with
--   - events: distinct event ids. The copies of a repeated event_id share its instant and user
--     (the contract), so its dt and local day: summing this over rows counts each event once;
--   - features: the distinct event names the user used that day, sorted;
-- 'session'  one per raw partition, local day and session_id, with the session's first and last
--   event of that day. A session that crosses midnight has a row for each day it has events
--   on; the report merges them (first of the firsts, last of the lasts). Events without a
--   session_id belong to no session (their NULL group is dropped when written).
-- Local days are those of the zone the rollups are built in (usage_local_events). A local day of
-- a zone other than UTC spans two dt partitions: it has rows in each, the report adds them up.
SELECT
  CASE WHEN grouping(e.session_id) = 0 THEN 'session' ELSE 'user_day' END AS part,
  e.dt,
  e.local_day,
  e.account_id,
  e.user_id,
  e.session_id,
  count(DISTINCT e.event_id) AS events,
  array_sort(array_agg(DISTINCT e.event_name)) AS features,
  min(e.occurred_at) AS first_at,
  max(e.occurred_at) AS last_at
FROM usage_local_events AS e
WHERE e.dt BETWEEN ? AND ?
GROUP BY GROUPING SETS (
  (e.dt, e.local_day, e.account_id, e.user_id),
  (e.dt, e.local_day, e.session_id)
)
