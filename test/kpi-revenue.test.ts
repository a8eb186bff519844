/**
 * Revenue and customers on a hand-made fixture (test/fixtures/revenue), every expected value
 * derived by hand below.
 *
 * Fixture (reporting currency USD). Rates: EUR 1.10 from 2026-01-01 (and before: the earliest rate
 * covers earlier days), 1.20 from 2026-09-01, 1.25 from 2026-10-15; PLN 0.25, then 0.30 from
 * 2026-10-15. GBP has no rate, so A9's GBP subscription is left out by the clean relation.
 *
 *   A1 Alpha   Enterprise  s1 Business Annual 1200 EUR / 12 = 100 EUR a month, from 2025-10-15
 *   A2 Beta    SMB         s2 Basic 50 USD monthly 2026-03-01..2026-10-10, then Pro 80 USD (same s2)
 *   A3 Gamma   Mid-Market  s3 Pro Quarterly 3000 PLN / 3 = 1000 PLN 2026-07-01..2026-10-20,
 *                          then Basic Quarterly 1500 PLN / 3 = 500 PLN (same s3)
 *   A4 Delta   SMB         s4 Basic 40 USD monthly 2026-05-01..2026-10-01 (ends exactly on first_day)
 *   A5 Epsilon (none)      s5 trial at 99 USD 2026-09-20..2026-10-04 (no MRR), then Starter 60 USD;
 *                          created 2026-09-30T22:30Z = 1 October 00:30 in Warsaw, 05:30 in Jakarta
 *   A6 Zeta    SMB         s6 Basic 30 USD 2026-01-01..2026-06-01; s7 Starter 35 USD from 2026-10-15
 *   A7 Eta     Enterprise  s8 trial at 0 USD from 2026-10-05 (created 2026-10-05, never pays)
 *   A8 Theta   SMB         s9 Business Annual 2400 USD / 12 = 200 2025-10-20..2026-10-20
 *   A9 Iota    SMB         s10 100 GBP monthly (no rate: excluded)
 *
 * Report period: 2026-10 (first_day 1 October, last_day 31 October; the day before is 30 September).
 * Opening MRR on 30 September at its rates (EUR 1.20, PLN 0.25):
 *   A1 100 × 1.20 = 120, A2 50, A3 1000 × 0.25 = 250, A4 40, A8 200      Σ mrr_start = 660, 5 customers
 * The same rows at 31 October rates (EUR 1.25, PLN 0.30):
 *   A1 125, A2 50, A3 300, A4 40, A8 200                                 Σ mrr_start_cc = 715
 * Closing MRR on 31 October: A1 125, A2 80, A3 500 × 0.30 = 150, A5 60, A6 35   Σ mrr_end = 450, 5 customers
 * Movements: new A5 60 (never paid before); reactivation A6 35 (paid until June); expansion A2
 * 80 − 50 = 30; contraction A3 300 − 150 = 150; churn A4 40 + A8 200 = 240. fx = 715 − 660 = 55.
 * Identity: 660 + 55 + 60 + 35 + 30 − 150 − 240 = 450.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { RecordingEngine } from './helpers/recording-engine.js';
import { createKpiContext } from '../functions/app/context.js';
import { periodFromKey } from '../functions/core/period.js';
import {
  conversionRate,
  ltv,
  ltvCalendar,
  periodValues,
  renewalRate,
  revenueGroup,
  revenueTotals,
  type MonthChurn,
} from '../functions/core/kpis/revenue.js';
import type { KpiGroupResult, PeriodValue } from '../functions/core/kpis/group.js';
import type { KpiId, MrrMovementRow } from '../functions/core/snapshot.js';
import type { TableName } from '../functions/contract/contract.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'revenue');
const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the fixture holding only `tables`. */
function fixtureWith(tables: readonly TableName[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpi-revenue-'));
  tempDirs.push(dir);
  for (const t of tables) cpSync(join(FIXTURE, t), join(dir, t), { recursive: true });
  return dir;
}

async function runGroup(key: string, timezone: string, dataDir = FIXTURE): Promise<KpiGroupResult> {
  const engine = await DuckDbEngine.open({ dataDir });
  try {
    const { context } = await createKpiContext(engine, {
      period: periodFromKey(key, timezone),
      currency: 'USD',
    });
    return await revenueGroup.compute(context);
  } finally {
    await engine.close();
  }
}

const cache = new Map<string, Promise<KpiGroupResult>>();
function group(key: string, timezone: string): Promise<KpiGroupResult> {
  const k = `${key}|${timezone}`;
  let p = cache.get(k);
  if (!p) {
    p = runGroup(key, timezone);
    cache.set(k, p);
  }
  return p;
}

function at(result: KpiGroupResult, id: KpiId, index = 0): PeriodValue {
  const v = result.values[id]?.[index];
  if (!v) throw new Error(`${id}[${index}] missing`);
  return v;
}
const value = (result: KpiGroupResult, id: KpiId, index = 0): number | null => at(result, id, index).value;

function identityGap(r: MrrMovementRow): number {
  return (
    r.mrrStart + r.fxAdjustment + r.new + r.reactivation + r.expansion - r.contraction - r.churn - r.mrrEnd
  );
}

describe('revenue group, monthly 2026-10 in Europe/Warsaw', () => {
  const result = () => group('2026-10', 'Europe/Warsaw');

  it('gives every KPI of the group for the 12 trend periods', async () => {
    const r = await result();
    expect(Object.keys(r.values).sort()).toEqual([...revenueGroup.kpis].sort());
    for (const id of revenueGroup.kpis) expect(r.values[id], id).toHaveLength(12);
  });

  it('MRR and ARR at the end of the period, converted at last_day rates', async () => {
    const r = await result();
    // 125 + 80 + 150 + 60 + 35
    expect(value(r, 'mrr')).toBeCloseTo(450, 9);
    expect(value(r, 'arr')).toBeCloseTo(5400, 9); // 12 × 450
    // September: A1 100 × 1.20 = 120, A2 50, A3 250, A4 40, A8 200 (A5 is still a trial: no MRR)
    expect(value(r, 'mrr', 1)).toBeCloseTo(660, 9);
    expect(value(r, 'arr', 1)).toBeCloseTo(7920, 9);
  });

  it('MRR trend over 12 months', async () => {
    const r = await result();
    // Closing MRR per month, newest first (EUR 1.10 before September):
    //  Oct 450; Sep 660; Aug 110 + 50 + 250 + 40 + 200 = 650; Jul 650 (A3 from 1 July);
    //  Jun 110 + 50 + 40 + 200 = 400 (A6 left on 1 June); May 400 + A6 30 = 430 (A4 from 1 May);
    //  Apr 110 + 50 + 30 + 200 = 390; Mar 390 (A2 from 1 March); Feb 110 + 30 + 200 = 340; Jan 340;
    //  Dec 2025 110 + 200 = 310; Nov 2025 310.
    const trend = r.values.mrr?.map((v) => v.value);
    const expected = [450, 660, 650, 650, 400, 430, 390, 390, 340, 340, 310, 310];
    expected.forEach((e, i) => expect(trend?.[i]).toBeCloseTo(e, 9));
  });

  it('movements in constant currency, and the FX adjustment', async () => {
    const r = await result();
    expect(value(r, 'mrr_new')).toBeCloseTo(60, 9); // A5
    expect(value(r, 'mrr_reactivation')).toBeCloseTo(35, 9); // A6 paid January to May
    expect(value(r, 'mrr_expansion')).toBeCloseTo(30, 9); // A2 50 → 80 on the same subscription
    expect(value(r, 'expansion_revenue')).toBeCloseTo(30, 9);
    // A3 1000 PLN × 0.30 = 300 → 500 PLN × 0.30 = 150: contraction 150, not 250 − 150 = 100
    expect(value(r, 'mrr_contraction')).toBeCloseTo(150, 9);
    expect(value(r, 'mrr_churn')).toBeCloseTo(240, 9); // A4 40 (ended 1 October) + A8 200
    // A1 100 EUR × (1.25 − 1.20) = 5; A3 1000 PLN × (0.30 − 0.25) = 50
    expect(value(r, 'mrr_fx_adjustment')).toBeCloseTo(55, 9);
    expect(value(r, 'net_new_mrr')).toBeCloseTo(60 + 35 + 30 - 150 - 240, 9); // −265
    // September: no movement; A1 100 EUR × (1.20 − 1.10) = 10
    expect(value(r, 'net_new_mrr', 1)).toBeCloseTo(0, 9);
    expect(value(r, 'mrr_fx_adjustment', 1)).toBeCloseTo(10, 9);
  });

  it('the MRR identity holds: Σ start + fx + new + reactivation + expansion − contraction − churn = Σ end', async () => {
    const r = await result();
    // Period i opens on the day period i + 1 closes, at that day's rates: Σ mrr_start(i) = mrr(i + 1).
    for (let i = 0; i < 11; i += 1) {
      const start = value(r, 'mrr', i + 1) ?? NaN;
      const fx = value(r, 'mrr_fx_adjustment', i) ?? NaN;
      const netNew = value(r, 'net_new_mrr', i) ?? NaN;
      expect(start + fx + netNew, `period ${i}`).toBeCloseTo(value(r, 'mrr', i) ?? NaN, 2);
    }
  });

  it('customer counts', async () => {
    const r = await result();
    expect(value(r, 'customers')).toBe(5); // A1 A2 A3 A5 A6
    expect(at(r, 'customers').detail).toEqual({ customers_start: 5 }); // A1 A2 A3 A4 A8
    expect(value(r, 'customers_new')).toBe(1); // A5
    expect(value(r, 'customers_reactivated')).toBe(1); // A6
    expect(value(r, 'customers_churned')).toBe(2); // A4, A8
    expect(value(r, 'customers', 1)).toBe(5);
    expect(value(r, 'customers_churned', 1)).toBe(0);
  });

  it('ARPA, churn and retention rates', async () => {
    const r = await result();
    expect(value(r, 'arpa')).toBeCloseTo(90, 9); // 450 / 5
    expect(value(r, 'arpa', 1)).toBeCloseTo(132, 9); // 660 / 5
    expect(value(r, 'customer_churn_rate')).toBeCloseTo(40, 9); // 2 of 5
    expect(value(r, 'customer_retention_rate')).toBeCloseTo(60, 9); // (5 − 2) / 5
    expect(value(r, 'customer_churn_rate', 1)).toBe(0);
    expect(value(r, 'customer_retention_rate', 1)).toBe(100);
    // (churn 240 + contraction 150) / 715
    expect(value(r, 'revenue_churn_rate')).toBeCloseTo((390 / 715) * 100, 9);
    // (715 + 30 − 150 − 240) / 715 = 355 / 715
    expect(value(r, 'net_revenue_retention')).toBeCloseTo((355 / 715) * 100, 9);
    // (715 − 150 − 240) / 715 = 325 / 715
    expect(value(r, 'gross_revenue_retention')).toBeCloseTo((325 / 715) * 100, 9);
    expect(value(r, 'revenue_churn_rate', 1)).toBe(0);
    expect(value(r, 'net_revenue_retention', 1)).toBe(100);
    expect(value(r, 'gross_revenue_retention', 1)).toBe(100);
  });

  it('quick ratio, null with a reason when nothing was lost', async () => {
    const r = await result();
    // (60 + 35 + 30) / (150 + 240)
    expect(value(r, 'quick_ratio')).toBeCloseTo(125 / 390, 9);
    expect(at(r, 'quick_ratio', 1)).toEqual({ value: null, reason: 'no contraction or churn in the period' });
  });

  it('LTV from the mean churn of the six complete months ending on last_day', async () => {
    const r = await result();
    // Monthly churn: Oct 2/5 = 40 %; Sep 0/5; Aug 0/5; Jul 0/4; Jun 1/5 = 20 % (A6 stopped on
    // 1 June); May 0/4. Mean (40 + 20) / 6 = 10 %: LTV = 90 / 0.10 = 900.
    expect(value(r, 'ltv')).toBeCloseTo(900, 6);
    expect(at(r, 'ltv').detail).toMatchObject({ churn_months: '2026-05..2026-10' });
    // September: April..September, mean 20 / 6 %: 132 / (20 / 600) = 3960.
    expect(value(r, 'ltv', 1)).toBeCloseTo(3960, 6);
  });

  it('renewal rate over the terms that end in the period', async () => {
    const r = await result();
    // Terms ending in October: s1 on 15 Oct (annual, renewed: row continues); s2 Basic on 1 Oct
    // (monthly, renewed: A2 pays on 1 Oct); s3 Pro Quarterly on 1 Oct (1 July + 3 months,
    // renewed); s4 on 1 Oct (its row ends that day and A4 pays nothing: not renewed); s9 on
    // 20 Oct (annual, ends that day: not renewed). The trials have no terms; s2 Pro and s3 Basic
    // Quarterly started in October, s5 and s7 too. 3 of 5.
    expect(at(r, 'renewal_rate')).toEqual({ value: 60, detail: { terms_ending: 5, terms_renewed: 3 } });
    // September: s2 and s4 on 1 Sep, both renewed.
    expect(value(r, 'renewal_rate', 1)).toBe(100);
  });

  it('conversion rate: first paid day in the period / accounts created in it (Warsaw days)', async () => {
    const r = await result();
    // Created in October in Warsaw: A5 (1 Oct 00:30 local), A7. First paid in October: A5 (4 Oct).
    // A6 paid again in October but first paid in January.
    expect(at(r, 'conversion_rate')).toEqual({
      value: 50,
      detail: { accounts_created: 2, accounts_converted: 1 },
    });
    // No account was created in September in Warsaw (A5 is 1 October there).
    expect(at(r, 'conversion_rate', 1)).toEqual({ value: null, reason: 'no accounts created in the period' });
  });

  it('MRR movements by segment, each row balancing on its own', async () => {
    const r = await result();
    const rows = r.details?.mrrMovements?.bySegment ?? [];
    const row = (
      name: string,
      mrrStart: number,
      fx: number,
      n: number,
      re: number,
      ex: number,
      co: number,
      ch: number,
      mrrEnd: number,
    ): MrrMovementRow => ({
      name,
      mrrStart,
      mrrEnd,
      new: n,
      reactivation: re,
      expansion: ex,
      contraction: co,
      churn: ch,
      fxAdjustment: fx,
    });
    // By closing MRR: Mid-Market A3 250 + 50 − 150 = 150; Enterprise A1 120 + 5 = 125;
    // SMB A2 A4 A6 A8: 50 + 40 + 200 = 290, + 35 + 30 − 240 = 115; (none) A5 new 60.
    expect(rows).toEqual([
      row('Mid-Market', 250, 50, 0, 0, 0, 150, 0, 150),
      row('Enterprise', 120, 5, 0, 0, 0, 0, 0, 125),
      row('SMB', 290, 0, 0, 35, 30, 0, 240, 115),
      row('(none)', 0, 0, 60, 0, 0, 0, 0, 60),
    ]);
    for (const s of rows) expect(identityGap(s), s.name).toBeCloseTo(0, 9);
  });

  it('MRR movements by plan: the plan at the end, or at the start for churned accounts', async () => {
    const r = await result();
    const rows = r.details?.mrrMovements?.byPlan ?? [];
    // Basic Quarterly: A3 (its plan on 31 Oct) 250 + 50 − 150 = 150.
    // Business Annual: A1 120 + 5 and churned A8 200: 320 + 5 − 200 = 125.
    // Starter: A5 new 60 + A6 reactivation 35 = 95. Pro: A2 (on Basic until 10 Oct) 50 + 30 = 80.
    // Basic: churned A4 40 − 40 = 0.
    expect(rows.map((p) => [p.name, p.mrrStart, p.mrrEnd])).toEqual([
      ['Basic Quarterly', 250, 150],
      ['Business Annual', 320, 125],
      ['Starter', 0, 95],
      ['Pro', 50, 80],
      ['Basic', 40, 0],
    ]);
    expect(rows.find((p) => p.name === 'Business Annual')).toMatchObject({ fxAdjustment: 5, churn: 200 });
    expect(rows.find((p) => p.name === 'Starter')).toMatchObject({ new: 60, reactivation: 35 });
    for (const p of rows) expect(identityGap(p), p.name).toBeCloseTo(0, 9);
  });

  it('every account with a movement, in a stable order', async () => {
    const r = await result();
    expect(r.details?.mrrMovements?.byAccount).toEqual([
      {
        accountId: 'A5',
        accountName: 'Epsilon',
        segment: null,
        movement: 'new',
        mrrStart: 0,
        mrrEnd: 60,
        amount: 60,
      },
      {
        accountId: 'A6',
        accountName: 'Zeta',
        segment: 'SMB',
        movement: 'reactivation',
        mrrStart: 0,
        mrrEnd: 35,
        amount: 35,
      },
      {
        accountId: 'A2',
        accountName: 'Beta',
        segment: 'SMB',
        movement: 'expansion',
        mrrStart: 50,
        mrrEnd: 80,
        amount: 30,
      },
      // Opening MRR in constant currency: 1000 PLN × 0.30
      {
        accountId: 'A3',
        accountName: 'Gamma',
        segment: 'Mid-Market',
        movement: 'contraction',
        mrrStart: 300,
        mrrEnd: 150,
        amount: -150,
      },
      {
        accountId: 'A8',
        accountName: 'Theta',
        segment: 'SMB',
        movement: 'churn',
        mrrStart: 200,
        mrrEnd: 0,
        amount: -200,
      },
      {
        accountId: 'A4',
        accountName: 'Delta',
        segment: 'SMB',
        movement: 'churn',
        mrrStart: 40,
        mrrEnd: 0,
        amount: -40,
      },
    ]);
  });
});

describe('revenue group, other periods and time zones', () => {
  it('counts sign-ups by the report time zone: UTC puts A5 in September', async () => {
    const r = await group('2026-10', 'UTC');
    // Created in October (UTC): A7 only; converted: A5. 1 of 1.
    expect(at(r, 'conversion_rate')).toEqual({
      value: 100,
      detail: { accounts_created: 1, accounts_converted: 1 },
    });
    // September (UTC): A5 created (30 Sep 22:30), nobody paid for the first time: 0 of 1.
    expect(at(r, 'conversion_rate', 1)).toEqual({
      value: 0,
      detail: { accounts_created: 1, accounts_converted: 0 },
    });
    // Subscription dates are calendar dates: MRR does not depend on the time zone.
    expect(value(r, 'mrr')).toBeCloseTo(450, 9);
  });

  it('weekly 2026-W40 (28 Sep – 4 Oct) in Asia/Jakarta', async () => {
    const r = await group('2026-W40', 'Asia/Jakarta');
    // Opening 27 Sep = closing 4 Oct rates (EUR 1.20, PLN 0.25): A1 120, A2 50, A3 250, A4 40,
    // A8 200 = 660, no FX adjustment. Closing 4 Oct: A4 gone (ended 1 Oct), A5 pays from 4 Oct:
    // 120 + 50 + 250 + 60 + 200 = 680 = 660 + new 60 − churn 40.
    expect(value(r, 'mrr')).toBeCloseTo(680, 9);
    expect(value(r, 'mrr_fx_adjustment')).toBeCloseTo(0, 9);
    expect(value(r, 'mrr_new')).toBeCloseTo(60, 9);
    expect(value(r, 'mrr_churn')).toBeCloseTo(40, 9);
    expect(value(r, 'net_new_mrr')).toBeCloseTo(20, 9);
    expect(value(r, 'customer_churn_rate')).toBeCloseTo(20, 9); // 1 of 5
    expect(value(r, 'net_revenue_retention')).toBeCloseTo((620 / 660) * 100, 9);
    expect(value(r, 'quick_ratio')).toBeCloseTo(1.5, 9); // 60 / 40
    expect(value(r, 'arpa')).toBeCloseTo(136, 9); // 680 / 5
    // Latest complete month on 4 Oct is September: April..September, mean churn 20 / 6 %:
    // 136 / (1 / 30) = 4080.
    expect(value(r, 'ltv')).toBeCloseTo(4080, 6);
    expect(at(r, 'ltv').detail).toMatchObject({ churn_months: '2026-04..2026-09' });
    // Terms ending 28 Sep – 4 Oct: s2, s3, s4 on 1 Oct; s4 not renewed. 2 of 3.
    expect(value(r, 'renewal_rate')).toBeCloseTo((2 / 3) * 100, 9);
    // 2026-W39 (21–27 Sep): no term ends.
    expect(at(r, 'renewal_rate', 1)).toEqual({
      value: null,
      reason: 'no subscription term ended in the period',
    });
    // Created this week in Jakarta: A5 (1 Oct 05:30), which first paid on 4 Oct: 1 of 1.
    expect(value(r, 'conversion_rate')).toBe(100);
  });

  it('a period with no customers at its start: rates are null with reasons', async () => {
    const r = await group('2025-10', 'UTC');
    // Nobody pays on 30 Sep 2025. On 31 Oct: A1 100 EUR × 1.10 (the earliest rate) = 110, A8 200.
    expect(value(r, 'mrr')).toBeCloseTo(310, 9);
    expect(value(r, 'mrr_new')).toBeCloseTo(310, 9);
    expect(value(r, 'customers_new')).toBe(2);
    expect(value(r, 'arpa')).toBeCloseTo(155, 9);
    for (const id of ['customer_churn_rate', 'customer_retention_rate'] as const) {
      expect(at(r, id)).toEqual({ value: null, reason: 'no paying customers at the start of the period' });
    }
    for (const id of ['revenue_churn_rate', 'net_revenue_retention', 'gross_revenue_retention'] as const) {
      expect(at(r, id)).toEqual({ value: null, reason: 'no MRR at the start of the period' });
    }
    expect(at(r, 'quick_ratio').value).toBeNull();
    // September 2025: no customers at either end.
    expect(at(r, 'arpa', 1)).toEqual({ value: null, reason: 'no paying customers at the end of the period' });
    expect(at(r, 'ltv').value).toBeNull();
    expect(at(r, 'ltv').reason).toMatch(/no paying customers in the six complete months/);
    expect(at(r, 'renewal_rate').value).toBeNull();
    // A1 and A8 signed up and first paid in October 2025: 2 of 2.
    expect(value(r, 'conversion_rate')).toBe(100);
  });
});

describe('revenue group with tables absent', () => {
  it('without accounts: conversion is not available and segments are (none)', async () => {
    const r = await runGroup('2026-10', 'Europe/Warsaw', fixtureWith(['subscriptions', 'fx_rates']));
    expect(at(r, 'conversion_rate')).toEqual({
      value: null,
      reason: 'not available: no accounts (account sign-up dates)',
    });
    expect(value(r, 'mrr')).toBeCloseTo(450, 9);
    const segments = r.details?.mrrMovements?.bySegment ?? [];
    expect(segments.map((s) => s.name)).toEqual(['(none)']);
    expect(segments[0]?.mrrEnd).toBeCloseTo(450, 9);
    expect(identityGap(segments[0] as MrrMovementRow)).toBeCloseTo(0, 9);
    expect(
      r.details?.mrrMovements?.byAccount.every((a) => a.accountName === null && a.segment === null),
    ).toBe(true);
  });

  it('without fx_rates: only rows in the reporting currency count', async () => {
    const r = await runGroup('2026-10', 'Europe/Warsaw', fixtureWith(['subscriptions', 'accounts']));
    // USD only: opening A2 50 + A4 40 + A8 200 = 290; closing A2 80 + A5 60 + A6 35 = 175.
    expect(value(r, 'mrr')).toBeCloseTo(175, 9);
    expect(value(r, 'mrr_fx_adjustment')).toBe(0);
    expect(value(r, 'mrr_churn')).toBeCloseTo(240, 9);
    expect(value(r, 'customers')).toBe(3);
    expect(value(r, 'customer_churn_rate')).toBeCloseTo((2 / 3) * 100, 9);
    // 290 + 60 + 35 + 30 − 240 = 175
    expect(value(r, 'net_new_mrr')).toBeCloseTo(-115, 9);
  });
});

describe('revenue formulas', () => {
  const totals = revenueTotals({
    mrr_start: '100.000000000000',
    mrr_start_cc: '0.000000000000',
    mrr_end: '0.000000000000',
    customers_start: 0,
    customers_end: 0,
  });

  it('reads decimal strings and leaves zero denominators null with reasons', () => {
    expect(totals.mrrStart).toBe(100);
    const v = periodValues(totals);
    expect(v.mrr).toEqual({ value: 0 });
    expect(v.arpa).toEqual({ value: null, reason: 'no paying customers at the end of the period' });
    expect(v.net_revenue_retention).toEqual({ value: null, reason: 'no MRR at the start of the period' });
  });

  it('LTV is null when the six months saw no churn, or when there are not six months', () => {
    const months: MonthChurn[] = ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'].map(
      (key) => ({
        key,
        lastDay: `${key}-28`,
        customersStart: 10,
        customersChurned: 0,
      }),
    );
    const none = ltv({ value: 50 }, '2026-10-31', months);
    expect(none.value).toBeNull();
    expect(none.reason).toMatch(/no customer churn in the six complete months/);
    expect(ltv({ value: 50 }, '2026-09-30', months).reason).toMatch(
      /fewer than six complete calendar months/,
    );
    // One month with 1 of 10 churned, and a month without customers at its start left out of the
    // mean: (10 + 0 + 0 + 0 + 0) / 5 = 2 % → 50 / 0.02 = 2500.
    const withChurn = months.map((m, i) =>
      i === 5 ? { ...m, customersChurned: 1 } : i === 0 ? { ...m, customersStart: 0 } : m,
    );
    expect(ltv({ value: 50 }, '2026-10-31', withChurn).value).toBeCloseTo(2500, 9);
  });

  it('LTV months: six complete months before each report period, in one consecutive run', () => {
    const weekly = ltvCalendar([
      periodFromKey('2026-W40', 'Asia/Jakarta'),
      periodFromKey('2026-W39', 'Asia/Jakarta'),
    ]);
    // 4 Oct → September is the latest complete month; 27 Sep → August. March..September.
    expect(weekly.map((m) => m.key)).toEqual([
      '2026-09',
      '2026-08',
      '2026-07',
      '2026-06',
      '2026-05',
      '2026-04',
      '2026-03',
    ]);
    expect(weekly.every((m) => m.kind === 'monthly' && m.timezone === 'Asia/Jakarta')).toBe(true);
    const monthly = ltvCalendar([
      periodFromKey('2026-10'),
      periodFromKey('2026-09'),
      periodFromKey('2026-08'),
    ]);
    expect(monthly.map((m) => m.key)).toEqual([
      '2026-10',
      '2026-09',
      '2026-08',
      '2026-07',
      '2026-06',
      '2026-05',
      '2026-04',
      '2026-03',
    ]);
  });

  it('renewal and conversion rates', () => {
    expect(renewalRate({ terms_ending: 4, terms_renewed: 3 }).value).toBe(75);
    expect(renewalRate({ terms_ending: 0, terms_renewed: 0 })).toEqual({
      value: null,
      reason: 'no subscription term ended in the period',
    });
    expect(conversionRate({ accounts_created: 4, accounts_converted: 1 }).value).toBe(25);
  });
});

describe('revenue SQL', () => {
  it('runs six queries whose composed text parses with the Trino grammar', async () => {
    const engine = new RecordingEngine(await DuckDbEngine.open({ dataDir: FIXTURE }));
    try {
      const { context } = await createKpiContext(engine, {
        period: periodFromKey('2026-W46', 'Europe/Warsaw'),
        currency: 'EUR',
      });
      await revenueGroup.compute(context);
    } finally {
      await engine.close();
    }
    expect(engine.requests.map((r) => r.name)).toEqual([
      'revenue_summary',
      'revenue_summary',
      'revenue_renewals',
      'revenue_conversions',
      'revenue_breakdown',
      'revenue_accounts',
    ]);
    const parser = new TrinoSQL();
    for (const r of engine.requests) expect(parser.validate(r.sql), r.name).toEqual([]);
  });
});
