/**
 * Books made from query rows written here (no engine): `bookRows` gives each owner `accounts`
 * accounts, each with a movement, a health score, a survey answer with a comment, an old
 * ticket, an overdue invoice and an annual renewal: the largest digest a book of that size
 * can make. assembleBooks turns them into books as the report does.
 */
import { assembleBooks, type CsmBooks } from '../../functions/core/csm-books.js';
import type { ScoredAccount } from '../../functions/core/health.js';
import type { Row } from '../../functions/core/sql-values.js';
import type { Snapshot } from '../../functions/core/snapshot.js';

const MOVES = ['new', 'reactivation', 'expansion', 'contraction', 'churn'] as const;

export const COMPANY: Pick<Snapshot, 'kpis'> = {
  kpis: {
    mrr: { value: 1_234_567.89, previous: 1_200_000, delta: 34_567.89, unit: 'currency' },
    customers: { value: 20_000, previous: 19_900, delta: 100, unit: 'count' },
    net_new_mrr: { value: 34_567.89, previous: 12_000, delta: 22_567.89, unit: 'currency' },
    net_revenue_retention: { value: 101.2345, previous: 99.5, delta: 1.7345, unit: 'percent' },
    health_score: { value: 61.5, previous: 63.25, delta: -1.75, unit: 'score' },
    nps: { value: 22.5, previous: 20, delta: 2.5, unit: 'score' },
  } as unknown as Snapshot['kpis'],
};

export function bookRows(
  owners: readonly (string | null)[],
  accounts: number,
  options: { readonly comment?: string; readonly activity?: boolean } = {},
): CsmBooks {
  const activity = options.activity ?? true;
  const revenue: Row[] = [];
  const accountRows: Row[] = [];
  const surveys: Row[] = [];
  const tickets: Row[] = [];
  const invoices: Row[] = [];
  const renewalRows: Row[] = [];
  const health0: ScoredAccount[] = [];
  const health1: ScoredAccount[] = [];
  owners.forEach((owner, o) => {
    let start = 0;
    let end = 0;
    for (let i = 0; i < accounts; i += 1) {
      const id = `B${o}-${String(i).padStart(4, '0')}`;
      const mrrStart = 100 + i;
      const move = activity ? MOVES[i % MOVES.length] : undefined;
      const mrrEnd =
        move === 'churn'
          ? 0
          : move === 'expansion'
            ? mrrStart + 50
            : move === 'contraction'
              ? mrrStart - 50
              : mrrStart;
      const opening = move === 'new' || move === 'reactivation' ? 0 : mrrStart;
      start += opening;
      end += mrrEnd;
      accountRows.push({
        account_id: id,
        account_name: `Ünïcode & <Account> ${i} of ${owner ?? 'nobody'} — a long enough display name`,
        segment: 'Enterprise',
        csm_owner: owner,
        mrr_start_cc: opening.toFixed(12),
        mrr_end: mrrEnd.toFixed(12),
        movement: move ?? null,
        mrr_change: (mrrEnd - opening).toFixed(12),
      });
      const score = activity ? 20 + (i % 30) : 80;
      const components = { frequency: 0.2, breadth: 0.3, depth: 0.1, sentiment: 0, supportBilling: 0.5 };
      health0.push({
        accountId: id,
        accountName: `Account ${i}`,
        segment: null,
        csmOwner: owner,
        mrr: mrrEnd,
        healthScore: score,
        band: score < 40 ? 'critical' : score < 70 ? 'at_risk' : 'healthy',
        components,
      });
      health1.push({
        accountId: id,
        accountName: `Account ${i}`,
        segment: null,
        csmOwner: owner,
        mrr: mrrEnd,
        healthScore: activity ? score + 20 : score,
        band: 'healthy',
        components: { frequency: 0.9, breadth: 0.9, depth: 0.9, sentiment: 1, supportBilling: 1 },
      });
      if (!activity) continue;
      surveys.push({
        response_id: `r-${id}`,
        account_id: id,
        survey: 'nps',
        score: i % 11,
        scale_max: 10,
        responded_at: '2026-11-18 10:00:00',
        comment:
          options.comment ??
          `The new report builder is slow for us and the export fails on large files (${i}).`,
      });
      tickets.push({
        ticket_id: `t-${id}`,
        account_id: id,
        created_at: '2026-11-10 09:00:00',
        channel: 'email',
        age_days: 13,
      });
      invoices.push({
        invoice_id: `i-${id}`,
        account_id: id,
        due_at: '2026-11-01',
        amount: '1200.0000',
        currency: 'EUR',
        amount_reporting: '1300.000000000000',
        days_overdue: 21,
      });
      renewalRows.push({
        subscription_id: `s-${id}`,
        account_id: id,
        plan: 'Annual',
        start_date: `2025-12-${String((i % 28) + 1).padStart(2, '0')}`,
        end_date: null,
        interval_months: 12,
        mrr: mrrEnd.toFixed(12),
      });
    }
    for (const [index, s, e] of [
      [0, start, end],
      [1, start, start],
    ] as const) {
      revenue.push({
        period_index: index,
        csm_owner: owner,
        mrr_start: s.toFixed(12),
        mrr_start_cc: s.toFixed(12),
        mrr_end: e.toFixed(12),
        customers_start: accounts,
        customers_end: accounts,
        mrr_retained_net: e.toFixed(12),
      });
    }
  });
  return assembleBooks(
    {
      revenue,
      nps: [],
      accounts: accountRows,
      surveys,
      tickets,
      invoices,
      renewalRows,
      health: [health0, health1],
    },
    { lastDay: '2026-11-22', domains: ['acme.com'], company: COMPANY },
  );
}
