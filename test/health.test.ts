/**
 * Customer health: the pure scoring (components, weights, bands, floors and caps, the at-risk
 * list) and the health group on the hand-made fixture test/fixtures/engagement (described in
 * test/kpi-engagement.test.ts), week 2026-W46 (2026-11-09 .. 2026-11-15) and the week before.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AT_RISK_LIST_SIZE,
  breadthComponent,
  depthComponent,
  frequencyComponent,
  healthBand,
  healthComponents,
  healthScore,
  healthWeightsProblem,
  sentimentComponent,
  summariseHealth,
  supportBillingComponent,
  type ScoredAccount,
} from '../functions/core/health.js';
import { DEFAULT_CONFIG, type HealthWeights, type KpiGroupResult } from '../functions/core/kpis/group.js';
import { healthGroup, scoreAccounts } from '../functions/core/kpis/engagement.js';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { createKpiContext } from '../functions/app/context.js';
import { periodFromKey } from '../functions/core/period.js';
import type { HealthComponents } from '../functions/core/snapshot.js';
import type { TableName } from '../functions/contract/contract.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'engagement');
const WEIGHTS = DEFAULT_CONFIG.healthWeights;

const all = (x: number): HealthComponents => ({
  frequency: x,
  breadth: x,
  depth: x,
  sentiment: x,
  supportBilling: x,
});

describe('health components', () => {
  it('frequency: active days out of 30, capped at 1', () => {
    expect(frequencyComponent(0)).toBe(0);
    expect(frequencyComponent(15)).toBe(0.5);
    expect(frequencyComponent(30)).toBe(1);
    expect(frequencyComponent(31)).toBe(1);
  });

  it('breadth: active users / max(seats, 1), capped at 1', () => {
    expect(breadthComponent(3, 6)).toBe(0.5);
    expect(breadthComponent(0, 6)).toBe(0);
    // 10 users on 4 seats: capped.
    expect(breadthComponent(10, 4)).toBe(1);
    // No seats counts as one seat: 1 user fills it, 0 users leave it empty.
    expect(breadthComponent(1, 0)).toBe(1);
    expect(breadthComponent(0, 0)).toBe(0);
  });

  it('depth: features used / features anyone used; 0 when nobody used any', () => {
    expect(depthComponent(2, 4)).toBe(0.5);
    expect(depthComponent(4, 4)).toBe(1);
    expect(depthComponent(0, 0)).toBe(0);
  });

  it('sentiment: promoter 1, passive 0.5, detractor 0, no answer 0.5', () => {
    expect(sentimentComponent(10)).toBe(1);
    expect(sentimentComponent(9)).toBe(1);
    expect(sentimentComponent(8)).toBe(0.5);
    expect(sentimentComponent(7)).toBe(0.5);
    expect(sentimentComponent(6)).toBe(0);
    expect(sentimentComponent(0)).toBe(0);
    expect(sentimentComponent(null)).toBe(0.5);
  });

  it('support and billing: −0.25 per old open ticket, −0.5 once for past-due invoices, floored at 0', () => {
    expect(supportBillingComponent(0, 0)).toBe(1);
    expect(supportBillingComponent(1, 0)).toBe(0.75);
    expect(supportBillingComponent(0, 1)).toBe(0.5);
    // Three past-due invoices deduct 0.5 once.
    expect(supportBillingComponent(0, 3)).toBe(0.5);
    // 2 tickets (0.5) + past due (0.5) = 0; 3 tickets + past due would be −0.25: floored.
    expect(supportBillingComponent(2, 1)).toBe(0);
    expect(supportBillingComponent(3, 1)).toBe(0);
    expect(supportBillingComponent(5, 0)).toBe(0);
  });

  it('builds all five from the inputs', () => {
    expect(
      healthComponents({
        activeDays: 6,
        activeUsers: 2,
        seats: 8,
        featuresUsed: 3,
        featuresUsedByAnyone: 4,
        latestNps: 8,
        oldOpenTickets: 1,
        pastDueInvoices: 0,
      }),
    ).toEqual({ frequency: 0.2, breadth: 0.25, depth: 0.75, sentiment: 0.5, supportBilling: 0.75 });
  });
});

describe('health score and bands', () => {
  it('weights the components with the default weights 30/20/20/15/15', () => {
    expect(healthScore(all(1), WEIGHTS)).toBe(100);
    expect(healthScore(all(0), WEIGHTS)).toBe(0);
    // 100 × (0.3 × 0.2 + 0.2 × 0.25 + 0.2 × 0.75 + 0.15 × 0.5 + 0.15 × 0.75)
    // = 100 × (0.06 + 0.05 + 0.15 + 0.075 + 0.1125) = 44.75
    expect(
      healthScore(
        { frequency: 0.2, breadth: 0.25, depth: 0.75, sentiment: 0.5, supportBilling: 0.75 },
        WEIGHTS,
      ),
    ).toBeCloseTo(44.75, 9);
  });

  it('takes the weights from the configuration, normalised by their sum', () => {
    const c: HealthComponents = { frequency: 0.4, breadth: 1, depth: 0, sentiment: 0, supportBilling: 0 };
    const frequencyOnly: HealthWeights = {
      frequency: 1,
      breadth: 0,
      depth: 0,
      sentiment: 0,
      supportBilling: 0,
    };
    expect(healthScore(c, frequencyOnly)).toBeCloseTo(40, 9);
    // Weights 2 and 2 are the same as 0.5 and 0.5: (0.4 + 1) / 2 × 100 = 70
    const doubled: HealthWeights = { frequency: 2, breadth: 2, depth: 0, sentiment: 0, supportBilling: 0 };
    expect(healthScore(c, doubled)).toBeCloseTo(70, 9);
  });

  it('rejects weights that are negative, not numbers or all zero', () => {
    expect(healthWeightsProblem(WEIGHTS)).toBeNull();
    expect(healthWeightsProblem({ ...WEIGHTS, depth: -0.1 })).toMatch(/depth/);
    expect(healthWeightsProblem({ ...WEIGHTS, sentiment: Number.NaN })).toMatch(/sentiment/);
    const zero: HealthWeights = { frequency: 0, breadth: 0, depth: 0, sentiment: 0, supportBilling: 0 };
    expect(healthWeightsProblem(zero)).toMatch(/zero/);
    expect(() => healthScore(all(1), zero)).toThrow(RangeError);
  });

  it('bands: healthy from 70, at risk from 40, critical below', () => {
    expect(healthBand(100)).toBe('healthy');
    expect(healthBand(70)).toBe('healthy');
    expect(healthBand(69.99)).toBe('at_risk');
    expect(healthBand(40)).toBe('at_risk');
    expect(healthBand(39.99)).toBe('critical');
    expect(healthBand(0)).toBe('critical');
  });

  it('bands a score of exactly 70 healthy despite floating-point residue', () => {
    // 29 active days, 3 of 5 seats, 7 of 10 features, passive, two old tickets:
    // 100 × (0.3 × 29/30 + 0.2 × 0.6 + 0.2 × 0.7 + 0.15 × 0.5 + 0.15 × 0.5)
    // = 100 × (0.29 + 0.12 + 0.14 + 0.075 + 0.075) = 70, which plain floating point makes 69.999…
    const c = healthComponents({
      activeDays: 29,
      activeUsers: 3,
      seats: 5,
      featuresUsed: 7,
      featuresUsedByAnyone: 10,
      latestNps: 7,
      oldOpenTickets: 2,
      pastDueInvoices: 0,
    });
    const naive =
      100 *
      (0.3 * c.frequency + 0.2 * c.breadth + 0.2 * c.depth + 0.15 * c.sentiment + 0.15 * c.supportBilling);
    expect(naive).toBeLessThan(70);
    expect(healthScore(c, WEIGHTS)).toBe(70);
    expect(healthBand(healthScore(c, WEIGHTS))).toBe('healthy');
  });
});

function scored(accountId: string, mrr: number, healthScoreValue: number): ScoredAccount {
  return {
    accountId,
    accountName: `Account ${accountId}`,
    segment: null,
    csmOwner: null,
    mrr,
    healthScore: healthScoreValue,
    band: healthBand(healthScoreValue),
    components: all(healthScoreValue / 100),
  };
}

describe('summariseHealth', () => {
  it('lists accounts below 40 by MRR, highest first, then by account id', () => {
    const summary = summariseHealth([
      scored('c', 100, 10),
      scored('a', 500, 39.9),
      scored('b', 100, 20),
      scored('d', 900, 40), // at risk, not below 40: not listed
      scored('e', 50, 75),
    ]);
    expect(summary.atRisk.map((a) => a.accountId)).toEqual(['a', 'b', 'c']);
    expect(summary.belowForty).toBe(3);
    expect(summary.bands).toEqual({ healthy: 1, atRisk: 1, critical: 3 });
    // (10 + 39.9 + 20 + 40 + 75) / 5 = 36.98
    expect(summary.meanScore).toBeCloseTo(36.98, 9);
    expect(summary.atRisk[0]).toEqual({
      accountId: 'a',
      accountName: 'Account a',
      segment: null,
      csmOwner: null,
      mrr: 500,
      healthScore: 39.9,
      band: 'critical',
      components: all(39.9 / 100),
    });
  });

  it('keeps the top 10 but counts every account below 40', () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      scored(`acc-${String(i).padStart(2, '0')}`, 100 + i, 5),
    );
    const summary = summariseHealth(many);
    expect(summary.atRisk).toHaveLength(AT_RISK_LIST_SIZE);
    expect(summary.atRisk[0]?.accountId).toBe('acc-11');
    expect(summary.atRisk[9]?.accountId).toBe('acc-02');
    expect(summary.belowForty).toBe(12);
  });

  it('has no mean without accounts', () => {
    expect(summariseHealth([])).toEqual({
      meanScore: null,
      bands: { healthy: 0, atRisk: 0, critical: 0 },
      belowForty: 0,
      atRisk: [],
    });
  });

  it('scores a paying account without usage with zero usage components', () => {
    const [account] = scoreAccounts(
      [
        {
          accountId: 'x',
          accountName: null,
          segment: null,
          csmOwner: null,
          mrr: 10,
          seats: 3,
          latestNps: null,
          oldOpenTickets: 0,
          pastDueInvoices: 0,
        },
      ],
      new Map(),
      5,
      WEIGHTS,
    );
    // 100 × (0.15 × 0.5 + 0.15 × 1) = 22.5
    expect(account?.components).toEqual({
      frequency: 0,
      breadth: 0,
      depth: 0,
      sentiment: 0.5,
      supportBilling: 1,
    });
    expect(account?.healthScore).toBeCloseTo(22.5, 9);
    expect(account?.band).toBe('critical');
  });
});

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the fixture without some tables. */
function fixtureWithout(tables: readonly TableName[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'health-fixture-'));
  tempDirs.push(dir);
  cpSync(FIXTURE, dir, {
    recursive: true,
    filter: (src) => !tables.some((t) => src === join(FIXTURE, t)),
  });
  return dir;
}

async function runHealth(
  dataDir: string,
  key: string,
  tz = 'UTC',
  healthWeights: HealthWeights = WEIGHTS,
): Promise<KpiGroupResult> {
  const engine = await DuckDbEngine.open({ dataDir });
  try {
    const { context } = await createKpiContext(engine, {
      period: periodFromKey(key, tz),
      currency: 'USD',
      config: { healthWeights },
    });
    return await healthGroup.compute(context);
  } finally {
    await engine.close();
  }
}

describe('health group on the fixture, 2026-W46 in UTC', async () => {
  const result = await runHealth(FIXTURE, '2026-W46');
  const score = result.values.health_score ?? [];
  const atRisk = result.values.accounts_at_risk ?? [];

  // Paying on 11-15: A1 (S1 + S1b, MRR 320, seats 5 + 3 = 8), A2 (1200 / 12 = 100, seats 2),
  // A4 (50, seat 1), A6 (500, seats 10). A3 is on a trial, A5 ended on 11-14.
  // Window 10-17 .. 11-15; features used by anyone in it: login, report, export = 3.
  // End of last_day: 11-16 00:00Z; tickets are old when created before 11-09 00:00Z.
  //
  // A1: days 11-09, 11-10, 11-12, 11-15 = 4 → 4/30; users u1, u2 → 2/8 = 0.25; features 3/3 = 1;
  //     latest NPS r2 (6, 11-14; the later r6 is CSAT) → 0; t1 open and old (t2 is too recent,
  //     t3 resolved 11-10) → −0.25, i1 due 11-10 unpaid → −0.5: 0.25.
  //     100 × (0.3 × 4/30 + 0.2 × 0.25 + 0.2 × 1 + 0 + 0.15 × 0.25) = 4 + 5 + 20 + 3.75 = 32.75
  // A2: days 10-20, 11-13, 11-14, 11-15 = 4; users 1/2 = 0.5; features login, report = 2/3; no NPS
  //     → 0.5; t4 (11-05, resolved 11-20) open and old → 0.75; i2 is due on last_day (not
  //     before it), i3 paid: 4 + 10 + 13.333 + 7.5 + 11.25 = 46.0833
  // A4: days 11-04, 11-05, 11-11 = 3 → 0.1; users 1/1 = 1; login, export = 2/3; r3 (9) → 1;
  //     no ticket, i4 due 11-20: 3 + 20 + 13.333 + 15 + 15 = 66.3333
  // A6: no events: 0, 0, 0; latest NPS before the end r5 (3; r4 on 11-20 is later) → 0; i5 is
  //     void, i6 uncollectible and due 10-15 → past due → 0.5: 7.5
  it('averages the health of the paying accounts', () => {
    // (32.75 + 46.0833 + 66.3333 + 7.5) / 4 = 38.1667
    expect(score[0]?.value).toBeCloseTo(38.1666667, 5);
    expect(score[0]?.detail).toEqual({ accounts: 4, healthy: 0, at_risk: 2, critical: 2 });
  });

  it('counts the paying accounts below 40', () => {
    // A1 (32.75) and A6 (7.5)
    expect(atRisk[0]).toEqual({ value: 2 });
  });

  it('computes the previous week too', () => {
    // Paying on 11-08: A1, A2, A5 (seats 0 → 1), A6. Window 10-10 .. 11-08; features: 3.
    // Old tickets: created before 11-02 00:00Z, open at 11-09 00:00Z.
    // A1: e21 (10-10) only: 1 day, 1 of 8 users, 1 of 3 features; r1 (10) → 1; t1 and t3 (resolved
    //     only on 11-10) → −0.5; i1 not yet due: 1 + 2.5 + 6.667 + 15 + 7.5 = 32.6667
    // A2: e20: 1 day, 1/2, 1/3; no NPS; t4 not old yet; i3 paid 11-03: 1 + 10 + 6.667 + 7.5 + 15 = 40.1667
    // A5: 10-28, 10-30, 11-05 = 3 days, 1 of max(0, 1) users, 2/3; no NPS: 3 + 20 + 13.333 + 7.5 + 15 = 58.8333
    // A6: 7.5. Mean (32.6667 + 40.1667 + 58.8333 + 7.5) / 4 = 34.7917; below 40: A1, A6.
    expect(score[1]?.value).toBeCloseTo(34.7916667, 5);
    expect(atRisk[1]).toEqual({ value: 2 });
  });

  it('lists the accounts at risk by MRR with their components, and the band counts', () => {
    const list = result.details?.accountsAtRisk ?? [];
    expect(list.map((a) => a.accountId)).toEqual(['A6', 'A1']);
    expect(list[0]).toEqual({
      accountId: 'A6',
      accountName: 'Zeta',
      segment: 'Enterprise',
      csmOwner: 'carol@example.com',
      mrr: 500,
      healthScore: 7.5,
      band: 'critical',
      components: { frequency: 0, breadth: 0, depth: 0, sentiment: 0, supportBilling: 0.5 },
    });
    expect(list[1]).toMatchObject({
      accountName: 'Acme <b>&</b> Co',
      mrr: 320,
      healthScore: 32.75,
      components: { breadth: 0.25, depth: 1, sentiment: 0, supportBilling: 0.25 },
    });
    expect(list[1]?.components.frequency).toBeCloseTo(4 / 30, 12);
    expect(result.details?.healthBands).toEqual({ healthy: 0, atRisk: 2, critical: 2 });
  });
});

describe('health group in Asia/Jakarta (UTC+7)', async () => {
  const result = await runHealth(FIXTURE, '2026-W46', 'Asia/Jakarta');

  it('counts active days in local days', () => {
    // The week is [11-08 17:00Z, 11-15 17:00Z). A1 loses 11-15 (e4 is 11-16 01:00 local):
    // 3 days → 31.75. A2's e8 (11-14 23:50Z) and e9 are both 11-15 local: 3 days → 45.0833.
    // A4: e14 11-05, e15 11-06 (01:30 local), e16 11-11: still 3 days → 66.3333. A6 7.5.
    // (31.75 + 45.0833 + 66.3333 + 7.5) / 4 = 37.6667
    expect(result.values.health_score?.[0]?.value).toBeCloseTo(37.6666667, 5);
    expect(result.details?.accountsAtRisk?.[1]?.healthScore).toBeCloseTo(31.75, 9);
  });
});

describe('health group with custom weights', async () => {
  const result = await runHealth(FIXTURE, '2026-W46', 'UTC', {
    frequency: 0,
    breadth: 0,
    depth: 0,
    sentiment: 0,
    supportBilling: 1,
  });

  it('scores with the configured weights', () => {
    // Support and billing only: A1 25, A2 75, A4 100, A6 50 → mean 62.5; below 40: A1.
    expect(result.values.health_score?.[0]?.value).toBeCloseTo(62.5, 9);
    expect(result.values.accounts_at_risk?.[0]).toEqual({ value: 1 });
    expect(result.details?.healthBands).toEqual({ healthy: 2, atRisk: 1, critical: 1 });
  });
});

describe('health group with invalid weights', async () => {
  const result = await runHealth(FIXTURE, '2026-W46', 'UTC', { ...WEIGHTS, depth: -1 });

  it('reports the problem instead of a score', () => {
    expect(result.values.health_score?.[0]).toEqual({
      value: null,
      reason: 'not available: health weight depth must be a number >= 0, got -1',
    });
  });
});

describe('health group without the optional tables', async () => {
  const dir = fixtureWithout(['survey_responses', 'support_tickets', 'invoices']);
  const result = await runHealth(dir, '2026-W46');

  it('uses sentiment 0.5 and no deduction, and says so', () => {
    // A1 4 + 5 + 20 + 7.5 + 15 = 51.5; A2 4 + 10 + 13.333 + 7.5 + 15 = 49.8333;
    // A4 3 + 20 + 13.333 + 7.5 + 15 = 58.8333; A6 7.5 + 15 = 22.5. Mean 45.6667; below 40: A6.
    expect(result.values.health_score?.[0]?.value).toBeCloseTo(45.6666667, 5);
    expect(result.values.health_score?.[0]?.detail).toEqual({
      accounts: 4,
      healthy: 0,
      at_risk: 3,
      critical: 1,
      sentiment: 'no survey_responses table: sentiment 0.5 for every account',
      support_billing: 'no support_tickets, no invoices table: no deduction',
    });
    expect(result.values.accounts_at_risk?.[0]).toEqual({ value: 1 });
  });
});

describe('health group without usage_events or subscriptions', () => {
  it('gives null health with a reason when usage_events is absent', async () => {
    const result = await runHealth(fixtureWithout(['usage_events']), '2026-W46');
    const reason = 'not available: no usage_events table';
    expect(result.values.health_score?.[0]).toEqual({ value: null, reason });
    expect(result.values.accounts_at_risk?.[1]).toEqual({ value: null, reason });
    expect(result.details).toBeUndefined();
  });

  it('gives null health with a reason when subscriptions is absent', async () => {
    const result = await runHealth(fixtureWithout(['subscriptions']), '2026-W46');
    expect(result.values.health_score?.[0]).toEqual({
      value: null,
      reason: 'not available: no subscriptions table',
    });
  });

  it('gives null health with a reason when no account is paying', async () => {
    // 2025-W20: before any subscription starts.
    const result = await runHealth(FIXTURE, '2025-W20');
    expect(result.values.health_score?.[0]).toEqual({
      value: null,
      reason: 'no paying accounts on last_day',
    });
    expect(result.values.accounts_at_risk?.[0]).toEqual({
      value: null,
      reason: 'no paying accounts on last_day',
    });
    expect(result.details?.accountsAtRisk).toEqual([]);
  });
});
