/**
 * Billing health and cost: late payment rate, overdue amount (invoices) and customer retention
 * cost (cs_costs and subscriptions).
 *
 * The KPIs need different tables, so the group requires none as a whole and gives each KPI a
 * "not available" reason of its own when one of its tables is absent; a query whose tables
 * are absent is not run at all.
 *
 * Decisions the catalog leaves open:
 * - overdue_amount is the amount overdue as it stood at the end of each period (see
 *   billing_invoices.sql): for the report's period it is the catalog's "open, no paid_at, due
 *   before last_day"; earlier periods do not shrink as their invoices get paid later.
 * - customer_retention_cost converts costs at the period's last_day rates, like MRR, and is
 *   only given when every calendar month the period touches has cost rows (a month not yet
 *   booked would otherwise read as a cheap month).
 */
import { num, type KpiGroup, type KpiGroupContext, type KpiGroupResult, type PeriodValue } from './group.js';
import type { Row } from '../sql-values.js';
import { TREND_PERIODS, type KpiId } from '../snapshot.js';
import type { TableName } from '../../contract/contract.js';

export interface InvoiceStats {
  readonly invoicesDue: number;
  readonly invoicesLate: number;
  readonly overdueInvoices: number;
  readonly overdueAmount: number;
}

export function invoiceStats(row: Row | undefined): InvoiceStats {
  return {
    invoicesDue: num(row?.invoices_due) ?? 0,
    invoicesLate: num(row?.invoices_late) ?? 0,
    overdueInvoices: num(row?.overdue_invoices) ?? 0,
    overdueAmount: num(row?.overdue_amount) ?? 0,
  };
}

/** Late or unpaid / not-void invoices due in the period × 100. */
export function latePaymentRate(s: InvoiceStats): PeriodValue {
  if (s.invoicesDue === 0) return { value: null, reason: 'no invoices (not void) due in the period' };
  return {
    value: (s.invoicesLate / s.invoicesDue) * 100,
    detail: { invoices_due: s.invoicesDue, invoices_late: s.invoicesLate },
  };
}

/** Σ overdue amount in the reporting currency (zero when nothing is overdue). */
export function overdueAmount(s: InvoiceStats): PeriodValue {
  return { value: s.overdueAmount, detail: { invoices: s.overdueInvoices } };
}

export interface RetentionCostInputs {
  readonly monthsTouched: number;
  readonly monthsWithCosts: number;
  readonly cost: number | null;
  readonly customersStart: number;
  readonly customersEnd: number;
}

/** The period's cs_costs / mean of paying customers at its start and at its end. */
export function customerRetentionCost(i: RetentionCostInputs): PeriodValue {
  if (i.monthsWithCosts === 0 || i.cost === null) {
    return { value: null, reason: 'no cs_costs rows for the months the period touches' };
  }
  if (i.monthsWithCosts < i.monthsTouched) {
    return {
      value: null,
      reason: `cs_costs has rows for ${i.monthsWithCosts} of the ${i.monthsTouched} months the period touches`,
    };
  }
  const meanCustomers = (i.customersStart + i.customersEnd) / 2;
  if (meanCustomers === 0) {
    return { value: null, reason: 'no paying customers at the start or at the end of the period' };
  }
  return {
    value: i.cost / meanCustomers,
    detail: { cost: i.cost, customers_start: i.customersStart, customers_end: i.customersEnd },
  };
}

/**
 * Inputs of each period from billing_retention_cost.sql rows: customers at the start of period
 * i are those at the end of period i + 1 (its last day is the day before i's first day).
 */
export function retentionCostInputs(rows: readonly Row[], periods: number): (RetentionCostInputs | null)[] {
  const byIndex = new Map<number, Row>();
  for (const row of rows) {
    const index = num(row.period_index);
    if (index !== null) byIndex.set(index, row);
  }
  return Array.from({ length: periods }, (_, i) => {
    const row = byIndex.get(i);
    const before = byIndex.get(i + 1);
    if (!row || !before) return null;
    return {
      monthsTouched: num(row.months_touched) ?? 0,
      monthsWithCosts: num(row.months_with_costs) ?? 0,
      cost: num(row.cost),
      customersStart: num(before.customers_end) ?? 0,
      customersEnd: num(row.customers_end) ?? 0,
    };
  });
}

function notAvailable(missing: readonly TableName[]): string {
  return `not available: no ${missing.join(', no ')}`;
}

const repeat = (value: PeriodValue, periods: number): PeriodValue[] =>
  Array.from({ length: periods }, () => value);

export const billingGroup: KpiGroup = {
  name: 'billing',
  kpis: ['late_payment_rate', 'overdue_amount', 'customer_retention_cost'],
  // Each KPI checks its own tables (see the module comment).
  requires: [],
  async compute(ctx: KpiGroupContext): Promise<KpiGroupResult> {
    const periods = Math.min(TREND_PERIODS, ctx.periods.length);
    const values: Partial<Record<KpiId, readonly PeriodValue[]>> = {};

    if (ctx.available.has('invoices')) {
      const byIndex = new Map<number, Row>();
      for (const row of await ctx.run('billing_invoices')) {
        const index = num(row.period_index);
        if (index !== null) byIndex.set(index, row);
      }
      const stats = Array.from({ length: periods }, (_, i) => invoiceStats(byIndex.get(i)));
      values.late_payment_rate = stats.map(latePaymentRate);
      values.overdue_amount = stats.map(overdueAmount);
    } else {
      const absent: PeriodValue = { value: null, reason: notAvailable(['invoices']) };
      values.late_payment_rate = repeat(absent, periods);
      values.overdue_amount = repeat(absent, periods);
    }

    const missing = (['cs_costs', 'subscriptions'] as const).filter((t) => !ctx.available.has(t));
    if (missing.length === 0) {
      const inputs = retentionCostInputs(await ctx.run('billing_retention_cost'), periods);
      values.customer_retention_cost = inputs.map((i) =>
        i === null
          ? { value: null, reason: 'no earlier period to count the customers at the start' }
          : customerRetentionCost(i),
      );
    } else {
      values.customer_retention_cost = repeat({ value: null, reason: notAvailable(missing) }, periods);
    }
    return { values };
  },
};
