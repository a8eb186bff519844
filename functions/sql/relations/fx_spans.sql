-- Every exchange rate against the base of fx_rates, with the days it applies to:
-- [valid_from, valid_to). A rate applies from its date until the next row of the same currency.
-- The earliest rate of a currency also covers the days before it (no amount is dropped for want
-- of an older rate); first_date keeps its real date, for the reporting currency, which must
-- have a rate on or before each day it converts on. The base converts at exactly 1.
-- Rates are decimal(20,12) so that money stays decimal through the conversion.
SELECT
  currency,
  CASE
    WHEN row_number() OVER (PARTITION BY currency ORDER BY "date") = 1 THEN DATE '1900-01-01'
    ELSE "date"
  END AS valid_from,
  lead("date") OVER (PARTITION BY currency ORDER BY "date") AS valid_to,
  min("date") OVER (PARTITION BY currency) AS first_date,
  CAST(rate AS DECIMAL(20, 12)) AS rate
FROM fx_rates
WHERE currency NOT IN (SELECT currency FROM fx_base)
UNION ALL
SELECT
  currency,
  DATE '1900-01-01' AS valid_from,
  CAST(NULL AS DATE) AS valid_to,
  DATE '1900-01-01' AS first_date,
  CAST(1 AS DECIMAL(20, 12)) AS rate
FROM fx_base
