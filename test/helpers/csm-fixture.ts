/**
 * The hand-made book of business of test/csm-books.test.ts, written by the tests into a
 * temporary folder as JSON lines. Report period: 2026-10 (UTC), last_day 31 October; domains
 * allowed: acme.com. All amounts in USD (no fx_rates).
 *
 *   A1 Alpha   ana@acme.com      s1 100/month from 2026-01-01, 150 from 2026-10-10   expansion +50
 *   A2 Beta    " Ana@ACME.com "  s2 1200/year from 2025-11-15 (100 a month)          no movement
 *   A3 Gamma   bo@acme.com       s3 200/month from 2026-10-05                       new 200
 *   A4 Delta   cy@acme.com       s4 900/quarter from 2026-08-31 (300), then 600 from 2026-10-20 (200)
 *                                                                                    contraction −100
 *   A5 Eps     (empty)           s5 50/month                                          unassigned
 *   A6 Zeta    eve@gmail.com     s6 70/month                                          outside the domains
 *   A7 Eta     "not an owner"    s7 30/month                                          not an address
 *   A8 Theta   bo@acme.com       s8 80/month until 2026-10-15                         churn 80
 * Opening 730, closing 800: 730 + 200 + 50 − 100 − 80 = 800.
 * Books: ana 200 → 250 (expansion 50, NRR 125 %), bo 80 → 200 (new 200, churn 80, NRR 0 %),
 * cy 300 → 200 (contraction 100), unassigned 50, eve@gmail.com 70, "not an owner" 30.
 *
 * Health: A1 used the product every day of September and not at all in October, and its
 * latest NPS is a 3 with an open ticket from 20 October: from 100 to 11.25. A2 used it every day
 * of both months. Renewals after 31 October: s2 on 15 November (15 days), s4's second row
 * (from 20 October, quarterly) on 20 January (81 days).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Cell = string | number | boolean | null;
type Rows = readonly Readonly<Record<string, Cell>>[];

export const CSM_DOMAINS = ['acme.com'];

export function writeTable(root: string, table: string, rows: Rows): void {
  mkdirSync(join(root, table), { recursive: true });
  writeFileSync(join(root, table, `${table}.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

const account = (account_id: string, name: string, csm_owner: string | null) => ({
  account_id,
  name,
  created_at: '2025-06-01T09:00:00Z',
  segment: 'SMB',
  region: 'EU',
  csm_owner,
  onboarded_at: null,
  first_value_at: null,
});

const sub = (
  subscription_id: string,
  account_id: string,
  amount: number,
  interval_months: number,
  start_date: string,
  end_date: string | null = null,
) => ({
  subscription_id,
  account_id,
  plan: interval_months === 12 ? 'Annual' : interval_months === 3 ? 'Quarterly' : 'Monthly',
  amount,
  currency: 'USD',
  interval_months,
  quantity: 1,
  is_trial: false,
  start_date,
  end_date,
});

export const DEFAULT_OWNERS: Readonly<Record<string, string | null>> = {
  A1: 'ana@acme.com',
  A2: ' Ana@ACME.com ',
  A3: 'bo@acme.com',
  A4: 'cy@acme.com',
  A5: null,
  A6: 'eve@gmail.com',
  A7: 'not an owner',
  A8: 'bo@acme.com',
};

function days(from: string, count: number): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

/** Writes the fixture; `owners` replaces accounts' csm_owner (e.g. an owner change). */
export function writeBookFixture(owners: Readonly<Record<string, string | null>> = DEFAULT_OWNERS): string {
  const root = mkdtempSync(join(tmpdir(), 'csm-book-'));
  const names: Record<string, string> = {
    A1: 'Alpha',
    A2: 'Beta',
    A3: 'Gamma',
    A4: 'Delta',
    A5: 'Eps',
    A6: 'Zeta',
    A7: 'Eta',
    A8: 'Theta',
  };
  writeTable(
    root,
    'accounts',
    Object.entries(names).map(([id, name]) => account(id, name, owners[id] ?? null)),
  );
  writeTable(root, 'subscriptions', [
    sub('s1', 'A1', 100, 1, '2026-01-01', '2026-10-10'),
    sub('s1', 'A1', 150, 1, '2026-10-10'),
    sub('s2', 'A2', 1200, 12, '2025-11-15'),
    sub('s3', 'A3', 200, 1, '2026-10-05'),
    sub('s4', 'A4', 900, 3, '2026-08-31', '2026-10-20'),
    sub('s4', 'A4', 600, 3, '2026-10-20'),
    sub('s5', 'A5', 50, 1, '2026-01-01'),
    sub('s6', 'A6', 70, 1, '2026-01-01'),
    sub('s7', 'A7', 30, 1, '2026-01-01'),
    sub('s8', 'A8', 80, 1, '2026-01-01', '2026-10-15'),
  ]);
  const events = [
    ...days('2026-09-01', 30).map((d, i) => ({ account: 'A1', user: 'u1', day: d, id: `a1-${i}` })),
    ...days('2026-09-01', 61).map((d, i) => ({ account: 'A2', user: 'u2', day: d, id: `a2-${i}` })),
  ].map((e) => ({
    event_id: e.id,
    occurred_at: `${e.day}T10:00:00Z`,
    account_id: e.account,
    user_id: e.user,
    event_name: 'report',
    session_id: `${e.id}-s`,
  }));
  writeTable(root, 'usage_events', events);
  const response = (
    response_id: string,
    account_id: string,
    survey: string,
    score: number,
    responded_at: string,
    comment: string | null,
  ) => ({
    response_id,
    account_id,
    user_id: null,
    survey,
    score,
    scale_max: survey === 'nps' ? 10 : 5,
    responded_at,
    comment,
  });
  writeTable(root, 'survey_responses', [
    response('r0', 'A1', 'nps', 9, '2026-09-10T10:00:00Z', 'Good so far'),
    response('r1', 'A1', 'nps', 10, '2026-10-05T10:00:00Z', 'Great reports'),
    response('r2', 'A1', 'nps', 3, '2026-10-25T10:00:00Z', 'Too slow <since> the update'),
    response('r3', 'A3', 'csat', 5, '2026-10-12T10:00:00Z', null),
    response('r4', 'A6', 'nps', 2, '2026-10-12T10:00:00Z', 'Not mailed to anyone'),
  ]);
  const ticket = (ticket_id: string, account_id: string, created_at: string, resolved_at: string | null) => ({
    ticket_id,
    account_id,
    created_at,
    first_response_at: null,
    resolved_at,
    contact_count: 1,
    reopened: false,
    channel: 'email',
  });
  writeTable(root, 'support_tickets', [
    ticket('t1', 'A1', '2026-10-20T10:00:00Z', null),
    ticket('t2', 'A1', '2026-10-30T10:00:00Z', null),
    ticket('t3', 'A3', '2026-10-01T10:00:00Z', '2026-10-02T10:00:00Z'),
  ]);
  const invoice = (
    invoice_id: string,
    account_id: string,
    due_at: string,
    paid_at: string | null,
    status: string,
    amount: number,
  ) => ({
    invoice_id,
    account_id,
    issued_at: '2026-09-01',
    due_at,
    paid_at,
    amount,
    currency: 'USD',
    status,
  });
  writeTable(root, 'invoices', [
    invoice('i1', 'A4', '2026-10-10', null, 'open', 300),
    invoice('i2', 'A2', '2026-10-30', '2026-10-29T10:00:00Z', 'paid', 1200),
  ]);
  return root;
}
