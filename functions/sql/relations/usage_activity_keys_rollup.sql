-- The head of usage_activity.sql on the usage rollups (docs/rollups.md): the keys of
-- relations/usage_activity_keys.sql from the rollup's (dt, local day, account, user) rows with
-- their features (usage_rollup_user_days) and its session rows (usage_rollup_sessions: per-day
-- summaries and the boundary rows of sessions that cross a partition boundary), for the same dt
-- partitions. The caller passes that dt range twice (user days, then sessions).
-- The feature keys come as the raw head's are counted, not one row each: a 'feature_user' row
-- per feature whose in_period_0/1 are its numbers of distinct users (usage_activity.sql sums
-- them), from the features of each user OR-ed as bits over the user's days.
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
day_features AS (
  -- The distinct feature lists of those rows, each feature of each list a row: far fewer than
  -- the rows, as the same lists recur over users and days.
  SELECT a.features, f.event_name
  FROM (SELECT DISTINCT features FROM flagged_days) AS a
  CROSS JOIN UNNEST(a.features) AS f(event_name)
),
feature_bits AS (
  -- Each feature numbered by name, as one bit of a word of 62 bits (any number of features fits
  -- in enough words), so that a user's features over many days are OR-ed as integers instead of
  -- being unnested and grouped into (feature, user) pairs.
  SELECT
    features,
    event_name,
    CAST(floor(CAST(n AS DOUBLE) / 62) AS BIGINT) AS word,
    CAST(power(2, n % 62) AS BIGINT) AS bit
  FROM (
    SELECT d.*, dense_rank() OVER (ORDER BY d.event_name) - 1 AS n
    FROM day_features AS d
  ) AS numbered
),
feature_masks AS (
  -- The features used in each window, OR-ed over days: per user and word for periods 0 and 1
  -- (over the user's accounts, as a feature's users are distinct users), per account and word
  -- for the health windows.
  SELECT
    CASE WHEN grouping(d.user_id) = 0 THEN 'user' ELSE 'account' END AS mask_of,
    d.user_id,
    d.account_id,
    m.word,
    bitwise_or_agg(CASE WHEN d.in_period_0 = 1 THEN m.mask ELSE 0 END) AS in_period_0,
    bitwise_or_agg(CASE WHEN d.in_period_1 = 1 THEN m.mask ELSE 0 END) AS in_period_1,
    bitwise_or_agg(CASE WHEN d.in_health_0 = 1 THEN m.mask ELSE 0 END) AS in_health_0,
    bitwise_or_agg(CASE WHEN d.in_health_1 = 1 THEN m.mask ELSE 0 END) AS in_health_1
  FROM flagged_days AS d
  JOIN (
    -- Each list's features as a mask per word.
    SELECT features, word, bitwise_or_agg(bit) AS mask
    FROM feature_bits
    GROUP BY features, word
  ) AS m
    ON m.features = d.features
  WHERE d.period_user_id IS NOT NULL OR d.in_health_0 = 1 OR d.in_health_1 = 1
  GROUP BY GROUPING SETS ((d.user_id, m.word), (d.account_id, m.word))
),
feature_keys AS (
  -- The feature keys from the masks' bits: one 'feature_user' row per feature, whose
  -- in_period_0/1 count its distinct users in each period (a raw key is one feature and user;
  -- usage_activity.sql adds them up), and one 'account_feature' row per account and feature,
  -- with the health windows it was used in.
  SELECT
    CASE
      WHEN grouping(m.account_id) = 1 THEN 'feature_user'
      WHEN m.mask_of = 'user' THEN 'none'
      ELSE 'account_feature'
    END AS key_kind,
    m.account_id,
    b.event_name,
    count(CASE WHEN m.mask_of = 'user' AND bitwise_and(m.in_period_0, b.bit) <> 0 THEN 1 END) AS in_period_0,
    count(CASE WHEN m.mask_of = 'user' AND bitwise_and(m.in_period_1, b.bit) <> 0 THEN 1 END) AS in_period_1,
    max(CASE WHEN m.mask_of = 'account' AND bitwise_and(m.in_health_0, b.bit) <> 0 THEN 1 ELSE 0 END) AS in_health_0,
    max(CASE WHEN m.mask_of = 'account' AND bitwise_and(m.in_health_1, b.bit) <> 0 THEN 1 ELSE 0 END) AS in_health_1
  FROM feature_masks AS m
  JOIN (SELECT DISTINCT event_name, word, bit FROM feature_bits) AS b
    ON b.word = m.word
  GROUP BY GROUPING SETS ((b.event_name), (m.mask_of, m.account_id, b.event_name))
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
  -- usage_activity.sql): the day and user keys from the day rows, the feature keys (counted per
  -- feature for 'feature_user'), and the sessions.
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
    key_kind,
    account_id,
    event_name,
    CAST(NULL AS date) AS local_day,
    in_period_0,
    in_period_1,
    in_health_0,
    in_health_1,
    CAST(NULL AS timestamp) AS first_at,
    CAST(NULL AS timestamp) AS last_at,
    CAST(NULL AS BIGINT) AS sessions,
    CAST(NULL AS BIGINT) AS session_ms
  FROM feature_keys
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
