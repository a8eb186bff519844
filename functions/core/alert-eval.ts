/**
 * Alert evaluation: a pure function of two snapshots. `current` is the running period so far
 * (month- or week-to-date); `baseline` is the stored snapshot of the previous complete period,
 * which the health-drop rule compares each account with (null when there is none).
 *
 * Each finding has a level: 1 when the figure crosses the rule's threshold, one more each time
 * it worsens by another `step`. The alert state (functions/core/alert-state.ts) fires a finding
 * once per rule, subject and period, and again only at a higher level.
 */
import type { AlertRule } from './alert-rules.js';
import { addDays, periodContaining } from './period.js';
import type { KpiId, KpiUnit, Snapshot, TrendPoint } from './snapshot.js';

export type AlertSubject =
  | { readonly type: 'kpi'; readonly id: KpiId }
  | { readonly type: 'account'; readonly id: string; readonly name: string | null };

export interface AlertFinding {
  readonly ruleId: string;
  readonly rule: AlertRule;
  readonly subject: AlertSubject;
  /** The figure that crossed: the KPI, the change in %, the churned MRR, the health drop. */
  readonly value: number;
  /** The threshold it crossed, in the same unit. */
  readonly threshold: number;
  /** How far past the threshold, in the same unit (positive is worse). */
  readonly beyond: number;
  readonly level: number;
  readonly unit: KpiUnit | 'percent_change' | 'points';
  /** The figure's history, oldest first, ending with this period so far. */
  readonly history: readonly TrendPoint[];
  /** The unit of the history's values (a %-change rule's history is of the KPI itself). */
  readonly historyUnit: KpiUnit;
}

/** 1 + the number of whole further steps, for a threshold crossed strictly (`beyond` > 0). */
function strictLevel(beyond: number, step: number): number {
  return Math.max(1, Math.ceil(beyond / step));
}

/** For a threshold met inclusively (`beyond` ≥ 0). */
function inclusiveLevel(beyond: number, step: number): number {
  return 1 + Math.floor(beyond / step);
}

/** The key of the period before the snapshot's (whose end is the period's start). */
function previousKey(current: Snapshot): string {
  return periodContaining(current.period.kind, addDays(current.period.firstDay, -1)).key;
}

function kpiHistory(current: Snapshot, id: KpiId): TrendPoint[] {
  const kpi = current.kpis[id];
  if (kpi.trend && kpi.trend.length > 0) return [...kpi.trend];
  const prior: TrendPoint[] =
    kpi.previous === null ? [] : [{ key: previousKey(current), value: kpi.previous }];
  return [...prior, { key: current.period.key, value: kpi.value }];
}

/** Percent change from `previous` to `value`, or null when there is no base to compare with. */
export function percentChange(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null || previous === 0) return null;
  return ((value - previous) * 100) / Math.abs(previous);
}

export function evaluateAlerts(
  rules: readonly AlertRule[],
  current: Snapshot,
  baseline: Snapshot | null,
): AlertFinding[] {
  const findings: AlertFinding[] = [];
  for (const rule of rules) {
    if (!rule.periods.includes(current.period.kind)) continue;
    switch (rule.kind) {
      case 'below':
      case 'above': {
        const kpi = current.kpis[rule.kpi];
        if (kpi.value === null) break;
        const beyond = rule.kind === 'below' ? rule.threshold - kpi.value : kpi.value - rule.threshold;
        if (!(beyond > 0)) break;
        findings.push({
          ruleId: rule.id,
          rule,
          subject: { type: 'kpi', id: rule.kpi },
          value: kpi.value,
          threshold: rule.threshold,
          beyond,
          level: strictLevel(beyond, rule.step),
          unit: kpi.unit,
          history: kpiHistory(current, rule.kpi),
          historyUnit: kpi.unit,
        });
        break;
      }
      case 'changeBelowPct': {
        const kpi = current.kpis[rule.kpi];
        const change = percentChange(kpi.value, kpi.previous);
        if (change === null) break;
        const beyond = rule.threshold - change;
        if (!(beyond > 0)) break;
        findings.push({
          ruleId: rule.id,
          rule,
          subject: { type: 'kpi', id: rule.kpi },
          value: change,
          threshold: rule.threshold,
          beyond,
          level: strictLevel(beyond, rule.step),
          unit: 'percent_change',
          history: kpiHistory(current, rule.kpi),
          historyUnit: kpi.unit,
        });
        break;
      }
      case 'churn': {
        for (const account of current.details.mrrMovements.byAccount) {
          if (account.movement !== 'churn' || account.mrrStart < rule.mrrAtLeast) continue;
          findings.push({
            ruleId: rule.id,
            rule,
            subject: { type: 'account', id: account.accountId, name: account.accountName },
            value: account.mrrStart,
            threshold: rule.mrrAtLeast,
            beyond: account.mrrStart - rule.mrrAtLeast,
            level: 1,
            unit: 'currency',
            history: [
              { key: previousKey(current), value: account.mrrStart },
              { key: current.period.key, value: account.mrrEnd },
            ],
            historyUnit: 'currency',
          });
        }
        break;
      }
      case 'healthDrop': {
        const before = new Map((baseline?.details.accountHealth ?? []).map((a) => [a.accountId, a]));
        for (const account of current.details.accountHealth ?? []) {
          const prior = before.get(account.accountId);
          if (prior === undefined) continue;
          const drop = prior.healthScore - account.healthScore;
          const beyond = drop - rule.points;
          if (!(beyond >= 0)) continue;
          findings.push({
            ruleId: rule.id,
            rule,
            subject: { type: 'account', id: account.accountId, name: account.accountName },
            value: drop,
            threshold: rule.points,
            beyond,
            level: inclusiveLevel(beyond, rule.step),
            unit: 'points',
            history: [
              { key: baseline?.period.key ?? 'previous', value: prior.healthScore },
              { key: current.period.key, value: account.healthScore },
            ],
            historyUnit: 'score',
          });
        }
        break;
      }
    }
  }
  return findings;
}

/** One alert that fired: what crossed, by how much, in which period so far. */
export interface AlertRecord extends Omit<AlertFinding, 'rule'> {
  readonly ruleKind: AlertRule['kind'];
  /** The period the alert is about, as its snapshot names it. */
  readonly period: Snapshot['period'];
  readonly currency: string;
  readonly firedAt: string;
}
