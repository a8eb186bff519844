-- Support ticket counts and durations per report period.
-- Each measure has its own event: opened = created_at, resolved = resolved_at, first answer =
-- first_response_at, each in the period when its instant falls in [start_ts, end_ts).
-- Durations are fractional hours from epoch seconds; medians are exact (window functions).
WITH opened AS (
  SELECT
    p.period_index,
    count(*) AS tickets_opened
  FROM report_periods AS p
  JOIN support_tickets AS t
    ON t.created_at >= p.start_ts
    AND t.created_at < p.end_ts
  GROUP BY p.period_index
),
resolved AS (
  SELECT
    p.period_index,
    count(*) AS tickets_resolved,
    -- A reopened ticket never counts as resolved on first contact.
    count(*) FILTER (WHERE t.contact_count = 1 AND t.reopened = false) AS resolved_first_contact
  FROM report_periods AS p
  JOIN support_tickets AS t
    ON t.resolved_at >= p.start_ts
    AND t.resolved_at < p.end_ts
  GROUP BY p.period_index
),
durations AS (
  SELECT
    p.period_index,
    'first_response' AS measure,
    (to_unixtime(t.first_response_at) - to_unixtime(t.created_at)) / 3600.0 AS hours
  FROM report_periods AS p
  JOIN support_tickets AS t
    ON t.first_response_at >= p.start_ts
    AND t.first_response_at < p.end_ts
  UNION ALL
  SELECT
    p.period_index,
    'resolution' AS measure,
    (to_unixtime(t.resolved_at) - to_unixtime(t.created_at)) / 3600.0 AS hours
  FROM report_periods AS p
  JOIN support_tickets AS t
    ON t.resolved_at >= p.start_ts
    AND t.resolved_at < p.end_ts
),
ranked_durations AS (
  SELECT
    period_index,
    measure,
    hours,
    row_number() OVER (PARTITION BY period_index, measure ORDER BY hours) AS duration_rank,
    count(*) OVER (PARTITION BY period_index, measure) AS tickets
  FROM durations
),
duration_stats AS (
  -- The median is the middle value (n odd) or the mean of the two middle values (n even):
  -- the ranks r with n <= 2r <= n + 2.
  SELECT
    period_index,
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
  coalesce(o.tickets_opened, 0) AS tickets_opened,
  coalesce(r.tickets_resolved, 0) AS tickets_resolved,
  coalesce(r.resolved_first_contact, 0) AS resolved_first_contact,
  coalesce(d.first_responses, 0) AS first_responses,
  d.first_response_hours_sum,
  d.first_response_hours_median,
  coalesce(d.resolutions, 0) AS resolutions,
  d.resolution_hours_sum,
  d.resolution_hours_median
FROM report_periods AS p
LEFT JOIN opened AS o
  ON o.period_index = p.period_index
LEFT JOIN resolved AS r
  ON r.period_index = p.period_index
LEFT JOIN duration_stats AS d
  ON d.period_index = p.period_index
ORDER BY p.period_index
