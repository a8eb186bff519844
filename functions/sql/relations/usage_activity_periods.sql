-- The days each measure of usage_activity.sql looks at, for periods 0 and 1: the period
-- itself; the 30 days ending on last_day (health); the sign-up days of the first-week cohort,
-- [first_day - 7, last_day - 7].
SELECT
  period_index,
  first_day,
  last_day,
  start_ts,
  end_ts,
  CAST(last_day - INTERVAL '29' DAY AS DATE) AS health_from,
  CAST(first_day - INTERVAL '7' DAY AS DATE) AS cohort_from,
  CAST(last_day - INTERVAL '7' DAY AS DATE) AS cohort_to
FROM report_periods
WHERE period_index < 2
