-- Sessions of the usage rollups' dt partitions [?, ?] whose events span more than 24 hours,
-- from the boundary rows (a session with events in more than one partition; the summary rows
-- hold sessions of one partition, under 24 hours). The rollup of a day told the sessions of that
-- day alone from those that cross into the day before or after; the raw query's figures for a
-- longer session depend on how far back the report reads (it ignores events more than a day
-- before period 1), which no day's rollup can know, so a report with any (broken data) reads
-- the raw events instead (docs/rollups.md).
SELECT count(*) AS long_sessions
FROM (
  SELECT s.session_id
  FROM usage_rollup_sessions AS s
  WHERE s.dt BETWEEN ? AND ?
    AND s.session_id IS NOT NULL
  GROUP BY s.session_id
  HAVING max(s.last_at) > min(s.first_at) + INTERVAL '1' DAY
) AS long_session
