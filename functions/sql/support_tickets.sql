-- Support ticket counts and durations per report period.
-- Each measure has its own event: opened = created_at, resolved = resolved_at, first answer =
-- first_response_at, each in the period when its instant falls in [start_ts, end_ts).
-- Durations are fractional hours from epoch seconds; medians are exact (window functions).
WITH ticket_instants AS (
  -- Each measure's instant of each ticket as a row, from ONE read of the tickets: Trino reads a
  -- WITH query again at every reference, so each measure joining the tickets on its own would
  -- read them again. 'opened' (created_at), 'first_response' and 'resolution', the last two with
  -- their durations in hours.
  SELECT
    m.measure,
    CASE m.measure
      WHEN 'opened' THEN t.created_at
      WHEN 'first_response' THEN t.first_response_at
      ELSE t.resolved_at
    END AS event_at,
    CASE m.measure
      WHEN 'first_response' THEN (to_unixtime(t.first_response_at) - to_unixtime(t.created_at)) / 3600.0
      WHEN 'resolution' THEN (to_unixtime(t.resolved_at) - to_unixtime(t.created_at)) / 3600.0
    END AS hours,
    -- A reopened ticket never counts as resolved on first contact.
    CASE WHEN t.contact_count = 1 AND t.reopened = false THEN 1 ELSE 0 END AS first_contact
  FROM support_tickets AS t
  CROSS JOIN UNNEST(ARRAY['opened', 'first_response', 'resolution']) AS m(measure)
),
ticket_events AS (
  -- Each instant in the period it falls in.
  SELECT p.period_index, i.measure, i.hours, i.first_contact
  FROM report_periods AS p
  JOIN ticket_instants AS i
    ON i.event_at >= p.start_ts
    AND i.event_at < p.end_ts
),
ranked_durations AS (
  SELECT
    period_index,
    measure,
    hours,
    first_contact,
    row_number() OVER (PARTITION BY period_index, measure ORDER BY hours) AS duration_rank,
    count(*) OVER (PARTITION BY period_index, measure) AS tickets
  FROM ticket_events
),
duration_stats AS (
  -- The median is the middle value (n odd) or the mean of the two middle values (n even):
  -- the ranks r with n <= 2r <= n + 2.
  SELECT
    period_index,
    count(*) FILTER (WHERE measure = 'opened') AS tickets_opened,
    count(*) FILTER (WHERE measure = 'resolution') AS tickets_resolved,
    count(*) FILTER (WHERE measure = 'resolution' AND first_contact = 1) AS resolved_first_contact,
    count(*) FILTER (WHERE measure = 'first_response') AS first_responses,
    sum(hours) FILTER (WHERE measure = 'first_response') AS first_response_hours_sum,
    avg(hours) FILTER (
      WHERE measure = 'first_response' AND 2 * duration_rank >= tickets AND 2 * duration_rank <= tickets + 2
    ) AS first_response_hours_median,
    count(*) FILTER (WHERE measure = 'resolution') AS resolutions,
    sum(hours) FILTER (WHERE measure = 'resolution') AS resolution_hours_sum,
    avg(hours) FILTER (
      WHERE measure = 'resolution' AND 2 * duration_rank >= tickets AND 2 * duration_rank <= tickets + 2
    ) AS resolution_hours_median
  FROM ranked_durations
  GROUP BY period_index
)
SELECT
  p.period_index,
  coalesce(d.tickets_opened, 0) AS tickets_opened,
  coalesce(d.tickets_resolved, 0) AS tickets_resolved,
  coalesce(d.resolved_first_contact, 0) AS resolved_first_contact,
  coalesce(d.first_responses, 0) AS first_responses,
  d.first_response_hours_sum,
  d.first_response_hours_median,
  coalesce(d.resolutions, 0) AS resolutions,
  d.resolution_hours_sum,
  d.resolution_hours_median
FROM report_periods AS p
LEFT JOIN duration_stats AS d
  ON d.period_index = p.period_index
ORDER BY p.period_index
