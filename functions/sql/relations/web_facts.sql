-- The head of web_engagement.sql on the raw events: one row per web event of the computed
-- periods (the calendar's periods but its last, which only gives the one before it a start),
-- with its share of every figure web_engagement.sql adds up. The caller passes the dt range (UTC
-- dates) of the instants read as this relation's two values (ComposeContext.heads); the web
-- rollups give the same rows' sums from relations/web_facts_rollup.sql.
--
-- Sessions are seen whole across period and partition boundaries: the events of 24 hours
-- either side of the periods' instants are read. A page view counts in the period of its own
-- instant, and so do its time on page (to the next page view of the session, which may fall
-- after the period) and its exit; a session (for bounce rate) counts in the period of its first
-- event. A session is taken to last at most 24 hours: events more than a day beyond the
-- periods are not read. Every step reads the one before it once (Trino does not materialise a
-- WITH query: a second read would scan the events again).
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
)
SELECT
  v.period_index,
  v.session_known AS known,
  -- Pages are ranked for period 0 only; elsewhere blanked, which keeps that roll-up small.
  CASE WHEN v.period_index = 0 AND v.is_view = 1 THEN v.page END AS top_page,
  v.visitor_id,
  v.session_id,
  v.is_view AS views,
  CASE WHEN v.session_row = 1 THEN 1 ELSE 0 END AS sessions,
  CASE WHEN v.session_row = 1 AND v.session_events = 1 THEN 1 ELSE 0 END AS bounces,
  CASE WHEN v.is_view = 1 AND v.next_view_at IS NOT NULL THEN 1 ELSE 0 END AS timed_views,
  -- Whole milliseconds: integer sums are exact in any order (the rollups add them up per day).
  CASE
    WHEN v.is_view = 1
      THEN CAST(round((to_unixtime(v.next_view_at) - to_unixtime(v.occurred_at)) * 1000) AS BIGINT)
  END AS time_on_page_ms,
  CASE WHEN v.is_view = 1 AND v.next_view_at IS NULL THEN 1 ELSE 0 END AS exits,
  CASE WHEN v.event_type = 'impression' THEN 1 ELSE 0 END AS impressions,
  CASE WHEN v.event_type = 'click' THEN 1 ELSE 0 END AS clicks,
  CASE WHEN v.is_view = 1 AND v.view_scroll IS NOT NULL THEN 1 ELSE 0 END AS scrolled_views,
  CASE WHEN v.is_view = 1 THEN v.view_scroll END AS scroll_pct_sum
FROM viewed AS v
-- Events of the margins only complete their sessions above.
WHERE v.period_index IS NOT NULL
