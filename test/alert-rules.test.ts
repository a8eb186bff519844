/** Alert rules: validation with named problems, and the pure evaluation at each boundary. */
import { describe, expect, it } from 'vitest';
import { AlertRulesError, parseAlertRules, parseAlertRulesJson } from '../functions/core/alert-rules.js';
import { evaluateAlerts, percentChange } from '../functions/core/alert-eval.js';
import type { AccountHealth, AccountMovement, KpiId, Snapshot } from '../functions/core/snapshot.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

function problems(raw: unknown): readonly string[] {
  try {
    parseAlertRules(raw);
  } catch (error) {
    if (error instanceof AlertRulesError) return error.problems;
    throw error;
  }
  return [];
}

/** A monthly snapshot with chosen KPI values (and previous values) and details. */
function snapshot(
  values: Partial<Record<KpiId, { value: number | null; previous?: number | null }>>,
  details: { byAccount?: AccountMovement[]; accountHealth?: AccountHealth[] } = {},
  key = '2026-11',
): Snapshot {
  const base = makeSnapshot({ kind: 'monthly', key });
  const kpis = { ...base.kpis };
  for (const [id, v] of Object.entries(values) as [
    KpiId,
    { value: number | null; previous?: number | null },
  ][]) {
    kpis[id] = { ...kpis[id], value: v.value, previous: v.previous ?? null };
  }
  return {
    ...base,
    kpis,
    details: {
      ...base.details,
      mrrMovements: { ...base.details.mrrMovements, byAccount: details.byAccount ?? [] },
      ...(details.accountHealth ? { accountHealth: details.accountHealth } : {}),
    },
  };
}

const churned = (id: string, mrrStart: number): AccountMovement => ({
  accountId: id,
  accountName: `Account ${id}`,
  segment: 'SMB',
  movement: 'churn',
  mrrStart,
  mrrEnd: 0,
  amount: -mrrStart,
});
const health = (id: string, score: number): AccountHealth => ({
  accountId: id,
  accountName: `Account ${id}`,
  mrr: 500,
  healthScore: score,
});

describe('alert rules', () => {
  it('accepts the five kinds of the issue and names each one stably', () => {
    const rules = parseAlertRulesJson(
      JSON.stringify([
        { kpi: 'nps', below: 20 },
        { kpi: 'mrr', changeBelowPct: -5 },
        { kpi: 'accounts_at_risk', above: 25 },
        { account: 'churn', mrrAtLeast: 1000 },
        { account: 'healthDrop', points: 20, period: 'monthly' },
      ]),
    );
    expect(rules.map((r) => r.id)).toEqual([
      'nps.below.20',
      'mrr.changeBelowPct.-5',
      'accounts_at_risk.above.25',
      'churn.mrrAtLeast.1000',
      'healthDrop.points.20.monthly',
    ]);
    expect(rules.map((r) => r.step)).toEqual([10, 2.5, 12.5, null, 10]);
    expect(rules[4]?.periods).toEqual(['monthly']);
    expect(rules[0]?.periods).toEqual(['weekly', 'monthly']);
  });

  it('names every problem at once, with its position', () => {
    expect(
      problems([
        { kpi: 'npss', below: 20 },
        { kpi: 'nps', below: '20' },
        { kpi: 'nps', below: 20, above: 30 },
        { kpi: 'mrr', changeBelowPct: 5 },
        { account: 'churned', mrrAtLeast: 1 },
        { account: 'healthDrop', points: 0 },
        { kpi: 'nps', below: 0 },
        { kpi: 'nps', below: 10, period: 'daily', colour: 'red' },
        { account: 'churn', mrrAtLeast: 10, step: 5 },
        'nps < 20',
        {},
      ]),
    ).toEqual([
      expect.stringMatching(/^rules\[0\]\.kpi: unknown KPI "npss"/),
      'rules[1].below: must be a number, got "20"',
      'rules[2]: needs exactly one of "below", "above", "changeBelowPct"',
      expect.stringMatching(/^rules\[3\]\.changeBelowPct: must be below 0/),
      'rules[4].account: must be "churn" or "healthDrop", got "churned"',
      'rules[5].points: must be a number above 0 and at most 100, got 0',
      expect.stringMatching(/^rules\[6\]\.step: needed when the threshold is 0/),
      'rules[7].period: must be "weekly" or "monthly", got "daily"',
      'rules[7]: unknown field "colour"',
      'rules[8].step: a churn happens once; it has no further step',
      expect.stringMatching(/^rules\[9\]: must be an object/),
      expect.stringMatching(/^rules\[10\]: needs "kpi"/),
    ]);
    expect(problems({ kpi: 'nps' })).toEqual([expect.stringMatching(/must be a list of rules/)]);
    expect(
      problems([
        { kpi: 'nps', below: 20 },
        { kpi: 'nps', below: 20 },
      ]),
    ).toEqual(['the same rule is listed twice: nps.below.20']);
    expect(() => parseAlertRulesJson('[{"kpi":')).toThrow(/invalid alert rules: not JSON/);
    expect(parseAlertRules([])).toEqual([]);
  });
});

describe('alert evaluation', () => {
  const [nps, mrrDrop, atRisk, churn, drop] = parseAlertRules([
    { kpi: 'nps', below: 20 },
    { kpi: 'mrr', changeBelowPct: -5 },
    { kpi: 'accounts_at_risk', above: 25 },
    { account: 'churn', mrrAtLeast: 1000 },
    { account: 'healthDrop', points: 20 },
  ]);
  if (!nps || !mrrDrop || !atRisk || !churn || !drop) throw new Error('rules');

  it('below: quiet at the threshold, fires under it, one more step past half of it again', () => {
    expect(evaluateAlerts([nps], snapshot({ nps: { value: 20 } }), null)).toEqual([]);
    const [fired] = evaluateAlerts([nps], snapshot({ nps: { value: 19.5 } }), null);
    expect(fired).toMatchObject({
      ruleId: 'nps.below.20',
      value: 19.5,
      threshold: 20,
      beyond: 0.5,
      level: 1,
    });
    expect(fired?.subject).toEqual({ type: 'kpi', id: 'nps' });
    // NPS is a headline KPI: its history is its trend, ending with this period so far.
    expect(fired?.history.at(-1)?.key).toBe('2026-11');
    expect(evaluateAlerts([nps], snapshot({ nps: { value: 10 } }), null)[0]?.level).toBe(1);
    expect(evaluateAlerts([nps], snapshot({ nps: { value: 9.9 } }), null)[0]?.level).toBe(2);
    expect(evaluateAlerts([nps], snapshot({ nps: { value: null } }), null)).toEqual([]);
  });

  it('above: quiet at the threshold, fires over it', () => {
    expect(evaluateAlerts([atRisk], snapshot({ accounts_at_risk: { value: 25 } }), null)).toEqual([]);
    const [fired] = evaluateAlerts(
      [atRisk],
      snapshot({ accounts_at_risk: { value: 26, previous: 20 } }),
      null,
    );
    expect(fired).toMatchObject({ value: 26, beyond: 1, level: 1, unit: 'count' });
    expect(fired?.history.map((p) => p.key)).toEqual(['2026-10', '2026-11']);
  });

  it('changeBelowPct: quiet at exactly -5 %, fires below it; no base, no alert', () => {
    expect(percentChange(95, 100)).toBe(-5);
    expect(evaluateAlerts([mrrDrop], snapshot({ mrr: { value: 95, previous: 100 } }), null)).toEqual([]);
    const [fired] = evaluateAlerts([mrrDrop], snapshot({ mrr: { value: 94.9, previous: 100 } }), null);
    expect(fired?.unit).toBe('percent_change');
    expect(fired?.historyUnit).toBe('currency');
    expect(fired?.value).toBeCloseTo(-5.1, 9);
    expect(fired?.level).toBe(1);
    expect(evaluateAlerts([mrrDrop], snapshot({ mrr: { value: 92, previous: 100 } }), null)[0]?.level).toBe(
      2,
    );
    expect(evaluateAlerts([mrrDrop], snapshot({ mrr: { value: 90, previous: 0 } }), null)).toEqual([]);
    expect(evaluateAlerts([mrrDrop], snapshot({ mrr: { value: 90, previous: null } }), null)).toEqual([]);
  });

  it('churn: one alert per account paying at least the amount', () => {
    const current = snapshot(
      {},
      { byAccount: [churned('a', 1000), churned('b', 999.99), churned('c', 5000)] },
    );
    const found = evaluateAlerts([churn], current, null);
    expect(found.map((f) => f.subject)).toEqual([
      { type: 'account', id: 'a', name: 'Account a' },
      { type: 'account', id: 'c', name: 'Account c' },
    ]);
    expect(found.map((f) => f.level)).toEqual([1, 1]);
    const expansion: AccountMovement = { ...churned('d', 4000), movement: 'contraction', mrrEnd: 100 };
    expect(evaluateAlerts([churn], snapshot({}, { byAccount: [expansion] }), null)).toEqual([]);
  });

  it('healthDrop: compares each account with the baseline snapshot; 20 points fire, 19.9 do not', () => {
    const baseline = snapshot(
      {},
      { accountHealth: [health('a', 80), health('b', 80), health('c', 90)] },
      '2026-10',
    );
    const current = snapshot(
      {},
      { accountHealth: [health('a', 60), health('b', 60.1), health('c', 59.9), health('new', 5)] },
    );
    const found = evaluateAlerts([drop], current, baseline);
    expect(found.map((f) => [f.subject.id, f.level])).toEqual([
      ['a', 1],
      ['c', 2],
    ]);
    expect(found[0]?.history).toEqual([
      { key: '2026-10', value: 80 },
      { key: '2026-11', value: 60 },
    ]);
    // Without a baseline there is nothing to have dropped from.
    expect(evaluateAlerts([drop], current, null)).toEqual([]);
  });

  it('a rule watches only the period kinds it names', () => {
    const [weeklyOnly] = parseAlertRules([{ kpi: 'nps', below: 20, period: 'weekly' }]);
    if (!weeklyOnly) throw new Error('rule');
    expect(evaluateAlerts([weeklyOnly], snapshot({ nps: { value: 1 } }), null)).toEqual([]);
  });
});
