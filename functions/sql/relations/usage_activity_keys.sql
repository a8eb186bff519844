-- The head of usage_activity.sql on the raw events: one row per distinct key the engagement
-- and health figures count (key_kind: 'session', 'feature_user', 'account_day',
-- 'account_user', 'account_feature'; 'none' rows are ignored), with 0/1 flags for the windows
-- it was seen in (in_period_0/1, in_health_0/1), from ONE aggregation of the events of the dt
-- range the caller passes (ComposeContext.heads). The usage rollups give the same keys from
-- relations/usage_activity_keys_rollup.sql.
WITH flagged_events AS (
  -- The events of the dt range the caller passes: from the earliest health or first-week day
  -- to two days after the period (a session that starts in the period may end after it).
  -- Feature users matter only in periods 0 and 1, sessions only from the day before period 1:
  -- elsewhere they are blanked, which keeps those roll-ups small.
  SELECT
    e.local_day,
    e.account_id,
    e.user_id,
    e.event_name,
    e.occurred_at,
    CASE WHEN e.local_day BETWEEN b.first_day_1 AND b.last_day_0 THEN e.user_id END AS period_user_id,
    CASE WHEN e.occurred_at >= b.start_ts_1 - INTERVAL '1' DAY THEN e.session_id END AS session_id,
    CASE WHEN e.local_day BETWEEN b.first_day_0 AND b.last_day_0 THEN 1 ELSE 0 END AS in_period_0,
    CASE WHEN e.local_day BETWEEN b.first_day_1 AND b.last_day_1 THEN 1 ELSE 0 END AS in_period_1,
    CASE WHEN e.local_day BETWEEN b.health_from_0 AND b.last_day_0 THEN 1 ELSE 0 END AS in_health_0,
    CASE WHEN e.local_day BETWEEN b.health_from_1 AND b.last_day_1 THEN 1 ELSE 0 END AS in_health_1
  FROM usage_local_events AS e
  CROSS JOIN usage_activity_bounds AS b
  WHERE e.dt BETWEEN ? AND ?
),
distinct_keys AS (
  -- The only aggregation of the events: one row per distinct key of each kind below, with the
  -- windows it was seen in.
  SELECT
    CASE
      -- Blanked keys (outside periods 0 and 1, events without a session) form NULL groups: ignored.
      WHEN grouping(session_id) = 0 AND session_id IS NULL THEN 'none'
      WHEN grouping(session_id) = 0 THEN 'session'
      WHEN grouping(local_day) = 0 THEN 'account_day'
      WHEN grouping(account_id) = 0 AND grouping(user_id) = 0 THEN 'account_user'
      WHEN grouping(account_id) = 0 THEN 'account_feature'
      WHEN period_user_id IS NULL THEN 'none'
      ELSE 'feature_user'
    END AS key_kind,
    account_id,
    event_name,
    local_day,
    max(in_period_0) AS in_period_0,
    max(in_period_1) AS in_period_1,
    max(in_health_0) AS in_health_0,
    max(in_health_1) AS in_health_1,
    -- A session lasts from its first to its last event (it may cross midnight), in whole
    -- milliseconds: integer sums are exact in any order (the rollups add them up per day).
    min(occurred_at) AS first_at,
    max(occurred_at) AS last_at,
    CAST(1 AS BIGINT) AS sessions,
    CAST(round((to_unixtime(max(occurred_at)) - to_unixtime(min(occurred_at))) * 1000) AS BIGINT) AS session_ms
  FROM flagged_events
  GROUP BY GROUPING SETS (
    (event_name, period_user_id),
    (account_id, local_day),
    (account_id, user_id),
    (account_id, event_name),
    (session_id)
  )
)
SELECT * FROM distinct_keys
