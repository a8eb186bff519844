-- Every account paying on last_day of the report's period and the previous one (periods 0 and
-- 1), with what its health score needs besides usage (usage_activity.sql gives the usage side):
-- - MRR on last_day and seats (quantity summed over its paying subscription rows);
-- - the latest NPS score answered on or before the end of last_day (NULL: none);
-- - open tickets older than 7 days: created more than 7 days before the end of last_day and
--   not resolved by then;
-- - past-due invoices: not void, due before last_day and not paid by the end of last_day (an
--   invoice marked paid without a paid_at counts as paid).
-- Optional tables that are absent compose as empty relations: no answer, no ticket, no invoice.
WITH health_periods AS (
  SELECT
    period_index,
    last_day,
    end_ts,
    end_ts - INTERVAL '7' DAY AS old_ticket_before
  FROM report_periods
  WHERE period_index < 2
),
latest_nps AS (
  SELECT
    period_index,
    account_id,
    score
  FROM (
    SELECT
      p.period_index,
      r.account_id,
      r.score,
      -- Latest first; two answers at the same instant: the higher response_id, so it is stable.
      row_number() OVER (
        PARTITION BY p.period_index, r.account_id
        ORDER BY r.responded_at DESC, r.response_id DESC
      ) AS recency
    FROM health_periods AS p
    JOIN survey_responses AS r
      ON r.responded_at < p.end_ts
    WHERE r.survey = 'nps'
  ) AS ranked
  WHERE recency = 1
),
old_open_tickets AS (
  SELECT
    p.period_index,
    t.account_id,
    count(*) AS tickets
  FROM health_periods AS p
  JOIN support_tickets AS t
    ON t.created_at < p.old_ticket_before
    AND (t.resolved_at IS NULL OR t.resolved_at >= p.end_ts)
  GROUP BY p.period_index, t.account_id
),
past_due_invoices AS (
  SELECT
    p.period_index,
    i.account_id,
    count(*) AS invoices
  FROM health_periods AS p
  JOIN invoices AS i
    ON i.due_at < p.last_day
    AND (i.paid_at >= p.end_ts OR (i.paid_at IS NULL AND i.status <> 'paid'))
  WHERE i.status <> 'void'
  GROUP BY p.period_index, i.account_id
)
SELECT
  m.period_index,
  m.account_id,
  a.name AS account_name,
  a.segment,
  a.csm_owner,
  m.mrr_end,
  m.seats,
  n.score AS latest_nps,
  coalesce(t.tickets, 0) AS old_open_tickets,
  coalesce(d.invoices, 0) AS past_due_invoices
FROM account_mrr_end AS m
LEFT JOIN accounts AS a
  ON a.account_id = m.account_id
LEFT JOIN latest_nps AS n
  ON n.period_index = m.period_index
  AND n.account_id = m.account_id
LEFT JOIN old_open_tickets AS t
  ON t.period_index = m.period_index
  AND t.account_id = m.account_id
LEFT JOIN past_due_invoices AS d
  ON d.period_index = m.period_index
  AND d.account_id = m.account_id
WHERE m.period_index < 2
ORDER BY m.period_index, m.account_id
