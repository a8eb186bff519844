-- usage_activity.sql over the usage rollups (docs/rollups.md) instead of the raw events: the
-- same figures for the same dt partitions. The distinct keys come from the rollup's
-- (dt, local day, account, user) rows with their features (usage_rollup_user_days) and the
-- session rows (usage_rollup_sessions: per-day summaries and the boundary rows of sessions that
-- cross a partition boundary); the steps after distinct_keys are those of usage_activity.sql
-- (keep them the same).
WITH activity_periods AS (
  -- The days each measure of periods 0 and 1 looks at: the period itself; the 30 days ending on
  -- last_day (health); the sign-up days of the first-week cohort, [first_day - 7, last_day - 7].
  SELECT
    period_index,
    first_day,
    last_day,
    start_ts,
    end_ts,
    CAST(last_day - INTERVAL '29' DAY AS DATE) AS health_from,
    CAST(first_day - INTERVAL '7' DAY AS DATE) AS cohort_from,
    CAST(last_day - INTERVAL '7' DAY AS DATE) AS cohort_to
  FROM report_periods
  WHERE period_index < 2
),
bounds AS (
  -- The same bounds side by side in one row, to flag each event for both periods at once.
  SELECT
    max(CASE WHEN period_index = 0 THEN first_day END) AS first_day_0,
    max(CASE WHEN period_index = 0 THEN last_day END) AS last_day_0,
    max(CASE WHEN period_index = 0 THEN health_from END) AS health_from_0,
    max(CASE WHEN period_index = 1 THEN first_day END) AS first_day_1,
    max(CASE WHEN period_index = 1 THEN last_day END) AS last_day_1,
    max(CASE WHEN period_index = 1 THEN start_ts END) AS start_ts_1,
    max(CASE WHEN period_index = 1 THEN health_from END) AS health_from_1
  FROM activity_periods
),
flagged_days AS (
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
  CROSS JOIN bounds AS b
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
  CROSS JOIN bounds AS b
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
),
paying AS (
  -- Accounts paying on last_day of period 0 or 1 (MRR > 0).
  SELECT
    account_id,
    max(CASE WHEN period_index = 0 THEN 1 ELSE 0 END) AS paying_0,
    max(CASE WHEN period_index = 1 THEN 1 ELSE 0 END) AS paying_1
  FROM account_mrr_end
  WHERE period_index < 2
  GROUP BY account_id
),
first_week_cohort AS (
  -- Accounts whose first week ends within period 0 or 1: created (local day) in
  -- [first_day - 7, last_day - 7]. Their first 7 days are the local calendar day of sign-up and
  -- the six days after it. The two cohorts are disjoint: an account is in one at most.
  SELECT
    p.period_index,
    s.account_id,
    s.signup_day,
    CAST(s.signup_day + INTERVAL '6' DAY AS DATE) AS first_week_end
  FROM activity_periods AS p
  JOIN (
    SELECT
      a.account_id,
      CAST(a.created_at + z.offset_minutes * INTERVAL '1' MINUTE AS DATE) AS signup_day
    FROM accounts AS a
    JOIN tz_shifts AS z
      ON a.created_at >= z.from_ts
      AND a.created_at < z.to_ts
  ) AS s
    ON s.signup_day BETWEEN p.cohort_from AND p.cohort_to
),
by_grain AS (
  -- The counts: totals, per feature and per account, each a count of key rows.
  SELECT
    -- grouping() has a bit set per column the row is not grouped by: 3 = neither (totals).
    CASE grouping(k.event_name, k.account_id)
      WHEN 3 THEN 'period'
      WHEN 1 THEN 'feature'
      ELSE 'account'
    END AS grain,
    k.event_name,
    k.account_id,
    -- A session counts in the period its first event falls in; no session_id, no session. A
    -- session row is one session (`sessions` 1) or, from the rollups, a day's summary of many.
    coalesce(sum(CASE WHEN k.key_kind = 'session' AND k.session_start_period = 0 THEN k.sessions END), 0)
      AS sessions_0,
    coalesce(sum(CASE WHEN k.key_kind = 'session' AND k.session_start_period = 1 THEN k.sessions END), 0)
      AS sessions_1,
    CAST(sum(CASE WHEN k.key_kind = 'session' AND k.session_start_period = 0 THEN k.session_ms END) AS BIGINT)
      AS session_ms_0,
    CAST(sum(CASE WHEN k.key_kind = 'session' AND k.session_start_period = 1 THEN k.session_ms END) AS BIGINT)
      AS session_ms_1,
    -- Per feature its distinct users; in the totals, the sum of that over the features.
    count(CASE WHEN k.key_kind = 'feature_user' AND k.in_period_0 = 1 THEN 1 END) AS feature_users_0,
    count(CASE WHEN k.key_kind = 'feature_user' AND k.in_period_1 = 1 THEN 1 END) AS feature_users_1,
    -- Per feature: used by any account in the health window.
    max(CASE WHEN k.key_kind = 'account_feature' THEN k.in_health_0 ELSE 0 END) AS used_in_health_0,
    max(CASE WHEN k.key_kind = 'account_feature' THEN k.in_health_1 ELSE 0 END) AS used_in_health_1,
    -- Per account.
    max(CASE WHEN k.key_kind = 'account_day' THEN k.in_period_0 ELSE 0 END) AS active_0,
    max(CASE WHEN k.key_kind = 'account_day' THEN k.in_period_1 ELSE 0 END) AS active_1,
    count(CASE WHEN k.key_kind = 'account_day' AND k.in_health_0 = 1 THEN 1 END) AS health_days_0,
    count(CASE WHEN k.key_kind = 'account_day' AND k.in_health_1 = 1 THEN 1 END) AS health_days_1,
    count(CASE WHEN k.key_kind = 'account_user' AND k.in_health_0 = 1 THEN 1 END) AS health_users_0,
    count(CASE WHEN k.key_kind = 'account_user' AND k.in_health_1 = 1 THEN 1 END) AS health_users_1,
    count(CASE WHEN k.key_kind = 'account_feature' AND k.in_health_0 = 1 THEN 1 END) AS health_features_0,
    count(CASE WHEN k.key_kind = 'account_feature' AND k.in_health_1 = 1 THEN 1 END) AS health_features_1,
    count(
      CASE
        WHEN k.key_kind = 'account_day' AND k.local_day BETWEEN c.signup_day AND c.first_week_end THEN 1
      END
    ) AS first_week_days,
    max(c.period_index) AS cohort_period,
    max(coalesce(m.paying_0, 0)) AS paying_0,
    max(coalesce(m.paying_1, 0)) AS paying_1
  FROM (
    SELECT
      d.*,
      CASE
        WHEN d.key_kind <> 'session' THEN NULL
        WHEN d.first_at >= p0.start_ts AND d.first_at < p0.end_ts THEN 0
        WHEN d.first_at >= p1.start_ts AND d.first_at < p1.end_ts THEN 1
        -- A rollup's summary of sessions has no instant, only the local day they started on.
        WHEN d.first_at IS NULL AND d.local_day BETWEEN p0.first_day AND p0.last_day THEN 0
        WHEN d.first_at IS NULL AND d.local_day BETWEEN p1.first_day AND p1.last_day THEN 1
      END AS session_start_period
    FROM distinct_keys AS d
    CROSS JOIN (SELECT first_day, last_day, start_ts, end_ts FROM activity_periods WHERE period_index = 0) AS p0
    CROSS JOIN (SELECT first_day, last_day, start_ts, end_ts FROM activity_periods WHERE period_index = 1) AS p1
    WHERE d.key_kind <> 'none'
  ) AS k
  LEFT JOIN first_week_cohort AS c
    ON c.account_id = k.account_id
  LEFT JOIN paying AS m
    ON m.account_id = k.account_id
  GROUP BY GROUPING SETS ((), (k.event_name), (k.account_id))
),
per_period AS (
  -- One row per period and grain.
  SELECT
    g.grain,
    p.period_index,
    g.event_name,
    g.account_id,
    CASE p.period_index WHEN 0 THEN g.sessions_0 ELSE g.sessions_1 END AS sessions,
    CASE p.period_index WHEN 0 THEN g.session_ms_0 ELSE g.session_ms_1 END AS session_ms,
    CASE p.period_index WHEN 0 THEN g.feature_users_0 ELSE g.feature_users_1 END AS feature_users,
    CASE p.period_index WHEN 0 THEN g.used_in_health_0 ELSE g.used_in_health_1 END AS used_in_health,
    CASE p.period_index WHEN 0 THEN g.active_0 ELSE g.active_1 END AS active,
    CASE p.period_index WHEN 0 THEN g.paying_0 ELSE g.paying_1 END AS paying,
    CASE p.period_index WHEN 0 THEN g.health_days_0 ELSE g.health_days_1 END AS health_active_days,
    CASE p.period_index WHEN 0 THEN g.health_users_0 ELSE g.health_users_1 END AS health_active_users,
    CASE p.period_index WHEN 0 THEN g.health_features_0 ELSE g.health_features_1 END AS health_features_used,
    CASE WHEN g.cohort_period = p.period_index AND g.first_week_days >= 3 THEN 1 ELSE 0 END
      AS first_week_engaged
  FROM by_grain AS g
  CROSS JOIN activity_periods AS p
),
ranked AS (
  -- Per-period counts of feature and account rows, as window functions so the rows stay.
  SELECT
    r.*,
    count(CASE WHEN r.grain = 'feature' AND r.feature_users > 0 THEN 1 END)
      OVER (PARTITION BY r.period_index) AS features_used,
    count(CASE WHEN r.grain = 'feature' AND r.used_in_health = 1 THEN 1 END)
      OVER (PARTITION BY r.period_index) AS features_used_in_health,
    count(CASE WHEN r.grain = 'account' AND r.active = 1 AND r.paying = 1 THEN 1 END)
      OVER (PARTITION BY r.period_index) AS active_paying_accounts,
    sum(CASE WHEN r.grain = 'account' THEN r.first_week_engaged ELSE 0 END)
      OVER (PARTITION BY r.period_index) AS first_week_engaged_accounts,
    row_number() OVER (PARTITION BY r.period_index, r.grain ORDER BY r.feature_users DESC, r.event_name)
      AS feature_rank
  FROM per_period AS r
),
customers AS (
  SELECT period_index, count(*) AS customers
  FROM account_mrr_end
  WHERE period_index < 2
  GROUP BY period_index
),
cohort_sizes AS (
  SELECT period_index, count(*) AS first_week_accounts
  FROM first_week_cohort
  GROUP BY period_index
)
SELECT
  r.grain,
  r.period_index,
  r.event_name,
  r.account_id,
  r.sessions,
  r.session_ms,
  r.feature_users,
  r.features_used,
  r.features_used_in_health,
  r.active_paying_accounts,
  coalesce(cu.customers, 0) AS customers,
  coalesce(cs.first_week_accounts, 0) AS first_week_accounts,
  r.first_week_engaged_accounts AS first_week_engaged,
  r.health_active_days,
  r.health_active_users,
  r.health_features_used
FROM ranked AS r
LEFT JOIN customers AS cu
  ON r.grain = 'period'
  AND cu.period_index = r.period_index
LEFT JOIN cohort_sizes AS cs
  ON r.grain = 'period'
  AND cs.period_index = r.period_index
WHERE r.grain = 'period'
  OR (
    r.grain = 'feature'
    AND r.event_name IS NOT NULL
    AND r.feature_users > 0
    AND r.period_index = 0
    AND r.feature_rank <= 10
  )
  OR (r.grain = 'account' AND r.account_id IS NOT NULL AND r.paying = 1)
ORDER BY r.grain DESC, r.period_index, r.feature_rank, r.account_id
