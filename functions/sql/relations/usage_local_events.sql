-- Every usage event with the local calendar day it happened on in the report's time zone.
-- tz_shifts holds the zone's UTC-offset spans (usually one to a few rows), so the local day is
-- the UTC instant shifted by the offset of the span it falls in; no time-zone functions in SQL.
-- Queries filter `dt` (the UTC date partition) on this relation so that only the partitions
-- they need are read; the filter is pushed down to the table scan.
SELECT
  e.event_id,
  e.occurred_at,
  e.account_id,
  e.user_id,
  e.event_name,
  e.session_id,
  e.dt,
  CAST(e.occurred_at + z.shift AS DATE) AS local_day
FROM usage_events AS e
JOIN (
  -- The offset as an interval once per span rather than once per event.
  SELECT from_ts, to_ts, offset_minutes * INTERVAL '1' MINUTE AS shift
  FROM tz_shifts
) AS z
  ON e.occurred_at >= z.from_ts
  AND e.occurred_at < z.to_ts
