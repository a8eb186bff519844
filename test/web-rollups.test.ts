/**
 * The web rollups (docs/rollups.md, "Web rollups") give the very web figures the raw web events
 * give: on the hand-made fixture of test/helpers/web-fixture.ts (sessions across local and UTC
 * midnight, duplicate event ids, contract-breaking rows) and on generated data at two seeds,
 * weekly and monthly, in UTC and in zones other than UTC; and on the edges: a late file added to
 * an old day (the day and its neighbours are rebuilt, the report changes), the day before a new
 * day rebuilt (a session continued after midnight), a day with only bad rows, a session longer
 * than 24 hours and a report in another zone than the rollups (both read the raw events).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import { generateSampleData } from '../functions/sample/generate.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import { LocalRollups } from '../functions/adapters/rollups/local.js';
import {
  parseManifest,
  planRollups,
  ROLLUP_SETS,
  withNeighbours,
  type RollupManifest,
} from '../functions/core/rollup-plan.js';
import { webGroup, SOCIAL_KPIS, WEB_KPIS } from '../functions/core/kpis/web.js';
import { GOOD_WEB_EVENTS, BAD_WEB_EVENTS, writeWebFixture, type FixtureRow } from './helpers/web-fixture.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const now = new Date('2026-11-23T07:00:00Z');

async function report(
  engine: DuckDbEngine,
  key: string,
  timezone: string,
  rollups?: LocalRollups,
): Promise<Snapshot> {
  return buildSnapshot(engine, {
    period: periodFromKey(key, timezone),
    currency: 'USD',
    now,
    groups: [webGroup],
    ...(rollups ? { usageRollups: rollups } : {}),
  });
}

/** Every web figure of the two snapshots, field by field. */
function expectSameWebFigures(rolled: Snapshot, raw: Snapshot, label: string): void {
  for (const id of [...WEB_KPIS, ...SOCIAL_KPIS]) {
    expect(rolled.kpis[id], `${label}: ${id}`).toEqual(raw.kpis[id]);
  }
  expect(rolled.details.web, `${label}: details.web`).toEqual(raw.details.web);
  for (const table of raw.dataQuality.tables) {
    const other = rolled.dataQuality.tables.find((t) => t.table === table.table);
    expect(other, `${label}: dataQuality ${table.table}`).toEqual(table);
  }
  expect(rolled.dataQuality.excluded, `${label}: excluded`).toEqual(raw.dataQuality.excluded);
}

function webManifest(rollupDir: string): ReturnType<typeof parseManifest> {
  return parseManifest(JSON.parse(readFileSync(join(rollupDir, ROLLUP_SETS.web_events.manifest), 'utf8')));
}

function writeWebDay(dataDir: string, dt: string, file: string, rows: readonly FixtureRow[]): void {
  const dir = join(dataDir, 'web_events', `dt=${dt}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

const view = (id: string, at: string, visitor: string, session: string, page: string): FixtureRow => ({
  event_id: id,
  occurred_at: at,
  visitor_id: visitor,
  session_id: session,
  event_type: 'page_view',
  page,
  link_id: null,
  scroll_pct: null,
  account_id: null,
});

describe('the web rollup plan', () => {
  it('makes a day stale when the partition before or after it changes, appears or goes', () => {
    const raw = [
      { dt: '2026-11-10', fingerprint: 'a' },
      { dt: '2026-11-11', fingerprint: 'b' },
      { dt: '2026-11-13', fingerprint: 'd' },
    ];
    const days = withNeighbours(raw, ROLLUP_SETS.web_events.marginDays);
    expect(days.map((d) => d.fingerprint)).toEqual(['-+a+b', 'a+b+-', '-+d+-']);
    const built: RollupManifest = {
      version: ROLLUP_SETS.web_events.version,
      timezone: 'UTC',
      dataSource: 'x',
      days: Object.fromEntries(days.map((d) => [d.dt, { fingerprint: d.fingerprint, builtAt: 'then' }])),
    };
    // 11-12 arrives: 11-11 and 11-13 read it beside them.
    const later = withNeighbours([...raw, { dt: '2026-11-12', fingerprint: 'c' }], 1);
    const plan = planRollups(built, later, { fromDt: '2026-11-01', toDt: '2026-11-30' });
    expect(plan.build.map((p) => p.dt)).toEqual(['2026-11-11', '2026-11-12', '2026-11-13']);
    // The usage rollups read their neighbours too (the sessions rollup), with the same fingerprints.
    expect(withNeighbours(raw, ROLLUP_SETS.usage_events.marginDays)).toEqual(days);
    // Without a margin a day's fingerprint is its own.
    expect(withNeighbours(raw, 0)).toEqual(raw);
  });
});

describe('on the hand-made fixture', () => {
  for (const [timezone, keys] of [
    ['Europe/Warsaw', ['2026-W46', '2026-11']],
    ['UTC', ['2026-W46', '2026-11']],
  ] as const) {
    it(`gives the raw figures in ${timezone}, weekly and monthly, reading only rollups`, async () => {
      const dataDir = writeWebFixture();
      dirs.push(dataDir);
      const engine = await DuckDbEngine.open({ dataDir });
      try {
        const rollups = new LocalRollups({ engine, rollupDir: join(dataDir, 'rollups'), timezone });
        for (const key of keys) {
          const raw = await report(engine, key, timezone);
          const rolled = await report(engine, key, timezone, rollups);
          expect(rolled.stats.web, key).toMatchObject({ source: 'rollups', timezone });
          expect(raw.stats.web).toBeUndefined();
          expectSameWebFigures(rolled, raw, `${timezone} ${key}`);
          const names = rolled.stats.perQuery.map((q) => q.name);
          expect(names).toContain('web_quality_rollup');
          expect(names).not.toContain('data_quality_web_events');
        }
        // S6 crosses UTC midnight (11-15 22:55Z → 11-16 00:05Z, two dt partitions): its first
        // view keeps its 70 minutes; S5 crosses Warsaw midnight. Same figures as
        // test/kpi-web.test.ts derives by hand for Warsaw.
        const week = await report(engine, '2026-W46', timezone, rollups);
        if (timezone === 'Europe/Warsaw') {
          expect(week.kpis.avg_time_on_page_seconds.value).toBeCloseTo(1095.5, 3);
          expect(week.kpis.page_views.value).toBe(8);
        }
        expect(week.stats.web).toMatchObject({ daysBuilt: 0, daysRemoved: 0 });
        // Duplicate deliveries (e8, e9) count once in the figures and as duplicates in quality.
        const duplicates = week.dataQuality.excluded.find(
          (e) => e.table === 'web_events' && e.reason === 'duplicate_id',
        );
        expect(duplicates?.rows).toBe(2);
      } finally {
        await engine.close();
      }
    }, 60_000);
  }
});

describe('on generated data', () => {
  const runs: readonly (readonly [number, readonly string[]])[] = [
    [5, ['UTC', 'America/New_York']],
    [13, ['Asia/Kolkata']],
  ];
  for (const [seed, zones] of runs) {
    describe(`seed ${seed}`, () => {
      const dataDir = join(writeWebFixture({ web: null, social: null }), `gen-${seed}`);
      dirs.push(dataDir);
      let engine: DuckDbEngine;
      beforeAll(async () => {
        await generateSampleData({
          outDir: dataDir,
          seed,
          endDate: '2026-11-22',
          months: 3,
          accounts: 30,
          usageEvents: 2_000,
        });
        engine = await DuckDbEngine.open({ dataDir });
      });
      afterAll(() => engine?.close());

      for (const timezone of zones) {
        it(`weekly and monthly web figures in ${timezone} are those of the raw events`, async () => {
          const rollups = new LocalRollups({
            engine,
            rollupDir: join(dataDir, `rollups-${timezone.replace('/', '-')}`),
            timezone,
          });
          for (const key of ['2026-W46', '2026-10']) {
            const raw = await report(engine, key, timezone);
            const rolled = await report(engine, key, timezone, rollups);
            expect(rolled.stats.web, key).toMatchObject({ source: 'rollups', timezone });
            expect(raw.kpis.page_views.value, 'the data has web events').toBeGreaterThan(0);
            expectSameWebFigures(rolled, raw, `seed ${seed} ${timezone} ${key}`);
          }
        }, 120_000);
      }
    });
  }
});

describe('on hand-written edges', () => {
  const fresh = (dataDir: string) => DuckDbEngine.open({ dataDir });

  it('rebuilds a day a late file was added to, and its neighbours; the report changes with it', async () => {
    const dataDir = writeWebFixture();
    dirs.push(dataDir);
    const rollupDir = join(dataDir, 'rollups');
    let before: Snapshot;
    {
      const engine = await fresh(dataDir);
      before = await report(
        engine,
        '2026-W46',
        'UTC',
        new LocalRollups({ engine, rollupDir, timezone: 'UTC' }),
      );
      await engine.close();
    }
    const manifestBefore = webManifest(rollupDir);
    // A late file in 11-12: a new visitor's session of two page views.
    writeWebDay(dataDir, '2026-11-12', 'late.jsonl', [
      view('L1', '2026-11-12T16:00:00Z', 'V9', 'S9', '/home'),
      view('L2', '2026-11-12T16:00:45Z', 'V9', 'S9', '/docs'),
    ]);
    const engine = await fresh(dataDir);
    try {
      const rollups = new LocalRollups({ engine, rollupDir, timezone: 'UTC' });
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      const raw = await report(engine, '2026-W46', 'UTC');
      // 11-12 and the two days whose rollups read it beside them.
      expect(rolled.stats.web).toMatchObject({ source: 'rollups', daysBuilt: 3, daysRemoved: 0 });
      const manifestAfter = webManifest(rollupDir);
      for (const dt of ['2026-11-11', '2026-11-12', '2026-11-13']) {
        expect(manifestAfter?.days[dt]?.fingerprint, dt).not.toBe(manifestBefore?.days[dt]?.fingerprint);
      }
      expect(manifestAfter?.days['2026-11-10']).toEqual(manifestBefore?.days['2026-11-10']);
      expectSameWebFigures(rolled, raw, 'late file');
      expect(rolled.kpis.page_views.value).toBe((before.kpis.page_views.value ?? 0) + 2);
      expect(rolled.kpis.unique_visitors.value).toBe((before.kpis.unique_visitors.value ?? 0) + 1);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('rebuilds the day before a new day: a session that continues after midnight', async () => {
    // S6's second view (e21, 11-16 00:05Z) arrives late, in a dt partition that did not exist.
    const dataDir = writeWebFixture({
      web: [...GOOD_WEB_EVENTS, ...BAD_WEB_EVENTS].filter((r) => r.event_id !== 'e21'),
    });
    dirs.push(dataDir);
    const rollupDir = join(dataDir, 'rollups');
    let before: Snapshot;
    {
      const engine = await fresh(dataDir);
      before = await report(
        engine,
        '2026-W46',
        'UTC',
        new LocalRollups({ engine, rollupDir, timezone: 'UTC' }),
      );
      await engine.close();
    }
    const builtBefore = webManifest(rollupDir)?.days['2026-11-15'];
    writeWebDay(
      dataDir,
      '2026-11-16',
      'late.jsonl',
      GOOD_WEB_EVENTS.filter((r) => r.event_id === 'e21'),
    );
    const engine = await fresh(dataDir);
    try {
      const rolled = await report(
        engine,
        '2026-W46',
        'UTC',
        new LocalRollups({ engine, rollupDir, timezone: 'UTC' }),
      );
      const raw = await report(engine, '2026-W46', 'UTC');
      // 11-16 itself (new) and 11-15, whose page view e20 now has a next page view.
      expect(rolled.stats.web).toMatchObject({ source: 'rollups', daysBuilt: 2 });
      expect(webManifest(rollupDir)?.days['2026-11-15']?.fingerprint).not.toBe(builtBefore?.fingerprint);
      expectSameWebFigures(rolled, raw, 'next day');
      // In UTC the week ends at 11-16 00:00Z: e20 (11-15 22:55Z) was an exit without time, now
      // it is timed 70 minutes: (62 + 60 + 60 + 4200) / 4 = 1095.5 s instead of 182 / 3.
      expect(before.kpis.avg_time_on_page_seconds.value).toBeCloseTo(182 / 3, 3);
      expect(rolled.kpis.avg_time_on_page_seconds.value).toBeCloseTo(1095.5, 3);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('counts a day with only bad rows as the raw events do', async () => {
    const dataDir = writeWebFixture();
    dirs.push(dataDir);
    // 11-14: an unknown event type, a scroll depth of 101 and a scroll without depth, nothing good.
    writeWebDay(dataDir, '2026-11-14', 'bad.jsonl', [
      { ...view('x1', '2026-11-14T10:00:00Z', 'V7', 'S10', '/home'), event_type: 'hover' },
      { ...view('x2', '2026-11-14T10:00:05Z', 'V7', 'S10', '/home'), event_type: 'scroll', scroll_pct: 101 },
      { ...view('x3', '2026-11-14T10:00:06Z', 'V7', 'S10', '/home'), event_type: 'scroll' },
    ]);
    const engine = await fresh(dataDir);
    try {
      const rollups = new LocalRollups({ engine, rollupDir: join(dataDir, 'rollups'), timezone: 'UTC' });
      const rolled = await report(engine, '2026-W46', 'UTC', rollups);
      const raw = await report(engine, '2026-W46', 'UTC');
      expect(rolled.stats.web).toMatchObject({ source: 'rollups' });
      expectSameWebFigures(rolled, raw, 'bad day');
      const excluded = rolled.dataQuality.excluded.filter((e) => e.table === 'web_events');
      const fixtureOnly = raw.dataQuality.excluded.filter((e) => e.table === 'web_events');
      expect(excluded).toEqual(fixtureOnly);
      expect(excluded.find((e) => e.reason === 'score_out_of_scale')?.rows).toBeGreaterThanOrEqual(3);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('reads the raw events, and says so, when a session lasts over 24 hours', async () => {
    // S6's second view moved to 11-17 00:05Z: 25 h 10 min after its first. The raw query then
    // depends on how far the report reads (test/kpi-web.test.ts): no rollup can know that.
    const moved = [...GOOD_WEB_EVENTS, ...BAD_WEB_EVENTS].map((r) =>
      r.event_id === 'e21' ? { ...r, occurred_at: '2026-11-17T00:05:00Z' } : r,
    );
    const dataDir = writeWebFixture({ web: moved });
    dirs.push(dataDir);
    const engine = await fresh(dataDir);
    try {
      const rollups = new LocalRollups({
        engine,
        rollupDir: join(dataDir, 'rollups'),
        timezone: 'Europe/Warsaw',
      });
      const rolled = await report(engine, '2026-W46', 'Europe/Warsaw', rollups);
      const raw = await report(engine, '2026-W46', 'Europe/Warsaw');
      expect(rolled.stats.web).toEqual({
        source: 'raw',
        reason:
          "1 web session of the report's days last over 24 hours: only the raw events give their figures",
      });
      expect(rolled.stats.perQuery.map((q) => q.name)).toContain('data_quality_web_events');
      expectSameWebFigures(rolled, raw, 'long session');
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('reads the raw events, and says so, for a report in another zone than the rollups', async () => {
    const dataDir = writeWebFixture();
    dirs.push(dataDir);
    const rollupDir = join(dataDir, 'rollups');
    const engine = await fresh(dataDir);
    try {
      await report(engine, '2026-W46', 'UTC', new LocalRollups({ engine, rollupDir, timezone: 'UTC' }));
      // The folder's rollups are in UTC: the zone asked for new ones does not change them.
      const rollups = new LocalRollups({ engine, rollupDir, timezone: 'Europe/Warsaw' });
      const rolled = await report(engine, '2026-W46', 'Europe/Warsaw', rollups);
      const raw = await report(engine, '2026-W46', 'Europe/Warsaw');
      expect(rolled.stats.web).toEqual({
        source: 'raw',
        reason: 'the web rollups are in UTC, the report in Europe/Warsaw',
      });
      expectSameWebFigures(rolled, raw, 'zone mismatch');
    } finally {
      await engine.close();
    }
  }, 60_000);
});
