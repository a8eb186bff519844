/**
 * Alert rules: what the daily run watches. Written by users as JSON (the deployment's `alerts`
 * key, or a file for the CLI) and checked here, once, with every problem named, so a typo fails
 * `cdk synth` and the function's cold start instead of going quiet.
 *
 *   {"kpi": "nps", "below": 20}                     the figure is under 20
 *   {"kpi": "accounts_at_risk", "above": 25}        the figure is over 25
 *   {"kpi": "mrr", "changeBelowPct": -5}            down more than 5 % on the previous period
 *   {"account": "churn", "mrrAtLeast": 1000}        an account paying at least 1000 churned
 *   {"account": "healthDrop", "points": 20}         an account's health fell by 20 points or more
 *
 * Optional on every rule: `"period": "weekly" | "monthly"` (default both) and `"step"`: how
 * much further the figure must worsen before the same alert fires again in the same period.
 */
import { KPI_IDS, type KpiId } from './snapshot.js';
import { PERIOD_KINDS, type PeriodKind } from './period.js';

interface RuleBase {
  /** Stable name of the rule, used in the alert state's keys: e.g. `nps.below.20`. */
  readonly id: string;
  /** Period kinds whose running period the rule watches. */
  readonly periods: readonly PeriodKind[];
  /** Worsening (in the rule's unit) that raises the alert by one more step. */
  readonly step: number | null;
}

export interface KpiThresholdRule extends RuleBase {
  readonly kind: 'below' | 'above';
  readonly kpi: KpiId;
  readonly threshold: number;
  readonly step: number;
}

export interface KpiChangeRule extends RuleBase {
  readonly kind: 'changeBelowPct';
  readonly kpi: KpiId;
  /** Percent change on the previous period, negative: -5 means "down more than 5 %". */
  readonly threshold: number;
  readonly step: number;
}

export interface AccountChurnRule extends RuleBase {
  readonly kind: 'churn';
  /** The MRR the account paid at the start of the period. */
  readonly mrrAtLeast: number;
  readonly step: null;
}

export interface HealthDropRule extends RuleBase {
  readonly kind: 'healthDrop';
  readonly points: number;
  readonly step: number;
}

export type KpiRule = KpiThresholdRule | KpiChangeRule;
export type AccountRule = AccountChurnRule | HealthDropRule;
export type AlertRule = KpiRule | AccountRule;

export class AlertRulesError extends Error {
  override readonly name = 'AlertRulesError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid alert rules: ${problems.join('; ')}`);
  }
}

const KPI_KINDS = ['below', 'above', 'changeBelowPct'] as const;
const ACCOUNT_KINDS = ['churn', 'healthDrop'] as const;
const COMMON_KEYS = ['period', 'step'];

/** Numbers in ids: plain decimal text (`-5`, `0.5`), never exponents. */
function idNumber(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Parses and checks a list of rules. Throws AlertRulesError naming every problem at once
 * (`rules[1].below: must be a number`); an empty list is valid (alerts off).
 */
export function parseAlertRules(raw: unknown): AlertRule[] {
  if (!Array.isArray(raw)) {
    throw new AlertRulesError([
      'must be a list of rules such as [{"kpi":"nps","below":20},{"account":"churn","mrrAtLeast":1000}]',
    ]);
  }
  const problems: string[] = [];
  const rules: AlertRule[] = [];
  raw.forEach((entry: unknown, i) => {
    const at = `rules[${i}]`;
    const before = problems.length;
    const problem = (message: string): void => {
      problems.push(`${at}${message.startsWith('.') ? '' : ': '}${message}`);
    };
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problem('must be an object such as {"kpi":"nps","below":20}');
      return;
    }
    const r = entry as Record<string, unknown>;
    let periods: readonly PeriodKind[] = PERIOD_KINDS;
    if (r.period !== undefined) {
      const match = PERIOD_KINDS.find((k) => k === r.period);
      if (match === undefined)
        problem(`.period: must be "weekly" or "monthly", got ${JSON.stringify(r.period)}`);
      else periods = [match];
    }
    let step: number | undefined;
    if (r.step !== undefined) {
      if (!isNumber(r.step) || r.step <= 0)
        problem(`.step: must be a number above 0, got ${JSON.stringify(r.step)}`);
      else step = r.step;
    }
    const suffix = periods.length === 1 ? `.${periods[0]}` : '';

    if ('kpi' in r && 'account' in r) {
      problem('names both "kpi" and "account"; a rule watches one or the other');
      return;
    }
    if ('kpi' in r) {
      const kpi = KPI_IDS.find((k) => k === r.kpi);
      if (kpi === undefined) {
        problem(`.kpi: unknown KPI ${JSON.stringify(r.kpi)} (KPIs: ${KPI_IDS.join(', ')})`);
      }
      const kinds = KPI_KINDS.filter((k) => k in r);
      const unknown = Object.keys(r).filter(
        (k) => k !== 'kpi' && !(KPI_KINDS as readonly string[]).includes(k) && !COMMON_KEYS.includes(k),
      );
      if (unknown.length > 0) problem(`unknown field ${unknown.map((k) => `"${k}"`).join(', ')}`);
      if (kinds.length !== 1) {
        problem(`needs exactly one of ${KPI_KINDS.map((k) => `"${k}"`).join(', ')}`);
        return;
      }
      const kind = kinds[0] as (typeof KPI_KINDS)[number];
      const threshold = r[kind];
      if (!isNumber(threshold)) {
        problem(`.${kind}: must be a number, got ${JSON.stringify(threshold)}`);
        return;
      }
      if (kind === 'changeBelowPct' && threshold >= 0) {
        problem(
          `.changeBelowPct: must be below 0 (a fall, e.g. -5 for "down more than 5 %"), got ${threshold}`,
        );
      }
      if (step === undefined && threshold === 0) {
        problem(`.step: needed when the threshold is 0 (how much further the figure must go to alert again)`);
      }
      if (problems.length > before || kpi === undefined) return;
      const rule = {
        id: `${kpi}.${kind}.${idNumber(threshold)}${suffix}`,
        kind,
        kpi,
        threshold,
        periods,
        // By default the alert fires again when the figure is as far past the threshold again as half its size.
        step: step ?? Math.abs(threshold) / 2,
      };
      rules.push(rule);
      return;
    }
    if ('account' in r) {
      const kind = ACCOUNT_KINDS.find((k) => k === r.account);
      if (kind === undefined) {
        problem(`.account: must be "churn" or "healthDrop", got ${JSON.stringify(r.account)}`);
        return;
      }
      const field = kind === 'churn' ? 'mrrAtLeast' : 'points';
      const unknown = Object.keys(r).filter(
        (k) => k !== 'account' && k !== field && !COMMON_KEYS.includes(k),
      );
      if (unknown.length > 0) problem(`unknown field ${unknown.map((k) => `"${k}"`).join(', ')}`);
      const value = r[field];
      if (kind === 'churn') {
        if (!isNumber(value) || value < 0) {
          problem(`.mrrAtLeast: must be a number, 0 or more, got ${JSON.stringify(value)}`);
        }
        if (step !== undefined) problem('.step: a churn happens once; it has no further step');
        if (problems.length > before || !isNumber(value)) return;
        rules.push({
          id: `churn.mrrAtLeast.${idNumber(value)}${suffix}`,
          kind,
          mrrAtLeast: value,
          periods,
          step: null,
        });
        return;
      }
      if (!isNumber(value) || value <= 0 || value > 100) {
        problem(`.points: must be a number above 0 and at most 100, got ${JSON.stringify(value)}`);
      }
      if (problems.length > before || !isNumber(value)) return;
      rules.push({
        id: `healthDrop.points.${idNumber(value)}${suffix}`,
        kind,
        points: value,
        periods,
        step: step ?? value / 2,
      });
      return;
    }
    problem(
      'needs "kpi" (e.g. {"kpi":"nps","below":20}) or "account" (e.g. {"account":"churn","mrrAtLeast":1000})',
    );
  });
  const ids = rules.map((r) => r.id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length > 0) problems.push(`the same rule is listed twice: ${[...new Set(twice)].join(', ')}`);
  if (problems.length > 0) throw new AlertRulesError(problems);
  return rules;
}

/** Reads a JSON text (a file's content or an environment variable) as a list of rules. */
export function parseAlertRulesJson(text: string): AlertRule[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch (error) {
    throw new AlertRulesError([`not JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  return parseAlertRules(raw);
}

/** The KPIs whose values the rules read (account rules read the groups' details). */
export function kpisWatched(rules: readonly AlertRule[]): KpiId[] {
  const out = new Set<KpiId>();
  for (const rule of rules) {
    if (rule.kind === 'churn') out.add('mrr_churn');
    else if (rule.kind === 'healthDrop') out.add('health_score');
    else out.add(rule.kpi);
  }
  return KPI_IDS.filter((id) => out.has(id));
}
