/**
 * Trend points 2 … 11 taken from the previous period's stored snapshot: the report then computes
 * two periods instead of twelve, and must give the same snapshot as computing all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { reportCalendar } from '../functions/app/context.js';
import { periodFromKey } from '../functions/core/period.js';
import { generateSampleData } from '../functions/sample/generate.js';
import { HEADLINE_KPIS, KPI_IDS, SCHEMA_VERSION, type Snapshot } from '../functions/core/snapshot.js';
import { isSnapshotLike, storedTrendFrom, type TrendHistoryContext } from '../functions/app/trend-history.js';
import { runDigestJob } from '../functions/app/job.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import type { TableName } from '../functions/contract/contract.js';

const root = mkdtempSync(join(tmpdir(), 'trend-history-'));
const dataDir = join(root, 'data');
const now = new Date('2026-11-23T07:00:00Z');

async function report(key: string, timezone: string, previous: Snapshot | null): Promise<Snapshot> {
  const engine = await DuckDbEngine.open({ dataDir });
  try {
    return await buildSnapshot(engine, {
      period: periodFromKey(key, timezone),
      currency: 'USD',
      now,
      previous,
    });
  } finally {
    await engine.close();
  }
}

/** The KPIs of a snapshot with numbers rounded to 9 significant digits (DuckDB sums doubles in parallel). */
function kpisOf(snapshot: Snapshot): unknown {
  return JSON.parse(
    JSON.stringify(snapshot.kpis, (_key, value: unknown) =>
      typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(9)) : value,
    ),
  );
}

beforeAll(async () => {
  await generateSampleData({
    outDir: dataDir,
    seed: 5,
    endDate: '2026-11-22',
    months: 14,
    accounts: 150,
    usageEvents: 60_000,
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  ['2026-W47', '2026-W46', 'Europe/Warsaw'],
  ['2026-10', '2026-09', 'America/New_York'],
])('report %s with the stored snapshot of %s (%s)', (key, previousKey, timezone) => {
  let previous: Snapshot;
  let cold: Snapshot;
  let warm: Snapshot;
  beforeAll(async () => {
    previous = await report(previousKey, timezone, null);
    cold = await report(key, timezone, null);
    warm = await report(key, timezone, previous);
  });

  it('computes two periods and says where the older trend points came from', () => {
    expect(cold.stats.trend).toEqual({
      computedPeriods: 12,
      storedFrom: null,
      reason: `no stored snapshot of ${previousKey}`,
    });
    expect(warm.stats.trend).toEqual({ computedPeriods: 2, storedFrom: previousKey });
  });

  it('gives the same KPIs, previous values, deltas and trends as computing all twelve periods', () => {
    expect(kpisOf(warm)).toEqual(kpisOf(cold));
    expect(warm.details).toEqual(cold.details);
    expect(warm.dataQuality).toEqual(cold.dataQuality);
  });

  it('reads less: the usage trend query covers fewer days', () => {
    const trendQuery = (s: Snapshot): number =>
      s.stats.perQuery.filter((q) => q.name === 'usage_trend').reduce((n, q) => n + q.rows, 0);
    expect(trendQuery(cold)).toBe(12);
    expect(trendQuery(warm)).toBe(3);
  });

  it('takes trend points 2 … 11 as stored, even where they differ from a recomputation', () => {
    const edited: Snapshot = {
      ...previous,
      kpis: {
        ...previous.kpis,
        nps: {
          ...previous.kpis.nps,
          trend: previous.kpis.nps.trend?.map((p, i) => ({ key: p.key, value: i === 5 ? 42.5 : p.value })),
        },
      },
    };
    const calendar = reportCalendar(periodFromKey(key, timezone));
    const result = storedTrendFrom(edited, contextFor(calendar, previous));
    expect(result.usable).toBe(true);
    // The stored trend's 6th point (oldest first) is the period 12 - 5 = 7 back from the report.
    expect(result.usable && result.trend.get('nps')?.get(calendar[7]?.key ?? '')).toBe(42.5);
  });
});

function contextFor(periods: TrendHistoryContext['periods'], previous: Snapshot): TrendHistoryContext {
  return {
    periods,
    currency: previous.currency,
    presentTables: new Set(previous.dataQuality.tables.filter((t) => t.present).map((t) => t.table)),
    dataSource: previous.stats.dataSource ?? '',
  };
}

describe('when a stored snapshot cannot be used', () => {
  let previous: Snapshot;
  const calendar = reportCalendar(periodFromKey('2026-W47', 'UTC'));
  beforeAll(async () => {
    previous = await report('2026-W46', 'UTC', null);
  });

  it.each<[string, (s: Snapshot, c: TrendHistoryContext) => [Snapshot, TrendHistoryContext], RegExp]>([
    [
      'another time zone',
      (s, c) => [{ ...s, period: { ...s.period, timezone: 'Asia/Jakarta' } }, c],
      /time zone Asia\/Jakarta/,
    ],
    ['another currency', (s, c) => [s, { ...c, currency: 'EUR' }], /is in USD/],
    [
      'another period',
      (s, c) => [{ ...s, period: { ...s.period, key: '2026-W45' } }, c],
      /is for weekly 2026-W45/,
    ],
    ['other input data', (s, c) => [s, { ...c, dataSource: 'duckdb:/elsewhere' }], /other input data/],
    [
      'other input tables',
      (s, c) => [
        s,
        {
          ...c,
          presentTables: new Set<TableName>([...c.presentTables].filter((t) => t !== 'support_tickets')),
        },
      ],
      /other input tables \(support_tickets\)/,
    ],
    [
      'a missing trend point',
      (s, c) => [
        { ...s, kpis: { ...s.kpis, csat: { ...s.kpis.csat, trend: s.kpis.csat.trend?.slice(2) } } },
        c,
      ],
      /no csat trend point for 2026-W36/,
    ],
    [
      'another schema version',
      (s, c) => [{ ...s, schemaVersion: SCHEMA_VERSION + 1 } as unknown as Snapshot, c],
      new RegExp(`schema version ${SCHEMA_VERSION + 1}`),
    ],
  ])('%s: every point is computed, with the reason', (_name, change, reason) => {
    const [snapshot, context] = change(previous, contextFor(calendar, previous));
    const result = storedTrendFrom(snapshot, context);
    expect(result.usable).toBe(false);
    expect(!result.usable && result.reason).toMatch(reason);
  });

  it('recognises a snapshot file, and rejects other JSON', () => {
    expect(isSnapshotLike(JSON.parse(JSON.stringify(previous)))).toBe(true);
    for (const other of [null, [], {}, { schemaVersion: 1 }, { ...previous, stats: null }, 'x']) {
      expect(isSnapshotLike(other)).toBe(false);
    }
  });
});

describe('the digest job', () => {
  const out = join(root, 'out');
  async function run(key: string, recomputeTrend = false): Promise<Snapshot> {
    const engine = await DuckDbEngine.open({ dataDir });
    try {
      const summary = await runDigestJob(
        { engine, store: new FileStore(out), mailer: null },
        {
          period: periodFromKey(key, 'UTC'),
          currency: 'USD',
          locale: 'en',
          from: 'kpi@example.com',
          recipients: [],
          dryRun: true,
          force: false,
          recomputeTrend,
          now,
        },
      );
      return summary.snapshot;
    } finally {
      await engine.close();
    }
  }

  it('uses the previous period’s snapshot from its store, unless asked to recompute', async () => {
    expect((await run('2026-W45')).stats.trend?.storedFrom).toBeNull();
    expect((await run('2026-W46')).stats.trend?.storedFrom).toBe('2026-W45');
    expect((await run('2026-W46', true)).stats.trend).toEqual({ computedPeriods: 12, storedFrom: null });
  });

  it('computes every point when the stored snapshot is not readable', async () => {
    writeFileSync(join(out, 'snapshots', 'weekly', '2026-W46.json'), '{ not json');
    const snapshot = await run('2026-W47');
    expect(snapshot.stats.trend).toMatchObject({ computedPeriods: 12, storedFrom: null });
    for (const id of HEADLINE_KPIS) expect(snapshot.kpis[id].trend).toHaveLength(12);
    expect(Object.keys(snapshot.kpis)).toHaveLength(KPI_IDS.length);
  });
});
