-- The head of web_engagement.sql on the daily web rollups (docs/rollups.md): the sums of
-- relations/web_facts.sql, from one row per session, local day and visitor of the computed
-- periods (web_rollup_sessions: the period, segment and visitor figures) and one per local day
-- and page of period 0 (web_rollup_pages: the page figures, without visitors or sessions, which
-- the page rows do not carry). Duplicates, session order, time on page, exits and scroll depth
-- were resolved when each day was rolled up, with the session seen whole (the day before and
-- after it were read). The caller passes the raw path's dt range twice (sessions, then pages).
WITH computed_periods AS (
  SELECT period_index, first_day, last_day
  FROM report_periods
  WHERE period_index < (SELECT max(period_index) FROM report_periods)
)
SELECT
  p.period_index,
  s.known,
  CAST(NULL AS VARCHAR) AS top_page,
  s.visitor_id,
  s.session_id,
  s.views,
  s.sessions,
  s.bounces,
  s.timed_views,
  s.time_on_page_ms,
  s.exits,
  s.impressions,
  s.clicks,
  s.scrolled_views,
  s.scroll_pct_sum
FROM web_rollup_sessions AS s
JOIN computed_periods AS p
  ON s.local_day BETWEEN p.first_day AND p.last_day
WHERE s.dt BETWEEN ? AND ?
UNION ALL
-- Only in the page roll-up: no period, segment, visitor or session of their own.
SELECT
  CAST(NULL AS INTEGER) AS period_index,
  CAST(NULL AS INTEGER) AS known,
  g.page AS top_page,
  CAST(NULL AS VARCHAR) AS visitor_id,
  CAST(NULL AS VARCHAR) AS session_id,
  g.views,
  0 AS sessions,
  0 AS bounces,
  g.timed_views,
  g.time_on_page_ms,
  g.exits,
  0 AS impressions,
  0 AS clicks,
  g.scrolled_views,
  g.scroll_pct_sum
FROM web_rollup_pages AS g
JOIN computed_periods AS p
  ON g.local_day BETWEEN p.first_day AND p.last_day
  AND p.period_index = 0
WHERE g.dt BETWEEN ? AND ?
