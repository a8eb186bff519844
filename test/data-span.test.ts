/**
 * The run guards' "period wholly before or after the data" reads what the clean rows span from
 * the data-quality counts, not from a query that reads the tables again: the same answer on an
 * engine that keeps its tables (DuckDB), on one that computes every query inline (Athena's
 * path), and from the usage rollups. The span is that of the rows the KPIs use: a duplicate's
 * later copy, or a row that breaks a rule, does not extend it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { LocalUsageRollups } from '../functions/adapters/rollups/local.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import { DEFAULT_EXCLUSION_THRESHOLDS } from '../functions/core/exclusion-share.js';
import { EmptyDataError, coverageOfSpans } from '../functions/core/run-guards.js';
import { RecordingEngine } from './helpers/recording-engine.js';

const root = mkdtempSync(join(tmpdir(), 'data-span-'));
const dataDir = join(root, 'data');
const EVENT_HEADER = 'event_id,occurred_at,account_id,user_id,event_name,session_id';

function write(relative: string, lines: readonly string[]): void {
  const file = join(dataDir, relative);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
}

beforeAll(() => {
  write('accounts/accounts.csv', ['account_id,name,created_at', 'a1,Acme,2026-01-05T10:00:00Z']);
  write('survey_responses/responses.csv', [
    'response_id,account_id,user_id,survey,score,scale_max,responded_at,comment',
    // r1 twice: the first copy (by responded_at) is used, the later one is a duplicate.
    'r1,a1,u1,nps,9,10,2026-02-01T08:00:00Z,',
    'r1,a1,u1,nps,9,10,2026-06-20T08:00:00Z,',
    // Breaks a rule (scale_max of an NPS answer): excluded, so it spans nothing.
    'r2,a1,u1,nps,9,5,2026-07-10T08:00:00Z,',
    // Enough good rows to keep the exclusions below the stop share.
    ...[3, 4, 5, 6, 7].map((i) => `r${i},a1,u1,csat,4,5,2026-01-2${i}T08:00:00Z,`),
  ]);
  // Usage on 2026-05-03 only, and a day of nothing but bad rows (no user) on 2026-08-04.
  write('usage_events/dt=2026-05-03/part-0.csv', [
    EVENT_HEADER,
    'e1,2026-05-03T09:00:00Z,a1,u1,login,s1',
    'e2,2026-05-03T09:05:00Z,a1,u1,export,s1',
  ]);
  write('usage_events/dt=2026-08-04/part-0.csv', [EVENT_HEADER, 'e3,2026-08-04T09:00:00Z,a1,,login,s2']);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const guards = { allowEmpty: false, thresholds: DEFAULT_EXCLUSION_THRESHOLDS };
const now = new Date('2026-12-01T08:00:00Z');

type Setup = 'kept tables' | 'inline queries' | 'usage rollups';

/** The stop message of a monthly report of `month`, or null when it reports. */
async function stopOf(month: string, setup: Setup): Promise<{ stop: string | null; queries: string[] }> {
  const duckdb = await DuckDbEngine.open({ dataDir });
  // Without materialize (the recording wrapper has none) every query computes its clean rows
  // inline, as on Athena.
  const engine = setup === 'inline queries' ? new RecordingEngine(duckdb) : duckdb;
  try {
    const snapshot = await buildSnapshot(engine, {
      period: periodFromKey(month, 'UTC'),
      currency: 'USD',
      now,
      guards,
      ...(setup === 'usage rollups'
        ? {
            usageRollups: new LocalUsageRollups({
              engine: duckdb,
              rollupDir: join(root, 'rollups'),
              timezone: 'UTC',
            }),
          }
        : {}),
    });
    if (setup === 'usage rollups') expect(snapshot.stats.usage?.source).toBe('rollups');
    if (engine instanceof RecordingEngine) {
      expect(engine.requests.map((r) => r.name)).toContain('data_quality_small_tables');
    }
    return { stop: null, queries: snapshot.stats.perQuery.map((q) => q.name) };
  } catch (error) {
    if (!(error instanceof EmptyDataError)) throw error;
    return { stop: error.message.split(';')[0] ?? '', queries: [] };
  } finally {
    await engine.close();
  }
}

describe('what the data covers, from the data-quality counts', () => {
  for (const setup of ['kept tables', 'inline queries', 'usage rollups'] as const) {
    it(`${setup}: the clean rows' span decides, not a duplicate's later copy or an excluded row`, async () => {
      // After the latest clean row (r1's first copy, 2026-02-01) but within r1's later copy and r2.
      expect((await stopOf('2026-06', setup)).stop).toBe(
        'the period 2026-06 (2026-06-01 to 2026-06-30) is after the data ends (2026-02-01)',
      );
      // A day of usage events in the period is data; a day of only bad events is not.
      const may = await stopOf('2026-05', setup);
      expect(may.stop).toBeNull();
      expect(may.queries).not.toContain('data_span');
      expect((await stopOf('2026-08', setup)).stop).toBe(
        'the period 2026-08 (2026-08-01 to 2026-08-31) is after the data ends (2026-02-01)',
      );
      expect((await stopOf('2025-12', setup)).stop).toBe(
        'the period 2025-12 (2025-12-01 to 2025-12-31) is before the data starts (2026-01-05)',
      );
    });
  }
});

describe('coverageOfSpans', () => {
  it('takes the widest span of the business tables, days and instants apart', () => {
    expect(
      coverageOfSpans([
        { table: 'subscriptions', kind: 'day', from: '2026-02-01', to: '2026-03-31' },
        { table: 'cs_costs', kind: 'day', from: '2025-12-01', to: '2026-03-01' },
        {
          table: 'accounts',
          kind: 'instant',
          from: '2026-01-05T10:00:00.000Z',
          to: '2026-04-01T00:00:00.000Z',
        },
        // Compared as instants, not as text: 09:30 is before 10:00.
        {
          table: 'usage_events',
          kind: 'instant',
          from: '2026-01-05T09:30:00.000Z',
          to: '2026-03-02T23:59:59.999Z',
        },
        // Not business data: exchange rates, web and social.
        { table: 'fx_rates', kind: 'day', from: '2020-01-01', to: '2030-01-01' },
        {
          table: 'web_events',
          kind: 'instant',
          from: '2020-01-01T00:00:00.000Z',
          to: '2030-01-01T00:00:00.000Z',
        },
      ]),
    ).toEqual({
      days: { earliest: '2025-12-01', latest: '2026-03-31' },
      instants: { earliest: '2026-01-05T09:30:00.000Z', latest: '2026-04-01T00:00:00.000Z' },
    });
    expect(coverageOfSpans([])).toEqual({ days: null, instants: null });
  });
});
