/**
 * The rollup flags of `npm run report` and the `npm run rollup` command (docs/rollups.md): the
 * default folder is OUT/rollups, bad flags are one line with exit code 2, and the command rolls
 * up every raw day of a data folder, then finds them current.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs, UsageError } from '../functions/cli/options.js';
import { parseRollupArgs } from '../functions/cli/rollup-options.js';
import { parseManifest } from '../functions/core/rollup-plan.js';

const now = new Date('2026-11-23T09:00:00Z');

describe('report CLI rollup flags', () => {
  it('keeps the usage rollups in OUT/rollups unless told otherwise', () => {
    expect(parseCliArgs(['--out', '/tmp/x-out'], {}, now).rollupDir).toBe('/tmp/x-out/rollups');
    expect(parseCliArgs(['--rollups', '/tmp/elsewhere'], {}, now).rollupDir).toBe('/tmp/elsewhere');
    expect(parseCliArgs(['--no-rollups'], {}, now).rollupDir).toBeNull();
  });

  it('refuses contradictory or engine-less rollup flags', () => {
    expect(() => parseCliArgs(['--rollups', 'a', '--no-rollups'], {}, now)).toThrow(UsageError);
    const athena = ['--engine', 'athena', '--workgroup', 'wg', '--database', 'db'];
    expect(() => parseCliArgs([...athena, '--rollups', 'a'], {}, now)).toThrow(/duckdb only/);
    expect(parseCliArgs(athena, {}, now).rollupDir).toBeNull();
  });
});

describe('npm run rollup', () => {
  it('validates its flags', () => {
    expect(() => parseRollupArgs([])).toThrow(/--data DIR is required/);
    expect(() => parseRollupArgs(['--data', tmpdir(), '--timezone', 'Mars/Base'])).toThrow(/IANA/);
    expect(() => parseRollupArgs(['--data', tmpdir(), '--from', '2026-13-01'])).toThrow(/YYYY-MM-DD/);
    expect(parseRollupArgs(['--data', tmpdir(), '--out', '/tmp/o']).rollupDir).toBe('/tmp/o/rollups');
  });

  it('rolls up every raw day, then finds them current; a bad flag exits with code 2', () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-rollup-'));
    const data = join(root, 'data');
    for (const [dt, at] of [
      ['2026-11-09', '2026-11-09T10:00:00Z'],
      ['2026-11-10', '2026-11-10T23:30:00Z'],
    ] as const) {
      mkdirSync(join(data, 'usage_events', `dt=${dt}`), { recursive: true });
      const row = {
        event_id: `e-${dt}`,
        occurred_at: at,
        account_id: 'A1',
        user_id: 'u1',
        event_name: 'export',
      };
      writeFileSync(join(data, 'usage_events', `dt=${dt}`, 'part-0.ndjson'), `${JSON.stringify(row)}\n`);
    }
    const rollups = join(root, 'rollups');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'functions/cli/rollup.ts', ...args], {
        encoding: 'utf8',
      });
    const first = run('--data', data, '--rollups', rollups, '--timezone', 'Europe/Warsaw');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/\(Europe\/Warsaw\): 2 days built, 0 removed/);
    const manifest = parseManifest(JSON.parse(readFileSync(join(rollups, 'manifest.json'), 'utf8')));
    expect(manifest?.timezone).toBe('Europe/Warsaw');
    expect(Object.keys(manifest?.days ?? {})).toEqual(['2026-11-09', '2026-11-10']);
    const second = run('--data', data, '--rollups', rollups);
    expect(second.stdout).toMatch(/\(Europe\/Warsaw\): 0 days built, 0 removed/);
    const bad = run('--data', data, '--to', 'tomorrow');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);
});
