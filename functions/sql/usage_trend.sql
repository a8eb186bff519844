-- Active users of every trend period (0 … 11): the inputs of dau, wau, mau and the stickiness
-- trend, and the events of periods 0 and 1 (for events per active user). Reads the UTC dates the
-- 12 periods and their 30-day windows need (the caller passes that dt range to the head below).
--
-- The events are rolled up once to distinct (local day, user) pairs, then to one row per user
-- and period with the user's active days and last active day. Every figure is then a plain
-- count, without a distinct count per window:
-- - dau numerator  = Σ active days of the users in the period (days without events count 0);
-- - active users   = users with a row for the period;
-- - wau            = those whose last active day in the period is one of its last 7 days (the
--                    last 7 days of a week or a month lie inside it);
-- - mau            = users whose last active day on or before last_day is one of the 30 days
--                    ending on last_day. For that, each (user, period) row also stands for the
--                    later periods in which the user was not active (up to the user's next
--                    active period): only the latest activity before a period matters to it;
-- - events         = distinct event ids, periods 0 and 1 only. A repeated event_id is a
--                    duplicate delivery of one event (same instant and user), so its copies
--                    fall in one (day, user) row and count once there. Elsewhere the ids are
--                    blanked, which keeps the de-duplication small.
-- The (local day, user) rows come from the head relation `usage_daily_users` (ComposeContext.heads,
-- docs/sql.md): relations/usage_daily_users.sql aggregates the raw events,
-- relations/usage_daily_users_rollup.sql the usage rollups; the steps below are the same text
-- for both. Every step reads the one before it once (Trino would scan the events again for a
-- second read).
WITH user_periods AS (
  -- Per user and period: active days and the last of them. Days before the calendar (read for
  -- the 30-day windows of the oldest periods) form bucket 99; days after it are left out.
  SELECT
    d.user_id,
    coalesce(rd.period_index, 99) AS bucket,
    count(*) AS active_days,
    max(d.local_day) AS last_active_day,
    sum(d.events) AS events
  FROM usage_daily_users AS d
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
