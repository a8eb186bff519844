-- NPS answers of every CSM's book in the report's period and the previous one, grouped by the
-- owner of the answering account (voice_scores.sql's counts: [start_ts, end_ts) in UTC).
SELECT
  p.period_index,
  o.csm_owner,
  count(*) AS nps_responses,
  count(*) FILTER (WHERE r.score >= 9) AS nps_promoters,
  count(*) FILTER (WHERE r.score <= 6) AS nps_detractors
FROM report_periods AS p
JOIN survey_responses AS r
  ON r.responded_at >= p.start_ts
  AND r.responded_at < p.end_ts
LEFT JOIN account_owners AS o
  ON o.period_index = p.period_index
  AND o.account_id = r.account_id
WHERE p.period_index < 2
  AND r.survey = 'nps'
GROUP BY p.period_index, o.csm_owner
ORDER BY p.period_index, o.csm_owner
