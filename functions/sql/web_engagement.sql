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
--
-- Each grain is its own aggregation over `web_facts` rather than one GROUPING SETS: DuckDB then
-- evaluates every exact distinct count once per grouping set (12 hash tables, 9 of them of
-- rows no figure reads) and took 2–3× as long (docs/benchmarks.md). DuckDB computes
-- `web_facts` once for the four; Trino inlines it, so on Athena the rollup tables (or, on the
-- raw fallback, the period's web_events partitions) are read once per grain.
WITH by_key AS (
  SELECT
    'period' AS grain,
    f.period_index,
    CAST(NULL AS INTEGER) AS known,
    CAST(NULL AS VARCHAR) AS page,
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
    CAST(NULL AS BIGINT) AS visitors_0_1
  FROM web_facts AS f
  WHERE f.period_index IS NOT NULL
  GROUP BY f.period_index
  UNION ALL
  SELECT
    'segment',
    f.period_index,
    f.known,
    NULL,
    sum(f.views),
    count(DISTINCT f.visitor_id),
    count(DISTINCT CASE WHEN f.views > 0 THEN f.session_id END),
    sum(f.sessions),
    sum(f.bounces),
    sum(f.timed_views),
    CAST(sum(f.time_on_page_ms) AS DOUBLE) / 1000,
    sum(f.exits),
    sum(f.impressions),
    sum(f.clicks),
    sum(f.scrolled_views),
    sum(f.scroll_pct_sum),
    NULL
  FROM web_facts AS f
  WHERE f.period_index = 0
  GROUP BY f.period_index, f.known
  UNION ALL
  -- Pages carry no visitor or session counts (the rollups' page rows have none).
  SELECT
    'page',
    NULL,
    NULL,
    f.top_page,
    sum(f.views),
    NULL,
    NULL,
    sum(f.sessions),
    sum(f.bounces),
    sum(f.timed_views),
    CAST(sum(f.time_on_page_ms) AS DOUBLE) / 1000,
    sum(f.exits),
    sum(f.impressions),
    sum(f.clicks),
    sum(f.scrolled_views),
    sum(f.scroll_pct_sum),
    NULL
  FROM web_facts AS f
  WHERE f.top_page IS NOT NULL
  GROUP BY f.top_page
  UNION ALL
  SELECT
    'visitors',
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    count(DISTINCT f.visitor_id)
  FROM web_facts AS f
  WHERE f.period_index IN (0, 1)
),
ranked AS (
  SELECT
    b.*,
    row_number() OVER (PARTITION BY b.grain ORDER BY b.page_views DESC, b.page) AS views_rank,
    row_number() OVER (PARTITION BY b.grain ORDER BY b.exits DESC, b.page) AS exits_rank
  FROM by_key AS b
)
SELECT
  grain,
  period_index,
  known,
  page,
  page_views,
  visitors,
  sessions_with_views,
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
WHERE grain <> 'page' OR views_rank <= 50 OR exits_rank <= 10
ORDER BY grain, period_index, known, page
