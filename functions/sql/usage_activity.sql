-- Usage of the report's period and the previous one (periods 0 and 1), from ONE pass over
-- usage_events: the engagement KPIs (sessions, features, active paying accounts, first-week
-- engagement) and the usage side of the customer health score (per account paying
-- on last_day, over the 30 days ending on last_day).
--
-- How it stays cheap on tens of millions of events:
-- - every step reads the step before it once: Trino does not materialise a WITH query that is
--   read twice (each read would scan the events again);
-- - the events are aggregated once, with GROUPING SETS whose keys are the distinct things the
--   KPIs count (sessions, feature × user, account × day, account × user, account × feature);
--   each key row carries 0/1 flags for the windows it was seen in, so every distinct count
--   afterwards is a plain count of rows (many count(DISTINCT …) side by side cost more). The
--   rollups' head gives a feature's users already counted (one 'feature_user' row per feature,
--   its flags the numbers of users), so those are summed, which is the same for 0/1 flags;
-- - distinct active users and events per period come from usage_trend.sql, which reads those
--   days anyway;
-- - each event is flagged for periods 0 and 1 at once (columns `…_0`, `…_1`) instead of being
--   copied per period; the last steps turn the result into one row per period and `grain`:
--     'period'  totals of the period (event_name and account_id NULL)
--     'feature' distinct users of one feature (period 0 only, its top 10)
--     'account' health usage of one account paying on last_day
-- Days are local calendar days in the report's time zone (usage_local_events).
-- The distinct keys come from the head relation `usage_activity_keys` (ComposeContext.heads,
-- docs/sql.md): relations/usage_activity_keys.sql aggregates the raw events,
-- relations/usage_activity_keys_rollup.sql reads the usage rollups; the steps below are the
-- same text for both.
WITH paying AS (
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
  FROM usage_activity_periods AS p
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
    -- Per feature its distinct users; in the totals, the sum of that over the features. A raw
    -- feature_user key is one user (its flags 0 or 1); the rollups' is a feature with its counts.
    coalesce(sum(CASE WHEN k.key_kind = 'feature_user' THEN k.in_period_0 END), 0) AS feature_users_0,
    coalesce(sum(CASE WHEN k.key_kind = 'feature_user' THEN k.in_period_1 END), 0) AS feature_users_1,
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
    FROM usage_activity_keys AS d
    CROSS JOIN (SELECT first_day, last_day, start_ts, end_ts FROM usage_activity_periods WHERE period_index = 0) AS p0
    CROSS JOIN (SELECT first_day, last_day, start_ts, end_ts FROM usage_activity_periods WHERE period_index = 1) AS p1
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
  CROSS JOIN usage_activity_periods AS p
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
