-- Rollup of the clean web_events of the raw dt partitions [?3, ?4] (a batch of days; each dt is
-- written as its own partition), reading the partitions [?1, ?2] = the batch and one day either
-- side, so that every session with an event in the batch is seen whole when it lasts at most
-- 24 hours (docs/rollups.md, "Web rollups"). One pass, two kinds of rows (`part`):
-- 'session' one per raw partition, local day, session, visitor and known flag (some event of
--           the session carries an account_id): its events' impressions and clicks, whether the
--           session's first event is among them (`sessions`; `bounces` when it is the session's
--           only event), its page views with their time to the session's next page view (in
--           whole milliseconds; none for the session's last page view: an exit) and their
--           maximum scroll depth, and the first and last instant (a report checks with them
--           that no session lasts over 24 hours);
-- 'page'    one per raw partition, local day and page: the same page-view figures of that page
--           (the blank page of each day holds the other events: not written).
-- A repeated event_id is resolved here once, as relations/web_facts.sql resolves it (earliest
-- instant, least value per field), over the partitions read: the event belongs to the dt of its
-- earliest copy. Every step is the raw head's without the periods.
WITH deduped AS (
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
  WHERE e.dt BETWEEN ? AND ?
  GROUP BY e.event_id
),
typed AS (
  SELECT d.*, CASE WHEN d.event_type = 'page_view' THEN 1 ELSE 0 END AS is_view
  FROM deduped AS d
),
sequenced AS (
  SELECT
    t.*,
    sum(t.is_view) OVER (
      PARTITION BY t.session_id ORDER BY t.occurred_at, t.is_view DESC, t.event_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS view_seq,
    min(CASE WHEN t.is_view = 1 THEN t.occurred_at END) OVER (
      PARTITION BY t.session_id ORDER BY t.occurred_at, t.is_view DESC, t.event_id
      ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
    ) AS next_view_at,
    row_number() OVER (
      PARTITION BY t.session_id ORDER BY t.occurred_at, t.is_view DESC, t.event_id
    ) AS session_row,
    count(*) OVER (PARTITION BY t.session_id) AS session_events,
    max(t.known) OVER (PARTITION BY t.session_id) AS session_known
  FROM typed AS t
),
viewed AS (
  SELECT
    s.*,
    max(CASE WHEN s.event_type = 'scroll' THEN s.scroll_pct END) OVER (
      PARTITION BY s.session_id, s.view_seq, s.page
    ) AS view_scroll
  FROM sequenced AS s
),
located AS (
  -- The event's own dt (the UTC date of its instant) and local day in the rollups' zone.
  SELECT
    v.*,
    CAST(CAST(v.occurred_at AS DATE) AS VARCHAR) AS own_dt,
    CASE WHEN v.is_view = 1 THEN v.page END AS view_page,
    CAST(v.occurred_at + z.shift AS DATE) AS local_day
  FROM viewed AS v
  JOIN (
    SELECT from_ts, to_ts, offset_minutes * INTERVAL '1' MINUTE AS shift
    FROM tz_shifts
  ) AS z
    ON v.occurred_at >= z.from_ts
    AND v.occurred_at < z.to_ts
)
SELECT
  CASE WHEN grouping(l.session_id) = 0 THEN 'session' ELSE 'page' END AS part,
  l.own_dt AS dt,
  l.local_day,
  l.session_id,
  l.visitor_id,
  l.session_known AS known,
  l.view_page AS page,
  count(CASE WHEN l.event_type = 'impression' THEN 1 END) AS impressions,
  count(CASE WHEN l.event_type = 'click' THEN 1 END) AS clicks,
  count(CASE WHEN l.session_row = 1 THEN 1 END) AS sessions,
  count(CASE WHEN l.session_row = 1 AND l.session_events = 1 THEN 1 END) AS bounces,
  count(CASE WHEN l.is_view = 1 THEN 1 END) AS views,
  count(CASE WHEN l.is_view = 1 AND l.next_view_at IS NOT NULL THEN 1 END) AS timed_views,
  CAST(
    sum(
      CASE
        WHEN l.is_view = 1
          THEN CAST(round((to_unixtime(l.next_view_at) - to_unixtime(l.occurred_at)) * 1000) AS BIGINT)
      END
    ) AS BIGINT
  ) AS time_on_page_ms,
  count(CASE WHEN l.is_view = 1 AND l.next_view_at IS NULL THEN 1 END) AS exits,
  count(CASE WHEN l.is_view = 1 AND l.view_scroll IS NOT NULL THEN 1 END) AS scrolled_views,
  CAST(sum(CASE WHEN l.is_view = 1 THEN l.view_scroll END) AS BIGINT) AS scroll_pct_sum,
  min(l.occurred_at) AS first_at,
  max(l.occurred_at) AS last_at
FROM located AS l
WHERE l.own_dt BETWEEN ? AND ?
GROUP BY GROUPING SETS (
  (l.own_dt, l.local_day, l.session_id, l.visitor_id, l.session_known),
  (l.own_dt, l.local_day, l.view_page)
)
