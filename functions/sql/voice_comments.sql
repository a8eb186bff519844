-- NPS detractor (0-6) and promoter (9-10) comments of the report's period (period 0), for the
-- term counts and the latest detractor comments of the digest.
-- Free text cannot be aggregated into terms portably in SQL, so this is the one voice query
-- that returns text rows. It is bounded: one period's comments, at most the 5,000 latest of
-- each kind, and only the first 4,000 characters of each (the five latest detractor comments
-- come back whole, since the digest shows them).
WITH period_comments AS (
  SELECT
    r.response_id,
    r.account_id,
    r.score,
    r.responded_at,
    r.comment,
    CASE WHEN r.score <= 6 THEN 'detractor' ELSE 'promoter' END AS kind
  FROM report_periods AS p
  JOIN survey_responses AS r
    ON r.responded_at >= p.start_ts
    AND r.responded_at < p.end_ts
  WHERE p.period_index = 0
    AND r.survey = 'nps'
    AND (r.score <= 6 OR r.score >= 9)
    -- Comments with a non-space character (as in voice_scores.sql).
    AND regexp_like(r.comment, '\S')
),
ranked_comments AS (
  SELECT
    response_id,
    account_id,
    score,
    responded_at,
    comment,
    kind,
    -- 1 = latest; response_id breaks ties so the order is deterministic.
    row_number() OVER (PARTITION BY kind ORDER BY responded_at DESC, response_id DESC) AS recency
  FROM period_comments
)
SELECT
  c.kind,
  c.recency,
  c.response_id,
  c.account_id,
  a.name AS account_name,
  c.score,
  c.responded_at,
  CASE
    WHEN c.kind = 'detractor' AND c.recency <= 5 THEN c.comment
    ELSE substr(c.comment, 1, 4000)
  END AS comment
FROM ranked_comments AS c
LEFT JOIN accounts AS a
  ON a.account_id = c.account_id
WHERE c.recency <= 5000
ORDER BY c.kind, c.recency
