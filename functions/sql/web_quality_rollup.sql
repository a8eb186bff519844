-- The data-quality counts of web_events over the raw dt partitions [?, ?], from the per-day
-- counts of the web rollups (web_rollup_quality, written by the data-quality query of each
-- day), added up as usage_quality_rollup.sql adds up usage_events': every figure adds up over
-- days (a good row's dt is the UTC date of its occurred_at, else it is partition_mismatch).
SELECT
  q.reason,
  sum(q.row_count) AS row_count,
  sum(q.distinct_keys) AS distinct_keys,
  max(q.latest) AS latest,
  min(q.example) AS example,
  min(q.span_from) AS span_from,
  max(q.span_to) AS span_to
FROM web_rollup_quality AS q
WHERE q.dt BETWEEN ? AND ?
GROUP BY q.reason
