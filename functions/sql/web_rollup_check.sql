-- Sessions of the web rollups' dt partitions [?, ?] whose events span more than 24 hours. The
-- rollup of a day saw the day before and after it, which is exactly what the raw query sees of
-- a session that lasts at most 24 hours; a longer one depends on the report's read window, so
-- a report with any (broken data) reads the raw events instead (docs/rollups.md).
SELECT count(*) AS long_sessions
FROM (
  SELECT s.session_id
  FROM web_rollup_sessions AS s
  WHERE s.dt BETWEEN ? AND ?
  GROUP BY s.session_id
  HAVING max(s.last_at) > min(s.first_at) + INTERVAL '1' DAY
) AS long_session
