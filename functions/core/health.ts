/**
 * Customer health score: pure scoring of one paying account from aggregates the SQL returns
 * (usage over the 30 days ending on last_day, seats, latest NPS answer, old open tickets,
 * past-due invoices). Each component is 0–1; the score is 100 × the weighted mean of the
 * components (weights from the report configuration, normalised by their sum).
 *
 * Components:
 * - frequency      active days / 30
 * - breadth        active users / max(seats, 1), capped at 1
 * - depth          features the account used / features anyone used (0 when nobody used any)
 * - sentiment      latest NPS answer: promoter (9–10) 1, passive (7–8) 0.5, detractor (0–6) 0,
 *                  no answer 0.5
 * - supportBilling 1 − 0.25 per open ticket older than 7 days − 0.5 if any invoice is past due,
 *                  floored at 0
 * Bands: healthy ≥ 70, at risk 40 to < 70, critical < 40.
 */
import type { HealthWeights } from './kpis/group.js';
import type { AtRiskAccount, HealthComponents } from './snapshot.js';

/** Length of the window the usage components look at, in days (ending on last_day). */
export const HEALTH_WINDOW_DAYS = 30;
export const HEALTHY_FROM = 70;
export const AT_RISK_FROM = 40;
/** How many at-risk accounts the snapshot lists. */
export const AT_RISK_LIST_SIZE = 10;

export type HealthBand = AtRiskAccount['band'];

export interface AccountHealthInputs {
  /** Distinct local days with an event of the account in the window (0–30). */
  readonly activeDays: number;
  /** Distinct users of the account with an event in the window. */
  readonly activeUsers: number;
  /** Seats: quantity summed over the account's paying subscription rows. */
  readonly seats: number;
  /** Distinct features (event names) the account used in the window. */
  readonly featuresUsed: number;
  /** Distinct features any account used in the window. */
  readonly featuresUsedByAnyone: number;
  /** Latest NPS score (0–10) answered on or before the end of last_day; null when none. */
  readonly latestNps: number | null;
  /** Tickets created more than 7 days before the end of last_day and not resolved by then. */
  readonly oldOpenTickets: number;
  /** Invoices past due on last_day and unpaid at its end. */
  readonly pastDueInvoices: number;
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

export function frequencyComponent(activeDays: number): number {
  return clamp01(activeDays / HEALTH_WINDOW_DAYS);
}

export function breadthComponent(activeUsers: number, seats: number): number {
  return clamp01(activeUsers / Math.max(seats, 1));
}

export function depthComponent(featuresUsed: number, featuresUsedByAnyone: number): number {
  if (featuresUsedByAnyone <= 0) return 0;
  return clamp01(featuresUsed / featuresUsedByAnyone);
}

export function sentimentComponent(latestNps: number | null): number {
  if (latestNps === null) return 0.5;
  if (latestNps >= 9) return 1;
  if (latestNps >= 7) return 0.5;
  return 0;
}

export function supportBillingComponent(oldOpenTickets: number, pastDueInvoices: number): number {
  const deduction = 0.25 * Math.max(0, oldOpenTickets) + (pastDueInvoices > 0 ? 0.5 : 0);
  return Math.max(0, 1 - deduction);
}

export function healthComponents(inputs: AccountHealthInputs): HealthComponents {
  return {
    frequency: frequencyComponent(inputs.activeDays),
    breadth: breadthComponent(inputs.activeUsers, inputs.seats),
    depth: depthComponent(inputs.featuresUsed, inputs.featuresUsedByAnyone),
    sentiment: sentimentComponent(inputs.latestNps),
    supportBilling: supportBillingComponent(inputs.oldOpenTickets, inputs.pastDueInvoices),
  };
}

const WEIGHT_KEYS = ['frequency', 'breadth', 'depth', 'sentiment', 'supportBilling'] as const;

/** Why the weights cannot be used (negative, not a number, or all zero), or null when they can. */
export function healthWeightsProblem(weights: HealthWeights): string | null {
  for (const key of WEIGHT_KEYS) {
    const w = weights[key];
    if (!Number.isFinite(w) || w < 0) return `health weight ${key} must be a number >= 0, got ${String(w)}`;
  }
  const total = WEIGHT_KEYS.reduce((sum, key) => sum + weights[key], 0);
  return total > 0 ? null : 'health weights must not all be zero';
}

/**
 * 100 × Σ weight × component / Σ weight. The weights are meant to sum to 1; dividing by their
 * sum keeps the score on 0–100 when they do not. Rounded to 6 decimals so that a score meant to
 * be exactly 70 is not banded "at risk" by a floating-point residue.
 */
export function healthScore(components: HealthComponents, weights: HealthWeights): number {
  const problem = healthWeightsProblem(weights);
  if (problem) throw new RangeError(problem);
  const total = WEIGHT_KEYS.reduce((sum, key) => sum + weights[key], 0);
  const weighted = WEIGHT_KEYS.reduce((sum, key) => sum + weights[key] * components[key], 0);
  return Math.round((100 * weighted * 1e6) / total) / 1e6;
}

export function healthBand(score: number): HealthBand {
  if (score >= HEALTHY_FROM) return 'healthy';
  if (score >= AT_RISK_FROM) return 'at_risk';
  return 'critical';
}

export interface ScoredAccount {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly segment: string | null;
  readonly csmOwner: string | null;
  readonly mrr: number;
  readonly healthScore: number;
  readonly band: HealthBand;
  readonly components: HealthComponents;
}

export interface HealthSummary {
  /** Mean score of the accounts; null when there are none. */
  readonly meanScore: number | null;
  readonly bands: { readonly healthy: number; readonly atRisk: number; readonly critical: number };
  /** Accounts scoring below 40 (the critical band): the accounts_at_risk KPI. */
  readonly belowForty: number;
  /** The top accounts scoring below 40, by MRR (highest first), then account id. */
  readonly atRisk: readonly AtRiskAccount[];
}

export function summariseHealth(accounts: readonly ScoredAccount[]): HealthSummary {
  const bands = { healthy: 0, atRisk: 0, critical: 0 };
  let sum = 0;
  for (const a of accounts) {
    sum += a.healthScore;
    if (a.band === 'healthy') bands.healthy += 1;
    else if (a.band === 'at_risk') bands.atRisk += 1;
    else bands.critical += 1;
  }
  const below = accounts.filter((a) => a.healthScore < AT_RISK_FROM);
  const atRisk = [...below]
    .sort((a, b) => b.mrr - a.mrr || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0))
    .slice(0, AT_RISK_LIST_SIZE)
    .map((a): AtRiskAccount => ({
      accountId: a.accountId,
      accountName: a.accountName,
      segment: a.segment,
      csmOwner: a.csmOwner,
      mrr: a.mrr,
      healthScore: a.healthScore,
      band: a.band,
      components: a.components,
    }));
  return {
    meanScore: accounts.length > 0 ? sum / accounts.length : null,
    bands,
    belowForty: below.length,
    atRisk,
  };
}
