-- Subscription rows that carry MRR: a trial carries none whatever its amount, and a row with a
-- zero amount is not paying. The clean `subscriptions` relation has already left out rows in a
-- currency that cannot be converted.
SELECT
  subscription_id,
  account_id,
  plan,
  amount,
  currency,
  interval_months,
  start_date,
  end_date
FROM subscriptions
WHERE is_trial = false
  AND amount > 0
