/**
 * The report CLI refuses obviously wrong runs: one line on stderr, exit code 2, nothing sent.
 * The cases that could hang (an --out under /proc) run the CLI as a child process with a timeout;
 * the others run the same command in-process through its main function, on fixtures written here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReportCli } from './helpers/report-cli.js';

const root = mkdtempSync(join(tmpdir(), 'cli-guards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

function spawned(args: readonly string[], timeoutMs = 60_000): CliRun {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'functions/cli/report.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DEBUG: '' },
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    ms: Date.now() - started,
    timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
  };
}

async function cli(args: readonly string[]): Promise<CliRun> {
  const started = Date.now();
  const r = await runReportCli(args);
  return { ...r, ms: Date.now() - started, timedOut: false };
}

function oneLine(r: CliRun): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

/** A data folder with one small accounts table (enough to open the engine). */
function tinyData(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'accounts'), { recursive: true });
  writeFileSync(join(dir, 'accounts', 'a.csv'), 'account_id,name,created_at\na1,Acme,2026-01-05T10:00:00Z\n');
  return dir;
}

describe('output folder faults', () => {
  it('--out under a regular file: one line naming the file, exit 2', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const r = await cli(['--data', tinyData('d1'), '--out', join(file, 'out'), '--dry-run']);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(
      `error: cannot create --out ${join(file, 'out')}: ${file} is a file, not a folder`,
    );
    expect(r.stderr).not.toMatch(/ENOTDIR/);
  });

  it('--out that cannot be created (under /proc): one line, exit 2, without hanging', () => {
    // The process itself needs a few seconds to start (tsx); the check is immediate after that.
    const r = spawned(['--data', tinyData('d2'), '--out', '/proc/no-such-folder/out', '--dry-run'], 30_000);
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(
      'error: cannot create --out /proc/no-such-folder/out: it cannot be created there',
    );
  });

  it('--out that exists but cannot be written: one line, exit 2', () => {
    // /proc/self exists and is a folder, and nothing can create a file in it (not even root).
    const r = spawned(['--data', tinyData('d3'), '--out', '/proc/self', '--dry-run'], 30_000);
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toMatch(/^error: cannot write to --out \/proc\/self: /);
  });
});

/** Accounts and subscriptions in 2026-01; `negative` of the 20 subscription rows break a rule. */
function billingData(name: string, negative: number): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'accounts'), { recursive: true });
  mkdirSync(join(dir, 'subscriptions'), { recursive: true });
  const accounts = ['account_id,name,created_at'];
  const subs = [
    'subscription_id,account_id,plan,amount,currency,interval_months,quantity,is_trial,start_date,end_date',
  ];
  for (let i = 0; i < 20; i++) {
    accounts.push(`a${i},Account ${i},2026-01-0${1 + (i % 9)}T09:00:00Z`);
    subs.push(
      `s${i},a${i},Pro,${i < negative ? -10 : 100},USD,1,1,false,2026-01-${String(10 + i).padStart(2, '0')},`,
    );
  }
  writeFileSync(join(dir, 'accounts', 'accounts.csv'), `${accounts.join('\n')}\n`);
  writeFileSync(join(dir, 'subscriptions', 'subscriptions.csv'), `${subs.join('\n')}\n`);
  return dir;
}

const JANUARY = ['--period', 'monthly', '--date', '2026-01-15'];

describe('runs with nothing to report', () => {
  const hint = ' nothing sent (--allow-empty, or allowEmpty in the payload, reports anyway)';

  it('a data folder without any contract table: one line, exit 2, nothing sent', async () => {
    const dir = join(root, 'no-tables');
    mkdirSync(join(dir, 'not-a-table'), { recursive: true });
    const out = join(root, 'no-tables-out');
    const r = await cli(['--data', dir, '--out', out]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toMatch(
      /^error: the data has no table of the data contract \(accounts, subscriptions, /,
    );
    expect(existsSync(join(out, 'emails'))).toBe(false);
    expect(existsSync(join(out, 'snapshots'))).toBe(false);
  });

  it('contract tables without rows (header-only CSV): one line, exit 2', async () => {
    const dir = join(root, 'empty-tables');
    mkdirSync(join(dir, 'accounts'), { recursive: true });
    writeFileSync(join(dir, 'accounts', 'a.csv'), 'account_id,name,created_at\n');
    const r = await cli(['--data', dir, '--out', join(root, 'empty-tables-out')]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(`error: the data tables (accounts) hold no rows;${hint}`);
  });

  it('a period wholly before the data starts: one line, exit 2; --allow-empty reports anyway', async () => {
    const dir = billingData('before', 0);
    const out = join(root, 'before-out');
    const r = await cli(['--data', dir, '--out', out, '--date', '1999-01-01']);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(
      `error: the period 1998-W53 (1998-12-28 to 1999-01-03) is before the data starts (2026-01-01);${hint}`,
    );
    expect(existsSync(join(out, 'emails'))).toBe(false);
    const allowed = await cli(['--data', dir, '--out', out, '--date', '1999-01-01', '--allow-empty']);
    expect(allowed.stderr).toBe('');
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toMatch(/weekly report 1998-W53/);
  });

  it('a period wholly after the data ends: one line, exit 2', async () => {
    const r = await cli([
      '--data',
      billingData('after', 0),
      '--out',
      join(root, 'after-out'),
      '--date',
      '2026-03-02',
    ]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(
      `error: the period 2026-W10 (2026-03-02 to 2026-03-08) is after the data ends (2026-01-29);${hint}`,
    );
  });
});

describe('tables with many excluded rows', () => {
  it('above the warning share: a warning first in the summary and at the top of the digest', async () => {
    const out = join(root, 'warn-out');
    const r = await cli(['--data', billingData('warn', 2), '--out', out, ...JANUARY]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      "Warning: subscriptions: 10 % of its rows were excluded (2 of 20; warning above 5 %); see the snapshot's dataQuality",
    );
    const text = readFileSync(join(out, 'emails', 'monthly-2026-01.txt'), 'utf8');
    expect(text.split('\n')[0]).toMatch(
      /^!! Warning: 10% of the subscriptions rows \(2 of 20\) were excluded/,
    );
    const html = readFileSync(join(out, 'emails', 'monthly-2026-01.html'), 'utf8');
    expect(html).toMatch(/Warning: 10% of the subscriptions rows \(2 of 20\) were excluded/);
    const snapshot = JSON.parse(readFileSync(join(out, 'snapshots', 'monthly', '2026-01.json'), 'utf8')) as {
      dataQuality: { warnings?: unknown };
    };
    expect(snapshot.dataQuality.warnings).toEqual([
      { table: 'subscriptions', rowsRead: 20, rowsExcluded: 2, share: 0.1, threshold: 0.05 },
    ]);
  });

  it('above the stop share: one line, exit 2, nothing sent or written; the flags move both shares', async () => {
    const dir = billingData('stop', 11);
    const out = join(root, 'stop-out');
    const r = await cli(['--data', dir, '--out', out, ...JANUARY]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(
      'error: subscriptions: 55 % of its rows were excluded (11 of 20, most as negative_amount), above the stop share of 50 %; nothing sent',
    );
    expect(existsSync(join(out, 'emails'))).toBe(false);
    expect(existsSync(join(out, 'snapshots'))).toBe(false);
    const raised = await cli(['--data', dir, '--out', out, ...JANUARY, '--stop-excluded', '60', '--dry-run']);
    expect(raised.status).toBe(0);
    expect(raised.stdout).toMatch(/^Warning: subscriptions: 55 % of its rows were excluded/);
  });

  it.each([
    [['--warn-excluded', 'five'], 'error: --warn-excluded: "five" is not a percentage between 0 and 100'],
    [['--stop-excluded', '150'], 'error: --stop-excluded: "150" is not a percentage between 0 and 100'],
    [
      ['--warn-excluded', '60', '--stop-excluded', '50'],
      'error: --warn-excluded/--stop-excluded: the warning share must not be above the stop share',
    ],
  ])('refuses thresholds %j', async (args, line) => {
    const r = await cli([...args]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(line);
  });
});
