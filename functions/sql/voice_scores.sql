-- Survey counts per report period, from which NPS, CSAT, CES and the response counts follow.
-- A response belongs to the period its responded_at instant falls in: periods are
-- [start_ts, end_ts) in UTC, computed from the report's time zone.
-- CES is kept per scale (5- and 7-point): a mean across scales would mix units.
WITH period_responses AS (
  SELECT
    p.period_index,
    r.survey,
    r.score,
    r.scale_max,
    r.comment
  FROM report_periods AS p
  JOIN survey_responses AS r
    ON r.responded_at >= p.start_ts
    AND r.responded_at < p.end_ts
),
period_scores AS (
  SELECT
    period_index,
    count(*) AS responses,
    count(*) FILTER (WHERE survey = 'nps') AS nps_responses,
    count(*) FILTER (WHERE survey = 'nps' AND score >= 9) AS nps_promoters,
    count(*) FILTER (WHERE survey = 'nps' AND score <= 6) AS nps_detractors,
    count(*) FILTER (WHERE survey = 'csat') AS csat_responses,
    count(*) FILTER (WHERE survey = 'csat' AND score >= 4) AS csat_satisfied,
    count(*) FILTER (WHERE survey = 'ces' AND scale_max = 5) AS ces5_responses,
    sum(score) FILTER (WHERE survey = 'ces' AND scale_max = 5) AS ces5_score_sum,
    -- "Easy": 1 or 2 on the 5-point scale, 1 to 3 on the 7-point scale.
    count(*) FILTER (WHERE survey = 'ces' AND scale_max = 5 AND score <= 2) AS ces5_easy,
    count(*) FILTER (WHERE survey = 'ces' AND scale_max = 7) AS ces7_responses,
    sum(score) FILTER (WHERE survey = 'ces' AND scale_max = 7) AS ces7_score_sum,
    count(*) FILTER (WHERE survey = 'ces' AND scale_max = 7 AND score <= 3) AS ces7_easy,
    -- A comment of blanks says nothing: only comments with a non-space character count
    -- (a regular expression, since trim() strips only spaces in DuckDB but all whitespace in Trino).
    count(*) FILTER (WHERE regexp_like(comment, '\S')) AS comments
  FROM period_responses
  GROUP BY period_index
)
SELECT
  p.period_index,
  coalesce(s.responses, 0) AS responses,
  coalesce(s.nps_responses, 0) AS nps_responses,
  coalesce(s.nps_promoters, 0) AS nps_promoters,
  coalesce(s.nps_detractors, 0) AS nps_detractors,
  coalesce(s.csat_responses, 0) AS csat_responses,
  coalesce(s.csat_satisfied, 0) AS csat_satisfied,
  coalesce(s.ces5_responses, 0) AS ces5_responses,
  coalesce(s.ces5_score_sum, 0) AS ces5_score_sum,
  coalesce(s.ces5_easy, 0) AS ces5_easy,
  coalesce(s.ces7_responses, 0) AS ces7_responses,
  coalesce(s.ces7_score_sum, 0) AS ces7_score_sum,
  coalesce(s.ces7_easy, 0) AS ces7_easy,
  coalesce(s.comments, 0) AS comments
FROM report_periods AS p
LEFT JOIN period_scores AS s
  ON s.period_index = p.period_index
ORDER BY p.period_index
