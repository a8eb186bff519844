/**
 * Rows of the account and billing tables (accounts, subscriptions, fx_rates, invoices, cs_costs),
 * derived from the customer base; feedback.ts and web.ts make the others, usage.ts usage_events.
 * The row types here are shared by every table. Values use plain JavaScript types; the writer converts them by the
 * contract's column type: timestamp = epoch milliseconds (UTC), date = epoch day,
 * decimal = number with at most 4 decimals.
 */
import type { TableName } from '../contract/contract.js';
import { type Account, type Horizon, type SubscriptionRow, businessInstant } from './customers.js';
import { Rng } from './prng.js';
import { addMonths, dayOfWeek, firstOfMonth, toSecond } from './time.js';
import { pad } from './ids.js';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;
export type SmallTable = Exclude<TableName, 'usage_events'>;
export type SmallTables = Record<SmallTable, Row[]>;

const round2 = (value: number): number => Math.round(value * 100) / 100;

export function accountRows(accounts: readonly Account[]): Row[] {
  return accounts.map((a) => ({
    account_id: a.accountId,
    name: a.name,
    created_at: toSecond(a.createdMs),
    segment: a.segment,
    region: a.region,
    csm_owner: a.csmOwner,
    onboarded_at: a.onboardedMs,
    first_value_at: a.firstValueMs,
  }));
}

export function subscriptionRows(accounts: readonly Account[]): Row[] {
  const rows: Row[] = [];
  for (const account of accounts) {
    for (const s of account.subscriptions) rows.push(subscriptionRow(account.accountId, s));
  }
  return rows;
}

export function subscriptionRow(accountId: string, s: SubscriptionRow): Row {
  return {
    subscription_id: s.subscriptionId,
    account_id: accountId,
    plan: s.plan,
    amount: s.amount,
    currency: s.currency,
    interval_months: s.intervalMonths,
    quantity: s.quantity,
    is_trial: s.isTrial,
    start_date: s.startDay,
    end_date: s.endDay,
  };
}

const FX_BASE: Record<string, { rate: number; volatility: number }> = {
  EUR: { rate: 1.085, volatility: 0.004 },
  GBP: { rate: 1.27, volatility: 0.0045 },
  PLN: { rate: 0.25, volatility: 0.005 },
  IDR: { rate: 0.0000625, volatility: 0.003 },
};

/** Business-day rates quoted in USD (a rate applies until the next row), from three weeks before the history. */
export function fxRateRows(horizon: Horizon): Row[] {
  const rng = new Rng(horizon.seed, 'fx_rates');
  const rows: Row[] = [];
  for (const [currency, { rate, volatility }] of Object.entries(FX_BASE)) {
    const anchor = Math.log(rate);
    let logRate = anchor + rng.uniform(-0.03, 0.03);
    for (let day = horizon.startDay - 21; day <= horizon.endDay; day++) {
      if (dayOfWeek(day) >= 5) continue;
      logRate += volatility * rng.normal() + 0.02 * (anchor - logRate);
      rows.push({
        date: day,
        currency,
        rate: Number(Math.exp(logRate).toPrecision(6)),
        base_currency: 'USD',
      });
    }
  }
  return rows;
}

export function invoiceRows(accounts: readonly Account[], horizon: Horizon): Row[] {
  const rng = new Rng(horizon.seed, 'invoices');
  const drafts: {
    accountId: string;
    subscriptionId: string;
    row: Omit<Row, 'invoice_id'>;
    issued: number;
  }[] = [];
  for (const account of accounts) {
    const paymentTerms =
      account.segment === 'Enterprise' ? rng.pick([30, 45]) : account.segment === 'Mid-Market' ? 30 : 7;
    const late = { healthy: 0.06, at_risk: 0.2, critical: 0.4 }[account.tier];
    const neverPays = { healthy: 0.002, at_risk: 0.02, critical: 0.08 }[account.tier];
    for (const s of account.subscriptions) {
      if (s.amount <= 0) continue;
      const issueDays: number[] = [];
      for (let k = 0; ; k++) {
        const issued = addMonths(s.startDay, k * s.intervalMonths);
        if (issued > horizon.endDay || (s.endDay !== null && issued >= s.endDay)) break;
        issueDays.push(issued);
      }
      const endsInChurn = s.endDay !== null && account.churnDays.includes(s.endDay);
      issueDays.forEach((issued, index) => {
        const due = issued + paymentTerms;
        let status = 'paid';
        let paidMs: number | null = null;
        const lastBeforeChurn = endsInChurn && index === issueDays.length - 1;
        if (rng.chance(0.015)) {
          status = 'void';
        } else if (
          rng.chance(neverPays) ||
          (lastBeforeChurn && account.tier !== 'healthy' && rng.chance(0.5))
        ) {
          status = due < horizon.endDay - 60 ? 'uncollectible' : 'open';
        } else {
          const payDay = rng.chance(late)
            ? due + 1 + Math.floor(rng.logNormal(8, 0.8))
            : issued + Math.floor(rng.next() * (Math.min(paymentTerms, 14) + 1));
          paidMs = businessInstant(rng, payDay, account.tzHours);
          if (paidMs >= horizon.nowMs) {
            paidMs = null;
            status = 'open';
          }
        }
        drafts.push({
          accountId: account.accountId,
          subscriptionId: s.subscriptionId,
          issued,
          row: {
            account_id: account.accountId,
            issued_at: issued,
            due_at: due,
            paid_at: paidMs,
            amount: s.amount,
            currency: s.currency,
            status,
          },
        });
      });
    }
  }
  drafts.sort(
    (a, b) =>
      a.issued - b.issued ||
      a.accountId.localeCompare(b.accountId) ||
      a.subscriptionId.localeCompare(b.subscriptionId),
  );
  return drafts.map((d, i) => ({ invoice_id: `INV-${pad(i + 1, 7)}`, ...d.row }));
}

export function csCostRows(horizon: Horizon): Row[] {
  const rng = new Rng(horizon.seed, 'cs_costs');
  const rows: Row[] = [];
  const last = firstOfMonth(horizon.endDay);
  for (let i = 0, month = firstOfMonth(horizon.startDay); month <= last; i++, month = addMonths(month, 1)) {
    const add = (category: string, amount: number, currency: string): void => {
      rows.push({ month, category, amount: round2(amount), currency });
    };
    add('payroll', 38_000 * (1 + 0.012 * i) + rng.normal() * 800, 'USD');
    add('payroll', 16_500 * (1 + 0.01 * i) + rng.normal() * 400, 'EUR');
    add('programs', rng.uniform(2_000, 6_000), 'USD');
    if (rng.chance(0.75)) add('training', rng.uniform(600, 2_400), 'EUR');
    add('customer marketing', rng.uniform(1_500, 4_500), 'USD');
    add('tools & software', 1_180 + 40 * Math.floor(i / 6), 'USD');
  }
  return rows;
}
