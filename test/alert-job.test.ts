/**
 * The daily alert run: fire once per rule, subject and period; again only past another step;
 * a failed delivery fires again on the retry; the period so far never touches the digest's keys;
 * and on generated data a rule on NPS reads survey responses, never usage events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAlertRules } from '../functions/core/alert-rules.js';
import {
  alertSnapshotKey,
  periodToDate,
  readPeriodAlerts,
  runAlertJob,
  type AlertPublisher,
  type AlertSnapshotFn,
} from '../functions/app/alerts.js';
import { snapshotKey } from '../functions/app/job.js';
import { periodFromKey } from '../functions/core/period.js';
import type { KpiId, Snapshot } from '../functions/core/snapshot.js';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { generateSampleData } from '../functions/sample/generate.js';
import { RecordingEngine } from './helpers/recording-engine.js';
import { fakeEngine, fakeSnapshot, RecordingMailer } from './job-fakes.js';

const root = mkdtempSync(join(tmpdir(), 'alert-job-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class RecordingPublisher implements AlertPublisher {
  readonly published: { subject: string; message: string }[] = [];
  fail = false;
  async publish(subject: string, message: string): Promise<{ messageId: string }> {
    if (this.fail) throw new Error('SNS throttled');
    this.published.push({ subject, message });
    return { messageId: `sns-${this.published.length}` };
  }
}

/** A snapshot builder whose KPI values the test sets between runs. */
function settable(values: Partial<Record<KpiId, number>>): AlertSnapshotFn {
  return async (_engine, options) => {
    const base = fakeSnapshot(options.period, options.now, []);
    const kpis = { ...base.kpis };
    for (const [id, value] of Object.entries(values) as [KpiId, number][]) {
      kpis[id] = { value, previous: 30, delta: value - 30, unit: 'score' };
    }
    return { ...base, kpis };
  };
}

const request = {
  rules: parseAlertRules([{ kpi: 'nps', below: 20, period: 'monthly' }]),
  timezone: 'Europe/Warsaw',
  currency: 'USD',
  locale: 'en' as const,
  from: 'alerts@example.com',
  recipients: ['cs@example.com', 'ceo@example.com'],
};

describe('the period so far', () => {
  it('runs from the first day through yesterday, in the deployment time zone, under the period key', () => {
    // 23:30 UTC on 16 Nov is already 17 Nov in Warsaw: through the 16th.
    const p = periodToDate('monthly', new Date('2026-11-16T23:30:00Z'), 'Europe/Warsaw');
    expect(p).toMatchObject({
      kind: 'monthly',
      key: '2026-11',
      firstDay: '2026-11-01',
      lastDay: '2026-11-16',
    });
    expect(p.endUtc).toBe('2026-11-16T23:00:00.000Z');
    const w = periodToDate('weekly', new Date('2026-11-18T05:00:00Z'), 'UTC');
    expect(w).toMatchObject({ key: '2026-W47', firstDay: '2026-11-16', lastDay: '2026-11-17' });
    // On the 1st, the period so far is the whole month just ended.
    expect(periodToDate('monthly', new Date('2026-12-01T05:00:00Z'), 'UTC')).toMatchObject({
      key: '2026-11',
      lastDay: '2026-11-30',
    });
    expect(alertSnapshotKey(p)).toBe('alerts/snapshots/monthly/2026-11/through-2026-11-16.json');
  });
});

describe('firing once per rule, subject and period', () => {
  it('fires, stays quiet on a second run the same day and the next, fires once more past the next step', async () => {
    const store = new FileStore(join(root, 'once'));
    const mailer = new RecordingMailer();
    const publisher = new RecordingPublisher();
    const values: Partial<Record<KpiId, number>> = { nps: 15 };
    const deps = { engine: fakeEngine, store, mailer, publisher, buildSnapshot: settable(values) };
    const day1 = new Date('2026-11-17T05:00:00Z');

    const first = await runAlertJob(deps, { ...request, now: day1 });
    expect(first.fired.map((a) => [a.ruleId, a.level])).toEqual([['nps.below.20.monthly', 1]]);
    expect(first.sent).toEqual(['cs@example.com', 'ceo@example.com']);
    expect(mailer.sent.map((m) => m.subject)).toEqual([
      '[Alert] NPS is 15, below 20 (5 past the threshold)',
      '[Alert] NPS is 15, below 20 (5 past the threshold)',
    ]);
    expect(mailer.sent[0]?.text).toContain('month 2026-11 through 2026-11-16');
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]?.subject).toBe(mailer.sent[0]?.subject);

    const again = await runAlertJob(deps, { ...request, now: new Date('2026-11-17T09:00:00Z') });
    expect(again.fired).toEqual([]);
    expect(mailer.sent).toHaveLength(2);
    expect(publisher.published).toHaveLength(1);

    // Next day, a little worse but not past the second step (20 − 10): quiet.
    values.nps = 10;
    expect((await runAlertJob(deps, { ...request, now: new Date('2026-11-18T05:00:00Z') })).fired).toEqual(
      [],
    );
    // Past it: once more, at level 2, and then quiet again.
    values.nps = 9;
    const worse = await runAlertJob(deps, { ...request, now: new Date('2026-11-19T05:00:00Z') });
    expect(worse.fired.map((a) => a.level)).toEqual([2]);
    expect(mailer.sent.at(-1)?.subject).toBe(
      '[Alert] NPS is 9, below 20 (11 past the threshold, worsened to step 2)',
    );
    expect((await runAlertJob(deps, { ...request, now: new Date('2026-11-20T05:00:00Z') })).fired).toEqual(
      [],
    );
    expect(mailer.sent).toHaveLength(4);
    expect(publisher.published).toHaveLength(2);

    // A new month is a new period: the alert fires again.
    values.nps = 15;
    const december = await runAlertJob(deps, { ...request, now: new Date('2026-12-05T05:00:00Z') });
    expect(december.fired.map((a) => a.period.key)).toEqual(['2026-12']);

    // The monthly digest of November lists November's two alerts.
    const listed = await readPeriodAlerts(store, periodFromKey('2026-11', 'Europe/Warsaw'));
    expect(listed.map((a) => [a.period.lastDay, a.level])).toEqual([
      ['2026-11-16', 1],
      ['2026-11-18', 2],
    ]);
    // The period so far never writes the digest's snapshot keys.
    const nov = periodFromKey('2026-11', 'Europe/Warsaw');
    expect(await store.get(snapshotKey(nov))).toBeNull();
    expect(existsSync(join(root, 'once', 'snapshots'))).toBe(false);
    expect(readdirSync(join(root, 'once', 'alerts', 'snapshots', 'monthly', '2026-11')).sort()).toContain(
      'through-2026-11-16.json',
    );
  });

  it('releases the claim when the alert cannot go out, so the retry sends it', async () => {
    const store = new FileStore(join(root, 'retry'));
    const mailer = new RecordingMailer();
    const publisher = new RecordingPublisher();
    publisher.fail = true;
    const deps = { engine: fakeEngine, store, mailer, publisher, buildSnapshot: settable({ nps: 5 }) };
    const now = new Date('2026-11-17T05:00:00Z');
    await expect(runAlertJob(deps, { ...request, now })).rejects.toThrow(
      /alert delivery failed: Error: SNS throttled/,
    );
    publisher.fail = false;
    const retry = await runAlertJob(deps, { ...request, now });
    expect(retry.fired.map((a) => a.level)).toEqual([2]);
    expect(publisher.published).toHaveLength(1);
    expect(await readPeriodAlerts(store, periodFromKey('2026-11', 'Europe/Warsaw'))).toHaveLength(1);
  });

  it('a dry run evaluates and claims nothing', async () => {
    const store = new FileStore(join(root, 'dry'));
    const mailer = new RecordingMailer();
    const deps = { engine: fakeEngine, store, mailer, publisher: null, buildSnapshot: settable({ nps: 5 }) };
    const now = new Date('2026-11-17T05:00:00Z');
    const dry = await runAlertJob(deps, { ...request, now, dryRun: true });
    expect(dry.periods[0]?.findings).toBe(1);
    expect(dry.fired).toEqual([]);
    expect((await runAlertJob(deps, { ...request, now })).fired).toHaveLength(1);
  });
});

describe('the daily run on generated data', () => {
  const dataDir = join(root, 'data');
  beforeAll(async () => {
    await generateSampleData({
      outDir: dataDir,
      seed: 5,
      endDate: '2026-11-22',
      months: 13,
      accounts: 60,
      usageEvents: 8_000,
    });
  }, 120_000);

  async function run(rulesJson: unknown[], storeDir: string) {
    const inner = await DuckDbEngine.open({ dataDir });
    const engine = new RecordingEngine(inner);
    const mailer = new RecordingMailer();
    try {
      const summary = await runAlertJob(
        { engine, store: new FileStore(join(root, storeDir)), mailer, publisher: null },
        { ...request, rules: parseAlertRules(rulesJson), now: new Date('2026-11-18T06:00:00Z') },
      );
      return {
        summary,
        queries: engine.requests.map((r) => r.name),
        sql: engine.requests.map((r) => r.sql),
        mailer,
      };
    } finally {
      await engine.close();
    }
  }

  it('a rule on NPS reads survey responses and accounts only, and mails what crossed', async () => {
    const { summary, queries, sql, mailer } = await run(
      [{ kpi: 'nps', below: 101, period: 'monthly' }],
      'nps',
    );
    expect(summary.periods.map((p) => p.tablesRead)).toEqual([['accounts', 'survey_responses']]);
    expect(queries.sort()).toEqual(['data_quality_small_tables', 'voice_comments', 'voice_scores']);
    // The one data-quality query counts those two tables and no other.
    const counted = sql.flatMap((s) => [...s.matchAll(/'(\w+)' AS dq_table/g)].map((m) => m[1]));
    expect(counted.sort()).toEqual(['accounts', 'survey_responses']);
    expect(sql.some((s) => s.includes('usage_events'))).toBe(false);
    const snapshot = JSON.parse(
      readFileSync(
        join(root, 'nps', 'alerts', 'snapshots', 'monthly', '2026-11', 'through-2026-11-17.json'),
        'utf8',
      ),
    ) as Snapshot;
    expect(snapshot.period).toMatchObject({ key: '2026-11', firstDay: '2026-11-01', lastDay: '2026-11-17' });
    const nps = snapshot.kpis.nps.value;
    expect(nps).not.toBeNull();
    expect(summary.fired.map((a) => a.value)).toEqual([nps]);
    expect(mailer.sent[0]?.subject).toMatch(/^\[Alert\] NPS is -?\d+(\.\d)?, below 101/);
    expect(mailer.sent[0]?.text).toMatch(/History: 2025-12 .* 2026-11 \(to date\) /);
  }, 120_000);

  it('a week-to-date rule on health reads usage events of a few weeks only', async () => {
    const { summary, sql } = await run(
      [{ kpi: 'accounts_at_risk', above: 1000, period: 'weekly' }],
      'health',
    );
    expect(summary.periods[0]).toMatchObject({ kind: 'weekly', key: '2026-W47', through: '2026-11-17' });
    expect(summary.periods[0]?.tablesRead).toContain('usage_events');
    expect(summary.periods[0]?.tablesRead).not.toContain('cs_costs');
    expect(sql.some((s) => s.includes('cs_costs'))).toBe(false);
    expect(summary.fired).toEqual([]);
  }, 120_000);
});
