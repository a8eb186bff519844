/**
 * The usage rollups (docs/rollups.md) give the very snapshot the raw usage events give: on
 * generated data at several seeds, weekly and monthly, in UTC and in a zone other than UTC, and
 * on hand-written data for the edges: a session that crosses midnight, a late file added to an
 * old day, a deleted day, a day with only bad rows, a report in another zone than the rollups
 * and a rollups folder that cannot be written (both read the raw events instead).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import { generateSampleData } from '../functions/sample/generate.js';
import { KPI_IDS, type Snapshot } from '../functions/core/snapshot.js';
import { LocalUsageRollups, MANIFEST_NAME } from '../functions/adapters/rollups/local.js';
import { parseManifest, ROLLUP_ROW_ORDER } from '../functions/core/rollup-plan.js';

const root = mkdtempSync(join(tmpdir(), 'usage-rollups-'));
const now = new Date('2026-11-23T07:00:00Z');
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function report(
  engine: DuckDbEngine,
  key: string,
  timezone: string,
  rollups?: LocalUsageRollups,
): Promise<Snapshot> {
  return buildSnapshot(engine, {
    period: periodFromKey(key, timezone),
    currency: 'USD',
    now,
    ...(rollups ? { usageRollups: rollups } : {}),
  });
}

/** Every figure of the two snapshots, field by field (run statistics aside). */
function expectSameFigures(rolled: Snapshot, raw: Snapshot, label: string): void {
  for (const id of KPI_IDS) expect(rolled.kpis[id], `${label}: ${id}`).toEqual(raw.kpis[id]);
  for (const key of Object.keys(raw.details) as (keyof Snapshot['details'])[]) {
    expect(rolled.details[key], `${label}: details.${key}`).toEqual(raw.details[key]);
  }
  expect(Object.keys(rolled.details).sort(), `${label}: details`).toEqual(Object.keys(raw.details).sort());
  for (const table of raw.dataQuality.tables) {
    const other = rolled.dataQuality.tables.find((t) => t.table === table.table);
    expect(other, `${label}: dataQuality ${table.table}`).toEqual(table);
  }
  expect(rolled.dataQuality.excluded, `${label}: excluded`).toEqual(raw.dataQuality.excluded);
  expect(rolled.dataQuality.totalExcluded, `${label}: totalExcluded`).toBe(raw.dataQuality.totalExcluded);
}

describe('on generated data', () => {
  // Seed → the zones it is reported in (each weekly and monthly).
  const runs: readonly (readonly [number, readonly string[]])[] = [
    [3, ['UTC', 'America/New_York']],
    [11, ['Europe/Warsaw']],
  ];
  for (const [seed, zones] of runs) {
    describe(`seed ${seed}`, () => {
      const dataDir = join(root, `gen-${seed}`);
      let engine: DuckDbEngine;
      beforeAll(async () => {
        await generateSampleData({
          outDir: dataDir,
          seed,
          endDate: '2026-11-22',
          months: 3,
          accounts: 40,
          usageEvents: 12_000,
        });
        engine = await DuckDbEngine.open({ dataDir });
      });
      afterAll(() => engine?.close());

      for (const timezone of zones) {
        it(`weekly and monthly snapshots in ${timezone} are those of the raw events`, async () => {
          const rollups = new LocalUsageRollups({
            engine,
            rollupDir: join(root, `rollups-${seed}-${timezone.replace('/', '-')}`),
            timezone,
          });
          for (const key of ['2026-W46', '2026-10']) {
            const raw = await report(engine, key, timezone);
            const requests = vi.spyOn(engine, 'query');
            const rolled = await report(engine, key, timezone, rollups);
            const usageSql = requests.mock.calls
              .map(([request]) => request)
              .filter((r) => r.name === 'usage_trend' || r.name === 'usage_activity')
              .map((r) => r.sql);
            requests.mockRestore();
            expect(rolled.stats.usage, key).toMatchObject({ source: 'rollups', timezone });
            expect(raw.stats.usage).toBeUndefined();
            expectSameFigures(rolled, raw, `seed ${seed} ${timezone} ${key}`);
            // The usage queries read rollups only.
            expect(usageSql).toHaveLength(2);
            for (const sql of usageSql) {
              expect(sql).toContain('usage_rollup_user_days');
              expect(sql).not.toContain('usage_local_events AS (');
            }
            expect(rolled.stats.perQuery.map((q) => q.name)).not.toContain('data_quality_usage_events');
          }
          // A second report finds every day it reads current.
          const again = await report(engine, '2026-W46', timezone, rollups);
          expect(again.stats.usage).toMatchObject({ source: 'rollups', daysBuilt: 0, daysRemoved: 0 });
        }, 120_000);
      }

      it('writes each rollup file ZSTD-compressed, its rows in ROLLUP_ROW_ORDER', async () => {
        const rollupDir = join(root, `rollups-${seed}-format`);
        const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: zones[0] ?? 'UTC' });
        const synced = await rollups.sync({ fromDt: '2026-11-16', toDt: '2026-11-17' });
        expect(synced.usable && synced.built.length).toBeGreaterThan(0);
        const folder = join(rollupDir, 'usage_user_days', 'dt=2026-11-16');
        const files = readdirSync(folder).filter((f) => f.endsWith('.parquet'));
        expect(files).toHaveLength(1);
        const file = join(folder, files[0] ?? '').replace(/'/g, "''");
        const codecs = await engine.query({
          name: 'codecs',
          sql: `SELECT DISTINCT compression FROM parquet_metadata('${file}')`,
          params: [],
        });
        expect(codecs.rows.map((r) => r.compression)).toEqual(['ZSTD']);
        expect(ROLLUP_ROW_ORDER.usage_user_days).toBe('user_id, local_day');
        const { rows } = await engine.query({
          name: 'rows',
          sql: `SELECT user_id, CAST(local_day AS VARCHAR) AS local_day FROM read_parquet('${file}')`,
          params: [],
        });
        expect(rows.length).toBeGreaterThan(10);
        const key = (r: (typeof rows)[number]): string => `${String(r.user_id)}\u0000${String(r.local_day)}`;
        const inFile = rows.map(key);
        expect(inFile).toEqual([...inFile].sort());
      }, 60_000);
    });
  }
});

describe('with more features than one word of the feature bits holds', () => {
  // The rollups' feature keys OR each user's features as bits, 62 to a word
  // (relations/usage_activity_keys_rollup.sql): the sample's 14 features × 11 variants make up to
  // 154, three words, including users of two accounts.
  const dataDir = join(root, 'gen-many-features');
  let engine: DuckDbEngine;
  let sharedUsers = 0;
  beforeAll(async () => {
    await generateSampleData({
      outDir: dataDir,
      seed: 7,
      endDate: '2026-11-22',
      months: 3,
      accounts: 40,
      usageEvents: 12_000,
    });
    const usage = join(dataDir, 'usage_events');
    const copy = join(root, 'many-features-usage');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    await connection.run(
      `CREATE TABLE events AS SELECT * FROM read_parquet('${usage}/*/*.parquet', hive_partitioning = true, hive_types = {'dt': VARCHAR})`,
    );
    await connection.run(
      `COPY (
         SELECT event_id, occurred_at,
           -- Some users' events under a second account too: a feature's users are distinct users.
           CASE WHEN hash(event_id) % 5 = 0 AND trim(account_id) <> ''
             THEN (SELECT min(account_id) FROM events WHERE trim(account_id) <> '') ELSE account_id END
             AS account_id,
           user_id,
           CASE WHEN trim(event_name) = '' THEN event_name
             ELSE event_name || '_' || CAST(hash(event_id) % 11 AS VARCHAR) END AS event_name,
           session_id, dt
         FROM events
       ) TO '${copy}' (FORMAT parquet, PARTITION_BY (dt))`,
    );
    const shared = await connection.runAndReadAll(
      `SELECT count(*) AS users FROM (SELECT user_id FROM '${copy}/*/*.parquet' WHERE trim(user_id) <> ''
         GROUP BY user_id HAVING count(DISTINCT account_id) > 1)`,
    );
    sharedUsers = Number(shared.getRowObjectsJson()[0]?.users);
    connection.closeSync();
    db.closeSync();
    rmSync(usage, { recursive: true });
    renameSync(copy, usage);
    engine = await DuckDbEngine.open({ dataDir });
  });
  afterAll(() => engine?.close());

  it("gives the raw events' feature adoption, top features and health", async () => {
    expect(sharedUsers).toBeGreaterThan(10);
    const rollups = new LocalUsageRollups({
      engine,
      rollupDir: join(root, 'rollups-many-features'),
      timezone: 'UTC',
    });
    for (const key of ['2026-W46', '2026-10']) {
      const raw = await report(engine, key, 'UTC');
      const rolled = await report(engine, key, 'UTC', rollups);
      expect(rolled.stats.usage, key).toMatchObject({ source: 'rollups' });
      expectSameFigures(rolled, raw, `many features ${key}`);
      const features = raw.kpis.feature_adoption.detail?.features;
      expect(features, key).toBeGreaterThan(124);
    }
  }, 120_000);
});

interface UsageRow {
  readonly event_id: string;
  readonly occurred_at: string;
  readonly account_id: string | null;
  readonly user_id: string | null;
  readonly event_name: string;
  readonly session_id: string | null;
}

function writeDay(dataDir: string, dt: string, file: string, rows: readonly UsageRow[]): void {
  const dir = join(dataDir, 'usage_events', `dt=${dt}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

const event = (
  id: string,
  at: string,
  user: string,
  name = 'export',
  session: string | null = null,
  account: string | null = 'A1',
): UsageRow => ({
  event_id: id,
  occurred_at: at,
  account_id: account,
  user_id: user,
  event_name: name,
  session_id: session,
});

describe('on hand-written usage events', () => {
  const dataDir = join(root, 'hand');
  const rollupDir = join(root, 'hand-rollups');

  beforeAll(() => {
    // Week 2026-W46 is 2026-11-09 … 2026-11-15.
    writeDay(dataDir, '2026-11-09', 'part-0.ndjson', [
      event('e1', '2026-11-09T10:00:00Z', 'u1', 'export', 's0'),
      event('e2', '2026-11-09T10:10:00Z', 'u1', 'search', 's0'),
      event('e2', '2026-11-09T10:10:00Z', 'u1', 'search', 's0'), // a duplicate delivery
    ]);
    // A session from 23:50 to 00:20 the next day: 30 minutes, in two dt partitions.
    writeDay(dataDir, '2026-11-10', 'part-0.ndjson', [
      event('e3', '2026-11-10T23:50:00Z', 'u2', 'export', 'night'),
    ]);
    writeDay(dataDir, '2026-11-11', 'part-0.ndjson', [
      event('e4', '2026-11-11T00:20:00Z', 'u2', 'report', 'night'),
      event('e5', '2026-11-11T09:00:00Z', 'u3', 'export', null, 'A2'),
    ]);
    writeDay(dataDir, '2026-11-12', 'part-0.ndjson', [event('e6', '2026-11-12T08:00:00Z', 'u1')]);
    // A day with only bad rows: no user, and an event filed under the wrong day.
    writeDay(dataDir, '2026-11-13', 'part-0.ndjson', [
      event('e7', '2026-11-13T08:00:00Z', ''),
      event('e8', '2026-11-14T08:00:00Z', 'u1'),
    ]);
  });

  const fresh = () => DuckDbEngine.open({ dataDir });

  it('counts a session that crosses midnight once, with its whole length', async () => {
    const engine = await fresh();
    try {
      const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
      const raw = await report(engine, '2026-W46', 'UTC');
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      expectSameFigures(rolled, raw, 'midnight');
      // s0: 10 minutes, night: 30 minutes.
      expect(rolled.kpis.avg_session_minutes.value).toBe(20);
      expect(rolled.kpis.avg_session_minutes.detail).toMatchObject({ sessions: 2 });
      expect(rolled.stats.usage).toMatchObject({ source: 'rollups', daysBuilt: 5 });
    } finally {
      await engine.close();
    }
  });

  it('counts a day with only bad rows as the raw events do', async () => {
    const engine = await fresh();
    try {
      const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
      const raw = await report(engine, '2026-W46', 'UTC');
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      expectSameFigures(rolled, raw, 'bad day');
      const usage = rolled.dataQuality.excluded.filter((e) => e.table === 'usage_events');
      expect(usage.map((e) => [e.reason, e.rows])).toEqual([
        ['duplicate_id', 1],
        ['missing_required_field', 1],
        ['partition_mismatch', 1],
      ]);
      expect(usage.find((e) => e.reason === 'partition_mismatch')?.example).toMatchObject({
        file: 'usage_events/dt=2026-11-13/part-0.ndjson',
        line: 2,
      });
    } finally {
      await engine.close();
    }
  });

  it('rebuilds a day a late file was added to, and the day after it, and the report changes with it', async () => {
    const before = await (async () => {
      const engine = await fresh();
      try {
        return await report(
          engine,
          '2026-W46',
          'UTC',
          new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' }),
        );
      } finally {
        await engine.close();
      }
    })();
    const manifestBefore = parseManifest(JSON.parse(readFileSync(join(rollupDir, MANIFEST_NAME), 'utf8')));
    writeDay(dataDir, '2026-11-09', 'late.ndjson', [
      event('e9', '2026-11-09T12:00:00Z', 'u9', 'share', 's9'),
      event('e10', '2026-11-09T12:05:00Z', 'u9', 'share', 's9'),
    ]);
    const engine = await fresh();
    try {
      const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      const raw = await report(engine, '2026-W46', 'UTC');
      // 11-09 and 11-10, whose sessions rollup reads 11-09 beside it (11-08 has no partition).
      expect(rolled.stats.usage).toMatchObject({ source: 'rollups', daysBuilt: 2, daysRemoved: 0 });
      const manifestAfter = parseManifest(JSON.parse(readFileSync(join(rollupDir, MANIFEST_NAME), 'utf8')));
      for (const dt of ['2026-11-09', '2026-11-10']) {
        expect(manifestAfter?.days[dt]?.fingerprint, dt).not.toBe(manifestBefore?.days[dt]?.fingerprint);
      }
      expect(manifestAfter?.days['2026-11-12']).toEqual(manifestBefore?.days['2026-11-12']);
      expectSameFigures(rolled, raw, 'late file');
      expect(rolled.kpis.dau.value).not.toBe(before.kpis.dau.value);
      expect(rolled.kpis.avg_session_minutes.detail).toMatchObject({ sessions: 3 });
    } finally {
      await engine.close();
    }
  });

  it('removes the rollup of a deleted day and rebuilds its neighbours', async () => {
    rmSync(join(dataDir, 'usage_events', 'dt=2026-11-12'), { recursive: true });
    const engine = await fresh();
    try {
      const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      const raw = await report(engine, '2026-W46', 'UTC');
      // 11-11 and 11-13 read 11-12 beside them.
      expect(rolled.stats.usage).toMatchObject({ source: 'rollups', daysBuilt: 2, daysRemoved: 1 });
      expect(existsSync(join(rollupDir, 'usage_user_days', 'dt=2026-11-12'))).toBe(false);
      const manifest = parseManifest(JSON.parse(readFileSync(join(rollupDir, MANIFEST_NAME), 'utf8')));
      expect(manifest?.days['2026-11-12']).toBeUndefined();
      expectSameFigures(rolled, raw, 'deleted day');
    } finally {
      await engine.close();
    }
  });

  it('reads the raw events, and says so, for a report in another zone than the rollups', async () => {
    const engine = await fresh();
    try {
      // The folder's rollups are in UTC: the zone asked for new ones does not change them.
      const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'Europe/Warsaw' });
      const rolled = await report(engine, '2026-W46', 'Europe/Warsaw', rollups);
      const raw = await report(engine, '2026-W46', 'Europe/Warsaw');
      expect(rolled.stats.usage).toEqual({
        source: 'raw',
        reason: 'the usage rollups are in UTC, the report in Europe/Warsaw',
      });
      expect(rolled.stats.perQuery.map((q) => q.name)).toContain('usage_trend');
      expectSameFigures(rolled, raw, 'zone mismatch');
    } finally {
      await engine.close();
    }
  });

  it('reads the raw events, and says so, when no rollup can be written', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const engine = await fresh();
    try {
      const rollups = new LocalUsageRollups({ engine, rollupDir: join(blocker, 'rollups'), timezone: 'UTC' });
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      const raw = await report(engine, '2026-W46', 'UTC');
      expect(rolled.stats.usage).toMatchObject({ source: 'raw' });
      expect((rolled.stats.usage as { reason: string }).reason).toMatch(/cannot be written/);
      expectSameFigures(rolled, raw, 'unwritable');
    } finally {
      await engine.close();
    }
  });
});

/** The rows of the sessions rollup of one dt partition, summaries first, then by session. */
async function sessionRows(
  engine: DuckDbEngine,
  rollupDir: string,
  dt: string,
): Promise<Record<string, unknown>[]> {
  const files = join(rollupDir, 'usage_sessions', `dt=${dt}`, '*.parquet').replace(/'/g, "''");
  const result = await engine.query({
    name: 'read_session_rollup',
    sql: `SELECT CAST(local_day AS VARCHAR) AS local_day, session_id, sessions, session_ms,
            CAST(first_at AS VARCHAR) AS first_at, CAST(last_at AS VARCHAR) AS last_at
          FROM read_parquet('${files}')
          ORDER BY session_id NULLS FIRST, local_day`,
    params: [],
  });
  return result.rows.map((r) => ({ ...r }));
}

describe('the sessions rollup: per-day summaries and boundary rows', () => {
  // Week 2026-W46 is 2026-11-09 … 2026-11-15; in America/New_York (UTC−5 in November) it runs
  // from 11-09 05:00Z to 11-16 05:00Z, so its local days span two dt partitions each.
  const sessions: readonly UsageRow[] = [
    // e: 11-08 23:50 … 11-09 00:10 New York time: period 1 there, period 0 in UTC. 20 min.
    event('a1', '2026-11-09T04:50:00Z', 'u1', 'export', 'e'),
    event('a2', '2026-11-09T05:10:00Z', 'u1', 'search', 'e'),
    // a: 12.5 min and 250 ms, within one UTC day.
    event('b1', '2026-11-10T10:00:00.000Z', 'u2', 'export', 'a'),
    event('b2', '2026-11-10T10:12:30.250Z', 'u2', 'share', 'a'),
    // b: crosses UTC midnight, 30 min over two dt partitions.
    event('c1', '2026-11-10T23:50:00Z', 'u3', 'export', 'b'),
    event('c2', '2026-11-10T23:58:00Z', 'u3', 'search', 'b'),
    event('c3', '2026-11-11T00:20:00Z', 'u3', 'report', 'b'),
    // c: 11-10 22:00 New York time, in dt 11-11. 5 min.
    event('d1', '2026-11-11T03:00:00Z', 'u1', 'export', 'c'),
    event('d2', '2026-11-11T03:05:00Z', 'u1', 'report', 'c'),
    // d: crosses New York midnight (11-11 23:30 → 11-12 00:30) within dt 11-12. 60 min.
    event('f1', '2026-11-12T04:30:00Z', 'u2', 'export', 'd'),
    event('f2', '2026-11-12T05:30:00Z', 'u2', 'search', 'd'),
    // f: crosses UTC midnight at the end of the UTC week. 20 min.
    event('g1', '2026-11-15T23:55:00Z', 'u3', 'export', 'f'),
    event('g2', '2026-11-16T00:15:00Z', 'u3', 'share', 'f'),
    // g: 11-15 23:50 … 11-16 00:30 New York time (period 0 there), in W47 in UTC. 40 min.
    event('h1', '2026-11-16T04:50:00Z', 'u1', 'export', 'g'),
    event('h2', '2026-11-16T05:30:00Z', 'u1', 'search', 'g'),
    // An event without a session.
    event('i1', '2026-11-12T12:00:00Z', 'u2', 'login'),
  ];

  function writeSessions(dataDir: string, rows: readonly UsageRow[]): void {
    const byDt = new Map<string, UsageRow[]>();
    for (const row of rows) {
      const dt = row.occurred_at.slice(0, 10);
      byDt.set(dt, [...(byDt.get(dt) ?? []), row]);
    }
    for (const [dt, dayRows] of byDt) writeDay(dataDir, dt, 'part-0.ndjson', dayRows);
  }

  for (const [timezone, period0, period1] of [
    // UTC: e a b c d f in W46; nothing in W45.
    ['UTC', { sessions: 6, minutes: 20 + 12.5 + 0.25 / 60 + 30 + 5 + 60 + 20 }, null],
    // New York: a b c d f g in W46, e in W45.
    ['America/New_York', { sessions: 6, minutes: 12.5 + 0.25 / 60 + 30 + 5 + 60 + 20 + 40 }, 20],
  ] as const) {
    it(`counts sessions across UTC and local midnight once, with their whole length, in ${timezone}`, async () => {
      const dataDir = join(root, `midnight-${timezone.replace('/', '-')}`);
      const rollupDir = join(dataDir, 'rollups');
      writeSessions(dataDir, sessions);
      const engine = await DuckDbEngine.open({ dataDir });
      try {
        const rollups = new LocalUsageRollups({ engine, rollupDir, timezone });
        const raw = await report(engine, '2026-W46', timezone);
        const rolled = await report(engine, '2026-W46', timezone, rollups);
        expect(rolled.stats.usage).toMatchObject({ source: 'rollups', timezone });
        expectSameFigures(rolled, raw, `midnight ${timezone}`);
        expect(rolled.kpis.avg_session_minutes.value).toBeCloseTo(period0.minutes / period0.sessions, 3);
        expect(rolled.kpis.avg_session_minutes.detail).toEqual({ sessions: period0.sessions });
        expect(rolled.kpis.avg_session_minutes.previous ?? null).toBe(period1);

        // dt 11-10: a summary of a (its local day 11-10 in both zones) and b's boundary row.
        expect(await sessionRows(engine, rollupDir, '2026-11-10')).toEqual([
          {
            local_day: '2026-11-10',
            session_id: null,
            sessions: 1,
            session_ms: 750_250,
            first_at: null,
            last_at: null,
          },
          {
            local_day: '2026-11-10',
            session_id: 'b',
            sessions: null,
            session_ms: null,
            first_at: '2026-11-10 23:50:00',
            last_at: '2026-11-10 23:58:00',
          },
        ]);
        // dt 11-11: b's boundary row, and c, whose local day is 11-10 in New York.
        expect(await sessionRows(engine, rollupDir, '2026-11-11')).toEqual([
          {
            local_day: timezone === 'UTC' ? '2026-11-11' : '2026-11-10',
            session_id: null,
            sessions: 1,
            session_ms: 300_000,
            first_at: null,
            last_at: null,
          },
          {
            local_day: timezone === 'UTC' ? '2026-11-11' : '2026-11-10',
            session_id: 'b',
            sessions: null,
            session_ms: null,
            first_at: '2026-11-11 00:20:00',
            last_at: '2026-11-11 00:20:00',
          },
        ]);
        // dt 11-16 holds g (a summary: its day alone) and the end of f (a boundary row).
        expect((await sessionRows(engine, rollupDir, '2026-11-16')).map((r) => r.session_id)).toEqual([
          null,
          'f',
        ]);
      } finally {
        await engine.close();
      }
    }, 60_000);
  }

  it('rebuilds a day when a late file lands in the day after it, and the figures follow', async () => {
    const dataDir = join(root, 'late-next-day');
    const rollupDir = join(dataDir, 'rollups');
    // s: 11-12 22:00 → 22:10Z, a session of its day alone; 11-13 and 11-14 have other sessions.
    writeDay(dataDir, '2026-11-12', 'part-0.ndjson', [
      event('s1', '2026-11-12T22:00:00Z', 'u1', 'export', 's'),
      event('s2', '2026-11-12T22:10:00Z', 'u1', 'search', 's'),
    ]);
    writeDay(dataDir, '2026-11-13', 'part-0.ndjson', [
      event('t1', '2026-11-13T09:00:00Z', 'u2', 'export', 't'),
      event('t2', '2026-11-13T09:20:00Z', 'u2', 'share', 't'),
    ]);
    writeDay(dataDir, '2026-11-14', 'part-0.ndjson', [
      event('v1', '2026-11-14T09:00:00Z', 'u3', 'export', 'v'),
    ]);
    let before: Snapshot;
    {
      const engine = await DuckDbEngine.open({ dataDir });
      try {
        before = await report(
          engine,
          '2026-W46',
          'UTC',
          new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' }),
        );
        expect((await sessionRows(engine, rollupDir, '2026-11-12')).map((r) => r.sessions)).toEqual([1]);
      } finally {
        await engine.close();
      }
    }
    // s: 10 min and t: 20 min and v: 0 → 10 min on average.
    expect(before.kpis.avg_session_minutes).toMatchObject({ value: 10, detail: { sessions: 3 } });
    const manifestBefore = parseManifest(JSON.parse(readFileSync(join(rollupDir, MANIFEST_NAME), 'utf8')));
    // A late file of 11-13: s went on after midnight, to 11-13 00:50Z (it lasts 170 min now).
    writeDay(dataDir, '2026-11-13', 'late.ndjson', [
      event('s3', '2026-11-13T00:50:00Z', 'u1', 'report', 's'),
    ]);
    const engine = await DuckDbEngine.open({ dataDir });
    try {
      const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      const raw = await report(engine, '2026-W46', 'UTC');
      // 11-13 itself and the days either side, whose sessions rollups read it.
      expect(rolled.stats.usage).toMatchObject({ source: 'rollups', daysBuilt: 3, daysRemoved: 0 });
      const manifestAfter = parseManifest(JSON.parse(readFileSync(join(rollupDir, MANIFEST_NAME), 'utf8')));
      for (const dt of ['2026-11-12', '2026-11-13', '2026-11-14']) {
        expect(manifestAfter?.days[dt]?.fingerprint, dt).not.toBe(manifestBefore?.days[dt]?.fingerprint);
      }
      expectSameFigures(rolled, raw, 'late file the day after');
      expect(rolled.kpis.avg_session_minutes).toMatchObject({
        value: expect.closeTo((170 + 20 + 0) / 3, 3),
        detail: { sessions: 3 },
      });
      // s is now a boundary row of 11-12, no longer in its summary.
      expect(await sessionRows(engine, rollupDir, '2026-11-12')).toEqual([
        {
          local_day: '2026-11-12',
          session_id: 's',
          sessions: null,
          session_ms: null,
          first_at: '2026-11-12 22:00:00',
          last_at: '2026-11-12 22:10:00',
        },
      ]);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('reads the raw events, and says so, when a session lasts over 24 hours', async () => {
    const dataDir = join(root, 'long-session');
    // long: 11-10 10:00Z → 11-11 12:00Z, 26 hours over two dt partitions.
    writeSessions(dataDir, [
      event('l1', '2026-11-10T10:00:00Z', 'u1', 'export', 'long'),
      event('l2', '2026-11-11T09:00:00Z', 'u1', 'search', 'long'),
      event('l3', '2026-11-11T12:00:00Z', 'u1', 'report', 'long'),
      event('m1', '2026-11-12T08:00:00Z', 'u2', 'export', 'short'),
      event('m2', '2026-11-12T08:30:00Z', 'u2', 'share', 'short'),
    ]);
    const engine = await DuckDbEngine.open({ dataDir });
    try {
      const rollups = new LocalUsageRollups({ engine, rollupDir: join(dataDir, 'rollups'), timezone: 'UTC' });
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      const raw = await report(engine, '2026-W46', 'UTC');
      expect(rolled.stats.usage).toEqual({
        source: 'raw',
        reason:
          "1 usage session of the report's days last over 24 hours: only the raw events give their figures",
      });
      expect(rolled.stats.perQuery.map((q) => q.name)).toContain('usage_activity');
      expectSameFigures(rolled, raw, 'long session');
      expect(rolled.kpis.avg_session_minutes).toMatchObject({ value: (26 * 60 + 30) / 2 });
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('known limit: a session id that recurs after a partition without events counts twice from the rollups', async () => {
    // Broken data (docs/rollups.md): gap is seen in 11-10 and again in 11-12, nothing of it in
    // 11-11. The raw query merges it into one session of 48 h 10 min; each day's rollup sees a
    // session of its day alone. The long-session check reads boundary rows only, so it cannot
    // tell: the rollups count two short sessions.
    const dataDir = join(root, 'gap-session');
    writeSessions(dataDir, [
      event('g1', '2026-11-10T10:00:00Z', 'u1', 'export', 'gap'),
      event('g2', '2026-11-10T10:10:00Z', 'u1', 'search', 'gap'),
      event('k1', '2026-11-11T10:00:00Z', 'u2', 'export', 'other'),
      event('g3', '2026-11-12T10:00:00Z', 'u1', 'report', 'gap'),
    ]);
    const engine = await DuckDbEngine.open({ dataDir });
    try {
      const rollups = new LocalUsageRollups({ engine, rollupDir: join(dataDir, 'rollups'), timezone: 'UTC' });
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      const raw = await report(engine, '2026-W46', 'UTC');
      expect(rolled.stats.usage).toMatchObject({ source: 'rollups' });
      expect(raw.kpis.avg_session_minutes).toMatchObject({
        value: (48 * 60 + 0) / 2,
        detail: { sessions: 2 },
      });
      expect(rolled.kpis.avg_session_minutes).toMatchObject({
        value: expect.closeTo((10 + 0 + 0) / 3, 3),
        detail: { sessions: 3 },
      });
    } finally {
      await engine.close();
    }
  }, 60_000);
});
