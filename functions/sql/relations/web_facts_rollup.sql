-- The head of web_engagement.sql on the daily web rollups (docs/rollups.md): the same sums as
-- relations/web_facts.sql, from one row per page view (web_rollup_page_views) and one per
-- session, local day and visitor (web_rollup_sessions) of the computed periods. Duplicates,
-- session order, time on page, exits and scroll depth were resolved when each day was rolled
-- up, with the session seen whole (the day before and after it were read). The caller passes
-- the dt range of the raw path twice (page views, then sessions) as this relation's values.
WITH computed_periods AS (
  SELECT period_index, first_day, last_day
  FROM report_periods
  WHERE period_index < (SELECT max(period_index) FROM report_periods)
)
SELECT
  p.period_index,
  v.known,
  CASE WHEN p.period_index = 0 THEN v.page END AS top_page,
  v.visitor_id,
  v.session_id,
  1 AS views,
  0 AS sessions,
  0 AS bounces,
  CASE WHEN v.time_on_page_ms IS NOT NULL THEN 1 ELSE 0 END AS timed_views,
  v.time_on_page_ms,
  CASE WHEN v.time_on_page_ms IS NULL THEN 1 ELSE 0 END AS exits,
  0 AS impressions,
  0 AS clicks,
  CASE WHEN v.scroll_pct IS NOT NULL THEN 1 ELSE 0 END AS scrolled_views,
  v.scroll_pct
FROM web_rollup_page_views AS v
JOIN computed_periods AS p
  ON v.local_day BETWEEN p.first_day AND p.last_day
WHERE v.dt BETWEEN ? AND ?
UNION ALL
SELECT
  p.period_index,
  s.known,
  CAST(NULL AS VARCHAR) AS top_page,
  s.visitor_id,
  s.session_id,
  0 AS views,
  s.sessions,
  s.bounces,
  0 AS timed_views,
  CAST(NULL AS BIGINT) AS time_on_page_ms,
  0 AS exits,
  s.impressions,
  s.clicks,
  0 AS scrolled_views,
  CAST(NULL AS INTEGER) AS scroll_pct
FROM web_rollup_sessions AS s
JOIN computed_periods AS p
  ON s.local_day BETWEEN p.first_day AND p.last_day
WHERE s.dt BETWEEN ? AND ?
