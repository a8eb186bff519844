-- Every web KPI of the periods this report computes and the details of period 0, added up from
-- `web_facts`: rows of the computed periods, each with its share of every figure (one per raw
-- event, or per rolled-up session and day, or per rolled-up page and day).
-- Which relation gives those rows is the caller's choice (ComposeContext.heads,
-- docs/sql.md): relations/web_facts.sql reads the raw events (ONE pass over web_events, its
-- sessions seen whole across boundaries), relations/web_facts_rollup.sql the daily web
-- rollups (docs/rollups.md); this aggregation is the same text for both.
--
-- Output rows, by `grain`:
--   'period'   one per computed period: the KPIs' numerators and denominators
--   'segment'  period 0, known customers (`known` = 1: some event of the session carries an
--              account_id) and anonymous sessions (`known` = 0)
--   'visitors' period 0: visitors of periods 0 and 1 together (new visitors of period 0 are
--              those not seen in period 1: this count minus period 1's visitors); only
--              visitors_0_1 is meant in this row
--   'page'     period 0: the top 50 pages by views and the top 10 by exits
WITH by_key AS (
  SELECT
    CASE
      WHEN grouping(f.period_index) = 0 AND grouping(f.known) = 0 THEN 'segment'
      WHEN grouping(f.period_index) = 0 THEN 'period'
      WHEN grouping(f.top_page) = 0 THEN 'page'
      ELSE 'visitors'
    END AS grain,
    f.period_index,
    f.known,
    f.top_page AS page,
    sum(f.views) AS page_views,
    count(DISTINCT f.visitor_id) AS visitors,
    count(DISTINCT CASE WHEN f.views > 0 THEN f.session_id END) AS sessions_with_views,
    sum(f.sessions) AS sessions,
    sum(f.bounces) AS bounces,
    sum(f.timed_views) AS timed_views,
    CAST(sum(f.time_on_page_ms) AS DOUBLE) / 1000 AS time_on_page_seconds,
    sum(f.exits) AS exits,
    sum(f.impressions) AS impressions,
    sum(f.clicks) AS clicks,
    sum(f.scrolled_views) AS scrolled_views,
    sum(f.scroll_pct_sum) AS scroll_pct_sum,
    count(DISTINCT CASE WHEN f.period_index IN (0, 1) THEN f.visitor_id END) AS visitors_0_1
  FROM web_facts AS f
  GROUP BY GROUPING SETS ((f.period_index), (f.period_index, f.known), (f.top_page), ())
),
ranked AS (
  SELECT
    b.*,
    row_number() OVER (PARTITION BY b.grain ORDER BY b.page_views DESC, b.page) AS views_rank,
    row_number() OVER (PARTITION BY b.grain ORDER BY b.exits DESC, b.page) AS exits_rank
  FROM by_key AS b
  -- The page roll-up's blank group holds every other event: not a page.
  WHERE b.grain <> 'page' OR b.page IS NOT NULL
)
SELECT
  grain,
  period_index,
  known,
  page,
  page_views,
  -- Pages carry no visitor or session counts (the rollups' page rows have none).
  CASE WHEN grain <> 'page' THEN visitors END AS visitors,
  CASE WHEN grain <> 'page' THEN sessions_with_views END AS sessions_with_views,
  sessions,
  bounces,
  timed_views,
  time_on_page_seconds,
  exits,
  impressions,
  clicks,
  scrolled_views,
  scroll_pct_sum,
  visitors_0_1
FROM ranked
WHERE (grain = 'period' AND period_index IS NOT NULL)
  OR (grain = 'segment' AND period_index = 0)
  OR grain = 'visitors'
  OR (grain = 'page' AND (views_rank <= 50 OR exits_rank <= 10))
ORDER BY grain, period_index, known, page
