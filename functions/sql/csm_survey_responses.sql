-- The survey responses of the report's period (responded_at in [start_ts, end_ts)), for the
-- CSM digests: each CSM sees those of their accounts, detractors first.
SELECT
  r.response_id,
  r.account_id,
  r.survey,
  r.score,
  r.scale_max,
  r.responded_at,
  r.comment
FROM report_periods AS p
JOIN survey_responses AS r
  ON r.responded_at >= p.start_ts
  AND r.responded_at < p.end_ts
WHERE p.period_index = 0
ORDER BY r.account_id, r.responded_at, r.response_id
