/**
 * The MRR identity on generated data, to the cent and in fact exactly:
 *   Σ mrr_start + fx_adjustment + new + reactivation + expansion − contraction − churn = Σ mrr_end
 * for every period of weekly and monthly reports in several time zones, in total and for every
 * segment and plan row. The SQL sums are checked exactly on their decimal text; the numbers
 * the group reports are checked to the cent. A reference implementation in TypeScript, over the
 * clean subscription rows and rate spans, recomputes the bridge of the report's period.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { createKpiContext } from '../functions/app/context.js';
import { addDays, periodFromKey, type Period } from '../functions/core/period.js';
import { composeQuery } from '../functions/sql/compose.js';
import { revenueGroup } from '../functions/core/kpis/revenue.js';
import { generateSampleData } from '../functions/sample/generate.js';
import type { KpiGroupContext, KpiGroupResult } from '../functions/core/kpis/group.js';
import type { Row } from '../functions/core/sql-values.js';
import type { KpiId, MrrMovementRow } from '../functions/core/snapshot.js';

const SEEDS = [1, 2, 3];
const REPORTS = [
  { key: '2026-W46', timezone: 'Asia/Jakarta' },
  { key: '2026-10', timezone: 'Europe/Warsaw' },
  { key: '2026-11', timezone: 'UTC' },
] as const;

/** A decimal string ("-12.340000000000") as an integer count of 10^-12 units: exact sums. */
function units(cell: Row[string] | undefined): bigint {
  if (typeof cell !== 'string' && typeof cell !== 'number') throw new Error(`not a decimal: ${String(cell)}`);
  const text = String(cell);
  const m = /^(-?)(\d+)(?:\.(\d{0,12}))?$/.exec(text);
  if (!m) throw new Error(`not a decimal with at most 12 places: ${text}`);
  const value = BigInt(m[2] as string) * 10n ** 12n + BigInt((m[3] ?? '').padEnd(12, '0') || '0');
  return m[1] === '-' ? -value : value;
}

/** Σ start + fx + new + reactivation + expansion − contraction − churn − Σ end, in 10^-12 units. */
function bridgeGap(row: Row): bigint {
  return (
    units(row.mrr_start) +
    units(row.mrr_fx_adjustment) +
    units(row.mrr_new) +
    units(row.mrr_reactivation) +
    units(row.mrr_expansion) -
    units(row.mrr_contraction) -
    units(row.mrr_churn) -
    units(row.mrr_end)
  );
}

function numberGap(r: MrrMovementRow): number {
  return (
    r.mrrStart + r.fxAdjustment + r.new + r.reactivation + r.expansion - r.contraction - r.churn - r.mrrEnd
  );
}

interface SubscriptionRow {
  readonly accountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly intervalMonths: number;
  readonly startDate: string;
  readonly endDate: string | null;
}

interface RateSpan {
  readonly currency: string;
  readonly validFrom: string;
  readonly validTo: string | null;
  readonly rate: number;
}

/** The catalog's MRR bridge of one period, recomputed from the clean rows in plain TypeScript. */
function referenceBridge(rows: readonly SubscriptionRow[], spans: readonly RateSpan[], period: Period) {
  const dayBefore = addDays(period.firstDay, -1);
  const rateOn = (currency: string, day: string): number => {
    const span = spans.find(
      (s) => s.currency === currency && s.validFrom <= day && (s.validTo === null || s.validTo > day),
    );
    if (!span) throw new Error(`no rate for ${currency} on ${day}`);
    return span.rate;
  };
  const paysOn = (r: SubscriptionRow, day: string): boolean =>
    r.startDate <= day && (r.endDate === null || r.endDate > day);
  const accounts = [...new Set(rows.map((r) => r.accountId))];
  const totals = {
    start: 0,
    startCc: 0,
    end: 0,
    new: 0,
    reactivation: 0,
    expansion: 0,
    contraction: 0,
    churn: 0,
  };
  const counts = { start: 0, end: 0, new: 0, reactivation: 0, churn: 0 };
  for (const account of accounts) {
    const own = rows.filter((r) => r.accountId === account);
    const mrr = (day: string, rateDay: string): number =>
      own
        .filter((r) => paysOn(r, day))
        .reduce((sum, r) => sum + (r.amount * rateOn(r.currency, rateDay)) / r.intervalMonths, 0);
    const start = mrr(dayBefore, dayBefore);
    const startCc = mrr(dayBefore, period.lastDay);
    const end = mrr(period.lastDay, period.lastDay);
    const paidBefore = own.some((r) => r.startDate < period.firstDay);
    totals.start += start;
    totals.startCc += startCc;
    totals.end += end;
    if (start > 0) counts.start += 1;
    if (end > 0) counts.end += 1;
    if (startCc === 0 && end > 0) {
      if (paidBefore) {
        totals.reactivation += end;
        counts.reactivation += 1;
      } else {
        totals.new += end;
        counts.new += 1;
      }
    } else if (startCc > 0 && end === 0) {
      totals.churn += startCc;
      counts.churn += 1;
    } else if (end > startCc) totals.expansion += end - startCc;
    else totals.contraction += startCc - end;
  }
  return { totals, counts };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const BRIDGE_PARTS = [
  'mrr_fx_adjustment',
  'mrr_new',
  'mrr_reactivation',
  'mrr_expansion',
  'mrr_contraction',
  'mrr_churn',
];

describe.each(SEEDS)('MRR identity on generated data, seed %i', (seed) => {
  let engine: DuckDbEngine;
  /** Bridge parts that are non-zero in some period of some report (so the identity is not trivial). */
  const exercised = new Set<string>();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), `mrr-identity-${seed}-`));
    dirs.push(dir);
    await generateSampleData({ outDir: dir, seed, endDate: '2026-11-22', accounts: 80, usageEvents: 2_000 });
    engine = await DuckDbEngine.open({ dataDir: dir });
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
  });

  async function contextFor(key: string, timezone: string): Promise<KpiGroupContext> {
    const { context } = await createKpiContext(engine, {
      period: periodFromKey(key, timezone),
      currency: 'USD',
    });
    return context;
  }

  it.each(REPORTS)('holds exactly in the SQL sums, $key in $timezone', async ({ key, timezone }) => {
    const ctx = await contextFor(key, timezone);
    const summary = await ctx.run('revenue_summary');
    expect(summary).toHaveLength(13);
    const byIndex = new Map(summary.map((r) => [Number(r.period_index), r]));
    for (const [index, row] of byIndex) {
      expect(bridgeGap(row), `period ${index}`).toBe(0n);
      expect(units(row.mrr_fx_adjustment)).toBe(units(row.mrr_start_cc) - units(row.mrr_start));
      expect(units(row.net_new_mrr)).toBe(
        units(row.mrr_new) +
          units(row.mrr_reactivation) +
          units(row.mrr_expansion) -
          units(row.mrr_contraction) -
          units(row.mrr_churn),
      );
      // A period opens on the day the one before it closes, at that day's rates.
      const before = byIndex.get(index + 1);
      if (before) expect(units(row.mrr_start), `opening of ${index}`).toBe(units(before.mrr_end));
      if (before) expect(row.customers_start).toBe(before.customers_end);
    }

    for (const column of BRIDGE_PARTS) {
      if (summary.some((r) => units(r[column]) !== 0n)) exercised.add(column);
    }

    const breakdown = await ctx.run('revenue_breakdown');
    const total = byIndex.get(0) as Row;
    for (const dimension of ['segment', 'plan']) {
      const rows = breakdown.filter((r) => r.dimension === dimension);
      expect(rows.length, dimension).toBeGreaterThan(0);
      for (const row of rows) expect(bridgeGap(row), `${dimension} ${String(row.name)}`).toBe(0n);
      // The rows partition the accounts: they add up to the totals exactly.
      for (const column of [
        'mrr_start',
        'mrr_end',
        'mrr_fx_adjustment',
        'mrr_new',
        'mrr_churn',
        'mrr_expansion',
      ]) {
        const sum = rows.reduce((s, r) => s + units(r[column]), 0n);
        expect(sum, `${dimension} Σ ${column}`).toBe(units(total[column]));
      }
    }
  });

  it.each(REPORTS)(
    'holds to the cent in the reported numbers, $key in $timezone',
    async ({ key, timezone }) => {
      const ctx = await contextFor(key, timezone);
      const result: KpiGroupResult = await revenueGroup.compute(ctx);
      const v = (id: KpiId, i: number): number => {
        const value = result.values[id]?.[i]?.value;
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw new Error(`${id}[${i}] is ${String(value)}`);
        return value;
      };
      for (let i = 0; i < 11; i += 1) {
        // Opening balance of period i = closing balance of period i + 1.
        const gap = v('mrr', i + 1) + v('mrr_fx_adjustment', i) + v('net_new_mrr', i) - v('mrr', i);
        expect(Math.abs(gap), `period ${i}`).toBeLessThan(0.005);
      }
      const movements = result.details?.mrrMovements;
      for (const row of [...(movements?.bySegment ?? []), ...(movements?.byPlan ?? [])]) {
        expect(Math.abs(numberGap(row)), row.name).toBeLessThan(0.005);
      }
      const accounts = movements?.byAccount ?? [];
      const change = accounts.reduce((s, a) => s + a.amount, 0);
      expect(Math.abs(change - v('net_new_mrr', 0))).toBeLessThan(0.005);
      expect(accounts.filter((a) => a.movement === 'new')).toHaveLength(v('customers_new', 0));
      expect(accounts.filter((a) => a.movement === 'churn')).toHaveLength(v('customers_churned', 0));
      expect(accounts.filter((a) => a.movement === 'reactivation')).toHaveLength(
        v('customers_reactivated', 0),
      );

      // Plausible values: rates on their scale, no NaN anywhere.
      for (const [id, values] of Object.entries(result.values)) {
        for (const value of values ?? []) {
          if (value.value === null) expect(value.reason, id).toBeTruthy();
          else expect(Number.isFinite(value.value), id).toBe(true);
        }
      }
      for (const id of [
        'customer_churn_rate',
        'customer_retention_rate',
        'renewal_rate',
        'gross_revenue_retention',
      ] as const) {
        for (const value of result.values[id] ?? []) {
          if (value.value !== null) {
            expect(value.value, id).toBeGreaterThanOrEqual(0);
            expect(value.value, id).toBeLessThanOrEqual(100);
          }
        }
      }
      expect(v('mrr', 0)).toBeGreaterThan(0);
      expect(v('customers', 0)).toBeGreaterThan(0);
    },
  );

  it.each(REPORTS)(
    'matches a reference computation in TypeScript, $key in $timezone',
    async ({ key, timezone }) => {
      const ctx = await contextFor(key, timezone);
      const period = ctx.periods[0] as Period;
      // The clean rows and rate spans, exactly as the queries see them.
      const sources = await engine.sources();
      const cleanRows = await engine.query(
        composeQuery('relations/revenue_paying_rows', [], { sources, currency: 'USD', periods: ctx.periods }),
      );
      const spanRows = await engine.query(
        composeQuery('relations/fx_spans', [], { sources, currency: 'USD', periods: ctx.periods }),
      );
      const rows: SubscriptionRow[] = cleanRows.rows.map((r) => ({
        accountId: String(r.account_id),
        amount: Number(r.amount),
        currency: String(r.currency),
        intervalMonths: Number(r.interval_months),
        startDate: String(r.start_date),
        endDate: r.end_date === null ? null : String(r.end_date),
      }));
      const spans: RateSpan[] = spanRows.rows.map((r) => ({
        currency: String(r.currency),
        validFrom: String(r.valid_from),
        validTo: r.valid_to === null ? null : String(r.valid_to),
        rate: Number(r.rate),
      }));
      const reference = referenceBridge(rows, spans, period);
      const row = (await ctx.run('revenue_summary')).find((r) => Number(r.period_index) === 0) as Row;
      const n = (column: string): number => Number(row[column]);
      expect(n('mrr_start')).toBeCloseTo(reference.totals.start, 4);
      expect(n('mrr_start_cc')).toBeCloseTo(reference.totals.startCc, 4);
      expect(n('mrr_end')).toBeCloseTo(reference.totals.end, 4);
      expect(n('mrr_new')).toBeCloseTo(reference.totals.new, 4);
      expect(n('mrr_reactivation')).toBeCloseTo(reference.totals.reactivation, 4);
      expect(n('mrr_expansion')).toBeCloseTo(reference.totals.expansion, 4);
      expect(n('mrr_contraction')).toBeCloseTo(reference.totals.contraction, 4);
      expect(n('mrr_churn')).toBeCloseTo(reference.totals.churn, 4);
      expect(row.customers_start).toBe(reference.counts.start);
      expect(row.customers_end).toBe(reference.counts.end);
      expect(row.customers_new).toBe(reference.counts.new);
      expect(row.customers_reactivated).toBe(reference.counts.reactivation);
      expect(row.customers_churned).toBe(reference.counts.churn);
    },
  );

  it('exercised every part of the bridge in some period of some report', () => {
    expect([...exercised].sort()).toEqual([...BRIDGE_PARTS].sort());
  });
});
