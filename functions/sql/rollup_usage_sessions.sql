-- Rollup of the sessions of usage_events for the raw dt partitions [?, ?]: one row per raw
-- partition, local day and session_id with the session's first and last event of that day.
-- A session that crosses midnight has a row for each day it has events on; the report merges
-- them (first of the firsts, last of the lasts) over the days it reads, so its length and the
-- period its first event falls in are those of its raw events. Events without a session_id
-- belong to no session.
SELECT
  e.dt,
  e.local_day,
  e.session_id,
  min(e.occurred_at) AS first_at,
  max(e.occurred_at) AS last_at
FROM usage_local_events AS e
WHERE e.dt BETWEEN ? AND ?
  AND e.session_id IS NOT NULL
GROUP BY e.dt, e.local_day, e.session_id
ORDER BY e.dt, e.local_day, e.session_id
