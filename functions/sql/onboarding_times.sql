-- Onboarding durations per report period (0 … 11):
-- - days from created_at to onboarded_at, over accounts onboarded in the period;
-- - days from created_at to first_value_at, over accounts reaching first value in the period
--   (sum for the mean, and the exact median).
-- "In the period": the instant falls in [start_ts, end_ts). Durations are fractional days from
-- epoch seconds.
WITH milestones AS (
  SELECT
    p.period_index,
    'onboarded' AS milestone,
    (to_unixtime(a.onboarded_at) - to_unixtime(a.created_at)) / 86400.0 AS days
  FROM report_periods AS p
  JOIN accounts AS a
    ON a.onboarded_at >= p.start_ts
    AND a.onboarded_at < p.end_ts
  WHERE p.period_index < 12
  UNION ALL
  SELECT
    p.period_index,
    'first_value' AS milestone,
    (to_unixtime(a.first_value_at) - to_unixtime(a.created_at)) / 86400.0 AS days
  FROM report_periods AS p
  JOIN accounts AS a
    ON a.first_value_at >= p.start_ts
    AND a.first_value_at < p.end_ts
  WHERE p.period_index < 12
),
ranked AS (
  SELECT
    period_index,
    milestone,
    days,
    row_number() OVER (PARTITION BY period_index, milestone ORDER BY days) AS position,
    count(*) OVER (PARTITION BY period_index, milestone) AS accounts
  FROM milestones
),
per_period AS (
  -- The median is the middle value (n odd) or the mean of the two middle values (n even):
  -- positions with n <= 2 * position <= n + 2.
  SELECT
    period_index,
    count(*) FILTER (WHERE milestone = 'onboarded') AS onboarded_accounts,
    sum(days) FILTER (WHERE milestone = 'onboarded') AS onboard_days_sum,
    count(*) FILTER (WHERE milestone = 'first_value') AS first_value_accounts,
    sum(days) FILTER (WHERE milestone = 'first_value') AS first_value_days_sum,
    avg(days) FILTER (
      WHERE milestone = 'first_value' AND 2 * position >= accounts AND 2 * position <= accounts + 2
    ) AS first_value_days_median
  FROM ranked
  GROUP BY period_index
)
SELECT
  p.period_index,
  coalesce(o.onboarded_accounts, 0) AS onboarded_accounts,
  o.onboard_days_sum,
  coalesce(o.first_value_accounts, 0) AS first_value_accounts,
  o.first_value_days_sum,
  o.first_value_days_median
FROM report_periods AS p
LEFT JOIN per_period AS o
  ON o.period_index = p.period_index
WHERE p.period_index < 12
ORDER BY p.period_index
