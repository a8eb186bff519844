/**
 * The report CLI as a user runs it: a child process, its output, its files and its exit code.
 * The happy path and one exit-2 path run as child processes (`spawned`); the other cases run the
 * same command in-process through its main function (`cli`), with the same argv, output and code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../functions/sample/generate.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import { runReportCli } from './helpers/report-cli.js';

const root = mkdtempSync(join(tmpdir(), 'cli-report-'));
const data = join(root, 'data');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function spawned(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'functions/cli/report.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DEBUG: '' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function cli(...args: string[]): Promise<CliRun> {
  return runReportCli(args);
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
    const r = spawned(
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
    expect(r.stdout).toMatch(/56 KPIs, \d+ not available; (1 row|\d+ rows) excluded/);
    // Rates change in percentage points: "12.5 % (+0.40 pp)", never "(+0.40 %)".
    expect(r.stdout).toMatch(/customer_churn_rate\s+[\d.]+ % \([+-][\d.]+ pp\)/);
    expect(r.stdout).not.toMatch(/ %\)/);
    const snapshot = JSON.parse(readFileSync(join(out, 'snapshots', 'monthly', '2026-10.json'), 'utf8')) as {
      period: { key: string };
    };
    expect(snapshot.period.key).toBe('2026-10');
    expect(existsSync(join(out, 'snapshots', 'monthly', 'latest.json'))).toBe(true);
    for (const file of ['html', 'txt', 'to-cs-team@example.com.eml'])
      expect(existsSync(join(out, 'emails', `monthly-2026-10.${file}`))).toBe(true);
    // A second run does not send the same digest again.
    const again = spawned('--data', data, '--out', out, '--period', 'monthly', '--date', '2026-10-15');
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/already sent to cs-team@example\.com/);
  });

  it('sends nothing on a dry run', async () => {
    const out = join(root, 'dry');
    const r = await cli(
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

  it('takes the older trend points from the previous week’s snapshot in OUT, unless told to recompute', async () => {
    const out = join(root, 'trend');
    const run = (...extra: string[]) => cli('--data', data, '--out', out, '--dry-run', ...extra);
    expect((await run('--date', '2026-11-11')).stdout).not.toMatch(/as reported/);
    const warm = await run('--date', '2026-11-18');
    expect(warm.stdout).toMatch(/Trend points before 2026-W46: as reported in its snapshot/);
    const stored = JSON.parse(
      readFileSync(join(out, 'snapshots', 'weekly', '2026-W47.json'), 'utf8'),
    ) as Snapshot;
    expect(stored.stats.trend).toEqual({ computedPeriods: 2, storedFrom: '2026-W46' });
    const recomputed = await run('--date', '2026-11-18', '--recompute-trend');
    expect(recomputed.status).toBe(0);
    expect(recomputed.stdout).not.toMatch(/as reported/);
  });

  it.each([
    [['--period', 'yearly'], 'error: --period: "yearly" is not one of weekly, monthly'],
    [['--date', '2026-13-01'], 'error: --date: "2026-13-01" is not a date written YYYY-MM-DD'],
    [['--data', '/no/such/folder'], 'error: --data folder /no/such/folder does not exist'],
    [['--bogus'], "error: Unknown option '--bogus' (see --help)"],
  ])('exits 2 with one clear line for %j', async (args, line) => {
    const r = await cli(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(line);
  });

  it('exits 2 naming the file when an input file is unreadable', () => {
    const bad = join(root, 'bad-data');
    mkdirSync(join(bad, 'accounts'), { recursive: true });
    writeFileSync(join(bad, 'accounts', 'accounts.parquet'), 'garbage, not parquet');
    const r = spawned('--data', bad, '--out', join(root, 'bad-out'), '--dry-run');
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: cannot read accounts files in .*accounts: .*accounts\.parquet/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 naming the missing column', async () => {
    const bad = join(root, 'bad-columns');
    mkdirSync(join(bad, 'subscriptions'), { recursive: true });
    writeFileSync(join(bad, 'subscriptions', 's.csv'), 'subscription_id,account_id\ns1,a1\n');
    const r = await cli('--data', bad, '--dry-run');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^error: subscriptions: column "plan" is missing \(first file subscriptions\/s\.csv\)/,
    );
  });

  it('exits 2 naming the file when a .csv file holds binary data or a Parquet file is empty', async () => {
    for (const [name, content] of [
      ['logo.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])],
      ['empty.parquet', Buffer.alloc(0)],
    ] as const) {
      const bad = mkdtempSync(join(root, 'unreadable-'));
      mkdirSync(join(bad, 'accounts'), { recursive: true });
      writeFileSync(join(bad, 'accounts', name), content);
      const r = await cli('--data', bad, '--dry-run');
      expect(r.status, name).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      expect(lines[0]).toContain(join(bad, 'accounts', name));
    }
  });

  it('counts hostile rows and reports the rest (exit 0)', async () => {
    const hostile = join(root, 'hostile-data');
    cpSync(data, hostile, { recursive: true });
    writeFileSync(
      join(hostile, 'accounts', 'extra.csv'),
      'account_id,name,created_at,segment,region,csm_owner,onboarded_at,first_value_at\n' +
        'HX-1,Ragged,2026-01-05T10:00:00Z\n' +
        'HX-2,Leap second,2026-10-10T23:59:60Z,SMB,EU,,,\n',
    );
    mkdirSync(join(hostile, 'usage_events', 'dt=2026-10-15'), { recursive: true });
    writeFileSync(
      join(hostile, 'usage_events', 'dt=2026-10-15', 'extra.ndjson'),
      '{"event_id":"UX-1","occurred_at":"yesterday","account_id":"a","user_id":"u","event_name":"login"}\n{"event_id":\n',
    );
    const out = join(root, 'hostile-out');
    const r = await cli(
      '--data',
      hostile,
      '--out',
      out,
      '--period',
      'monthly',
      '--date',
      '2026-10-15',
      '--dry-run',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const snapshot = JSON.parse(
      readFileSync(join(out, 'snapshots', 'monthly', '2026-10.json'), 'utf8'),
    ) as Snapshot;
    const find = (table: string, reason: string) =>
      snapshot.dataQuality.excluded.find((e) => e.table === table && e.reason === reason);
    expect(find('accounts', 'malformed_row')).toMatchObject({
      rows: 1,
      example: {
        // Relative to the data folder: the snapshot names no local path.
        file: 'accounts/extra.csv',
        line: 2,
        problem: '3 fields where the header has 8',
      },
    });
    expect(find('usage_events', 'malformed_row')).toMatchObject({ rows: 1, example: { line: 2 } });
    expect(find('usage_events', 'invalid_value')?.example).toMatchObject({ field: 'occurred_at', line: 1 });
    for (const t of snapshot.dataQuality.tables)
      expect(t.rowsRead, t.table).toBe(t.rowsUsed + t.rowsExcluded);
    // The snapshot is shared: it names no local path, the data folder's included.
    expect(JSON.stringify(snapshot)).not.toContain(hostile);
    expect(snapshot.stats.dataSource).toMatch(/^duckdb:folder-[0-9a-f]{16}(#manifest-[0-9a-f]{16})?$/);
  });
});
