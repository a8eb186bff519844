-- The head of usage_activity.sql on the usage rollups (docs/rollups.md): the keys of
-- relations/usage_activity_keys.sql from the rollup's (dt, local day, account, user) rows with
-- their features (usage_rollup_user_days) and its session rows (usage_rollup_sessions: per-day
-- summaries and the boundary rows of sessions that cross a partition boundary), for the same dt
-- partitions. The caller passes that dt range twice (user days, then sessions).
WITH flagged_days AS (
  -- The rollup's (dt, local day, account, user) rows of the dt range the caller passes (the same
  -- as usage_activity.sql's), flagged as usage_activity.sql flags the events.
  SELECT
    r.local_day,
    r.account_id,
    r.user_id,
    r.features,
    CASE WHEN r.local_day BETWEEN b.first_day_1 AND b.last_day_0 THEN r.user_id END AS period_user_id,
    CASE WHEN r.local_day BETWEEN b.first_day_0 AND b.last_day_0 THEN 1 ELSE 0 END AS in_period_0,
    CASE WHEN r.local_day BETWEEN b.first_day_1 AND b.last_day_1 THEN 1 ELSE 0 END AS in_period_1,
    CASE WHEN r.local_day BETWEEN b.health_from_0 AND b.last_day_0 THEN 1 ELSE 0 END AS in_health_0,
    CASE WHEN r.local_day BETWEEN b.health_from_1 AND b.last_day_1 THEN 1 ELSE 0 END AS in_health_1
  FROM usage_rollup_user_days AS r
  CROSS JOIN usage_activity_bounds AS b
  WHERE r.dt BETWEEN ? AND ?
),
flagged_features AS (
  -- One row per feature a user used on a day; only the feature keys need them.
  SELECT d.*, f.event_name
  FROM (SELECT * FROM flagged_days WHERE period_user_id IS NOT NULL OR in_health_0 = 1 OR in_health_1 = 1) AS d
  CROSS JOIN UNNEST(d.features) AS f(event_name)
),
session_keys AS (
  -- The session rows of the same dt range, as session keys of usage_activity.sql:
  -- - each session with events in more than one partition, from its boundary rows: first of the
  --   firsts, last of the lasts. As in usage_activity.sql, only what happens from a day before
  --   period 1 counts;
  -- - the summaries of the sessions of one partition, those of the local days of periods 0 and 1
  --   (a session starts on the local day of its first event), as rows of many sessions.
  SELECT
    CASE WHEN s.session_id IS NULL THEN s.local_day END AS local_day,
    CASE WHEN s.session_id IS NULL THEN sum(s.sessions) ELSE 1 END AS sessions,
    CASE
      WHEN s.session_id IS NULL THEN sum(s.session_ms)
      ELSE CAST(round((to_unixtime(max(s.last_at)) - to_unixtime(min(s.first_at))) * 1000) AS BIGINT)
    END AS session_ms,
    min(s.first_at) AS first_at,
    max(s.last_at) AS last_at
  FROM usage_rollup_sessions AS s
  CROSS JOIN usage_activity_bounds AS b
  WHERE s.dt BETWEEN ? AND ?
    AND (
      (s.session_id IS NOT NULL AND s.last_at >= b.start_ts_1 - INTERVAL '1' DAY)
      OR (s.session_id IS NULL AND s.local_day BETWEEN b.first_day_1 AND b.last_day_0)
    )
  -- Summaries are grouped by their day, boundary rows by their session.
  GROUP BY s.session_id, CASE WHEN s.session_id IS NULL THEN s.local_day END
),
distinct_keys AS (
  -- One row per distinct key of each kind, with the windows it was seen in (as in
  -- usage_activity.sql): the day and user keys from the day rows, the feature keys from the
  -- feature rows, and the sessions.
  SELECT
    CASE WHEN grouping(local_day) = 0 THEN 'account_day' ELSE 'account_user' END AS key_kind,
    account_id,
    CAST(NULL AS varchar) AS event_name,
    local_day,
    max(in_period_0) AS in_period_0,
    max(in_period_1) AS in_period_1,
    max(in_health_0) AS in_health_0,
    max(in_health_1) AS in_health_1,
    CAST(NULL AS timestamp) AS first_at,
    CAST(NULL AS timestamp) AS last_at,
    CAST(NULL AS BIGINT) AS sessions,
    CAST(NULL AS BIGINT) AS session_ms
  FROM flagged_days
  GROUP BY GROUPING SETS ((account_id, local_day), (account_id, user_id))
  UNION ALL
  SELECT
    CASE
      WHEN grouping(account_id) = 0 THEN 'account_feature'
      WHEN period_user_id IS NULL THEN 'none'
      ELSE 'feature_user'
    END AS key_kind,
    account_id,
    event_name,
    CAST(NULL AS date) AS local_day,
    max(in_period_0) AS in_period_0,
    max(in_period_1) AS in_period_1,
    max(in_health_0) AS in_health_0,
    max(in_health_1) AS in_health_1,
    CAST(NULL AS timestamp) AS first_at,
    CAST(NULL AS timestamp) AS last_at,
    CAST(NULL AS BIGINT) AS sessions,
    CAST(NULL AS BIGINT) AS session_ms
  FROM flagged_features
  GROUP BY GROUPING SETS ((event_name, period_user_id), (account_id, event_name))
  UNION ALL
  SELECT
    'session' AS key_kind,
    CAST(NULL AS varchar) AS account_id,
    CAST(NULL AS varchar) AS event_name,
    local_day,
    0 AS in_period_0,
    0 AS in_period_1,
    0 AS in_health_0,
    0 AS in_health_1,
    first_at,
    last_at,
    sessions,
    session_ms
  FROM session_keys
)
SELECT * FROM distinct_keys
