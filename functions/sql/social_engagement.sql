-- Social engagement of every computed period (the calendar's periods but its last) and, per
-- platform, of period 0: posts published in the period (by their instant), their impressions
-- and engagements. social_posts is small: its clean rows are read whole.
SELECT
  CASE WHEN grouping(s.platform) = 0 THEN 'platform' ELSE 'period' END AS grain,
  p.period_index,
  s.platform,
  count(*) AS posts,
  sum(s.impressions) AS impressions,
  sum(s.engagements) AS engagements
FROM social_posts AS s
JOIN report_periods AS p
  ON s.published_at >= p.start_ts
  AND s.published_at < p.end_ts
WHERE p.period_index < (SELECT max(period_index) FROM report_periods)
GROUP BY GROUPING SETS ((p.period_index), (p.period_index, s.platform))
ORDER BY grain, p.period_index, s.platform
