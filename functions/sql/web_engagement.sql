-- Every web KPI of the periods this report computes (the calendar's periods but its last, which
-- only gives the one before it a start), and the details of period 0, from ONE pass over
-- web_events. The caller passes the dt range (UTC dates) of the instants read.
--
-- Sessions are seen whole across period and partition boundaries: the query reads 24 hours
-- either side of the periods' instants. A page view counts in the period of its own instant,
-- and so do its time on page (to the next page view of the session, which may fall after the
-- period) and its exit; a session (for bounce rate) counts in the period of its first event.
-- A session is taken to last at most 24 hours: events more than a day beyond the periods are
-- not read.
--
-- Every step reads the one before it once (Trino does not materialise a WITH query: a second
-- read would scan the events again). Output rows, by `grain`:
--   'period'   one per computed period: the KPIs' numerators and denominators
--   'segment'  period 0, known customers (`known` = 1: some event of the session carries an
--              account_id) and anonymous sessions (`known` = 0)
--   'visitors' period 0: visitors of periods 0 and 1 together (new visitors of period 0 are
--              those not seen in period 1: this count minus period 1's visitors)
--   'page'     period 0: the top 50 pages by views and the top 10 by exits
WITH computed_periods AS (
  SELECT period_index, start_ts, end_ts
  FROM report_periods
  WHERE period_index < (SELECT max(period_index) FROM report_periods)
),
read_window AS (
  SELECT min(start_ts) - INTERVAL '1' DAY AS from_ts, max(end_ts) + INTERVAL '1' DAY AS to_ts
  FROM computed_periods
),
deduped AS (
  -- One row per event_id: a repeated id is a duplicate delivery of one event. Copies normally
  -- agree; where they do not, the earliest instant and, per field, the least value are kept.
  SELECT
    e.event_id,
    min(e.occurred_at) AS occurred_at,
    min(e.visitor_id) AS visitor_id,
    min(e.session_id) AS session_id,
    min(e.event_type) AS event_type,
    min(e.page) AS page,
    max(e.scroll_pct) AS scroll_pct,
    max(CASE WHEN e.account_id IS NOT NULL THEN 1 ELSE 0 END) AS known
  FROM web_events AS e
  CROSS JOIN read_window AS w
  WHERE e.dt BETWEEN ? AND ?
    AND e.occurred_at >= w.from_ts
    AND e.occurred_at < w.to_ts
  GROUP BY e.event_id
),
located AS (
  -- The period each event's instant falls in (NULL in the 24-hour margins).
  SELECT
    d.*,
    p.period_index,
    CASE WHEN d.event_type = 'page_view' THEN 1 ELSE 0 END AS is_view
  FROM deduped AS d
  LEFT JOIN computed_periods AS p
    ON d.occurred_at >= p.start_ts
    AND d.occurred_at < p.end_ts
),
sequenced AS (
  -- Each event in its session's order (a page view first when instants tie): the number of
  -- page views up to it (a scroll belongs to the latest one), the next page view's instant,
  -- whether it is the session's first event, the session's size and whether it is known.
  SELECT
    l.*,
    sum(l.is_view) OVER (
      PARTITION BY l.session_id ORDER BY l.occurred_at, l.is_view DESC, l.event_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS view_seq,
    min(CASE WHEN l.is_view = 1 THEN l.occurred_at END) OVER (
      PARTITION BY l.session_id ORDER BY l.occurred_at, l.is_view DESC, l.event_id
      ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
    ) AS next_view_at,
    row_number() OVER (
      PARTITION BY l.session_id ORDER BY l.occurred_at, l.is_view DESC, l.event_id
    ) AS session_row,
    count(*) OVER (PARTITION BY l.session_id) AS session_events,
    max(l.known) OVER (PARTITION BY l.session_id) AS session_known
  FROM located AS l
),
viewed AS (
  -- A page view's maximum scroll depth: the scroll events after it on the same page, before the
  -- session's next page view. Scroll events without such a page view belong to none.
  SELECT
    s.*,
    max(CASE WHEN s.event_type = 'scroll' THEN s.scroll_pct END) OVER (
      PARTITION BY s.session_id, s.view_seq, s.page
    ) AS view_scroll
  FROM sequenced AS s
),
by_key AS (
  SELECT
    CASE
      WHEN grouping(period_index) = 0 AND grouping(session_known) = 0 THEN 'segment'
      WHEN grouping(period_index) = 0 THEN 'period'
      WHEN grouping(top_page) = 0 THEN 'page'
      ELSE 'visitors'
    END AS grain,
    period_index,
    session_known AS known,
    top_page AS page,
    count(CASE WHEN is_view = 1 THEN 1 END) AS page_views,
    count(DISTINCT visitor_id) AS visitors,
    count(DISTINCT CASE WHEN is_view = 1 THEN session_id END) AS sessions_with_views,
    count(CASE WHEN session_row = 1 THEN 1 END) AS sessions,
    count(CASE WHEN session_row = 1 AND session_events = 1 THEN 1 END) AS bounces,
    count(CASE WHEN is_view = 1 AND next_view_at IS NOT NULL THEN 1 END) AS timed_views,
    sum(CASE WHEN is_view = 1 THEN to_unixtime(next_view_at) - to_unixtime(occurred_at) END)
      AS time_on_page_seconds,
    count(CASE WHEN is_view = 1 AND next_view_at IS NULL THEN 1 END) AS exits,
    count(CASE WHEN event_type = 'impression' THEN 1 END) AS impressions,
    count(CASE WHEN event_type = 'click' THEN 1 END) AS clicks,
    count(CASE WHEN is_view = 1 AND view_scroll IS NOT NULL THEN 1 END) AS scrolled_views,
    sum(CASE WHEN is_view = 1 THEN view_scroll END) AS scroll_pct_sum,
    count(DISTINCT CASE WHEN period_index IN (0, 1) THEN visitor_id END) AS visitors_0_1
  FROM (
    SELECT
      v.*,
      -- Pages are ranked for period 0 only; elsewhere blanked, which keeps that roll-up small.
      CASE WHEN v.period_index = 0 AND v.is_view = 1 THEN v.page END AS top_page
    FROM viewed AS v
  ) AS k
  GROUP BY GROUPING SETS ((period_index), (period_index, session_known), (top_page), ())
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
WHERE (grain = 'period' AND period_index IS NOT NULL)
  OR (grain = 'segment' AND period_index = 0)
  OR grain = 'visitors'
  OR (grain = 'page' AND (views_rank <= 50 OR exits_rank <= 10))
ORDER BY grain, period_index, known, page
