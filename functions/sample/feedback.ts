/**
 * What customers say: support_tickets and survey_responses. Surveys are timed around tickets
 * (CSAT and CES follow a resolved ticket), so both live here.
 */
import { type Account, type Activity, type Horizon, businessInstant } from './customers.js';
import { Rng, itemAt } from './prng.js';
import { CES_COMMENTS, CSAT_COMMENTS, NPS_COMMENTS, type Language, type Sentiment } from './text.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, toSecond } from './time.js';
import { pad } from './ids.js';

import type { Row } from './tables.js';

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
