/**
 * The sample generator's `csms` option (benchmarks of CSM digests): owners spread over that
 * many numbered CSMs, every other column of every table unchanged; without it, the named
 * regional CSMs as before.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateSampleData } from '../functions/sample/generate.js';

const root = mkdtempSync(join(tmpdir(), 'csm-sample-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function accounts(dir: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const reader = await db.runAndReadAll(
      `SELECT * FROM read_parquet('${join(dir, 'accounts', '*.parquet')}') ORDER BY account_id`,
    );
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

describe('sample generator: csms', () => {
  it('spreads the owners over numbered CSMs and changes nothing else', async () => {
    const base = { seed: 5, endDate: '2026-11-22', months: 3, accounts: 300, usageEvents: 2_000 };
    await generateSampleData({ ...base, outDir: join(root, 'named') });
    await generateSampleData({ ...base, outDir: join(root, 'numbered'), csms: 200 });
    const named = await accounts(join(root, 'named'));
    const numbered = await accounts(join(root, 'numbered'));
    expect(numbered).toHaveLength(named.length);
    const owners = new Set(numbered.map((a) => a.csm_owner).filter((o) => o !== null));
    expect(owners.size).toBeGreaterThan(100);
    for (const o of owners) expect(o).toMatch(/^csm-(\d{3})@example\.com$/);
    expect(new Set(named.map((a) => a.csm_owner).filter((o) => o !== null)).size).toBeLessThanOrEqual(10);
    named.forEach((a, i) => {
      const b = numbered[i] ?? {};
      expect({ ...b, csm_owner: null }).toEqual({ ...a, csm_owner: null });
      expect(b.csm_owner === null).toBe(a.csm_owner === null);
    });
    const manifest = (dir: string) =>
      JSON.parse(readFileSync(join(root, dir, 'manifest.json'), 'utf8')) as object;
    expect(manifest('numbered')).toMatchObject({ csms: 200 });
    expect(manifest('named')).not.toHaveProperty('csms');
    // Every other table is byte for byte the same.
    type Listed = { tables: { table: string; files: string[] }[] };
    const { tables: t1 } = manifest('named') as Listed;
    const { tables: t2 } = manifest('numbered') as Listed;
    expect(t2).toEqual(t1);
    for (const { table, files } of t1.filter((t) => t.table !== 'accounts')) {
      for (const f of files) {
        const bytes = (dir: string) => readFileSync(join(root, dir, f));
        expect(bytes('numbered').equals(bytes('named')), `${table}: ${f}`).toBe(true);
      }
    }
  }, 120_000);
});
