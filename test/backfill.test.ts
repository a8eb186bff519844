/**
 * Backfill on generated data: 13 monthly periods, interrupted after 5 and resumed with the
 * command; every snapshot equals a single-period run's, and the next digest's trend uses them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backfillPeriods, runBackfill } from '../functions/app/backfill.js';
import { backfillMain } from '../functions/cli/backfill-main.js';
import { createProgress, formatDuration, progressBar } from '../functions/cli/progress.js';
import { runDigestJob, snapshotKey, latestKey } from '../functions/app/job.js';
import { periodFromKey } from '../functions/core/period.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { generateSampleData } from '../functions/sample/generate.js';
import { Capture } from './helpers/capture.js';

const root = mkdtempSync(join(tmpdir(), 'backfill-'));
const dataDir = join(root, 'data');
const now = new Date('2026-11-23T07:00:00Z');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What must match between two runs of the same period: everything but timing and provenance. */
function figures(s: Snapshot): unknown {
  return {
    period: s.period,
    currency: s.currency,
    kpis: s.kpis,
    details: s.details,
    dataQuality: s.dataQuality,
  };
}

async function stored(store: FileStore, key: string): Promise<Snapshot> {
  const body = await store.get(snapshotKey(periodFromKey(key)));
  if (body === null) throw new Error(`no snapshot of ${key}`);
  return JSON.parse(body) as Snapshot;
}

describe('backfill periods', () => {
  it('lists complete periods oldest first and refuses what cannot be right', () => {
    expect(backfillPeriods('monthly', '2025-12', '2026-10', 'UTC', now).map((p) => p.key)).toEqual([
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    const weeks = backfillPeriods('weekly', '2026-W52', '2027-W02', 'UTC', new Date('2027-02-01T00:00:00Z'));
    expect(weeks.map((p) => p.key)).toEqual(['2026-W52', '2026-W53', '2027-W01', '2027-W02']);
    expect(() => backfillPeriods('weekly', '2026-W54', '2027-W02', 'UTC', now)).toThrow(
      /--from: .*not an ISO week/,
    );
  });
});

describe('backfill on generated data', () => {
  beforeAll(async () => {
    await generateSampleData({
      outDir: dataDir,
      seed: 3,
      endDate: '2026-11-22',
      months: 14,
      accounts: 40,
      usageEvents: 4_000,
    });
  }, 120_000);

  it('interrupted after 5 of 13 periods and resumed: every snapshot equals a single-period run', async () => {
    const storeDir = join(root, 'store');
    const store = new FileStore(storeDir);
    const periods = backfillPeriods('monthly', '2025-10', '2026-10', 'UTC', now);
    expect(periods).toHaveLength(13);

    // The first run is stopped (as by Ctrl-C) once five periods are written.
    let opened = 0;
    const interrupted = runBackfill(
      {
        engine: async () => {
          opened += 1;
          if (opened > 5) throw new Error('interrupted');
          return DuckDbEngine.open({ dataDir });
        },
        store,
      },
      { periods, currency: 'USD', force: false, now },
    );
    await expect(interrupted).rejects.toThrow('interrupted');
    expect(await store.get(snapshotKey(periodFromKey('2026-02')))).not.toBeNull();
    expect(await store.get(snapshotKey(periodFromKey('2026-03')))).toBeNull();

    // Run again with the command: the five are skipped, the rest computed, one line each.
    const stdout = new Capture(false);
    const stderr = new Capture(false);
    const code = await backfillMain(
      ['--period', 'monthly', '--from', '2025-10', '--to', '2026-10', '--data', dataDir, '--store', storeDir],
      { env: {}, stdout, stderr, now },
    );
    expect(stderr.text).not.toMatch(/error/);
    expect(code).toBe(0);
    const lines = stderr.text.trim().split('\n');
    expect(lines).toHaveLength(13);
    expect(lines[0]).toMatch(/^1\/13 2025-10 already stored, skipped \(elapsed \d+:\d\d, about \? left\)$/);
    expect(lines[5]).toMatch(/^6\/13 2026-03 computed \(elapsed \d+:\d\d, about \d+:\d\d left\)$/);
    expect(lines[12]).toMatch(/^13\/13 2026-10 computed .*about 0:00 left/);
    expect(stdout.text).toMatch(/8 computed, 5 already stored \(--force recomputes them\)/);
    expect(JSON.parse((await store.get(latestKey('monthly'))) ?? '{}')).toMatchObject({
      period: { key: '2026-10' },
    });

    // Each stored snapshot, trend included, equals what one period computed on its own makes.
    const engine = await DuckDbEngine.open({ dataDir });
    try {
      for (const period of periods) {
        const single = await runDigestJob(
          { engine, store: new FileStore(join(root, `single-${period.key}`)), mailer: null },
          {
            period,
            currency: 'USD',
            locale: 'en',
            from: '',
            recipients: [],
            dryRun: true,
            force: false,
            now,
          },
        );
        expect(single.snapshot.stats.trend?.computedPeriods).toBe(12);
        expect(figures(await stored(store, period.key)), period.key).toEqual(figures(single.snapshot));
      }
    } finally {
      await engine.close();
    }
    // Only the first period computed its whole trend; the others took ten points as stored.
    expect((await stored(store, '2025-10')).stats.trend?.storedFrom).toBeNull();
    expect((await stored(store, '2026-10')).stats.trend?.storedFrom).toBe('2026-09');

    // A second run has nothing to do; --force recomputes the same figures.
    const again = new Capture(false);
    await backfillMain(
      ['--period', 'monthly', '--from', '2026-09', '--to', '2026-10', '--data', dataDir, '--store', storeDir],
      {
        env: {},
        stdout: again,
        stderr: new Capture(false),
        now,
      },
    );
    expect(again.text).toMatch(/0 computed, 2 already stored/);
    const before = figures(await stored(store, '2026-10'));
    const forced = new Capture(false);
    await backfillMain(
      [
        '--period',
        'monthly',
        '--from',
        '2026-10',
        '--to',
        '2026-10',
        '--data',
        dataDir,
        '--store',
        storeDir,
        '--force',
      ],
      { env: {}, stdout: forced, stderr: new Capture(false), now },
    );
    expect(forced.text).toMatch(/1 computed, 0 already stored/);
    expect(figures(await stored(store, '2026-10'))).toEqual(before);

    // The next digest (November) takes its older trend points from the backfilled snapshots.
    const nextEngine = await DuckDbEngine.open({ dataDir });
    try {
      const next = await runDigestJob(
        { engine: nextEngine, store, mailer: null },
        {
          period: periodFromKey('2026-11'),
          currency: 'USD',
          locale: 'en',
          from: '',
          recipients: [],
          dryRun: true,
          force: false,
          now: new Date('2026-12-01T07:00:00Z'),
        },
      );
      expect(next.snapshot.stats.trend).toMatchObject({ computedPeriods: 2, storedFrom: '2026-10' });
      const trend = next.snapshot.kpis.mrr.trend ?? [];
      expect(trend.map((p) => p.key)).toEqual(
        periods
          .slice(2)
          .map((p) => p.key)
          .concat('2026-11'),
      );
      for (const point of trend.slice(0, 9)) {
        expect(point.value, point.key).toBe((await stored(store, point.key)).kpis.mrr.value);
      }
    } finally {
      await nextEngine.close();
    }
  }, 300_000);

  it('refuses bad ranges with one line and exit code 2', async () => {
    const run = async (args: string[]): Promise<[number, string]> => {
      const stderr = new Capture(false);
      const code = await backfillMain(args, { env: {}, stdout: new Capture(false), stderr, now });
      return [code, stderr.text.trim()];
    };
    expect(
      await run(['--period', 'monthly', '--from', '2026-10', '--to', '2026-11', '--data', dataDir]),
    ).toEqual([2, expect.stringMatching(/^error: --to 2026-11 has not ended yet/)]);
    expect(
      await run(['--period', 'monthly', '--from', '2026-10', '--to', '2026-09', '--data', dataDir]),
    ).toEqual([2, 'error: --from 2026-10 is after --to 2026-09']);
    expect(await run(['--from', '2025-12', '--to', '2026-10', '--data', dataDir])).toEqual([
      2,
      'error: --from "2025-12" is not a weekly period key (e.g. 2026-W05)',
    ]);
    expect(await run(['--period', 'monthly', '--to', '2026-10'])).toEqual([
      2,
      expect.stringMatching(/--from and --to are required/),
    ]);
    expect(
      await run(['--engine', 'athena', '--period', 'monthly', '--from', '2026-09', '--to', '2026-10']),
    ).toEqual([2, expect.stringMatching(/--engine athena needs --workgroup/)]);
  });
});

describe('progress', () => {
  it('draws a bar in place on a terminal, with the period, elapsed time and the rest', () => {
    let t = 0;
    const tty = new Capture(true);
    const progress = createProgress(tty, () => t);
    progress({ type: 'start', total: 4 });
    t = 10_000;
    progress({
      type: 'period',
      index: 1,
      total: 4,
      key: '2026-07',
      outcome: 'computed',
      milliseconds: 10_000,
      snapshotUri: 'x',
    });
    expect(tty.text).toBe(
      '\r\u001b[2K[######------------------] 1/4 2026-07 computed, elapsed 0:10, left ~0:30',
    );
    t = 90_000;
    progress({
      type: 'period',
      index: 4,
      total: 4,
      key: '2026-10',
      outcome: 'computed',
      milliseconds: 80_000,
      snapshotUri: 'x',
    });
    expect(
      tty.text.endsWith('[########################] 4/4 2026-10 computed, elapsed 1:30, left ~0:00\n'),
    ).toBe(true);
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(
      progressBar({ done: 0, total: 3, key: 'k', outcome: 'skipped', elapsedMs: 0, perComputedMs: null }),
    ).toMatch(/left \?$/);
  });
});
