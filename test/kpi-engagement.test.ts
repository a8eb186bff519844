/**
 * Usage and engagement on a hand-made fixture (test/fixtures/engagement), week 2026-W46
 * (2026-11-09 .. 2026-11-15); the previous week W45 is 11-02 .. 11-08. Every expected value is
 * derived by hand in a comment.
 *
 * usage_events (UTC; account/user; feature; session):
 *   e1  11-09 09:00 A1/u1 login  s1     e2 11-09 09:30 A1/u1 report s1 (delivered twice)
 *   e3  11-10 10:00 A1/u1 login  s2     e4 11-15 18:00 A1/u1 export s3
 *   e5  11-12 08:00 A1/u2 login  s4     e6 11-12 08:20 A1/u2 login  s4   e7 11-12 08:50 A1/u2 export s4
 *   e8  11-14 23:50 A2/u3 report s5     e9 11-15 00:10 A2/u3 report s5 (crosses midnight)
 *   e10 11-13 12:00 A2/u3 login  (no session)
 *   e11 11-03 12:00 A3/u4 login  s6     e12 11-04 12:00 A3/u4 login s7   e12b 11-04 12:15 A3/u4 export s7
 *   e13 11-06 12:00 A3/u4 report s8
 *   e14 11-04 21:00 A4/u5 login  s9     e15 11-05 18:30 A4/u5 login s10  e16 11-11 10:00 A4/u5 export s11
 *   e17 10-28 10:00 A5/u6 login  s12    e18 10-30 10:00 A5/u6 login s13  e19 11-05 10:00 A5/u6 report s14
 *   e20 10-20 10:00 A2/u3 login  s15    e21 10-10 10:00 A1/u2 login s16
 *   bad1 (no event_name) is left out by the clean relation.
 * Accounts created: A3 11-03 10:00, A4 11-04 20:00, A5 10-28 00:00 (A1, A2, A6 long before).
 * Paying on 11-15: A1, A2, A4, A6 (A3 on a trial, A5 ended 11-14); on 11-08: A1, A2, A5, A6.
 * In Asia/Jakarta (UTC+7) the week is [11-08 17:00Z, 11-15 17:00Z): e4 moves to W47, e8 becomes
 * 11-15 local, e14 11-05 and e15 11-06.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { createKpiContext } from '../functions/app/context.js';
import { periodFromKey } from '../functions/core/period.js';
import type { KpiGroupResult, PeriodValue } from '../functions/core/kpis/group.js';
import {
  activityDays,
  activeAccountRate,
  avgSessionMinutes,
  engagementGroup,
  eventsPerActiveUser,
  featureAdoption,
  firstWeekEngagement,
  healthGroup,
  NO_ACTIVE_USERS,
  NO_ACTIVITY,
  onboardingGroup,
  parseUsageActivity,
  stickinessValue,
  trendDays,
} from '../functions/core/kpis/engagement.js';
import type { KpiId } from '../functions/core/snapshot.js';
import type { TableName } from '../functions/contract/contract.js';
import { RecordingEngine } from './helpers/recording-engine.js';
import { runKpiGroup, series, valueAt } from './helpers/kpi.js';
import { generateSampleData } from '../functions/sample/generate.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'engagement');

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function fixtureWithout(tables: readonly TableName[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'engagement-fixture-'));
  tempDirs.push(dir);
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !tables.some((t) => src === join(FIXTURE, t)) });
  return dir;
}

const run = (dataDir: string, key: string, tz = 'UTC') => runKpiGroup(engagementGroup, dataDir, key, tz);

const at = valueAt;

describe('engagement group, 2026-W46 in UTC', async () => {
  const { result, engine } = await run(FIXTURE, '2026-W46');

  it('computes dau as the mean of daily active users over the days of the week', () => {
    // W46 per day: 11-09 u1, 11-10 u1, 11-11 u5, 11-12 u2, 11-13 u3, 11-14 u3, 11-15 u3 + u1
    // = 1 + 1 + 1 + 1 + 1 + 1 + 2 = 8 → 8 / 7
    expect(at(result, 'dau', 0)?.value).toBeCloseTo(8 / 7, 12);
    // W45: 11-03 u4, 11-04 u4 + u5, 11-05 u5 + u6, 11-06 u4 = 6 → 6 / 7 (11-02, 11-07, 11-08 count 0)
    expect(at(result, 'dau', 1)?.value).toBeCloseTo(6 / 7, 12);
  });

  it('computes wau (the last 7 days) and mau (the 30 days ending on last_day)', () => {
    // W46: u1, u2, u3, u5. W45: u4, u5, u6.
    expect(at(result, 'wau', 0)).toEqual({ value: 4 });
    expect(at(result, 'wau', 1)).toEqual({ value: 3 });
    // 10-17 .. 11-15: u1, u2, u3, u4, u5, u6 (u2's e21 on 10-10 is outside, e5 inside).
    expect(at(result, 'mau', 0)).toEqual({ value: 6 });
    // 10-10 .. 11-08: u2 (e21), u3 (e20), u4, u5, u6.
    expect(at(result, 'mau', 1)).toEqual({ value: 5 });
  });

  it('computes stickiness for the 12 trend periods, null without active users', () => {
    const trend = series(result, 'stickiness');
    expect(trend).toHaveLength(12);
    // W46: (8/7) / 6 × 100 = 19.05; W45: (6/7) / 5 × 100 = 17.14
    expect(trend[0]?.value).toBeCloseTo(800 / 42, 9);
    expect(trend[0]?.detail).toEqual({ dau: 8 / 7, mau: 6 });
    expect(trend[1]?.value).toBeCloseTo(600 / 35, 9);
    // W44 (10-26 .. 11-01): u6 on 10-28 and 10-30 → dau 2/7; mau (10-03 .. 11-01) u2, u3, u6 = 3
    expect(trend[2]?.value).toBeCloseTo(200 / 21, 9);
    // W43 (10-19 .. 10-25): u3 on 10-20 → 1/7; mau (09-26 .. 10-25) u2, u3 = 2
    expect(trend[3]?.value).toBeCloseTo(100 / 14, 9);
    // W42 (10-12 .. 10-18): nobody → dau 0; mau (09-19 .. 10-18) u2 = 1 → 0
    expect(trend[4]?.value).toBe(0);
    // W41 (10-05 .. 10-11): u2 on 10-10 → 1/7; mau u2 = 1
    expect(trend[5]?.value).toBeCloseTo(100 / 7, 9);
    // W40 and older: no active user in 30 days.
    for (const point of trend.slice(6)) {
      expect(point).toEqual({ value: null, reason: 'no active users in the 30 days ending on last_day' });
    }
    expect(series(result, 'dau')).toHaveLength(12);
    expect(at(result, 'mau', 4)).toEqual({ value: 1 });
  });

  it('computes the active account rate over the accounts paying on last_day', () => {
    // W46: paying A1, A2, A4, A6; with events in the week A1, A2, A4 → 3 / 4
    expect(at(result, 'active_account_rate', 0)).toEqual({
      value: 75,
      detail: { active_accounts: 3, customers: 4 },
    });
    // W45: paying A1, A2, A5, A6; active A5 (e19) → 1 / 4. A3 and A4 are active but not paying.
    expect(at(result, 'active_account_rate', 1)).toEqual({
      value: 25,
      detail: { active_accounts: 1, customers: 4 },
    });
  });

  it('computes the mean length of the sessions that start in the period', () => {
    // W46: s1 30 min, s2 0, s3 0, s4 50, s5 20 (23:50 → 00:10), s11 0; e10 has no session.
    // 6 sessions, 100 min → 16.67
    expect(at(result, 'avg_session_minutes', 0)?.value).toBeCloseTo(100 / 6, 9);
    expect(at(result, 'avg_session_minutes', 0)?.detail).toEqual({ sessions: 6 });
    // W45: s6, s7 (12:00 → 12:15), s8, s9, s10, s14: 15 min / 6 = 2.5
    expect(at(result, 'avg_session_minutes', 1)).toEqual({ value: 2.5, detail: { sessions: 6 } });
  });

  it('counts each event id once per active user', () => {
    // W46: e1, e2 (twice, counted once), e3 … e10, e16 = 11 events; 4 users → 2.75
    expect(at(result, 'events_per_active_user', 0)).toEqual({
      value: 2.75,
      detail: { events: 11, active_users: 4 },
    });
    // W45: e11, e12, e12b, e13, e14, e15, e19 = 7 events; u4, u5, u6 → 7 / 3
    expect(at(result, 'events_per_active_user', 1)?.value).toBeCloseTo(7 / 3, 12);
  });

  it('computes feature adoption as the mean over features, with the top features', () => {
    // W46: login u1, u2, u3 (3); report u1, u3 (2); export u1, u2, u5 (3); 4 active users.
    // (3 + 2 + 3) / (3 × 4) × 100 = 66.67
    expect(at(result, 'feature_adoption', 0)?.value).toBeCloseTo(200 / 3, 9);
    expect(at(result, 'feature_adoption', 0)?.detail).toEqual({ features: 3 });
    // W45: login u4, u5 (2); export u4 (1); report u4, u6 (2); 3 users: 5 / 9 × 100
    expect(at(result, 'feature_adoption', 1)?.value).toBeCloseTo(500 / 9, 9);
    // Ties by name: export before login.
    expect(result.details?.topFeatures).toEqual([
      { eventName: 'export', users: 3, adoptionPct: 75 },
      { eventName: 'login', users: 3, adoptionPct: 75 },
      { eventName: 'report', users: 2, adoptionPct: 50 },
    ]);
  });

  it('computes first-week engagement over the accounts whose first week ended in the period', () => {
    // W46 cohort, created 11-02 .. 11-08: A3 (11-03), A4 (11-04).
    // A3, first week 11-03 .. 11-09: active 11-03, 11-04, 11-06 → 3 days: engaged.
    // A4, first week 11-04 .. 11-10: active 11-04, 11-05 (e16 on 11-11 is after) → 2: not engaged.
    expect(at(result, 'first_week_engagement', 0)).toEqual({
      value: 50,
      detail: { accounts: 2, engaged: 1 },
    });
    // W45 cohort, created 10-26 .. 11-01: A5, first week 10-28 .. 11-03: 10-28, 10-30 → 2.
    expect(at(result, 'first_week_engagement', 1)).toEqual({
      value: 0,
      detail: { accounts: 1, engaged: 0 },
    });
  });

  it('reads usage_events in two queries over the dt partitions they need, which parse as Trino SQL', () => {
    expect(engine.requests.map((r) => r.name)).toEqual(['usage_trend', 'usage_activity']);
    const [trend, activity] = engine.requests;
    // Trend: back to W35's 30-day window (08-30 − 29 days = 08-01), one day of margin.
    expect(trend?.params.slice(-2)).toEqual([
      { type: 'varchar', value: '2026-07-31' },
      { type: 'varchar', value: '2026-11-16' },
    ]);
    // Activity: from W45's health window (11-08 − 29 = 10-10) to two days after the week.
    expect(activity?.params.slice(-2)).toEqual([
      { type: 'varchar', value: '2026-10-09' },
      { type: 'varchar', value: '2026-11-17' },
    ]);
    const parser = new TrinoSQL();
    for (const request of engine.requests) expect(parser.validate(request.sql), request.name).toEqual([]);
  });
});

describe('engagement group, 2026-W46 in Asia/Jakarta', async () => {
  const { result } = await run(FIXTURE, '2026-W46', 'Asia/Jakarta');

  it('counts local days', () => {
    // 11-09 u1, 11-10 u1, 11-11 u5, 11-12 u2, 11-13 u3, 11-14 nobody (e8 is 11-15 06:50 local),
    // 11-15 u3; e4 is 11-16 01:00 local → 6 / 7
    expect(at(result, 'dau', 0)?.value).toBeCloseTo(6 / 7, 12);
    // mau still u1 … u6: (6/7) / 6 × 100 = 14.29
    expect(at(result, 'stickiness', 0)?.value).toBeCloseTo(100 / 7, 9);
  });

  it('moves events and sessions across the local week bounds', () => {
    // e4 (and its session s3) leave the week: 10 events / 4 users; 5 sessions, 100 min.
    expect(at(result, 'events_per_active_user', 0)?.value).toBe(2.5);
    expect(at(result, 'avg_session_minutes', 0)).toEqual({ value: 20, detail: { sessions: 5 } });
    // export loses u1: (3 + 2 + 2) / 12 × 100 = 58.33
    expect(at(result, 'feature_adoption', 0)?.value).toBeCloseTo(700 / 12, 9);
  });

  it('counts first-week days in local days', () => {
    // A4 signs up 11-05 03:00 local: first week 11-05 .. 11-11, active 11-05 (e14 04:00),
    // 11-06 (e15 01:30) and 11-11 (e16) → engaged. A3 still engaged: 2 of 2.
    expect(at(result, 'first_week_engagement', 0)).toEqual({
      value: 100,
      detail: { accounts: 2, engaged: 2 },
    });
  });
});

describe('engagement group without events in the period', async () => {
  // 2026-W40 (09-28 .. 10-04) and W39: no events; paying on 10-04: A1, A2, A6.
  const { result } = await run(FIXTURE, '2026-W40');

  it('gives zero counts and null ratios with reasons', () => {
    expect(at(result, 'dau', 0)).toEqual({ value: 0 });
    expect(at(result, 'mau', 0)).toEqual({ value: 0 });
    expect(at(result, 'stickiness', 0)?.value).toBeNull();
    expect(at(result, 'events_per_active_user', 0)).toEqual({
      value: null,
      reason: 'no active users in the period',
    });
    expect(at(result, 'feature_adoption', 0)).toEqual({
      value: null,
      reason: 'no active users in the period',
    });
    expect(at(result, 'avg_session_minutes', 1)).toEqual({
      value: null,
      reason: 'no sessions started in the period',
    });
    // 0 of 3 paying accounts active: zero is a value.
    expect(at(result, 'active_account_rate', 0)).toEqual({
      value: 0,
      detail: { active_accounts: 0, customers: 3 },
    });
    expect(at(result, 'first_week_engagement', 0)).toEqual({
      value: null,
      reason: 'no accounts created between first_day − 7 days and last_day − 7 days',
    });
    expect(result.details?.topFeatures).toEqual([]);
  });
});

describe('engagement group with tables missing', () => {
  it('needs usage_events (the report switches the group off without it)', () => {
    expect(engagementGroup.requires).toEqual(['usage_events']);
  });

  it('leaves first-week engagement out without accounts', async () => {
    const { result } = await run(fixtureWithout(['accounts']), '2026-W46');
    expect(at(result, 'first_week_engagement', 0)).toEqual({
      value: null,
      reason: 'not available: no accounts table',
    });
    expect(at(result, 'events_per_active_user', 0)?.value).toBe(2.75);
  });

  it('leaves the active account rate out without subscriptions', async () => {
    const { result } = await run(fixtureWithout(['subscriptions']), '2026-W46');
    expect(at(result, 'active_account_rate', 1)).toEqual({
      value: null,
      reason: 'not available: no subscriptions table',
    });
    expect(at(result, 'first_week_engagement', 0)?.value).toBe(50);
  });
});

describe('engagement and health share one pass over the events', () => {
  it('runs usage_activity once for both groups', async () => {
    const engine = new RecordingEngine(await DuckDbEngine.open({ dataDir: FIXTURE }));
    try {
      const { context } = await createKpiContext(engine, {
        period: periodFromKey('2026-W46', 'UTC'),
        currency: 'USD',
      });
      await engagementGroup.compute(context);
      await healthGroup.compute(context);
      expect(engine.requests.map((r) => r.name)).toEqual([
        'usage_trend',
        'usage_activity',
        'health_accounts',
      ]);
      const parser = new TrinoSQL();
      for (const request of engine.requests) expect(parser.validate(request.sql), request.name).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});

describe('pure formulas', () => {
  it('computes the dt ranges from the calendar', () => {
    const periods = [periodFromKey('2026-11'), periodFromKey('2026-10'), periodFromKey('2026-09')];
    // October (period 1): its health window starts 10-02, its first-week cohort on 09-24; the
    // period 0 sessions may run to the day after 11-30.
    expect(activityDays(periods)).toEqual({ from: '2026-09-24', to: '2026-12-01' });
    // Periods 0 and 1 and their 30-day windows; September, the calendar's last period, only
    // gives October its start, so its days are not read.
    expect(trendDays(periods)).toEqual({ from: '2026-10-01', to: '2026-11-30' });
  });

  it('guards every zero denominator', () => {
    expect(stickinessValue(NO_ACTIVE_USERS, 7).value).toBeNull();
    expect(activeAccountRate(NO_ACTIVITY)).toEqual({
      value: null,
      reason: 'no paying customers on last_day',
    });
    expect(avgSessionMinutes(NO_ACTIVITY).value).toBeNull();
    expect(eventsPerActiveUser(NO_ACTIVE_USERS).value).toBeNull();
    expect(featureAdoption(NO_ACTIVITY, 0).value).toBeNull();
    expect(featureAdoption({ ...NO_ACTIVITY, featureUsers: 0 }, 3).value).toBeNull();
    expect(firstWeekEngagement(NO_ACTIVITY).value).toBeNull();
  });

  it('parses the grains of usage_activity rows', () => {
    const parsed = parseUsageActivity([
      { grain: 'period', period_index: 0, sessions: 1, session_ms: 90_000 },
      { grain: 'feature', period_index: 0, event_name: 'b', feature_users: 1 },
      { grain: 'feature', period_index: 0, event_name: 'a', feature_users: 1 },
      { grain: 'feature', period_index: 1, event_name: 'c', feature_users: 9 },
      {
        grain: 'account',
        period_index: 1,
        account_id: 'x',
        health_active_days: 3,
        health_active_users: 2,
        health_features_used: 1,
      },
    ]);
    expect(parsed.periods[0]).toMatchObject({ sessions: 1, sessionMs: 90_000 });
    expect(parsed.periods[1]).toEqual(NO_ACTIVITY);
    expect(parsed.topFeatures).toEqual([
      { eventName: 'a', users: 1 },
      { eventName: 'b', users: 1 },
    ]);
    expect(parsed.accounts[1]?.get('x')).toEqual({ activeDays: 3, activeUsers: 2, featuresUsed: 1 });
  });
});

describe('on generated sample data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engagement-sample-'));
  tempDirs.push(dir);
  await generateSampleData({
    outDir: dir,
    seed: 1,
    endDate: '2026-11-22',
    accounts: 120,
    usageEvents: 40_000,
  });
  const engine = await DuckDbEngine.open({ dataDir: dir });
  const results: KpiGroupResult[] = [];
  try {
    for (const key of ['2026-W47', '2026-10']) {
      const { context } = await createKpiContext(engine, {
        period: periodFromKey(key, 'Europe/Warsaw'),
        currency: 'USD',
      });
      for (const group of [onboardingGroup, engagementGroup, healthGroup])
        results.push(await group.compute(context));
    }
  } finally {
    await engine.close();
  }

  it('gives finite values, percentages and scores within 0 … 100', () => {
    const percent: KpiId[] = [
      'stickiness',
      'active_account_rate',
      'feature_adoption',
      'first_week_engagement',
      'health_score',
    ];
    let checked = 0;
    for (const result of results) {
      for (const [id, values] of Object.entries(result.values) as [KpiId, readonly PeriodValue[]][]) {
        for (const v of values) {
          if (v.value === null) {
            expect(v.reason, id).toBeTruthy();
            continue;
          }
          checked += 1;
          expect(Number.isFinite(v.value), id).toBe(true);
          expect(v.value, id).toBeGreaterThanOrEqual(0);
          if (percent.includes(id)) expect(v.value, id).toBeLessThanOrEqual(100);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    const weekly = results[1];
    expect(weekly?.values.mau?.[0]?.value).toBeGreaterThan(0);
    expect(weekly?.details?.topFeatures?.length).toBeGreaterThan(0);
  });
});
