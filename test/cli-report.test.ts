/** The report CLI as a user runs it: a child process, its output, its files and its exit code. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../functions/sample/generate.js';
import type { Snapshot } from '../functions/core/snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'cli-report-'));
const data = join(root, 'data');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'functions/cli/report.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DEBUG: '' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  await generateSampleData({
    outDir: data,
    seed: 5,
    endDate: '2026-11-22',
    months: 13,
    accounts: 80,
    usageEvents: 20_000,
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm run report', () => {
  it('writes the snapshot and the digest to the outbox and prints a summary', () => {
    const out = join(root, 'out');
    const r = cli(
      '--data',
      data,
      '--out',
      out,
      '--period',
      'monthly',
      '--date',
      '2026-10-15',
      '--locale',
      'pl',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/monthly report 2026-10 \(2026-10-01 to 2026-10-31, UTC\), USD/);
    expect(r.stdout).toMatch(/56 KPIs, \d+ not available; \d+ rows excluded/);
    const snapshot = JSON.parse(readFileSync(join(out, 'snapshots', 'monthly', '2026-10.json'), 'utf8')) as {
      period: { key: string };
    };
    expect(snapshot.period.key).toBe('2026-10');
    expect(existsSync(join(out, 'snapshots', 'monthly', 'latest.json'))).toBe(true);
    for (const ext of ['html', 'txt', 'eml'])
      expect(existsSync(join(out, 'emails', `monthly-2026-10.${ext}`))).toBe(true);
    // A second run does not send the same digest again.
    const again = cli('--data', data, '--out', out, '--period', 'monthly', '--date', '2026-10-15');
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/already sent to cs-team@example\.com/);
  });

  it('sends nothing on a dry run', () => {
    const out = join(root, 'dry');
    const r = cli(
      '--data',
      data,
      '--out',
      out,
      '--date',
      '2026-11-18',
      '--dry-run',
      '--timezone',
      'Asia/Jakarta',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/weekly report 2026-W47 .*Asia\/Jakarta/);
    expect(r.stdout).toMatch(/Dry run: no digest sent/);
    expect(existsSync(join(out, 'emails'))).toBe(false);
  });

  it('takes the older trend points from the previous week’s snapshot in OUT, unless told to recompute', () => {
    const out = join(root, 'trend');
    const run = (...extra: string[]) => cli('--data', data, '--out', out, '--dry-run', ...extra);
    expect(run('--date', '2026-11-11').stdout).not.toMatch(/as reported/);
    const warm = run('--date', '2026-11-18');
    expect(warm.stdout).toMatch(/Trend points before 2026-W46: as reported in its snapshot/);
    const stored = JSON.parse(
      readFileSync(join(out, 'snapshots', 'weekly', '2026-W47.json'), 'utf8'),
    ) as Snapshot;
    expect(stored.stats.trend).toEqual({ computedPeriods: 2, storedFrom: '2026-W46' });
    const recomputed = run('--date', '2026-11-18', '--recompute-trend');
    expect(recomputed.status).toBe(0);
    expect(recomputed.stdout).not.toMatch(/as reported/);
  });

  it.each([
    [['--period', 'yearly'], 'error: --period must be one of weekly, monthly (got "yearly")'],
    [['--date', '2026-13-01'], 'error: --date "2026-13-01" is not a date written YYYY-MM-DD'],
    [['--data', '/no/such/folder'], 'error: --data folder /no/such/folder does not exist'],
    [['--bogus'], "error: Unknown option '--bogus' (see --help)"],
  ])('exits 2 with one clear line for %j', (args, line) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(line);
  });

  it('exits 2 naming the file when an input file is unreadable', () => {
    const bad = join(root, 'bad-data');
    mkdirSync(join(bad, 'accounts'), { recursive: true });
    writeFileSync(join(bad, 'accounts', 'accounts.parquet'), 'garbage, not parquet');
    const r = cli('--data', bad, '--out', join(root, 'bad-out'), '--dry-run');
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: cannot read accounts files in .*accounts: .*accounts\.parquet/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 naming the missing column', () => {
    const bad = join(root, 'bad-columns');
    mkdirSync(join(bad, 'subscriptions'), { recursive: true });
    writeFileSync(join(bad, 'subscriptions', 's.csv'), 'subscription_id,account_id\ns1,a1\n');
    const r = cli('--data', bad, '--dry-run');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^error: subscriptions: column "plan" is missing \(first file subscriptions\/s\.csv\)/,
    );
  });
});
