/**
 * A handful of rows that break the data contract, placed deterministically among the valid
 * ones so that the report's data-quality section has something to count. Each bad row breaks
 * exactly one rule of functions/contract/contract.ts; a duplicate is a second row with the same
 * key (`key` in the contract). Valid-looking fields are copied from a real row of the table.
 */
import type { DataQualityReason, TableName } from '../contract/contract.js';
import { Rng } from './prng.js';
import type { Row, SmallTable, SmallTables } from './tables.js';
import { HOUR_MS, dayOfWeek } from './time.js';

export interface BadRowCount {
  readonly table: TableName;
  readonly reason: DataQualityReason;
  readonly rows: number;
}

interface Injection {
  readonly reason: DataQualityReason;
  /** Which rows may serve as the template. */
  readonly eligible: (row: Row) => boolean;
  /** The bad row, made from a copy of the template. */
  readonly make: (template: Row) => Row;
}

const same = (row: Row): Row => ({ ...row });

const INJECTIONS: Record<SmallTable, readonly Injection[]> = {
  accounts: [
    { reason: 'null_key', eligible: () => true, make: (t) => ({ ...t, account_id: null }) },
    {
      reason: 'missing_required_field',
      eligible: () => true,
      make: (t) => ({ ...t, account_id: 'ACC-X0001', name: null }),
    },
    {
      reason: 'end_before_start',
      eligible: () => true,
      make: (t) => ({
        ...t,
        account_id: 'ACC-X0002',
        name: `${String(t.name)} (CRM import)`,
        onboarded_at: Number(t.created_at) - 3 * 24 * HOUR_MS,
        first_value_at: null,
      }),
    },
    { reason: 'duplicate_id', eligible: () => true, make: same },
  ],
  subscriptions: [
    {
      reason: 'negative_amount',
      eligible: paidRow,
      make: (t) => ({ ...t, subscription_id: 'SUB-X00001', amount: -Number(t.amount) }),
    },
    {
      reason: 'end_before_start',
      eligible: paidRow,
      make: (t) => ({ ...t, subscription_id: 'SUB-X00002', end_date: Number(t.start_date) - 7 }),
    },
    {
      reason: 'unknown_currency',
      eligible: paidRow,
      make: (t) => ({ ...t, subscription_id: 'SUB-X00003', currency: 'usd' }),
    },
    {
      reason: 'unknown_currency',
      eligible: paidRow,
      make: (t) => ({ ...t, subscription_id: 'SUB-X00004', currency: 'CHF' }),
    },
    {
      reason: 'invalid_value',
      eligible: paidRow,
      make: (t) => ({ ...t, subscription_id: 'SUB-X00005', interval_months: 0 }),
    },
    { reason: 'duplicate_id', eligible: paidRow, make: same },
  ],
  invoices: [
    { reason: 'null_key', eligible: paidInvoice, make: (t) => ({ ...t, invoice_id: null }) },
    {
      reason: 'negative_amount',
      eligible: paidInvoice,
      make: (t) => ({ ...t, invoice_id: 'INV-X000001', amount: -Number(t.amount) }),
    },
    {
      reason: 'end_before_start',
      eligible: paidInvoice,
      make: (t) => ({ ...t, invoice_id: 'INV-X000002', due_at: Number(t.issued_at) - 5 }),
    },
    {
      reason: 'unknown_currency',
      eligible: paidInvoice,
      make: (t) => ({ ...t, invoice_id: 'INV-X000003', currency: 'XXX' }),
    },
    {
      reason: 'invalid_value',
      eligible: paidInvoice,
      make: (t) => ({ ...t, invoice_id: 'INV-X000004', status: 'refunded' }),
    },
    { reason: 'duplicate_id', eligible: paidInvoice, make: same },
  ],
  survey_responses: [
    { reason: 'null_key', eligible: () => true, make: (t) => ({ ...t, response_id: null }) },
    {
      reason: 'score_out_of_scale',
      eligible: (r) => r.survey === 'nps',
      make: (t) => ({ ...t, response_id: 'RSP-X000001', score: 11, comment: null }),
    },
    {
      reason: 'score_out_of_scale',
      eligible: () => true,
      make: (t) => ({
        ...t,
        response_id: 'RSP-X000002',
        survey: 'csat',
        scale_max: 5,
        score: 0,
        comment: null,
      }),
    },
    {
      reason: 'invalid_value',
      eligible: () => true,
      make: (t) => ({
        ...t,
        response_id: 'RSP-X000003',
        survey: 'ces',
        scale_max: 10,
        score: 3,
        comment: null,
      }),
    },
    { reason: 'duplicate_id', eligible: () => true, make: same },
  ],
  support_tickets: [
    { reason: 'null_key', eligible: () => true, make: (t) => ({ ...t, ticket_id: null }) },
    {
      reason: 'end_before_start',
      eligible: (r) => r.resolved_at !== null,
      make: (t) => ({
        ...t,
        ticket_id: 'TCK-X00001',
        first_response_at: null,
        resolved_at: Number(t.created_at) - 2 * HOUR_MS,
      }),
    },
    {
      reason: 'invalid_value',
      eligible: () => true,
      make: (t) => ({ ...t, ticket_id: 'TCK-X00002', contact_count: -1 }),
    },
    { reason: 'duplicate_id', eligible: () => true, make: same },
  ],
  cs_costs: [
    {
      reason: 'negative_amount',
      eligible: (r) => r.category === 'programs',
      make: (t) => ({ ...t, category: 'vendor credit', amount: -350 }),
    },
    {
      reason: 'unknown_currency',
      eligible: (r) => r.category === 'programs',
      make: (t) => ({ ...t, category: 'training', currency: 'CHF', amount: 900 }),
    },
    {
      reason: 'invalid_value',
      eligible: (r) => r.category === 'programs',
      make: (t) => ({ ...t, month: Number(t.month) + 14, category: 'events' }),
    },
    {
      reason: 'duplicate_id',
      eligible: (r) => r.category === 'payroll',
      make: (t) => ({ ...t, amount: Number(t.amount) + 120.5 }),
    },
  ],
  fx_rates: [
    {
      // A weekend date never has a generated rate, so this key is unique.
      reason: 'invalid_value',
      eligible: (r) => r.currency === 'EUR' && dayOfWeek(Number(r.date)) === 4,
      make: (t) => ({ ...t, date: Number(t.date) + 1, rate: 0 }),
    },
    {
      // A rate quoted in another base than the rest of the table (a Sunday: a unique key).
      reason: 'mixed_fx_base',
      eligible: (r) => r.currency === 'PLN' && dayOfWeek(Number(r.date)) === 4,
      make: (t) => ({ ...t, date: Number(t.date) + 2, base_currency: 'EUR' }),
    },
    {
      reason: 'duplicate_id',
      eligible: (r) => r.currency === 'GBP',
      make: (t) => ({ ...t, rate: Number(t.rate) * 1.001 }),
    },
  ],
  web_events: [
    {
      reason: 'score_out_of_scale',
      eligible: (r) => r.event_type === 'page_view',
      make: (t) => ({ ...t, event_id: 'WEV-X0000001', event_type: 'scroll', scroll_pct: 120 }),
    },
    { reason: 'duplicate_id', eligible: () => true, make: same },
  ],
  social_posts: [
    {
      reason: 'negative_amount',
      eligible: () => true,
      make: (t) => ({ ...t, post_id: 'POST-X0001', engagements: -3 }),
    },
    { reason: 'duplicate_id', eligible: () => true, make: same },
  ],
};

function paidRow(row: Row): boolean {
  return row.is_trial === false && Number(row.amount) > 0;
}

function paidInvoice(row: Row): boolean {
  return row.status === 'paid' && Number(row.amount) > 0;
}

/**
 * Inserts the bad rows into `tables` (each right after its template row) and returns their
 * counts by table and reason. A case whose table has no eligible template is skipped.
 */
export function injectBadRows(tables: SmallTables, seed: number): BadRowCount[] {
  const rng = new Rng(seed, 'bad_rows');
  const counts: BadRowCount[] = [];
  for (const table of Object.keys(INJECTIONS) as SmallTable[]) {
    const rows = tables[table];
    const inserts = new Map<number, Row[]>();
    for (const injection of INJECTIONS[table]) {
      const candidates: number[] = [];
      rows.forEach((row, index) => {
        if (injection.eligible(row)) candidates.push(index);
      });
      if (candidates.length === 0) continue;
      const index = rng.pick(candidates);
      const template = rows[index];
      if (!template) continue;
      inserts.set(index, [...(inserts.get(index) ?? []), injection.make(template)]);
      const existing = counts.find((c) => c.table === table && c.reason === injection.reason);
      if (existing) counts.splice(counts.indexOf(existing), 1, { ...existing, rows: existing.rows + 1 });
      else counts.push({ table, reason: injection.reason, rows: 1 });
    }
    tables[table] = rows.flatMap((row, index) => [row, ...(inserts.get(index) ?? [])]);
  }
  return counts;
}
