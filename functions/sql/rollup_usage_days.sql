-- Rollup of the clean usage_events of the raw dt partitions [?5, ?6] (the caller rolls up a batch
-- of days; each dt is written as its own partition), as two kinds of rows (`part`), the two
-- rollup tables of docs/rollups.md:
-- 'user_day' one per raw partition, local day, account and user, from the batch's own events:
--   - events: distinct event ids. The copies of a repeated event_id share its instant and user
--     (the contract), so its dt and local day: summing this over rows counts each event once;
--   - features: the distinct event names the user used that day, sorted;
-- 'session'  the sessions of each raw partition d, from the events of d − 1, d and d + 1 (the
--   partitions [?1, ?2] = the batch and a day either side; the rows of [?3, ?4] = the batch are
--   kept), of two kinds:
--   - a summary row per (d, local day): `sessions` and `session_ms` (Σ whole milliseconds from
--     first to last event) of the sessions whose events of d − 1 … d + 1 all lie in d, by the
--     local day of their first event (session_id NULL). Almost every session is one of these;
--   - a boundary row per session with events in d and in d − 1 or d + 1: its first and last event
--     in d (`first_at`, `last_at`; `sessions` and `session_ms` NULL). The report merges a
--     session's boundary rows over the partitions it reads (first of the firsts, last of the
--     lasts), exactly as the raw query sees the session.
--   Events without a session_id belong to no session.
-- Local days are those of the zone the rollups are built in (usage_local_events). A local day of
-- a zone other than UTC spans two dt partitions: it has rows in each, the report adds them up.
WITH session_days AS (
  -- Each session's first and last event in each partition read.
  SELECT
    e.session_id,
    e.dt,
    min(e.occurred_at) AS first_at,
    max(e.occurred_at) AS last_at,
    -- Local days grow with the instant: the least is the local day of the first event.
    min(e.local_day) AS first_day
  FROM usage_local_events AS e
  WHERE e.dt BETWEEN ? AND ?
    AND e.session_id IS NOT NULL
  GROUP BY e.session_id, e.dt
),
placed AS (
  -- Whether the session also has events in the partition before or after (then a boundary row).
  SELECT
    s.*,
    CASE
      WHEN date_diff('day', CAST(lag(s.dt) OVER (PARTITION BY s.session_id ORDER BY s.dt) AS DATE), CAST(s.dt AS DATE)) = 1
        OR date_diff('day', CAST(s.dt AS DATE), CAST(lead(s.dt) OVER (PARTITION BY s.session_id ORDER BY s.dt) AS DATE)) = 1
        THEN s.session_id
    END AS boundary_session_id
  FROM session_days AS s
),
session_rows AS (
  -- One group per summary (dt, local day) and one per boundary row (its session is its key).
  SELECT
    p.dt,
    p.first_day AS local_day,
    p.boundary_session_id AS session_id,
    CASE WHEN p.boundary_session_id IS NULL THEN count(*) END AS sessions,
    CASE
      WHEN p.boundary_session_id IS NULL
        THEN CAST(sum(CAST(round((to_unixtime(p.last_at) - to_unixtime(p.first_at)) * 1000) AS BIGINT)) AS BIGINT)
    END AS session_ms,
    CASE WHEN p.boundary_session_id IS NOT NULL THEN min(p.first_at) END AS first_at,
    CASE WHEN p.boundary_session_id IS NOT NULL THEN max(p.last_at) END AS last_at
  FROM placed AS p
  WHERE p.dt BETWEEN ? AND ?
  GROUP BY p.dt, p.first_day, p.boundary_session_id
)
SELECT
  'user_day' AS part,
  e.dt,
  e.local_day,
  e.account_id,
  e.user_id,
  CAST(NULL AS VARCHAR) AS session_id,
  count(DISTINCT e.event_id) AS events,
  array_sort(array_agg(DISTINCT e.event_name)) AS features,
  CAST(NULL AS BIGINT) AS sessions,
  CAST(NULL AS BIGINT) AS session_ms,
  CAST(NULL AS TIMESTAMP) AS first_at,
  CAST(NULL AS TIMESTAMP) AS last_at
FROM usage_local_events AS e
WHERE e.dt BETWEEN ? AND ?
GROUP BY e.dt, e.local_day, e.account_id, e.user_id
UNION ALL
SELECT
  'session' AS part,
  r.dt,
  r.local_day,
  CAST(NULL AS VARCHAR) AS account_id,
  CAST(NULL AS VARCHAR) AS user_id,
  r.session_id,
  CAST(NULL AS BIGINT) AS events,
  NULL AS features,
  r.sessions,
  r.session_ms,
  r.first_at,
  r.last_at
FROM session_rows AS r
