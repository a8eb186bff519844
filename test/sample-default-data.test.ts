/** The bundled demo dataset: generated on first use, reused the same day, refreshed the next. */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED, ensureSampleData } from '../functions/sample/default-data.js';
import { GENERATOR_VERSION, type SampleManifest } from '../functions/sample/generate.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sample-default-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const manifest = (dir: string): SampleManifest =>
  JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as SampleManifest;

describe('ensureSampleData', () => {
  it('generates the default dataset once per UTC day and swaps a stale one for a fresh one', async () => {
    const dir = join(root, 'data');
    const first = await ensureSampleData({ dir, today: new Date('2026-11-23T08:00:00Z') });
    expect(first).toEqual({ dir, generated: true });
    const m = manifest(dir);
    expect(m).toMatchObject({
      seed: DEFAULT_SEED,
      endDate: '2026-11-23',
      generatorVersion: GENERATOR_VERSION,
      months: 18,
      accounts: 400,
    });
    const usage = m.tables.find((t) => t.table === 'usage_events');
    expect(usage?.rows).toBeGreaterThan(270_000);
    expect(usage?.rows).toBeLessThan(330_000);
    expect(m.badRows.length).toBeGreaterThan(0);
    const accountsFile = join(dir, 'accounts', 'part-0.parquet');
    const writtenAt = statSync(accountsFile).mtimeMs;

    // Later the same UTC day: reused as it is.
    const again = await ensureSampleData({ dir, today: new Date('2026-11-23T23:59:00Z') });
    expect(again).toEqual({ dir, generated: false });
    expect(statSync(accountsFile).mtimeMs).toBe(writtenAt);

    // The next day: regenerated to end on the new date, with no staging folders left behind.
    const nextDay = await ensureSampleData({ dir, today: new Date('2026-11-24T00:30:00Z') });
    expect(nextDay.generated).toBe(true);
    expect(manifest(dir).endDate).toBe('2026-11-24');
    expect(readdirSync(root).sort()).toEqual(['data']);
  });

  it('fills an empty directory but never overwrites one that is not a generated dataset', async () => {
    const foreign = join(root, 'mine');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    await expect(ensureSampleData({ dir: foreign, today: new Date('2026-11-23T08:00:00Z') })).rejects.toThrow(
      /not a generated sample dataset/,
    );
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('keep me');

    const empty = join(root, 'empty');
    mkdirSync(empty);
    const result = await ensureSampleData({ dir: empty, today: new Date('2026-01-05T10:00:00Z') });
    expect(result.generated).toBe(true);
    expect(existsSync(join(empty, 'usage_events'))).toBe(true);
    expect(manifest(empty).endDate).toBe('2026-01-05');
  });
});
