/**
 * Revenue and customers: MRR and its movements, customer counts, churn and retention rates,
 * LTV, renewal and conversion rates (subscriptions, fx_rates; accounts for conversion and the
 * segment breakdown).
 *
 * The money arithmetic happens in SQL in decimal (revenue_summary.sql and the revenue_*
 * relations): every movement is derived from the same per-account opening and closing balances,
 * so the MRR identity holds to the cent. This module turns the decimal sums into numbers once
 * and applies the catalog's ratios.
 *
 * Decisions the catalog leaves open (see also the comments in the SQL files):
 * - Movements compare the closing MRR with the opening MRR in constant currency (mrr_start_cc);
 *   "paying on an earlier day" (new versus reactivation) looks at the days before first_day.
 * - customers at start = accounts with mrr_start > 0, as billing's retention cost counts them.
 * - ltv: the mean of the monthly churn rates of the six complete calendar months ending on or
 *   before last_day, over the months that had paying customers at their start; the months are
 *   calendar months in the report's time zone (a month is complete when its last day is on or
 *   before the report's last_day).
 * - renewal_rate counts the terms of paying rows (trials have no terms) whose row is still
 *   active up to the term end (end_date null or >= term end); see revenue_renewals.sql.
 * - conversion_rate divides two flows of the period, as the catalog defines it: accounts whose
 *   first paid day falls in the period (whenever they were created) by accounts created in it.
 * - byPlan puts each account under the plan of its largest-MRR row at the end of the period (at
 *   its start for churned accounts), so each plan row satisfies the identity on its own.
 */
import {
  num,
  ratio,
  type KpiGroup,
  type KpiGroupContext,
  type KpiGroupResult,
  type PeriodValue,
} from './group.js';
import type { Row } from '../sql-values.js';
import {
  TREND_PERIODS,
  type AccountMovement,
  type KpiId,
  type MrrMovementRow,
  type SnapshotDetails,
} from '../snapshot.js';
import { periodContaining, previousPeriod, type Period } from '../period.js';

/** LTV's churn is the mean over this many complete calendar months. */
const LTV_MONTHS = 6;

export const REVENUE_KPIS = [
  'mrr',
  'arr',
  'mrr_new',
  'mrr_expansion',
  'mrr_contraction',
  'mrr_churn',
  'mrr_reactivation',
  'mrr_fx_adjustment',
  'net_new_mrr',
  'customers',
  'customers_new',
  'customers_churned',
  'customers_reactivated',
  'arpa',
  'customer_churn_rate',
  'customer_retention_rate',
  'revenue_churn_rate',
  'net_revenue_retention',
  'gross_revenue_retention',
  'expansion_revenue',
  'quick_ratio',
  'ltv',
  'renewal_rate',
  'conversion_rate',
] as const satisfies readonly KpiId[];

type RevenueKpi = (typeof REVENUE_KPIS)[number];

/** One period's row of revenue_summary.sql, as numbers. */
export interface RevenueTotals {
  readonly mrrStart: number;
  readonly mrrStartCc: number;
  readonly mrrEnd: number;
  readonly arr: number;
  readonly fxAdjustment: number;
  readonly mrrNew: number;
  readonly mrrReactivation: number;
  readonly mrrExpansion: number;
  readonly mrrContraction: number;
  readonly mrrChurn: number;
  readonly netNewMrr: number;
  readonly retainedNet: number;
  readonly retainedGross: number;
  readonly customersStart: number;
  readonly customersEnd: number;
  readonly customersNew: number;
  readonly customersReactivated: number;
  readonly customersChurned: number;
}

/** A decimal string, count or null cell as a number (absent = 0). */
const numberOrZero = (cell: Row[string] | undefined): number => num(cell) ?? 0;

export function revenueTotals(row: Row | undefined): RevenueTotals {
  return {
    mrrStart: numberOrZero(row?.mrr_start),
    mrrStartCc: numberOrZero(row?.mrr_start_cc),
    mrrEnd: numberOrZero(row?.mrr_end),
    arr: numberOrZero(row?.arr),
    fxAdjustment: numberOrZero(row?.mrr_fx_adjustment),
    mrrNew: numberOrZero(row?.mrr_new),
    mrrReactivation: numberOrZero(row?.mrr_reactivation),
    mrrExpansion: numberOrZero(row?.mrr_expansion),
    mrrContraction: numberOrZero(row?.mrr_contraction),
    mrrChurn: numberOrZero(row?.mrr_churn),
    netNewMrr: numberOrZero(row?.net_new_mrr),
    retainedNet: numberOrZero(row?.mrr_retained_net),
    retainedGross: numberOrZero(row?.mrr_retained_gross),
    customersStart: numberOrZero(row?.customers_start),
    customersEnd: numberOrZero(row?.customers_end),
    customersNew: numberOrZero(row?.customers_new),
    customersReactivated: numberOrZero(row?.customers_reactivated),
    customersChurned: numberOrZero(row?.customers_churned),
  };
}

const NO_CUSTOMERS_AT_START = 'no paying customers at the start of the period';
const NO_CUSTOMERS_AT_END = 'no paying customers at the end of the period';
const NO_MRR_AT_START = 'no MRR at the start of the period';

/** Average revenue per paying account: mrr / customers. */
export function arpa(t: RevenueTotals): PeriodValue {
  return ratio(t.mrrEnd, t.customersEnd, NO_CUSTOMERS_AT_END);
}

/** customers_churned / customers at start × 100. */
export function customerChurnRate(t: RevenueTotals): PeriodValue {
  const value = ratio(t.customersChurned, t.customersStart, NO_CUSTOMERS_AT_START, 100);
  return value.value === null ? value : { ...value, detail: { customers_start: t.customersStart } };
}

/** The KPIs that follow from one period's totals alone (all but ltv, renewal and conversion). */
export function periodValues(
  t: RevenueTotals,
): Record<Exclude<RevenueKpi, 'ltv' | 'renewal_rate' | 'conversion_rate'>, PeriodValue> {
  const outflow = t.mrrContraction + t.mrrChurn;
  return {
    mrr: { value: t.mrrEnd },
    arr: { value: t.arr },
    mrr_new: { value: t.mrrNew },
    mrr_expansion: { value: t.mrrExpansion },
    mrr_contraction: { value: t.mrrContraction },
    mrr_churn: { value: t.mrrChurn },
    mrr_reactivation: { value: t.mrrReactivation },
    mrr_fx_adjustment: { value: t.fxAdjustment },
    net_new_mrr: { value: t.netNewMrr },
    customers: { value: t.customersEnd, detail: { customers_start: t.customersStart } },
    customers_new: { value: t.customersNew },
    customers_churned: { value: t.customersChurned },
    customers_reactivated: { value: t.customersReactivated },
    arpa: arpa(t),
    customer_churn_rate: customerChurnRate(t),
    customer_retention_rate: ratio(
      t.customersStart - t.customersChurned,
      t.customersStart,
      NO_CUSTOMERS_AT_START,
      100,
    ),
    revenue_churn_rate: ratio(outflow, t.mrrStartCc, NO_MRR_AT_START, 100),
    net_revenue_retention: ratio(t.retainedNet, t.mrrStartCc, NO_MRR_AT_START, 100),
    gross_revenue_retention: ratio(t.retainedGross, t.mrrStartCc, NO_MRR_AT_START, 100),
    expansion_revenue: { value: t.mrrExpansion },
    quick_ratio: ratio(
      t.mrrNew + t.mrrReactivation + t.mrrExpansion,
      outflow,
      'no contraction or churn in the period',
    ),
  };
}

/** The latest calendar month (in `timezone`) whose last day is on or before `day`. */
function lastCompleteMonth(day: string, timezone: string): Period {
  const month = periodContaining('monthly', day, timezone);
  return month.lastDay <= day ? month : previousPeriod(month);
}

/**
 * The calendar months LTV needs for the given report periods, latest first: for each period the
 * six complete months ending on or before its last day. They are consecutive, so one query over
 * them serves every period.
 */
export function ltvCalendar(periods: readonly Period[]): Period[] {
  const first = periods[0];
  if (first === undefined) return [];
  const latest = periods.map((p) => lastCompleteMonth(p.lastDay, first.timezone));
  const newest = latest.reduce((a, b) => (b.firstDay > a.firstDay ? b : a));
  const oldest = latest.reduce((a, b) => (b.firstDay < a.firstDay ? b : a));
  const months: Period[] = [newest];
  let month = newest;
  // Back to the sixth month of the oldest period's window.
  let inOldestWindow = newest.firstDay <= oldest.firstDay ? 1 : 0;
  while (inOldestWindow < LTV_MONTHS) {
    month = previousPeriod(month);
    months.push(month);
    if (month.firstDay <= oldest.firstDay) inOldestWindow += 1;
  }
  return months;
}

export interface MonthChurn {
  /** Month key, e.g. 2026-10. */
  readonly key: string;
  readonly lastDay: string;
  readonly customersStart: number;
  readonly customersChurned: number;
}

/**
 * LTV = arpa / (mean monthly customer churn rate / 100), the churn rate being the mean over the
 * six complete calendar months ending on or before `lastDay` that had customers at their start.
 */
export function ltv(arpaValue: PeriodValue, lastDay: string, months: readonly MonthChurn[]): PeriodValue {
  const window = months
    .filter((m) => m.lastDay <= lastDay)
    .sort((a, b) => (a.lastDay < b.lastDay ? 1 : -1))
    .slice(0, LTV_MONTHS);
  if (window.length < LTV_MONTHS) {
    return { value: null, reason: 'fewer than six complete calendar months to measure churn' };
  }
  const rates = window
    .filter((m) => m.customersStart > 0)
    .map((m) => (m.customersChurned / m.customersStart) * 100);
  if (rates.length === 0) {
    return { value: null, reason: 'no paying customers in the six complete months before the period end' };
  }
  const meanChurn = rates.reduce((a, b) => a + b, 0) / rates.length;
  const detail = {
    mean_monthly_churn_rate: meanChurn,
    churn_months: `${(window[window.length - 1] as MonthChurn).key}..${(window[0] as MonthChurn).key}`,
  };
  if (meanChurn === 0) {
    return {
      value: null,
      reason: 'no customer churn in the six complete months before the period end (lifetime unbounded)',
      detail,
    };
  }
  if (arpaValue.value === null)
    return { value: null, reason: arpaValue.reason ?? NO_CUSTOMERS_AT_END, detail };
  return { value: arpaValue.value / (meanChurn / 100), detail };
}

/** Renewed terms / terms ending in the period × 100. */
export function renewalRate(row: Row | undefined): PeriodValue {
  const ending = num(row?.terms_ending) ?? 0;
  const renewed = num(row?.terms_renewed) ?? 0;
  const value = ratio(renewed, ending, 'no subscription term ended in the period', 100);
  return value.value === null
    ? value
    : { ...value, detail: { terms_ending: ending, terms_renewed: renewed } };
}

/** Accounts whose first paid day is in the period / accounts created in the period × 100. */
export function conversionRate(row: Row | undefined): PeriodValue {
  const created = num(row?.accounts_created) ?? 0;
  const converted = num(row?.accounts_converted) ?? 0;
  const value = ratio(converted, created, 'no accounts created in the period', 100);
  return value.value === null
    ? value
    : { ...value, detail: { accounts_created: created, accounts_converted: converted } };
}

export function movementRow(row: Row): MrrMovementRow {
  return {
    name: typeof row.name === 'string' ? row.name : '(none)',
    mrrStart: numberOrZero(row.mrr_start),
    mrrEnd: numberOrZero(row.mrr_end),
    new: numberOrZero(row.mrr_new),
    reactivation: numberOrZero(row.mrr_reactivation),
    expansion: numberOrZero(row.mrr_expansion),
    contraction: numberOrZero(row.mrr_contraction),
    churn: numberOrZero(row.mrr_churn),
    fxAdjustment: numberOrZero(row.mrr_fx_adjustment),
  };
}

const MOVEMENTS: readonly AccountMovement['movement'][] = [
  'new',
  'reactivation',
  'expansion',
  'contraction',
  'churn',
];

function isMovement(value: unknown): value is AccountMovement['movement'] {
  return typeof value === 'string' && (MOVEMENTS as readonly string[]).includes(value);
}

export function accountMovement(row: Row): AccountMovement | null {
  if (!isMovement(row.movement) || typeof row.account_id !== 'string') return null;
  return {
    accountId: row.account_id,
    accountName: typeof row.account_name === 'string' ? row.account_name : null,
    segment: typeof row.segment === 'string' ? row.segment : null,
    movement: row.movement,
    mrrStart: numberOrZero(row.mrr_start_cc),
    mrrEnd: numberOrZero(row.mrr_end),
    amount: numberOrZero(row.mrr_change),
  };
}

function byPeriodIndex(rows: readonly Row[]): Map<number, Row> {
  const map = new Map<number, Row>();
  for (const row of rows) {
    const index = num(row.period_index);
    if (index !== null) map.set(index, row);
  }
  return map;
}

export const revenueGroup: KpiGroup = {
  name: 'revenue',
  kpis: REVENUE_KPIS,
  // fx_rates may be absent: then only rows in the reporting currency can be converted (the clean
  // subscriptions leave the others out and the data-quality section counts them).
  requires: ['subscriptions'],
  async compute(ctx: KpiGroupContext): Promise<KpiGroupResult> {
    const periods = Math.min(TREND_PERIODS, ctx.periods.length);
    const summary = byPeriodIndex(await ctx.run('revenue_summary'));
    const totals = Array.from({ length: periods }, (_, i) => revenueTotals(summary.get(i)));
    const perPeriod = totals.map(periodValues);

    const values: Partial<Record<KpiId, PeriodValue[]>> = {};
    for (const id of REVENUE_KPIS) values[id] = [];
    perPeriod.forEach((v) => {
      for (const [id, value] of Object.entries(v) as [RevenueKpi, PeriodValue][]) values[id]?.push(value);
    });

    // LTV: the same summary over consecutive calendar months.
    const months = ltvCalendar(ctx.periods.slice(0, periods));
    const monthRows = byPeriodIndex(await ctx.run('revenue_summary', [], { periods: months }));
    const monthChurn: MonthChurn[] = months.map((m, i) => {
      const t = revenueTotals(monthRows.get(i));
      return {
        key: m.key,
        lastDay: m.lastDay,
        customersStart: t.customersStart,
        customersChurned: t.customersChurned,
      };
    });
    values.ltv = perPeriod.map((v, i) => ltv(v.arpa, (ctx.periods[i] as Period).lastDay, monthChurn));

    const renewals = byPeriodIndex(await ctx.run('revenue_renewals'));
    values.renewal_rate = Array.from({ length: periods }, (_, i) => renewalRate(renewals.get(i)));

    if (ctx.available.has('accounts')) {
      const conversions = byPeriodIndex(await ctx.run('revenue_conversions'));
      values.conversion_rate = Array.from({ length: periods }, (_, i) => conversionRate(conversions.get(i)));
    } else {
      const absent: PeriodValue = {
        value: null,
        reason: 'not available: no accounts (account sign-up dates)',
      };
      values.conversion_rate = Array.from({ length: periods }, () => absent);
    }

    const breakdown = await ctx.run('revenue_breakdown');
    const accounts = await ctx.run('revenue_accounts');
    const details: Pick<SnapshotDetails, 'mrrMovements'> = {
      mrrMovements: {
        bySegment: breakdown.filter((r) => r.dimension === 'segment').map(movementRow),
        byPlan: breakdown.filter((r) => r.dimension === 'plan').map(movementRow),
        byAccount: accounts.map(accountMovement).filter((m): m is AccountMovement => m !== null),
      },
    };
    return { values, details };
  },
};
