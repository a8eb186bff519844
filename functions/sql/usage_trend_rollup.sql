-- usage_trend.sql over the usage rollups (usage_rollup_user_days, docs/rollups.md) instead of
-- the raw events: the same figures for the same dt partitions, read from one row per
-- (dt, local day, account, user) instead of one per event. Only the first step differs; the
-- steps after it are those of usage_trend.sql (keep them the same).
WITH counted_days AS (
  SELECT min(first_day) AS first_counted_day
  FROM report_periods
  WHERE period_index < 2
),
daily_users AS (
  -- One row per local day and active user, from the rollup's (dt, local day, account, user)
  -- rows of the same dt partitions usage_trend.sql reads: a user's rows of one local day (two
  -- dt partitions in a zone other than UTC, several accounts) add up to its distinct events.
  SELECT
    r.local_day,
    r.user_id,
    sum(CASE WHEN r.local_day >= c.first_counted_day THEN r.events ELSE 0 END) AS events
  FROM usage_rollup_user_days AS r
  CROSS JOIN counted_days AS c
  WHERE r.dt BETWEEN ? AND ?
  GROUP BY r.local_day, r.user_id
),
user_periods AS (
  -- Per user and period: active days and the last of them. Days before the calendar (read for
  -- the 30-day windows of the oldest periods) form bucket 99; days after it are left out.
  SELECT
    d.user_id,
    coalesce(rd.period_index, 99) AS bucket,
    count(*) AS active_days,
    max(d.local_day) AS last_active_day,
    sum(d.events) AS events
  FROM daily_users AS d
  LEFT JOIN report_days AS rd
    ON rd.day = d.local_day
  WHERE d.local_day <= (SELECT max(last_day) FROM report_periods)
  GROUP BY d.user_id, coalesce(rd.period_index, 99)
),
user_activity_spans AS (
  -- The next more recent period in which the same user was active (-1: none).
  SELECT
    user_id,
    bucket,
    active_days,
    last_active_day,
    events,
    coalesce(lag(bucket) OVER (PARTITION BY user_id ORDER BY bucket), -1) AS next_active_bucket
  FROM user_periods
),
user_period_status AS (
  -- Each row stands for its own period and the later ones up to the next active period.
  SELECT
    p.period_index,
    CASE WHEN p.period_index = s.bucket THEN s.active_days ELSE 0 END AS active_days,
    CASE WHEN p.period_index = s.bucket THEN s.events ELSE 0 END AS events,
    CASE WHEN p.period_index = s.bucket THEN 1 ELSE 0 END AS active_in_period,
    CASE
      WHEN p.period_index = s.bucket AND s.last_active_day >= CAST(p.last_day - INTERVAL '6' DAY AS DATE)
        THEN 1 ELSE 0
    END AS active_last_7_days,
    CASE WHEN s.last_active_day >= CAST(p.last_day - INTERVAL '29' DAY AS DATE) THEN 1 ELSE 0 END
      AS active_last_30_days
  FROM user_activity_spans AS s
  JOIN report_periods AS p
    ON p.period_index > s.next_active_bucket
    AND p.period_index <= s.bucket
  WHERE p.period_index < 12
)
SELECT
  p.period_index,
  coalesce(sum(u.active_days), 0) AS user_days,
  coalesce(sum(u.active_in_period), 0) AS active_users,
  coalesce(sum(u.active_last_7_days), 0) AS wau,
  coalesce(sum(u.active_last_30_days), 0) AS mau,
  -- Event ids are only counted in periods 0 and 1.
  CASE WHEN p.period_index < 2 THEN coalesce(sum(u.events), 0) END AS events
FROM report_periods AS p
LEFT JOIN user_period_status AS u
  ON u.period_index = p.period_index
WHERE p.period_index < 12
GROUP BY p.period_index
ORDER BY p.period_index
