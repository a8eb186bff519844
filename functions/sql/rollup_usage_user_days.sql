-- Rollup of usage_events at the (local day, account, user) grain, for the raw dt partitions
-- [?, ?] (the caller rolls up a batch of days; each dt is written as its own partition).
-- One row per raw partition, local day, account and user with what every usage KPI needs of
-- them (docs/rollups.md):
-- - events: distinct event ids. The copies of a repeated event_id share its instant (the
--   contract) and so its dt and local day: summing this over rows counts each event once;
-- - features: the distinct event names the user used that day, sorted.
-- Local days are those of the time zone the rollups are built in (usage_local_events). A local
-- day of a zone other than UTC spans two dt partitions: it has a row in each, and the report
-- adds them up. Only clean rows are rolled up; usage_quality counts the others.
SELECT
  e.dt,
  e.local_day,
  e.account_id,
  e.user_id,
  count(DISTINCT e.event_id) AS events,
  array_sort(array_agg(DISTINCT e.event_name)) AS features
FROM usage_local_events AS e
WHERE e.dt BETWEEN ? AND ?
GROUP BY e.dt, e.local_day, e.account_id, e.user_id
ORDER BY e.dt, e.local_day, e.account_id, e.user_id
