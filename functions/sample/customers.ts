/**
 * The customer base behind the sample data: accounts, their users, their subscription
 * history (trials, free plans, paid plans with upgrades, downgrades, seat changes, price
 * changes, churn and reactivation) and the periods in which each account uses the product.
 * Every other table is derived from this, which keeps the dataset consistent per account.
 */
import { Rng, itemAt } from './prng.js';
import { pad } from './ids.js';
import { ALL_CSMS, CSM_BY_REGION, NAME_PARTS, TRICKY_NAMES, type Language } from './text.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, dayOfWeek } from './time.js';

import { BEHAVIOUR, SubscriptionIds, simulateSubscriptions } from './subscriptions.js';
export type Segment = 'SMB' | 'Mid-Market' | 'Enterprise';
export type Tier = 'healthy' | 'at_risk' | 'critical';
export type Currency = 'USD' | 'EUR' | 'GBP' | 'PLN' | 'IDR';

export const CURRENCIES: readonly Currency[] = ['USD', 'EUR', 'GBP', 'PLN', 'IDR'];

/** Plans from the cheapest up; the index is the tier used for upgrades and downgrades. */
export const PLANS = ['Starter', 'Growth', 'Business', 'Enterprise'] as const;
export type Plan = (typeof PLANS)[number];

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

/** Relative usage intensity per health tier and per kind of period. */
export const TIER_ACTIVITY: Record<Tier, number> = { healthy: 1, at_risk: 0.4, critical: 0.12 };
export const KIND_ACTIVITY: Record<ActivityKind, number> = { trial: 1.4, free: 0.3, paid: 1 };

/** A business-hours instant on the given day in a UTC offset, moved off weekends most of the time. */
export function businessInstant(rng: Rng, day: number, tzHours: number): number {
  let target = day;
  const dow = dayOfWeek(target);
  if (dow >= 5 && rng.chance(0.8)) target += 7 - dow;
  const localMinutes = 8 * 60 + Math.floor(((rng.next() + rng.next()) / 2) * 10 * 60);
  return target * DAY_MS + localMinutes * MINUTE_MS - tzHours * HOUR_MS + rng.int(0, 59) * 1000;
}

/** The owner of account `seq` among `csmCount` numbered CSMs, or the drawn named one. */
function benchCsm(drawn: string, seq: number, csmCount: number | undefined): string {
  if (csmCount === undefined) return drawn;
  return `csm-${pad((seq % csmCount) + 1, 3)}@example.com`;
}

/**
 * `csmCount`: spread the accounts that have a CSM over that many owners
 * (`csm-001@example.com` …) instead of the named regional CSMs, for benchmarks of CSM digests;
 * the random draws are the same, so every other column is unchanged.
 */
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
