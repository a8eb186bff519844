/**
 * The usage rollups (docs/rollups.md) give the very snapshot the raw usage events give: on
 * generated data at several seeds, weekly and monthly, in UTC and in a zone other than UTC, and
 * on hand-written data for the edges: a session that crosses midnight, a late file added to an
 * old day, a deleted day, a day with only bad rows, a report in another zone than the rollups
 * and a rollups folder that cannot be written (both read the raw events instead).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import { generateSampleData } from '../functions/sample/generate.js';
import { KPI_IDS, type Snapshot } from '../functions/core/snapshot.js';
import { LocalUsageRollups, MANIFEST_NAME } from '../functions/adapters/rollups/local.js';
import { parseManifest } from '../functions/core/rollup-plan.js';

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
            const rolled = await report(engine, key, timezone, rollups);
            expect(rolled.stats.usage, key).toMatchObject({ source: 'rollups', timezone });
            expect(raw.stats.usage).toBeUndefined();
            expectSameFigures(rolled, raw, `seed ${seed} ${timezone} ${key}`);
            // The usage queries read rollups only.
            const names = rolled.stats.perQuery.map((q) => q.name);
            expect(names).toContain('usage_trend_rollup');
            expect(names).not.toContain('usage_trend');
            expect(names).not.toContain('data_quality_usage_events');
          }
          // A second report finds every day it reads current.
          const again = await report(engine, '2026-W46', timezone, rollups);
          expect(again.stats.usage).toMatchObject({ source: 'rollups', daysBuilt: 0, daysRemoved: 0 });
        }, 120_000);
      }
    });
  }
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
