/**
 * The customer base behind the sample data: accounts, their users, their subscription
 * history (trials, free plans, paid plans with upgrades, downgrades, seat changes, price
 * changes, churn and reactivation) and the periods in which each account uses the product.
 * Every other table is derived from this, which keeps the dataset consistent per account.
 */
import { Rng, itemAt } from './prng.js';
import { ALL_CSMS, CSM_BY_REGION, NAME_PARTS, TRICKY_NAMES, type Language } from './text.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, addMonths, dayOfWeek } from './time.js';

export type Segment = 'SMB' | 'Mid-Market' | 'Enterprise';
export type Tier = 'healthy' | 'at_risk' | 'critical';
export type Currency = 'USD' | 'EUR' | 'GBP' | 'PLN' | 'IDR';

export const CURRENCIES: readonly Currency[] = ['USD', 'EUR', 'GBP', 'PLN', 'IDR'];

/** Plans from the cheapest up; the index is the tier used for upgrades and downgrades. */
export const PLANS = ['Starter', 'Growth', 'Business', 'Enterprise'] as const;
export type Plan = (typeof PLANS)[number];

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

interface RegionSpec {
  readonly name: string;
  readonly weight: number;
  readonly tzHours: number;
  readonly currencies: readonly (readonly [Currency, number])[];
  readonly languages: readonly (readonly [Language, number])[];
}

const REGIONS: readonly RegionSpec[] = [
  { name: 'North America', weight: 0.36, tzHours: -5, currencies: [['USD', 1]], languages: [['en', 1]] },
  {
    name: 'Western Europe',
    weight: 0.2,
    tzHours: 1,
    currencies: [
      ['EUR', 0.85],
      ['USD', 0.15],
    ],
    languages: [['en', 1]],
  },
  {
    name: 'UK & Ireland',
    weight: 0.1,
    tzHours: 0,
    currencies: [
      ['GBP', 0.85],
      ['USD', 0.15],
    ],
    languages: [['en', 1]],
  },
  {
    name: 'Central & Eastern Europe',
    weight: 0.12,
    tzHours: 1,
    currencies: [
      ['PLN', 0.65],
      ['EUR', 0.25],
      ['USD', 0.1],
    ],
    languages: [
      ['pl', 0.7],
      ['en', 0.3],
    ],
  },
  {
    name: 'Southeast Asia',
    weight: 0.14,
    tzHours: 7,
    currencies: [
      ['IDR', 0.6],
      ['USD', 0.4],
    ],
    languages: [
      ['id', 0.75],
      ['en', 0.25],
    ],
  },
  { name: 'Latin America', weight: 0.05, tzHours: -3, currencies: [['USD', 1]], languages: [['en', 1]] },
];
const UNKNOWN_REGION: RegionSpec = {
  name: '',
  weight: 0.03,
  tzHours: 0,
  currencies: [['USD', 1]],
  languages: [['en', 1]],
};

export interface SubscriptionRow {
  readonly subscriptionId: string;
  readonly plan: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly intervalMonths: number;
  readonly quantity: number;
  readonly isTrial: boolean;
  readonly startDay: number;
  endDay: number | null;
}

export type ActivityKind = 'trial' | 'free' | 'paid';

/** A period in which the account uses the product; `declining` marks the run-up to a churn. */
export interface Activity {
  readonly startMs: number;
  readonly endMs: number;
  readonly kind: ActivityKind;
  readonly declining: boolean;
}

export interface User {
  readonly userId: string;
  readonly joinMs: number;
  readonly leaveMs: number;
  /** Relative activity (a few power users, many occasional ones). */
  readonly weight: number;
  /** How many of the most popular features this user touches. */
  readonly breadth: number;
}

export interface Account {
  readonly seq: number;
  readonly accountId: string;
  readonly name: string;
  readonly createdMs: number;
  readonly segment: Segment | null;
  readonly region: string | null;
  readonly tzHours: number;
  readonly language: Language;
  readonly currency: Currency;
  readonly csmOwner: string | null;
  readonly tier: Tier;
  readonly onboardedMs: number | null;
  readonly firstValueMs: number | null;
  readonly subscriptions: SubscriptionRow[];
  readonly activity: Activity[];
  readonly users: User[];
  /** Days on which a paid subscription ended without a successor. */
  readonly churnDays: number[];
}

export interface Horizon {
  readonly seed: number;
  /** First day of the history (epoch day). */
  readonly startDay: number;
  /** Last day with data (epoch day). */
  readonly endDay: number;
  /** Exclusive upper bound of every instant: midnight after endDay. */
  readonly nowMs: number;
}

const TIER_WEIGHTS: Record<Segment, readonly (readonly [Tier, number])[]> = {
  SMB: [
    ['healthy', 0.5],
    ['at_risk', 0.32],
    ['critical', 0.18],
  ],
  'Mid-Market': [
    ['healthy', 0.56],
    ['at_risk', 0.3],
    ['critical', 0.14],
  ],
  Enterprise: [
    ['healthy', 0.65],
    ['at_risk', 0.27],
    ['critical', 0.08],
  ],
};

/** Monthly probabilities that drive the subscription history, per health tier. */
const BEHAVIOUR: Record<
  Tier,
  { churn: number; expand: number; contract: number; adoption: readonly [number, number] }
> = {
  healthy: { churn: 0.008, expand: 0.03, contract: 0.004, adoption: [0.7, 0.95] },
  at_risk: { churn: 0.035, expand: 0.01, contract: 0.02, adoption: [0.4, 0.7] },
  critical: { churn: 0.08, expand: 0.004, contract: 0.03, adoption: [0.15, 0.45] },
};

/** Relative usage intensity per health tier and per kind of period. */
export const TIER_ACTIVITY: Record<Tier, number> = { healthy: 1, at_risk: 0.4, critical: 0.12 };
export const KIND_ACTIVITY: Record<ActivityKind, number> = { trial: 1.4, free: 0.3, paid: 1 };

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** A business-hours instant on the given day in a UTC offset, moved off weekends most of the time. */
export function businessInstant(rng: Rng, day: number, tzHours: number): number {
  let target = day;
  const dow = dayOfWeek(target);
  if (dow >= 5 && rng.chance(0.8)) target += 7 - dow;
  const localMinutes = 8 * 60 + Math.floor(((rng.next() + rng.next()) / 2) * 10 * 60);
  return target * DAY_MS + localMinutes * MINUTE_MS - tzHours * HOUR_MS + rng.int(0, 59) * 1000;
}

class SubscriptionIds {
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

/**
 * `csmCount`: spread the accounts that have a CSM over that many owners
 * (`csm-001@example.com` …) instead of the named regional CSMs, for benchmarks of CSM digests;
 * the random draws are the same, so every other column is unchanged.
 */
/** The owner of account `seq` among `csmCount` numbered CSMs, or the drawn named one. */
function benchCsm(drawn: string, seq: number, csmCount: number | undefined): string {
  if (csmCount === undefined) return drawn;
  return `csm-${pad((seq % csmCount) + 1, 3)}@example.com`;
}

export function buildCustomers(horizon: Horizon, accountCount: number, csmCount?: number): Account[] {
  const rng = new Rng(horizon.seed, 'accounts');
  const subscriptionIds = new SubscriptionIds();
  const span = horizon.endDay - horizon.startDay;
  const priceIncreaseDay = horizon.startDay + Math.floor(span * 0.55);

  // Draw creation instants first, then number the accounts in sign-up order.
  const created: number[] = [];
  for (let i = 0; i < accountCount; i++) {
    // A fifth were already customers when the history starts; the rest sign up at a growing pace.
    const fraction = rng.chance(0.2)
      ? rng.next() * Math.min(1, 45 / Math.max(span, 1))
      : Math.pow(rng.next(), 0.75);
    const day = horizon.startDay + Math.floor(fraction * Math.max(span - 2, 0));
    created.push(day * DAY_MS + rng.int(6 * 60, 20 * 60) * MINUTE_MS + rng.int(0, 59) * 1000);
  }
  created.sort((a, b) => a - b);

  const usedNames = new Set<string>();
  const accounts: Account[] = [];
  created.forEach((createdMs, seq) => {
    const segment = rng.weighted<Segment | null>([
      ['SMB', 0.55],
      ['Mid-Market', 0.28],
      ['Enterprise', 0.12],
      [null, 0.05],
    ]);
    const region = rng.weighted<RegionSpec>([...REGIONS, UNKNOWN_REGION].map((r) => [r, r.weight] as const));
    const currency = rng.weighted(region.currencies);
    const language = rng.weighted(region.languages);
    const tier = rng.weighted(TIER_WEIGHTS[segment ?? 'SMB']);
    const name = accountName(rng, seq, language, usedNames);
    const csmPool = CSM_BY_REGION[region.name] ?? ALL_CSMS;
    const hasCsm = segment === 'Enterprise' || segment === 'Mid-Market' ? rng.chance(0.97) : rng.chance(0.35);
    const account: Account = {
      seq,
      accountId: `ACC-${pad(seq + 1, 5)}`,
      name,
      createdMs,
      segment,
      region: region.name === '' ? null : region.name,
      tzHours: region.tzHours,
      language,
      currency,
      csmOwner: hasCsm ? benchCsm(rng.pick(csmPool), seq, csmCount) : null,
      tier,
      onboardedMs: null,
      firstValueMs: null,
      subscriptions: [],
      activity: [],
      users: [],
      churnDays: [],
    };
    simulateSubscriptions(account, rng, horizon, subscriptionIds, priceIncreaseDay);
    const withMilestones = { ...account, ...milestones(account, rng, horizon) };
    withMilestones.users.push(...buildUsers(withMilestones, rng, horizon));
    accounts.push(withMilestones);
  });
  return accounts;
}

function accountName(rng: Rng, seq: number, language: Language, used: Set<string>): string {
  // A few names with quotes, ampersands and angle brackets, as real customer names have.
  if (seq % 50 === 7) {
    const tricky = itemAt(TRICKY_NAMES, Math.floor(seq / 50) % TRICKY_NAMES.length);
    if (!used.has(tricky)) {
      used.add(tricky);
      return tricky;
    }
  }
  const parts = NAME_PARTS[language];
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = parts.format(rng.pick(parts.stems), rng.pick(parts.kinds), rng.pick(parts.legal)).trim();
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
  const fallback = `${parts.format(rng.pick(parts.stems), rng.pick(parts.kinds), '').trim()} ${seq + 1}`;
  used.add(fallback);
  return fallback;
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

function simulateSubscriptions(
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

function milestones(
  account: Account,
  rng: Rng,
  horizon: Horizon,
): Pick<Account, 'onboardedMs' | 'firstValueMs'> {
  const everPaid = account.activity.some((a) => a.kind === 'paid');
  const onboardChance = everPaid ? { healthy: 0.96, at_risk: 0.86, critical: 0.7 }[account.tier] : 0.35;
  const onboardMedianDays = account.segment === 'Enterprise' ? 35 : account.segment === 'Mid-Market' ? 16 : 6;
  const tierSlowdown = { healthy: 1, at_risk: 1.4, critical: 2 }[account.tier];
  const within = (ms: number): number | null => (ms < horizon.nowMs ? ms : null);
  const onboardedMs = rng.chance(onboardChance)
    ? within(account.createdMs + Math.max(0.2, rng.logNormal(onboardMedianDays * tierSlowdown, 0.5)) * DAY_MS)
    : null;
  const valueChance = everPaid ? { healthy: 0.92, at_risk: 0.8, critical: 0.6 }[account.tier] : 0.45;
  const firstValueMs = rng.chance(valueChance)
    ? within(account.createdMs + Math.max(0.05, rng.logNormal(4 * tierSlowdown, 0.8)) * DAY_MS)
    : null;
  return {
    onboardedMs: onboardedMs === null ? null : Math.floor(onboardedMs / 1000) * 1000,
    firstValueMs: firstValueMs === null ? null : Math.floor(firstValueMs / 1000) * 1000,
  };
}

function buildUsers(account: Account, rng: Rng, horizon: Horizon): User[] {
  const seats = Math.max(1, ...account.subscriptions.map((s) => s.quantity));
  const [low, high] = BEHAVIOUR[account.tier].adoption;
  const everPaid = account.activity.some((a) => a.kind === 'paid');
  const count = everPaid
    ? Math.min(250, Math.max(1, Math.round(seats * rng.uniform(low, high))))
    : Math.min(seats, 1 + rng.poisson(1.5));
  const lastMs = Math.max(...account.activity.map((a) => a.endMs), account.createdMs + DAY_MS);
  const breadthRange = { healthy: [7, 14], at_risk: [4, 9], critical: [2, 5] } as const;
  const [minBreadth, maxBreadth] = breadthRange[account.tier];
  const users: User[] = [];
  for (let k = 0; k < count; k++) {
    // The first users start right away; the others join over the account's life.
    const early = k === 0 || rng.chance(0.4);
    const joinMs = early
      ? account.createdMs + (k === 0 ? 0 : rng.exponential(5 * DAY_MS))
      : account.createdMs + rng.next() * (lastMs - account.createdMs);
    const leaves = rng.chance(0.08);
    const leaveMs = leaves ? joinMs + rng.next() * (lastMs - joinMs) : horizon.nowMs;
    users.push({
      userId: `USR-${pad(account.seq + 1, 5)}-${pad(k + 1, 3)}`,
      joinMs: Math.round(joinMs),
      leaveMs: Math.round(leaveMs),
      weight: rng.logNormal(1, 1),
      breadth: Math.min(14, rng.int(minBreadth, maxBreadth) + (rng.chance(0.15) ? 2 : 0)),
    });
  }
  return users;
}

/** Whether the account has a paying (non-trial, non-zero) subscription row on the given day. */
export function isPayingOn(account: Account, day: number): boolean {
  return account.subscriptions.some(
    (s) => !s.isTrial && s.amount > 0 && s.startDay <= day && (s.endDay === null || day < s.endDay),
  );
}
