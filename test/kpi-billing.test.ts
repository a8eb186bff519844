/**
 * Billing health and cost on a hand-made fixture (test/fixtures/billing). Reporting currency
 * USD; EUR is 1.10 until 2026-11-11 and 1.20 from 2026-11-12; PLN is 0.25.
 *
 * Invoices (due_at, paid_at UTC, amount, status):
 *   i1 11-10 paid 11-10 23:30Z  100 USD paid   -> on time (same UTC day, though 11-11 in Warsaw)
 *   i2 11-10 paid 11-11 00:30Z  200 USD paid   -> late
 *   i3 11-12 unpaid             100 EUR open   -> late, overdue
 *   i4 11-14 unpaid             500 USD void   -> counts nowhere
 *   i5 11-15 unpaid              50 USD open   -> late; due on last_day of W46, so not overdue then
 *   i6 11-01 unpaid            1000 PLN open   -> late, overdue from W45 on
 *   i7 11-03 paid 11-13 10:00Z   80 EUR paid   -> late; overdue at the end of W45
 *   i8 11-13 unpaid              40 USD uncollectible -> late, never overdue (written off)
 *   i9 11-11 paid 11-09 12:00Z   60 USD paid   -> on time
 *   i10 negative amount: left out by the clean relation
 *   i11 11-05 paid 11-15 23:30Z  30 USD paid   -> late; overdue at the end of W46 in Warsaw only
 * cs_costs: 2026-10 payroll 3,100 USD; 2026-11 payroll 2,400 EUR and programs 600 USD.
 * Paying accounts (subscriptions): a1 always; a2 until 11-11 (end_date 11-12); a3 from 11-10;
 * a5 from 11-03; a4 is a trial.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import type { KpiGroupResult } from '../functions/core/kpis/group.js';
import {
  billingGroup,
  customerRetentionCost,
  latePaymentRate,
  retentionCostInputs,
} from '../functions/core/kpis/billing.js';
import type { TableName } from '../functions/contract/contract.js';
import { runKpiGroup, runOnSampleData, valueAt } from './helpers/kpi.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'billing');

const run = (dataDir: string, key: string, tz = 'UTC') => runKpiGroup(billingGroup, dataDir, key, tz);

/** Runs the group on a copy of the fixture holding only `tables`. */
async function runWith(tables: readonly TableName[], key: string): Promise<KpiGroupResult> {
  const dir = mkdtempSync(join(tmpdir(), 'billing-partial-'));
  try {
    for (const t of tables) cpSync(join(FIXTURE, t), join(dir, t), { recursive: true });
    return (await run(dir, key)).result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = valueAt;

describe('billing group, 2026-W46 in UTC', async () => {
  const { result, engine } = await run(FIXTURE, '2026-W46');

  it('computes the late payment rate over not-void invoices due in the period', () => {
    // Due 11-09..11-15, not void: i1, i2, i3, i5, i8, i9 = 6. Late: i2 (paid the next UTC day),
    // i3, i5, i8 (unpaid) = 4. 4 / 6 × 100 = 66.67
    expect(at(result, 'late_payment_rate', 0)?.value).toBeCloseTo(66.6666667, 6);
    expect(at(result, 'late_payment_rate', 0)?.detail).toEqual({ invoices_due: 6, invoices_late: 4 });
    // W45 (11-02..11-08): i7, i11, both paid after their due day: 2 / 2 = 100
    expect(at(result, 'late_payment_rate', 1)?.value).toBe(100);
    // W44 (10-26..11-01): i6, unpaid: 100
    expect(at(result, 'late_payment_rate', 2)?.value).toBe(100);
    // W43: nothing due.
    expect(at(result, 'late_payment_rate', 3)).toEqual({
      value: null,
      reason: 'no invoices (not void) due in the period',
    });
  });

  it('computes the overdue amount at last_day rates, as it stood at the end of each period', () => {
    // W46 (last_day 11-15): i3 100 EUR × 1.20 = 120 + i6 1,000 PLN × 0.25 = 250 → 370.
    // i5 is due on last_day itself; i7 and i11 were paid before the end of the week.
    expect(at(result, 'overdue_amount', 0)).toEqual({ value: 370, detail: { invoices: 2 } });
    // W45 (last_day 11-08): i6 250 + i7 80 EUR × 1.10 = 88 + i11 30 (both paid after 11-08) → 368
    expect(at(result, 'overdue_amount', 1)).toEqual({ value: 368, detail: { invoices: 3 } });
    // W44 (last_day 11-01): i6 is due on last_day itself: nothing overdue, which is 0, not null.
    expect(at(result, 'overdue_amount', 2)).toEqual({ value: 0, detail: { invoices: 0 } });
  });

  it('computes the customer retention cost: period cost over mean customers', () => {
    // W46 is 7 days of November (30 days), at the 11-15 rate EUR 1.20:
    // 2,400 × 1.20 × 7/30 = 672 + 600 × 7/30 = 140 → 812. Customers at the end of W45 (11-08):
    // a1, a2, a5 = 3; at the end of W46 (11-15): a1, a3, a5 = 3. 812 / 3 = 270.67
    expect(at(result, 'customer_retention_cost', 0)?.value).toBeCloseTo(812 / 3, 9);
    expect(at(result, 'customer_retention_cost', 0)?.detail).toEqual({
      cost: 812,
      customers_start: 3,
      customers_end: 3,
    });
    // W45 at EUR 1.10: 2,400 × 1.10 × 7/30 = 616 + 140 = 756; customers 2 (11-01: a1, a2) and 3:
    // 756 / 2.5 = 302.4
    expect(at(result, 'customer_retention_cost', 1)?.value).toBeCloseTo(302.4, 9);
    // W44 spans October (10-26..10-31, 6 of 31 days) and November (11-01, 1 of 30 days):
    // 3,100 × 6/31 = 600 + 2,400 × 1.10 / 30 = 88 + 600 / 30 = 20 → 708; customers 2 and 2 → 354
    expect(at(result, 'customer_retention_cost', 2)?.value).toBeCloseTo(354, 9);
    // W40 (09-28..10-04) touches September, which has no cost rows: null with a reason.
    expect(at(result, 'customer_retention_cost', 6)).toEqual({
      value: null,
      reason: 'cs_costs has rows for 1 of the 2 months the period touches',
    });
    // W39 (09-21..09-27): no cost rows at all.
    expect(at(result, 'customer_retention_cost', 7)).toEqual({
      value: null,
      reason: 'no cs_costs rows for the months the period touches',
    });
    expect(result.values.customer_retention_cost).toHaveLength(12);
  });

  it('runs one query per source, each parsing as Trino SQL', () => {
    expect(engine.requests.map((r) => r.name)).toEqual(['billing_invoices', 'billing_retention_cost']);
    const parser = new TrinoSQL();
    for (const request of engine.requests) expect(parser.validate(request.sql), request.name).toEqual([]);
  });
});

describe('billing group, 2026-W46 in Europe/Warsaw', async () => {
  const { result } = await run(FIXTURE, '2026-W46', 'Europe/Warsaw');

  it('judges lateness on UTC calendar days, whatever the report time zone', () => {
    // i1 was paid at 23:30Z on its due day (00:30 the next day in Warsaw): still on time, 4 / 6.
    expect(at(result, 'late_payment_rate', 0)?.value).toBeCloseTo(66.6666667, 6);
  });

  it('takes the end of the period in the report time zone for what was still unpaid', () => {
    // The week ends at 11-15 23:00Z; i11 was paid at 23:30Z, after it: 370 + 30 = 400.
    expect(at(result, 'overdue_amount', 0)).toEqual({ value: 400, detail: { invoices: 3 } });
  });
});

describe('billing group, 2026-11 in Asia/Jakarta', async () => {
  const { result } = await run(FIXTURE, '2026-11', 'Asia/Jakarta');

  it('computes the monthly values and the previous month', () => {
    // Due in November, not void: i1, i2, i3, i5, i6, i7, i8, i9, i11 = 9; late: i2, i3, i5, i6,
    // i7, i8, i11 = 7 → 77.78. October: nothing due.
    expect(at(result, 'late_payment_rate', 0)?.value).toBeCloseTo(700 / 9, 9);
    expect(at(result, 'late_payment_rate', 1)?.reason).toBe('no invoices (not void) due in the period');
    // Overdue at 11-30 (EUR 1.20): i3 120 + i5 50 + i6 250 = 420. October: 0.
    expect(at(result, 'overdue_amount', 0)?.value).toBe(420);
    expect(at(result, 'overdue_amount', 1)?.value).toBe(0);
    // November: 2,400 × 1.20 + 600 = 3,480; customers 2 (10-31: a1, a2) and 3 (11-30: a1, a3, a5)
    // → 3,480 / 2.5 = 1,392. October: 3,100 / 2 = 1,550. September: no cost rows.
    expect(at(result, 'customer_retention_cost', 0)?.value).toBeCloseTo(1392, 9);
    expect(at(result, 'customer_retention_cost', 1)?.value).toBeCloseTo(1550, 9);
    expect(at(result, 'customer_retention_cost', 2)?.value).toBeNull();
  });
});

describe('billing group with tables absent', () => {
  it('gives the invoice KPIs without cs_costs and subscriptions, and says why retention cost is missing', async () => {
    const result = await runWith(['invoices', 'fx_rates'], '2026-W46');
    expect(at(result, 'overdue_amount', 0)?.value).toBe(370);
    expect(at(result, 'customer_retention_cost', 0)).toEqual({
      value: null,
      reason: 'not available: no cs_costs, no subscriptions',
    });
    expect(at(result, 'customer_retention_cost', 1)?.reason).toBe(
      'not available: no cs_costs, no subscriptions',
    );
  });

  it('gives retention cost without invoices, and says why the invoice KPIs are missing', async () => {
    const result = await runWith(['cs_costs', 'subscriptions', 'fx_rates'], '2026-W46');
    expect(at(result, 'customer_retention_cost', 0)?.value).toBeCloseTo(812 / 3, 9);
    expect(at(result, 'late_payment_rate', 0)).toEqual({ value: null, reason: 'not available: no invoices' });
    expect(at(result, 'overdue_amount', 0)).toEqual({ value: null, reason: 'not available: no invoices' });
  });

  it('names the one missing table of retention cost', async () => {
    const result = await runWith(['cs_costs', 'fx_rates'], '2026-W46');
    expect(at(result, 'customer_retention_cost', 0)?.reason).toBe('not available: no subscriptions');
  });

  it('is never switched off as a whole', () => {
    expect(billingGroup.requires).toEqual([]);
  });
});

describe('billing formulas', () => {
  it('late payment rate', () => {
    // 1 of 4 late: 25
    expect(
      latePaymentRate({ invoicesDue: 4, invoicesLate: 1, overdueInvoices: 0, overdueAmount: 0 }).value,
    ).toBe(25);
  });

  it('retention cost is null without paying customers', () => {
    expect(
      customerRetentionCost({
        monthsTouched: 1,
        monthsWithCosts: 1,
        cost: 100,
        customersStart: 0,
        customersEnd: 0,
      }),
    ).toEqual({ value: null, reason: 'no paying customers at the start or at the end of the period' });
    // 100 / ((0 + 2) / 2) = 100
    expect(
      customerRetentionCost({
        monthsTouched: 1,
        monthsWithCosts: 1,
        cost: 100,
        customersStart: 0,
        customersEnd: 2,
      }).value,
    ).toBe(100);
  });

  it('takes the customers at the start from the next older period, none for the oldest', () => {
    const rows = [
      { period_index: 0, months_touched: 1, months_with_costs: 1, cost: '90.000000000000', customers_end: 4 },
      { period_index: 1, months_touched: 1, months_with_costs: 1, cost: '80.000000000000', customers_end: 2 },
    ];
    expect(retentionCostInputs(rows, 2)).toEqual([
      { monthsTouched: 1, monthsWithCosts: 1, cost: 90, customersStart: 2, customersEnd: 4 },
      null,
    ]);
  });
});

describe('billing group on generated sample data', async () => {
  const result = await runOnSampleData(billingGroup, '2026-10');

  it('gives plausible values: rates in 0..100, non-negative money, no NaN', () => {
    for (let i = 0; i < 12; i++) {
      const late = at(result, 'late_payment_rate', i)?.value;
      if (late !== null && late !== undefined) {
        expect(late).toBeGreaterThanOrEqual(0);
        expect(late).toBeLessThanOrEqual(100);
      }
      for (const id of ['overdue_amount', 'customer_retention_cost'] as const) {
        const v = at(result, id, i)?.value;
        if (v === null || v === undefined) continue;
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
    }
    expect(at(result, 'customer_retention_cost', 0)?.value).toBeGreaterThan(0);
  });
});
