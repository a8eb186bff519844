/**
 * Rows of every table except usage_events (which is generated inside DuckDB), derived from
 * the customer base. Values use plain JavaScript types; the writer converts them by the
 * contract's column type: timestamp = epoch milliseconds (UTC), date = epoch day,
 * decimal = number with at most 4 decimals.
 */
import type { TableName } from '../contract/contract.js';
import {
  type Account,
  type Activity,
  type Horizon,
  type SubscriptionRow,
  KIND_ACTIVITY,
  TIER_ACTIVITY,
  businessInstant,
  isPayingOn,
} from './customers.js';
import { Rng, itemAt, mix32 } from './prng.js';
import {
  CES_COMMENTS,
  CSAT_COMMENTS,
  NPS_COMMENTS,
  SOCIAL_PLATFORMS,
  WEB_PAGES,
  type Language,
  type Sentiment,
  type WebPage,
} from './text.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, addMonths, dayOfWeek, firstOfMonth } from './time.js';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;
export type SmallTable = Exclude<TableName, 'usage_events'>;
export type SmallTables = Record<SmallTable, Row[]>;

/** One stretch of time in which one user is active; usage events are drawn from these in SQL. */
export interface UsageSpan {
  readonly accountId: string;
  readonly userId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly tzHours: number;
  readonly breadth: number;
  /** Expected sessions per day, before scaling to the requested number of events. */
  readonly sessionsPerDay: number;
  /** true: activity fades linearly to zero at the end (the run-up to a churn). */
  readonly declining: boolean;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');
const toSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
const round2 = (value: number): number => Math.round(value * 100) / 100;

/** A bijective 32-bit scramble of a counter: unique, seed-specific, not obviously sequential ids. */
export function scrambledId(prefix: string, counter: number, salt: number): string {
  return `${prefix}${((mix32(counter) ^ salt) >>> 0).toString(16).padStart(8, '0')}`;
}

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

export interface Ticket {
  readonly account: Account;
  readonly row: Row;
  readonly createdMs: number;
  readonly resolvedMs: number | null;
  readonly goodResolution: boolean;
}

const CONTACT_COUNTS: readonly (readonly [number, number])[] = [
  [1, 0.58],
  [2, 0.22],
  [3, 0.11],
  [4, 0.05],
  [5, 0.02],
  [6, 0.015],
  [8, 0.005],
];

/** Whole 30-day windows of an activity period (the last one may be shorter). */
function windows(activity: Activity, horizon: Horizon): [number, number][] {
  const result: [number, number][] = [];
  const end = Math.min(activity.endMs, horizon.nowMs);
  for (let start = activity.startMs; start < end; start += 30 * DAY_MS)
    result.push([start, Math.min(end, start + 30 * DAY_MS)]);
  return result;
}

export function supportTickets(accounts: readonly Account[], horizon: Horizon): Ticket[] {
  const rng = new Rng(horizon.seed, 'support_tickets');
  const tickets: Omit<Ticket, 'row'>[] = [];
  const rows: Omit<Row, 'ticket_id'>[] = [];
  for (const account of accounts) {
    const base = { SMB: 0.5, 'Mid-Market': 1.2, Enterprise: 2.5 }[account.segment ?? 'SMB'];
    const tierFactor = { healthy: 0.8, at_risk: 1.3, critical: 2 }[account.tier];
    const stale = { healthy: 0.005, at_risk: 0.02, critical: 0.05 }[account.tier];
    for (const activity of account.activity) {
      const kindFactor = { trial: 1.2, free: 0.3, paid: 1 }[activity.kind];
      for (const [start, end] of windows(activity, horizon)) {
        const onboarding = start - account.createdMs < 60 * DAY_MS ? 1.8 : 1;
        const share = (end - start) / (30 * DAY_MS);
        const count = rng.poisson(base * tierFactor * kindFactor * onboarding * share);
        for (let n = 0; n < count; n++) {
          const createdMs = businessInstant(
            rng,
            Math.floor((start + rng.next() * (end - start)) / DAY_MS),
            account.tzHours,
          );
          if (createdMs < start || createdMs >= end) continue;
          const channel = rng.weighted<string | null>([
            ['email', 0.45],
            ['chat', 0.33],
            ['phone', 0.1],
            ['web form', 0.09],
            [null, 0.03],
          ]);
          const responseMinutes =
            channel === 'chat'
              ? rng.logNormal(6, 0.8)
              : channel === 'phone'
                ? rng.logNormal(1.5, 0.5)
                : rng.logNormal(240, 1);
          let firstResponseMs: number | null = toSecond(
            createdMs + Math.max(0.2, responseMinutes) * MINUTE_MS,
          );
          let contactCount = rng.weighted(CONTACT_COUNTS);
          const reopened = rng.chance(contactCount > 1 ? 0.14 : 0.03);
          if (reopened && contactCount === 1) contactCount = 2;
          const hours = rng.logNormal(6, 1.1) * (1 + 0.6 * (contactCount - 1)) * (reopened ? 2 : 1);
          let resolvedMs: number | null = rng.chance(stale)
            ? null
            : toSecond(firstResponseMs + hours * HOUR_MS);
          if (firstResponseMs >= horizon.nowMs) {
            firstResponseMs = null;
            resolvedMs = null;
          }
          if (resolvedMs !== null && resolvedMs >= horizon.nowMs) resolvedMs = null;
          tickets.push({
            account,
            createdMs,
            resolvedMs,
            goodResolution: contactCount === 1 && !reopened && hours < 24,
          });
          rows.push({
            account_id: account.accountId,
            created_at: createdMs,
            first_response_at: firstResponseMs,
            resolved_at: resolvedMs,
            contact_count: contactCount,
            reopened,
            channel,
          });
        }
      }
    }
  }
  const order = tickets
    .map((_, i) => i)
    .sort((a, b) => itemAt(tickets, a).createdMs - itemAt(tickets, b).createdMs || a - b);
  return order.map((index, position) => ({
    ...itemAt(tickets, index),
    row: { ticket_id: `TCK-${pad(position + 1, 6)}`, ...itemAt(rows, index) },
  }));
}

interface Response {
  readonly respondedMs: number;
  readonly row: Omit<Row, 'response_id'>;
}

const DETRACTOR_SCORES: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 1],
  [2, 2],
  [3, 3],
  [4, 4],
  [5, 6],
  [6, 8],
];

function activeUser(rng: Rng, account: Account, atMs: number): string | null {
  const candidates = account.users.filter((u) => u.joinMs <= atMs && atMs < u.leaveMs);
  return candidates.length === 0 ? null : rng.pick(candidates).userId;
}

function comment(
  rng: Rng,
  bank: Record<Language, Record<Sentiment, readonly string[]>>,
  language: Language,
  sentiment: Sentiment,
): string {
  // Customers of non-English accounts sometimes still answer in English.
  const lang = language !== 'en' && rng.chance(0.15) ? 'en' : language;
  return rng.pick(bank[lang][sentiment]);
}

export function surveyResponses(
  accounts: readonly Account[],
  tickets: readonly Ticket[],
  horizon: Horizon,
): Row[] {
  const rng = new Rng(horizon.seed, 'survey_responses');
  const responses: Response[] = [];
  const cesSwitchMs = (horizon.startDay + Math.floor((horizon.endDay - horizon.startDay) * 0.4)) * DAY_MS;
  const cesScale = (ms: number): number => (ms < cesSwitchMs ? 7 : 5);
  const push = (
    account: Account,
    respondedMs: number,
    survey: string,
    score: number,
    scaleMax: number,
    text: string | null,
    userId: string | null,
  ): void => {
    if (respondedMs >= horizon.nowMs) return;
    responses.push({
      respondedMs,
      row: {
        account_id: account.accountId,
        user_id: userId,
        survey,
        score,
        scale_max: scaleMax,
        responded_at: toSecond(respondedMs),
        comment: text,
      },
    });
  };
  const cesResponse = (account: Account, atMs: number): void => {
    const scale = cesScale(atMs);
    const exponent = { healthy: 2.2, at_risk: 1.3, critical: 0.8 }[account.tier];
    const score = 1 + Math.floor(Math.pow(rng.next(), exponent) * scale);
    const sentiment: Sentiment =
      score <= scale * 0.4 ? 'positive' : score <= scale * 0.7 ? 'neutral' : 'negative';
    const text = rng.chance(0.3) ? comment(rng, CES_COMMENTS, account.language, sentiment) : null;
    push(account, atMs, 'ces', score, scale, text, activeUser(rng, account, atMs));
  };

  for (const account of accounts) {
    // Relationship NPS runs continuously in the product, so every week has some answers.
    const activeUsers = Math.max(1, account.users.length);
    for (const activity of account.activity) {
      const kindFactor = { trial: 0.3, free: 0.2, paid: 1 }[activity.kind];
      for (const [start, end] of windows(activity, horizon)) {
        const share = (end - start) / (30 * DAY_MS);
        const count = rng.poisson(Math.min(3, 0.25 + 0.05 * activeUsers) * kindFactor * share);
        for (let n = 0; n < count; n++) {
          const atMs = start + rng.next() * (end - start);
          const tier = activity.declining ? 'critical' : account.tier;
          const band = rng.weighted<Sentiment>(
            {
              healthy: [
                ['positive', 0.6],
                ['neutral', 0.3],
                ['negative', 0.1],
              ] as const,
              at_risk: [
                ['positive', 0.25],
                ['neutral', 0.4],
                ['negative', 0.35],
              ] as const,
              critical: [
                ['positive', 0.08],
                ['neutral', 0.27],
                ['negative', 0.65],
              ] as const,
            }[tier],
          );
          const score =
            band === 'positive'
              ? rng.pick([9, 10, 10])
              : band === 'neutral'
                ? rng.pick([7, 8])
                : rng.weighted(DETRACTOR_SCORES);
          const commentChance = { positive: 0.55, neutral: 0.45, negative: 0.7 }[band];
          const text = rng.chance(commentChance) ? comment(rng, NPS_COMMENTS, account.language, band) : null;
          push(account, toSecond(atMs), 'nps', score, 10, text, activeUser(rng, account, atMs));
        }
      }
    }
    if (account.onboardedMs !== null && rng.chance(0.6))
      cesResponse(account, toSecond(account.onboardedMs + rng.uniform(1, 5) * DAY_MS));
  }

  for (const ticket of tickets) {
    if (ticket.resolvedMs === null) continue;
    const atMs = toSecond(ticket.resolvedMs + rng.uniform(10, 48 * 60) * MINUTE_MS);
    if (rng.chance(0.35)) {
      const weights: readonly (readonly [number, number])[] = ticket.goodResolution
        ? [
            [5, 0.55],
            [4, 0.3],
            [3, 0.1],
            [2, 0.03],
            [1, 0.02],
          ]
        : [
            [5, 0.25],
            [4, 0.3],
            [3, 0.2],
            [2, 0.15],
            [1, 0.1],
          ];
      const score = rng.weighted(weights);
      const sentiment: Sentiment = score >= 4 ? 'positive' : score === 3 ? 'neutral' : 'negative';
      const text = rng.chance(0.35) ? comment(rng, CSAT_COMMENTS, ticket.account.language, sentiment) : null;
      const userId = rng.chance(0.3) ? null : activeUser(rng, ticket.account, atMs);
      push(ticket.account, atMs, 'csat', score, 5, text, userId);
    } else if (rng.chance(0.15)) {
      cesResponse(ticket.account, atMs);
    }
  }

  const order = responses
    .map((_, i) => i)
    .sort((a, b) => itemAt(responses, a).respondedMs - itemAt(responses, b).respondedMs || a - b);
  return order.map((index, position) => ({
    response_id: `RSP-${pad(position + 1, 7)}`,
    ...itemAt(responses, index).row,
  }));
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

export function webEventRows(accounts: readonly Account[], horizon: Horizon): Row[] {
  const rng = new Rng(horizon.seed, 'web_events');
  const salt = mix32(horizon.seed ^ 0x9e3779b9);
  const scale = Math.max(0.15, Math.min(3, accounts.length / 400));
  const span = Math.max(1, horizon.endDay - horizon.startDay);
  const rows: Row[] = [];
  const visitors: string[] = [];
  const visitorAccount = new Map<string, string>();
  const pages = new Map(WEB_PAGES.map((p) => [p.path, p]));
  let eventCounter = 0;
  let sessionCounter = 0;
  let accountsSoFar = 0;
  const landing: readonly (readonly [string, number])[] = [
    ['/', 0.35],
    ['/pricing', 0.12],
    ['/blog/reduce-churn-with-health-scores', 0.17],
    ['/blog/nps-vs-csat', 0.12],
    ['/features', 0.1],
    ['/customers', 0.05],
    ['/docs/getting-started', 0.09],
  ];
  for (let day = horizon.startDay; day <= horizon.endDay; day++) {
    while (accountsSoFar < accounts.length && itemAt(accounts, accountsSoFar).createdMs < day * DAY_MS)
      accountsSoFar++;
    const progress = (day - horizon.startDay) / span;
    const sessions = rng.poisson(22 * scale * (0.7 + 0.6 * progress) * (dayOfWeek(day) >= 5 ? 0.55 : 1));
    for (let s = 0; s < sessions; s++) {
      let visitorId: string;
      if (visitors.length > 0 && rng.chance(0.3)) {
        visitorId = itemAt(
          visitors,
          visitors.length - 1 - Math.floor(rng.next() * Math.min(visitors.length, 2000)),
        );
      } else {
        visitorId = scrambledId('VIS-', visitors.length, salt ^ 0x1234567);
        visitors.push(visitorId);
        if (accountsSoFar > 0 && rng.chance(0.08)) {
          visitorAccount.set(visitorId, itemAt(accounts, Math.floor(rng.next() * accountsSoFar)).accountId);
        }
      }
      const sessionId = scrambledId('WSS-', sessionCounter++, salt ^ 0x7654321);
      const accountId = visitorAccount.get(visitorId) ?? null;
      let t = day * DAY_MS + Math.floor(rng.uniform(5, 23) * HOUR_MS);
      const emit = (
        atMs: number,
        eventType: string,
        page: string,
        linkId: string | null,
        scrollPct: number | null,
      ): void => {
        if (atMs >= horizon.nowMs) return;
        rows.push({
          event_id: scrambledId('WEV-', eventCounter++, salt),
          occurred_at: toSecond(atMs),
          visitor_id: visitorId,
          session_id: sessionId,
          event_type: eventType,
          page,
          link_id: linkId,
          scroll_pct: scrollPct,
          account_id: accountId,
        });
      };
      let page: WebPage = pages.get(rng.weighted(landing)) ?? itemAt(WEB_PAGES, 0);
      emit(t, 'page_view', page.path, null, null);
      if (rng.chance(0.4)) continue; // bounce: a single page view
      for (let depth = 0; depth < 6; depth++) {
        const shown = page.links.filter(() => rng.chance(0.8));
        for (const [linkId] of shown) emit(t + rng.int(1, 3) * 1000, 'impression', page.path, linkId, null);
        const scrolls = rng.weighted([
          [0, 0.25],
          [1, 0.3],
          [2, 0.25],
          [3, 0.2],
        ]);
        let scrollAt = t;
        let pct = 0;
        for (let n = 0; n < scrolls && pct < 100; n++) {
          pct = Math.min(100, pct + rng.pick([25, 25, 35, 50]));
          scrollAt += rng.int(5, 40) * 1000;
          emit(scrollAt, 'scroll', page.path, null, pct);
        }
        const dwellMs = Math.round(Math.min(900, Math.max(3, rng.logNormal(45, 0.8))) * 1000);
        const clicked = shown.find(() => rng.chance(0.065));
        let nextPath: string | null = null;
        t = Math.max(t + dwellMs, scrollAt + 1000);
        if (clicked) {
          emit(t, 'click', page.path, clicked[0], null);
          nextPath = clicked[1];
          t += 1000;
        } else if (rng.chance(0.3)) {
          nextPath = rng.pick(WEB_PAGES).path;
        }
        if (nextPath === null) break;
        page = pages.get(nextPath) ?? itemAt(WEB_PAGES, 0);
        emit(t, 'page_view', page.path, null, null);
      }
    }
  }
  return rows.sort(
    (a, b) =>
      Number(a.occurred_at) - Number(b.occurred_at) || String(a.event_id).localeCompare(String(b.event_id)),
  );
}

export function socialPostRows(horizon: Horizon): Row[] {
  const rng = new Rng(horizon.seed, 'social_posts');
  const rows: Row[] = [];
  const span = Math.max(1, horizon.endDay - horizon.startDay);
  for (let week = horizon.startDay; week <= horizon.endDay; week += 7) {
    const count = rng.poisson(3);
    const published: number[] = [];
    for (let n = 0; n < count; n++) published.push(businessInstant(rng, week + rng.int(0, 6), 0));
    published.sort((a, b) => a - b);
    for (const atMs of published) {
      if (atMs >= horizon.nowMs) continue;
      const [platform, , rate, median] = rng.weighted(SOCIAL_PLATFORMS.map((p) => [p, p[1]] as const));
      const impressions = Math.max(
        50,
        Math.round(rng.logNormal(median * (1 + (atMs / DAY_MS - horizon.startDay) / span), 0.7)),
      );
      const engagements = Math.round(impressions * Math.min(0.3, rng.logNormal(rate, 0.35)));
      rows.push({
        post_id: `POST-${pad(rows.length + 1, 5)}`,
        platform,
        published_at: toSecond(atMs),
        impressions,
        engagements,
      });
    }
  }
  return rows;
}

/** The stretches of activity of every user, with their relative session rate. */
export function usageSpans(accounts: readonly Account[], horizon: Horizon): UsageSpan[] {
  const spans: UsageSpan[] = [];
  for (const account of accounts) {
    for (const activity of account.activity) {
      for (const user of account.users) {
        const startMs = Math.max(activity.startMs, user.joinMs);
        const endMs = Math.min(activity.endMs, user.leaveMs, horizon.nowMs);
        if (endMs - startMs < HOUR_MS) continue;
        spans.push({
          accountId: account.accountId,
          userId: user.userId,
          startMs,
          endMs,
          tzHours: account.tzHours,
          breadth: user.breadth,
          // A fading period has half the sessions of a steady one of the same length.
          sessionsPerDay:
            TIER_ACTIVITY[account.tier] *
            KIND_ACTIVITY[activity.kind] *
            user.weight *
            (activity.declining ? 0.5 : 1),
          declining: activity.declining,
        });
      }
    }
  }
  return spans;
}

export { isPayingOn };
