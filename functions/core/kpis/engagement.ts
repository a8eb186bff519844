/**
 * Onboarding, usage and engagement, and customer health.
 *
 * Three groups share two reads of usage_events per report:
 * - usage_trend.sql: distinct active users of the 12 trend periods (dau, wau, mau, stickiness,
 *   and the active users that events per active user and feature adoption divide by), and the
 *   events of periods 0 and 1;
 * - usage_activity.sql: periods 0 and 1 in one pass (sessions, features, active paying
 *   accounts, first-week engagement, and per-account usage for the health score). Its result is
 *   kept per report context, so the engagement and health groups run it once between them.
 * onboarding_times.sql (accounts) and health_accounts.sql (subscriptions, surveys, tickets,
 * invoices) do not read events.
 *
 * Decisions the catalog leaves open:
 * - Days are local calendar days in the report's time zone.
 * - First week of an account: the local calendar day of sign-up and the six days after it
 *   (rather than the 7 × 24 hours after created_at), so that "3 distinct days" counts the same
 *   calendar days as dau. The cohort of a period: accounts created (local day) in
 *   [first_day − 7, last_day − 7], whose first week has ended by the end of the period.
 * - Sessions: a session_id identifies a session across users and days; it lasts from its first to
 *   its last event and counts in the period its first event falls in (it may end after it).
 *   Events without a session_id belong to no session.
 * - Events: a repeated event_id is one event (a duplicate delivery), counted once.
 */
import { num, type KpiGroup, type KpiGroupContext, type KpiGroupResult, type PeriodValue } from './group.js';
import type { Row, SqlParam } from '../sql-values.js';
import { TREND_PERIODS, type FeatureUsage, type KpiId } from '../snapshot.js';
import { addDays, daysBetween, type Period } from '../period.js';
import {
  healthBand,
  healthComponents,
  healthScore,
  healthWeightsProblem,
  summariseHealth,
  type ScoredAccount,
} from '../health.js';

/** Periods the detailed usage query covers: the report's period and the previous one. */
const DETAIL_PERIODS = 2;
const TOP_FEATURES = 10;

function periodAt(periods: readonly Period[], index: number): Period {
  const p = periods[index] ?? periods[periods.length - 1];
  if (!p) throw new Error('the report calendar is empty');
  return p;
}

const minDay = (a: string, b: string): string => (a < b ? a : b);

/** dt partitions are UTC dates: one day of margin on each side covers any time zone. */
function dtParams(fromDay: string, toDay: string): SqlParam[] {
  return [
    { type: 'varchar', value: addDays(fromDay, -1) },
    { type: 'varchar', value: addDays(toDay, 1) },
  ];
}

/**
 * Local days usage_trend.sql needs: every trend period the calendar computes and the 30 days
 * ending on its last day. The calendar's last period only gives the one before it a start.
 */
export function trendDays(periods: readonly Period[]): { from: string; to: string } {
  let from = periodAt(periods, 0).firstDay;
  for (let i = 0; i < Math.min(TREND_PERIODS, periods.length - 1); i += 1) {
    const p = periodAt(periods, i);
    from = minDay(from, minDay(p.firstDay, addDays(p.lastDay, -29)));
  }
  return { from, to: periodAt(periods, 0).lastDay };
}

/**
 * Local days usage_activity.sql needs: from the earliest health-window or first-week day of
 * period 1 to one day after period 0 (a session that starts in the period may end after it).
 */
export function activityDays(periods: readonly Period[]): { from: string; to: string } {
  const previous = periodAt(periods, 1);
  return {
    from: minDay(addDays(previous.lastDay, -29), addDays(previous.firstDay, -7)),
    to: addDays(periodAt(periods, 0).lastDay, 1),
  };
}

/** The raw dt partitions the usage queries of a report calendar read (trend and activity). */
export function usageDtRange(periods: readonly Period[]): { fromDt: string; toDt: string } {
  const trend = trendDays(periods);
  const activity = activityDays(periods);
  return {
    fromDt: addDays(minDay(trend.from, activity.from), -1),
    toDt: addDays(trend.to > activity.to ? trend.to : activity.to, 1),
  };
}

export function daysIn(period: Period): number {
  return daysBetween(period.firstDay, period.lastDay) + 1;
}

// ---------------------------------------------------------------------------------------------
// Usage trend: dau, wau, mau, stickiness (periods 0 … 11)

export interface ActiveUsers {
  /** Σ over the period's days of that day's distinct active users. */
  readonly userDays: number;
  /** Distinct active users in the period. */
  readonly activeUsers: number;
  readonly wau: number;
  readonly mau: number;
  /** Distinct event ids in the period (periods 0 and 1 only, else 0). */
  readonly events: number;
}

export const NO_ACTIVE_USERS: ActiveUsers = { userDays: 0, activeUsers: 0, wau: 0, mau: 0, events: 0 };

export function activeUsers(row: Row): ActiveUsers {
  return {
    userDays: num(row.user_days) ?? 0,
    activeUsers: num(row.active_users) ?? 0,
    wau: num(row.wau) ?? 0,
    mau: num(row.mau) ?? 0,
    events: num(row.events) ?? 0,
  };
}

/** Mean over the period's days of distinct active users per day (days without events count 0). */
export function dauValue(a: ActiveUsers, days: number): PeriodValue {
  if (days <= 0) return { value: null, reason: 'the period has no days' };
  return { value: a.userDays / days };
}

export function stickinessValue(a: ActiveUsers, days: number): PeriodValue {
  if (a.mau === 0) return { value: null, reason: 'no active users in the 30 days ending on last_day' };
  const dau = days > 0 ? a.userDays / days : 0;
  return { value: (dau / a.mau) * 100, detail: { dau, mau: a.mau } };
}

// ---------------------------------------------------------------------------------------------
// Usage of periods 0 and 1 (usage_activity.sql)

export interface PeriodActivity {
  readonly sessions: number;
  /**
   * Σ session length in whole milliseconds (the SQL sums integers, exact in any order, so the
   * raw events and the rollups give the same total); null without sessions.
   */
  readonly sessionMs: number | null;
  /** Features used in the period, and Σ over them of their distinct users. */
  readonly featuresUsed: number;
  readonly featureUsers: number;
  /** Features used by any account in the 30 days ending on last_day (health depth). */
  readonly featuresUsedInHealthWindow: number;
  readonly activePayingAccounts: number;
  readonly customers: number;
  readonly firstWeekAccounts: number;
  readonly firstWeekEngaged: number;
}

export const NO_ACTIVITY: PeriodActivity = {
  sessions: 0,
  sessionMs: null,
  featuresUsed: 0,
  featureUsers: 0,
  featuresUsedInHealthWindow: 0,
  activePayingAccounts: 0,
  customers: 0,
  firstWeekAccounts: 0,
  firstWeekEngaged: 0,
};

export interface AccountUsage {
  readonly activeDays: number;
  readonly activeUsers: number;
  readonly featuresUsed: number;
}

export interface UsageActivity {
  /** Index = period (0, 1). */
  readonly periods: readonly PeriodActivity[];
  /** Top features of period 0: event name and distinct users, most used first. */
  readonly topFeatures: readonly { readonly eventName: string; readonly users: number }[];
  /** Per period, usage of each account paying on last_day (accounts without events are absent). */
  readonly accounts: readonly ReadonlyMap<string, AccountUsage>[];
}

export function parseUsageActivity(rows: readonly Row[]): UsageActivity {
  const periods: PeriodActivity[] = Array.from({ length: DETAIL_PERIODS }, () => NO_ACTIVITY);
  const accounts = Array.from({ length: DETAIL_PERIODS }, () => new Map<string, AccountUsage>());
  const topFeatures: { eventName: string; users: number }[] = [];
  const n = (row: Row, name: string): number => num(row[name]) ?? 0;
  for (const row of rows) {
    const index = num(row.period_index);
    if (index === null || index < 0 || index >= DETAIL_PERIODS) continue;
    if (row.grain === 'period') {
      periods[index] = {
        sessions: n(row, 'sessions'),
        sessionMs: num(row.session_ms),
        featuresUsed: n(row, 'features_used'),
        featureUsers: n(row, 'feature_users'),
        featuresUsedInHealthWindow: n(row, 'features_used_in_health'),
        activePayingAccounts: n(row, 'active_paying_accounts'),
        customers: n(row, 'customers'),
        firstWeekAccounts: n(row, 'first_week_accounts'),
        firstWeekEngaged: n(row, 'first_week_engaged'),
      };
    } else if (row.grain === 'feature' && index === 0 && typeof row.event_name === 'string') {
      topFeatures.push({ eventName: row.event_name, users: n(row, 'feature_users') });
    } else if (row.grain === 'account' && typeof row.account_id === 'string') {
      accounts[index]?.set(row.account_id, {
        activeDays: n(row, 'health_active_days'),
        activeUsers: n(row, 'health_active_users'),
        featuresUsed: n(row, 'health_features_used'),
      });
    }
  }
  topFeatures.sort((a, b) => b.users - a.users || (a.eventName < b.eventName ? -1 : 1));
  return { periods, topFeatures: topFeatures.slice(0, TOP_FEATURES), accounts };
}

const usageCache = new WeakMap<KpiGroupContext, Promise<UsageActivity>>();

/** usage_activity.sql for this report context, run once and shared by the groups that need it. */
export function loadUsageActivity(ctx: KpiGroupContext): Promise<UsageActivity> {
  let pending = usageCache.get(ctx);
  if (!pending) {
    const days = activityDays(ctx.periods);
    const dts = dtParams(days.from, days.to);
    const keys = ctx.usageFromRollups
      ? { file: 'usage_activity_keys_rollup', params: [...dts, ...dts] }
      : { file: 'usage_activity_keys', params: dts };
    pending = ctx
      .run('usage_activity', [], { heads: { usage_activity_keys: keys } })
      .then(parseUsageActivity);
    usageCache.set(ctx, pending);
    // A failed run is not cached, so that a later group reports its own failure.
    pending.catch(() => usageCache.delete(ctx));
  }
  return pending;
}

/** Accounts paying on last_day with an active user in the period / customers × 100. */
export function activeAccountRate(a: PeriodActivity): PeriodValue {
  if (a.customers === 0) return { value: null, reason: 'no paying customers on last_day' };
  return {
    value: (a.activePayingAccounts / a.customers) * 100,
    detail: { active_accounts: a.activePayingAccounts, customers: a.customers },
  };
}

/** Σ session length / sessions, over sessions starting in the period, in minutes. */
export function avgSessionMinutes(a: PeriodActivity): PeriodValue {
  if (a.sessions === 0 || a.sessionMs === null) {
    return { value: null, reason: 'no sessions started in the period' };
  }
  return { value: a.sessionMs / 1000 / 60 / a.sessions, detail: { sessions: a.sessions } };
}

/** Events (distinct event ids) in the period / distinct active users in the period. */
export function eventsPerActiveUser(a: ActiveUsers): PeriodValue {
  if (a.activeUsers === 0) return { value: null, reason: 'no active users in the period' };
  return {
    value: a.events / a.activeUsers,
    detail: { events: a.events, active_users: a.activeUsers },
  };
}

/**
 * Mean over the features used in the period of (distinct users of the feature / distinct active
 * users × 100) = Σ feature users / (features × active users) × 100.
 */
export function featureAdoption(a: PeriodActivity, activeUsers: number): PeriodValue {
  if (activeUsers === 0 || a.featuresUsed === 0) {
    return { value: null, reason: 'no active users in the period' };
  }
  return {
    value: (a.featureUsers / (a.featuresUsed * activeUsers)) * 100,
    detail: { features: a.featuresUsed },
  };
}

/** The top features of period 0 with their adoption (distinct users / active users × 100). */
export function topFeatures(activity: UsageActivity, activeUsers: number): FeatureUsage[] {
  if (activeUsers === 0) return [];
  return activity.topFeatures.map((f) => ({
    eventName: f.eventName,
    users: f.users,
    adoptionPct: (f.users / activeUsers) * 100,
  }));
}

/** Accounts of the cohort active on at least 3 distinct days of their first week × 100. */
export function firstWeekEngagement(a: PeriodActivity): PeriodValue {
  if (a.firstWeekAccounts === 0) {
    return {
      value: null,
      reason: 'no accounts created between first_day − 7 days and last_day − 7 days',
    };
  }
  return {
    value: (a.firstWeekEngaged / a.firstWeekAccounts) * 100,
    detail: { accounts: a.firstWeekAccounts, engaged: a.firstWeekEngaged },
  };
}

const ENGAGEMENT_KPIS = [
  'dau',
  'wau',
  'mau',
  'stickiness',
  'active_account_rate',
  'avg_session_minutes',
  'events_per_active_user',
  'feature_adoption',
  'first_week_engagement',
] as const satisfies readonly KpiId[];

export const engagementGroup: KpiGroup = {
  name: 'engagement',
  kpis: ENGAGEMENT_KPIS,
  requires: ['usage_events'],
  async compute(ctx: KpiGroupContext): Promise<KpiGroupResult> {
    const trendPeriods = Math.min(TREND_PERIODS, ctx.periods.length);
    const trend: ActiveUsers[] = Array.from({ length: trendPeriods }, () => NO_ACTIVE_USERS);
    const days = trendDays(ctx.periods);
    const dts = dtParams(days.from, days.to);
    const dailyUsers = {
      file: ctx.usageFromRollups ? 'usage_daily_users_rollup' : 'usage_daily_users',
      params: dts,
    };
    for (const row of await ctx.run('usage_trend', [], { heads: { usage_daily_users: dailyUsers } })) {
      const index = num(row.period_index);
      if (index !== null && index >= 0 && index < trendPeriods) trend[index] = activeUsers(row);
    }
    const periodDays = trend.map((_, i) => daysIn(periodAt(ctx.periods, i)));
    const activity = await loadUsageActivity(ctx);
    const detail = activity.periods;
    // Distinct active users of periods 0 and 1 come from the trend query, which counts them.
    const active = (i: number): number => trend[i]?.activeUsers ?? 0;

    const withoutTable = (table: string): PeriodValue[] =>
      detail.map(() => ({ value: null, reason: `not available: no ${table} table` }));

    const values: Partial<Record<KpiId, readonly PeriodValue[]>> = {
      dau: trend.map((a, i) => dauValue(a, periodDays[i] ?? 0)),
      wau: trend.map((a) => ({ value: a.wau })),
      mau: trend.map((a) => ({ value: a.mau })),
      stickiness: trend.map((a, i) => stickinessValue(a, periodDays[i] ?? 0)),
      active_account_rate: ctx.available.has('subscriptions')
        ? detail.map(activeAccountRate)
        : withoutTable('subscriptions'),
      avg_session_minutes: detail.map(avgSessionMinutes),
      events_per_active_user: detail.map((_, i) => eventsPerActiveUser(trend[i] ?? NO_ACTIVE_USERS)),
      feature_adoption: detail.map((a, i) => featureAdoption(a, active(i))),
      first_week_engagement: ctx.available.has('accounts')
        ? detail.map(firstWeekEngagement)
        : withoutTable('accounts'),
    };
    return { values, details: { topFeatures: topFeatures(activity, active(0)) } };
  },
};

// ---------------------------------------------------------------------------------------------
// Onboarding (accounts)

export interface OnboardingStats {
  readonly onboarded: number;
  readonly onboardDaysSum: number | null;
  readonly firstValue: number;
  readonly firstValueDaysSum: number | null;
  readonly firstValueDaysMedian: number | null;
}

export const NO_ONBOARDING: OnboardingStats = {
  onboarded: 0,
  onboardDaysSum: null,
  firstValue: 0,
  firstValueDaysSum: null,
  firstValueDaysMedian: null,
};

export function onboardingStats(row: Row): OnboardingStats {
  return {
    onboarded: num(row.onboarded_accounts) ?? 0,
    onboardDaysSum: num(row.onboard_days_sum),
    firstValue: num(row.first_value_accounts) ?? 0,
    firstValueDaysSum: num(row.first_value_days_sum),
    firstValueDaysMedian: num(row.first_value_days_median),
  };
}

/** Mean days from created_at to onboarded_at over accounts onboarded in the period. */
export function avgDaysToOnboard(s: OnboardingStats): PeriodValue {
  if (s.onboarded === 0 || s.onboardDaysSum === null) {
    return { value: null, reason: 'no accounts onboarded in the period' };
  }
  return { value: s.onboardDaysSum / s.onboarded, detail: { accounts: s.onboarded } };
}

/** Median days from created_at to first_value_at over accounts reaching it in the period. */
export function timeToFirstValueDays(s: OnboardingStats): PeriodValue {
  if (s.firstValue === 0 || s.firstValueDaysSum === null || s.firstValueDaysMedian === null) {
    return { value: null, reason: 'no accounts reached first value in the period' };
  }
  return {
    value: s.firstValueDaysMedian,
    detail: { mean: s.firstValueDaysSum / s.firstValue, accounts: s.firstValue },
  };
}

export const onboardingGroup: KpiGroup = {
  name: 'onboarding',
  kpis: ['avg_days_to_onboard', 'time_to_first_value_days'],
  requires: ['accounts'],
  async compute(ctx: KpiGroupContext): Promise<KpiGroupResult> {
    const periods = Math.min(TREND_PERIODS, ctx.periods.length);
    const stats: OnboardingStats[] = Array.from({ length: periods }, () => NO_ONBOARDING);
    for (const row of await ctx.run('onboarding_times')) {
      const index = num(row.period_index);
      if (index !== null && index >= 0 && index < periods) stats[index] = onboardingStats(row);
    }
    return {
      values: {
        avg_days_to_onboard: stats.map(avgDaysToOnboard),
        time_to_first_value_days: stats.map(timeToFirstValueDays),
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Customer health (subscriptions for paying accounts, usage_events, optional surveys, tickets,
// invoices)

/** One account paying on last_day, with the non-usage inputs of its health (health_accounts.sql). */
export interface PayingAccount {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly segment: string | null;
  readonly csmOwner: string | null;
  readonly mrr: number;
  readonly seats: number;
  readonly latestNps: number | null;
  readonly oldOpenTickets: number;
  readonly pastDueInvoices: number;
}

const text = (cell: Row[string] | undefined): string | null => (typeof cell === 'string' ? cell : null);

export function payingAccount(row: Row): PayingAccount {
  return {
    accountId: String(row.account_id),
    accountName: text(row.account_name),
    segment: text(row.segment),
    csmOwner: text(row.csm_owner),
    mrr: num(row.mrr_end) ?? 0,
    seats: num(row.seats) ?? 0,
    latestNps: num(row.latest_nps),
    oldOpenTickets: num(row.old_open_tickets) ?? 0,
    pastDueInvoices: num(row.past_due_invoices) ?? 0,
  };
}

const NO_USAGE: AccountUsage = { activeDays: 0, activeUsers: 0, featuresUsed: 0 };

/** Scores each paying account from its own inputs and its usage (none: all usage components 0). */
export function scoreAccounts(
  paying: readonly PayingAccount[],
  usage: ReadonlyMap<string, AccountUsage>,
  featuresUsedByAnyone: number,
  weights: KpiGroupContext['config']['healthWeights'],
): ScoredAccount[] {
  return paying.map((a) => {
    const u = usage.get(a.accountId) ?? NO_USAGE;
    const components = healthComponents({
      activeDays: u.activeDays,
      activeUsers: u.activeUsers,
      seats: a.seats,
      featuresUsed: u.featuresUsed,
      featuresUsedByAnyone,
      latestNps: a.latestNps,
      oldOpenTickets: a.oldOpenTickets,
      pastDueInvoices: a.pastDueInvoices,
    });
    const score = healthScore(components, weights);
    return {
      accountId: a.accountId,
      accountName: a.accountName,
      segment: a.segment,
      csmOwner: a.csmOwner,
      mrr: a.mrr,
      healthScore: score,
      band: healthBand(score),
      components,
    };
  });
}

const healthAccountsCache = new WeakMap<KpiGroupContext, Promise<readonly Row[]>>();

/** health_accounts.sql for this report context, run once (the health group and the CSM books share it). */
export function loadHealthAccounts(ctx: KpiGroupContext): Promise<readonly Row[]> {
  let pending = healthAccountsCache.get(ctx);
  if (!pending) {
    pending = ctx.run('health_accounts');
    healthAccountsCache.set(ctx, pending);
    pending.catch(() => healthAccountsCache.delete(ctx));
  }
  return pending;
}

export const healthGroup: KpiGroup = {
  name: 'health',
  kpis: ['health_score', 'accounts_at_risk'],
  requires: ['subscriptions', 'usage_events'],
  async compute(ctx: KpiGroupContext): Promise<KpiGroupResult> {
    const unavailable = (reason: string): KpiGroupResult => {
      const nulls = Array.from({ length: DETAIL_PERIODS }, () => ({ value: null, reason }));
      return { values: { health_score: nulls, accounts_at_risk: nulls } };
    };
    const missing = (['subscriptions', 'usage_events'] as const).filter((t) => !ctx.available.has(t));
    if (missing.length > 0) return unavailable(`not available: no ${missing.join(', no ')} table`);
    const weightsProblem = healthWeightsProblem(ctx.config.healthWeights);
    if (weightsProblem) return unavailable(`not available: ${weightsProblem}`);

    const paying: PayingAccount[][] = Array.from({ length: DETAIL_PERIODS }, () => []);
    for (const row of await loadHealthAccounts(ctx)) {
      const index = num(row.period_index);
      if (index !== null && index >= 0 && index < DETAIL_PERIODS) paying[index]?.push(payingAccount(row));
    }
    const activity = await loadUsageActivity(ctx);

    // What the detail says about optional tables that are absent.
    const notes: Record<string, string> = {};
    if (!ctx.available.has('survey_responses')) {
      notes.sentiment = 'no survey_responses table: sentiment 0.5 for every account';
    }
    const noDeduction = (['support_tickets', 'invoices'] as const).filter((t) => !ctx.available.has(t));
    if (noDeduction.length > 0) {
      notes.support_billing = `no ${noDeduction.join(', no ')} table: no deduction`;
    }

    const scored = paying.map((accounts, i) =>
      scoreAccounts(
        accounts,
        activity.accounts[i] ?? new Map(),
        activity.periods[i]?.featuresUsedInHealthWindow ?? 0,
        ctx.config.healthWeights,
      ),
    );
    const summaries = scored.map(summariseHealth);
    const noAccounts = 'no paying accounts on last_day';
    const values: Partial<Record<KpiId, readonly PeriodValue[]>> = {
      health_score: summaries.map((s) =>
        s.meanScore === null
          ? { value: null, reason: noAccounts }
          : {
              value: s.meanScore,
              detail: {
                accounts: s.bands.healthy + s.bands.atRisk + s.bands.critical,
                healthy: s.bands.healthy,
                at_risk: s.bands.atRisk,
                critical: s.bands.critical,
                ...notes,
              },
            },
      ),
      accounts_at_risk: summaries.map((s) =>
        s.meanScore === null ? { value: null, reason: noAccounts } : { value: s.belowForty },
      ),
    };
    const current = summaries[0];
    return {
      values,
      details: {
        accountsAtRisk: current?.atRisk ?? [],
        healthBands: current?.bands ?? { healthy: 0, atRisk: 0, critical: 0 },
        accountHealth: (scored[0] ?? [])
          .map((a) => ({
            accountId: a.accountId,
            accountName: a.accountName,
            mrr: a.mrr,
            healthScore: a.healthScore,
          }))
          .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0)),
      },
    };
  },
};
