-- The first day each account was paying: the earliest start of its paying rows (a row always
-- covers its start_date, since end_date > start_date). Tells a new customer from a returning one
-- and dates a conversion from trial or free to paid.
SELECT
  account_id,
  min(start_date) AS first_paid_day
FROM revenue_paying_rows
GROUP BY account_id
