-- Subscription terms that end in each report period, and how many renewed.
-- A paying row's terms end on start_date + k × interval_months months (k >= 1; month ends
-- clamp, e.g. 31 January + 1 month = 28 February). A term counts when the row is still active
-- up to its end: end_date is null or end_date >= term end (end_date is exclusive, so a row ending
-- exactly on the term end served the whole term; one ending earlier was cancelled or changed
-- mid-term, and the row that replaces it starts its own terms). Trials have no terms.
-- Renewed: the account is paying on the term-end day (through this row or any other).
WITH
period_months AS (
  -- A period touches at most two calendar months: those of first_day and last_day.
  SELECT period_index, first_day, last_day, first_day AS month_day FROM report_periods
  UNION
  SELECT period_index, first_day, last_day, last_day AS month_day FROM report_periods
),
term_candidates AS (
  -- A row has at most one term end per calendar month, k × interval_months months after its
  -- start month; only the months the period touches can hold one of its terms.
  SELECT
    pm.period_index,
    pm.first_day,
    pm.last_day,
    s.account_id,
    s.subscription_id,
    s.start_date,
    s.end_date,
    s.interval_months,
    (year(pm.month_day) - year(s.start_date)) * 12 + month(pm.month_day) - month(s.start_date) AS months_after_start
  FROM period_months AS pm
  JOIN revenue_paying_rows AS s
    ON s.start_date < pm.last_day
    AND (s.end_date IS NULL OR s.end_date >= pm.first_day)
),
terms AS (
  SELECT
    period_index,
    account_id,
    subscription_id,
    start_date,
    term_end
  FROM (
    SELECT
      period_index,
      first_day,
      last_day,
      account_id,
      subscription_id,
      start_date,
      end_date,
      CAST(start_date + months_after_start * INTERVAL '1' MONTH AS DATE) AS term_end
    FROM term_candidates
    WHERE months_after_start >= interval_months
      AND mod(months_after_start, interval_months) = 0
  ) AS dated
  WHERE term_end BETWEEN first_day AND last_day
    AND (end_date IS NULL OR end_date >= term_end)
),
term_outcomes AS (
  SELECT
    t.period_index,
    t.subscription_id,
    t.start_date,
    t.term_end,
    max(CASE WHEN paying.account_id IS NULL THEN 0 ELSE 1 END) AS renewed
  FROM terms AS t
  LEFT JOIN revenue_paying_rows AS paying
    ON paying.account_id = t.account_id
    AND paying.start_date <= t.term_end
    -- An open-ended row (end_date NULL) pays on every later day.
    AND coalesce(paying.end_date, DATE '9999-12-31') > t.term_end
  GROUP BY t.period_index, t.subscription_id, t.start_date, t.term_end
)
SELECT
  p.period_index,
  count(o.term_end) AS terms_ending,
  count(o.term_end) FILTER (WHERE o.renewed = 1) AS terms_renewed
FROM report_periods AS p
LEFT JOIN term_outcomes AS o
  ON o.period_index = p.period_index
GROUP BY p.period_index
ORDER BY p.period_index
