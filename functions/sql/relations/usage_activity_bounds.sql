-- The bounds of relations/usage_activity_periods.sql side by side in one row, so that each
-- event (or rollup row) is flagged for both periods at once.
SELECT
  max(CASE WHEN period_index = 0 THEN first_day END) AS first_day_0,
  max(CASE WHEN period_index = 0 THEN last_day END) AS last_day_0,
  max(CASE WHEN period_index = 0 THEN health_from END) AS health_from_0,
  max(CASE WHEN period_index = 1 THEN first_day END) AS first_day_1,
  max(CASE WHEN period_index = 1 THEN last_day END) AS last_day_1,
  max(CASE WHEN period_index = 1 THEN start_ts END) AS start_ts_1,
  max(CASE WHEN period_index = 1 THEN health_from END) AS health_from_1
FROM usage_activity_periods
