/**
 * Each account's subscription history: list prices and discounts, the first paid terms, and a
 * month-by-month walk of renewals, upgrades, downgrades and churn driven by the account's health
 * tier. customers.ts draws the accounts and calls simulateSubscriptions for each.
 */
import { Rng, itemAt } from './prng.js';
import { pad } from './ids.js';
import { DAY_MS, addMonths } from './time.js';

import {
  PLANS,
  type Account,
  type Currency,
  type Horizon,
  type Segment,
  type SubscriptionRow,
  type Tier,
} from './customers.js';

/** List price per seat and month, per currency (local price lists, not converted prices). */
const SEAT_PRICE: Record<Currency, readonly number[]> = {
  USD: [12, 25, 45, 70],
  EUR: [11, 23, 42, 65],
  GBP: [10, 20, 36, 56],
  PLN: [49, 99, 179, 279],
  IDR: [189_000, 389_000, 699_000, 1_090_000],
};

const INTERVAL_DISCOUNT: Record<number, number> = { 1: 0, 3: 0.05, 12: 0.15 };
const PRICE_INCREASE = 1.08;

/** Monthly probabilities that drive the subscription history, per health tier. */
export const BEHAVIOUR: Record<
  Tier,
  { churn: number; expand: number; contract: number; adoption: readonly [number, number] }
> = {
  healthy: { churn: 0.008, expand: 0.03, contract: 0.004, adoption: [0.7, 0.95] },
  at_risk: { churn: 0.035, expand: 0.01, contract: 0.02, adoption: [0.4, 0.7] },
  critical: { churn: 0.08, expand: 0.004, contract: 0.03, adoption: [0.15, 0.45] },
};

export class SubscriptionIds {
  private next = 1;
  create(): string {
    return `SUB-${pad(this.next++, 6)}`;
  }
}

interface PaidTerms {
  plan: number;
  seats: number;
  intervalMonths: number;
  discount: number;
}

function amountFor(terms: PaidTerms, currency: Currency, priceFactor: number): number {
  const seatPrice = itemAt(SEAT_PRICE[currency], terms.plan) * priceFactor;
  const raw =
    terms.seats *
    seatPrice *
    terms.intervalMonths *
    (1 - (INTERVAL_DISCOUNT[terms.intervalMonths] ?? 0)) *
    (1 - terms.discount);
  // Rupiah prices are whole hundreds; the others are cents.
  return currency === 'IDR' ? Math.round(raw / 100) * 100 : Math.round(raw * 100) / 100;
}

function initialTerms(rng: Rng, segment: Segment | null): PaidTerms {
  switch (segment) {
    case 'Enterprise':
      return {
        plan: rng.weighted([
          [2, 0.3],
          [3, 0.7],
        ]),
        seats: Math.round(rng.logNormal(90, 0.45)) + 30,
        intervalMonths: rng.weighted([
          [12, 0.8],
          [3, 0.1],
          [1, 0.1],
        ]),
        discount: rng.int(0, 4) * 0.05,
      };
    case 'Mid-Market':
      return {
        plan: rng.weighted([
          [1, 0.45],
          [2, 0.5],
          [3, 0.05],
        ]),
        seats: rng.int(10, 50),
        intervalMonths: rng.weighted([
          [1, 0.4],
          [3, 0.2],
          [12, 0.4],
        ]),
        discount: rng.chance(0.3) ? 0.1 : 0,
      };
    default:
      return {
        plan: rng.weighted([
          [0, 0.55],
          [1, 0.4],
          [2, 0.05],
        ]),
        seats: rng.int(2, 12),
        intervalMonths: rng.weighted([
          [1, 0.75],
          [3, 0.1],
          [12, 0.15],
        ]),
        discount: 0,
      };
  }
}

export function simulateSubscriptions(
  account: Account,
  rng: Rng,
  horizon: Horizon,
  ids: SubscriptionIds,
  priceIncreaseDay: number,
): void {
  const createdDay = Math.floor(account.createdMs / DAY_MS);
  const behaviour = BEHAVIOUR[account.tier];
  const terms = initialTerms(rng, account.segment);
  const path =
    account.segment === 'Enterprise'
      ? rng.weighted([
          ['trial', 0.25],
          ['direct', 0.75],
        ] as const)
      : rng.weighted([
          ['trial', 0.55],
          ['free', 0.08],
          ['direct', 0.37],
        ] as const);
  const subscriptionId = ids.create();
  let paidStart = createdDay;

  if (path === 'trial') {
    const trialDays = account.segment === 'SMB' || account.segment === null ? 14 : 30;
    const trialEnd = createdDay + trialDays;
    // Some trials are paid pilots: they carry an amount but no MRR.
    const pilotFee = rng.chance(0.12)
      ? Math.max(1, amountFor({ ...terms, intervalMonths: 1 }, account.currency, 1) * 0.25)
      : 0;
    const amount =
      account.currency === 'IDR' ? Math.round(pilotFee / 100) * 100 : Math.round(pilotFee * 100) / 100;
    const converts = rng.chance({ healthy: 0.8, at_risk: 0.6, critical: 0.45 }[account.tier]);
    const ongoing = trialEnd > horizon.endDay;
    account.subscriptions.push({
      subscriptionId,
      plan: itemAt(PLANS, terms.plan),
      amount,
      currency: account.currency,
      intervalMonths: 1,
      quantity: terms.seats,
      isTrial: true,
      startDay: createdDay,
      endDay: ongoing ? null : trialEnd,
    });
    account.activity.push({
      startMs: account.createdMs,
      endMs: ongoing ? horizon.nowMs : trialEnd * DAY_MS,
      kind: 'trial',
      declining: false,
    });
    if (ongoing || !converts) return;
    paidStart = trialEnd;
  } else if (path === 'free') {
    const upgradeDay = createdDay + rng.int(30, 240);
    const upgrades = rng.chance(0.45) && upgradeDay <= horizon.endDay;
    account.subscriptions.push({
      subscriptionId,
      plan: 'Free',
      amount: 0,
      currency: account.currency,
      intervalMonths: 1,
      quantity: rng.int(1, 3),
      isTrial: false,
      startDay: createdDay,
      endDay: upgrades ? upgradeDay : null,
    });
    account.activity.push({
      startMs: account.createdMs,
      endMs: upgrades ? upgradeDay * DAY_MS : horizon.nowMs,
      kind: 'free',
      declining: false,
    });
    if (!upgrades) return;
    paidStart = upgradeDay;
  } else if (account.segment === 'Enterprise') {
    // A contract is signed a little after the account is created.
    paidStart = Math.min(createdDay + rng.int(0, 20), horizon.endDay);
  }

  const activityStart = account.activity.length === 0 ? account.createdMs : paidStart * DAY_MS;
  const churnDay = runPaid(
    account,
    rng,
    horizon,
    subscriptionId,
    paidStart,
    terms,
    behaviour.churn,
    priceIncreaseDay,
  );
  pushPaidActivity(account, activityStart, churnDay, horizon);
  if (churnDay === null) return;

  // Some churned accounts come back later with a new, usually smaller subscription.
  const reactivationDay = churnDay + rng.int(30, 200);
  if (
    !rng.chance({ healthy: 0.4, at_risk: 0.3, critical: 0.2 }[account.tier]) ||
    reactivationDay >= horizon.endDay
  )
    return;
  const comeback: PaidTerms = {
    plan: Math.max(0, terms.plan - (rng.chance(0.5) ? 1 : 0)),
    seats: Math.max(1, Math.round(terms.seats * rng.uniform(0.5, 1))),
    intervalMonths: rng.chance(0.8) ? 1 : terms.intervalMonths,
    discount: terms.discount,
  };
  const secondChurn = runPaid(
    account,
    rng,
    horizon,
    ids.create(),
    reactivationDay,
    comeback,
    behaviour.churn * 0.6,
    priceIncreaseDay,
  );
  pushPaidActivity(account, reactivationDay * DAY_MS, secondChurn, horizon);
}

function pushPaidActivity(
  account: Account,
  startMs: number,
  churnDay: number | null,
  horizon: Horizon,
): void {
  if (churnDay === null) {
    account.activity.push({ startMs, endMs: horizon.nowMs, kind: 'paid', declining: false });
    return;
  }
  // Usage fades out over the two months before a churn.
  const churnMs = churnDay * DAY_MS;
  const declineStart = Math.max(startMs, churnMs - 60 * DAY_MS);
  if (declineStart > startMs)
    account.activity.push({ startMs, endMs: declineStart, kind: 'paid', declining: false });
  account.activity.push({ startMs: declineStart, endMs: churnMs, kind: 'paid', declining: true });
}

/**
 * Runs one paid subscription month by month from `startDay`. Changes take effect on a monthly
 * anniversary: the current row ends and the next row of the same subscription starts that day.
 * Returns the churn day, or null while it is still active at the end of the history.
 */
function runPaid(
  account: Account,
  rng: Rng,
  horizon: Horizon,
  subscriptionId: string,
  startDay: number,
  initial: PaidTerms,
  churnHazard: number,
  priceIncreaseDay: number,
): number | null {
  const behaviour = BEHAVIOUR[account.tier];
  let terms = { ...initial };
  let priceFactor = startDay >= priceIncreaseDay ? PRICE_INCREASE : 1;
  const open = (day: number): SubscriptionRow => {
    const row: SubscriptionRow = {
      subscriptionId,
      plan: itemAt(PLANS, terms.plan),
      amount: amountFor(terms, account.currency, priceFactor),
      currency: account.currency,
      intervalMonths: terms.intervalMonths,
      quantity: terms.seats,
      isTrial: false,
      startDay: day,
      endDay: null,
    };
    account.subscriptions.push(row);
    return row;
  };
  let row = open(startDay);
  let rowStartMonth = 0;
  let churnIntent = false;
  for (let month = 1; ; month++) {
    const day = addMonths(startDay, month);
    if (day > horizon.endDay) return null;
    const termBoundary = (month - rowStartMonth) % terms.intervalMonths === 0;
    if (!churnIntent && rng.chance(churnHazard)) churnIntent = true;
    if (churnIntent && termBoundary) {
      row.endDay = day;
      account.churnDays.push(day);
      return day;
    }
    const draw = rng.next();
    let next: PaidTerms | null = null;
    if (draw < behaviour.expand) {
      next =
        rng.chance(0.6) || terms.plan === PLANS.length - 1
          ? { ...terms, seats: terms.seats + Math.max(1, Math.round(terms.seats * rng.uniform(0.1, 0.6))) }
          : { ...terms, plan: terms.plan + 1 };
    } else if (draw < behaviour.expand + behaviour.contract && termBoundary) {
      next =
        rng.chance(0.65) || terms.plan === 0
          ? {
              ...terms,
              seats: Math.max(1, terms.seats - Math.max(1, Math.round(terms.seats * rng.uniform(0.1, 0.4)))),
            }
          : { ...terms, plan: terms.plan - 1 };
      if (next.seats === terms.seats && next.plan === terms.plan) next = null;
    } else if (termBoundary && day >= priceIncreaseDay && priceFactor < PRICE_INCREASE && rng.chance(0.7)) {
      // The list price rise reaches existing customers at their renewal.
      next = { ...terms };
    }
    if (next) {
      if (day >= priceIncreaseDay) priceFactor = PRICE_INCREASE;
      terms = next;
      row.endDay = day;
      row = open(day);
      rowStartMonth = month;
    }
  }
}
