-- The data-quality counts of usage_events over the raw dt partitions [?, ?], from the per-day
-- counts of the rollups (usage_rollup_quality, written by the data-quality query of each day):
-- rows by first broken rule (reason NULL for good rows), distinct event ids among good rows,
-- freshness and the first example (by file and line) of each reason. Every figure adds up over
-- days: a good row's dt is the UTC date of its occurred_at (else it is partition_mismatch), and
-- the copies of an event share its instant, so no event id is counted in two days.
SELECT
  q.reason,
  sum(q.row_count) AS row_count,
  sum(q.distinct_keys) AS distinct_keys,
  max(q.latest) AS latest,
  min(q.example) AS example,
  min(q.span_from) AS span_from,
  max(q.span_to) AS span_to
FROM usage_rollup_quality AS q
WHERE q.dt BETWEEN ? AND ?
GROUP BY q.reason
