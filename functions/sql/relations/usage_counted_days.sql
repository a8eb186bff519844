-- The first local day whose event ids usage_trend.sql counts: that of period 1 (events per
-- active user is a figure of periods 0 and 1 only; older days are read for the 30-day windows).
SELECT min(first_day) AS first_counted_day
FROM report_periods
WHERE period_index < 2
