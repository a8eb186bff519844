/** Which rollup days are built or removed, and how they are batched (functions/core/rollup-plan.ts). */
import { describe, expect, it } from 'vitest';
import {
  ROLLUP_VERSION,
  baseManifest,
  batches,
  parseManifest,
  planRollups,
  updatedManifest,
  type RollupManifest,
} from '../functions/core/rollup-plan.js';

const manifest: RollupManifest = {
  version: ROLLUP_VERSION,
  timezone: 'Europe/Warsaw',
  dataSource: 'duckdb:folder-1',
  days: {
    '2026-11-01': { fingerprint: 'a', builtAt: '2026-11-02T00:00:00.000Z' },
    '2026-11-02': { fingerprint: 'b', builtAt: '2026-11-03T00:00:00.000Z' },
    '2026-11-03': { fingerprint: 'c', builtAt: '2026-11-04T00:00:00.000Z' },
    '2026-10-01': { fingerprint: 'z', builtAt: '2026-10-02T00:00:00.000Z' },
  },
};

describe('planRollups', () => {
  it('builds missing and changed days of the range, removes the gone ones, keeps the rest', () => {
    const plan = planRollups(
      manifest,
      [
        { dt: '2026-11-04', fingerprint: 'd' },
        { dt: '2026-11-02', fingerprint: 'b2' },
        { dt: '2026-11-01', fingerprint: 'a' },
        { dt: '2026-12-01', fingerprint: 'out of range' },
      ],
      { fromDt: '2026-11-01', toDt: '2026-11-30' },
    );
    expect(plan.build.map((p) => p.dt)).toEqual(['2026-11-02', '2026-11-04']);
    // 2026-10-01 is gone too, but outside the range: left alone.
    expect(plan.remove).toEqual(['2026-11-03']);
    expect(plan.current).toBe(1);
  });

  it('starts over for another rollup version, data or zone', () => {
    expect(baseManifest(manifest, 'duckdb:folder-1', 'Europe/Warsaw')).toBe(manifest);
    expect(baseManifest(manifest, 'duckdb:folder-2', 'Europe/Warsaw').days).toEqual({});
    expect(baseManifest(manifest, 'duckdb:folder-1', 'UTC').days).toEqual({});
    expect(
      baseManifest({ ...manifest, version: ROLLUP_VERSION + 1 }, 'duckdb:folder-1', 'Europe/Warsaw').days,
    ).toEqual({});
    expect(baseManifest(null, 'd', 'UTC')).toEqual({
      version: ROLLUP_VERSION,
      timezone: 'UTC',
      dataSource: 'd',
      days: {},
    });
  });

  it('records built days and forgets removed ones', () => {
    const next = updatedManifest(
      manifest,
      [{ dt: '2026-11-04', fingerprint: 'd' }],
      ['2026-11-03'],
      new Date(0),
    );
    expect(Object.keys(next.days)).toEqual(['2026-10-01', '2026-11-01', '2026-11-02', '2026-11-04']);
    expect(next.days['2026-11-04']).toEqual({ fingerprint: 'd', builtAt: '1970-01-01T00:00:00.000Z' });
    expect(parseManifest(JSON.parse(JSON.stringify(next)))).toEqual(next);
    expect(parseManifest({ ...next, days: { 'not a day': { fingerprint: 'x', builtAt: 'y' } } })).toBeNull();
    expect(parseManifest('nonsense')).toBeNull();
  });
});

describe('batches', () => {
  const day = (dt: string, bytes = 1) => ({ dt, fingerprint: dt, bytes });
  it('splits at gaps, at the day limit and at the size limit', () => {
    const days = [
      day('2026-11-01'),
      day('2026-11-02'),
      day('2026-11-03'),
      day('2026-11-05'),
      day('2026-11-06', 10),
      day('2026-11-07', 10),
    ];
    const dts = (size: number, bytes?: number) =>
      batches(days, size, bytes).map((b) => b.map((p) => p.dt.slice(8)));
    expect(dts(10)).toEqual([
      ['01', '02', '03'],
      ['05', '06', '07'],
    ]);
    expect(dts(2)).toEqual([['01', '02'], ['03'], ['05', '06'], ['07']]);
    // A day larger than the limit is a batch of its own.
    expect(dts(10, 5)).toEqual([['01', '02', '03'], ['05'], ['06'], ['07']]);
  });
});
