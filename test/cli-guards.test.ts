/**
 * The report CLI refuses obviously wrong runs: one line on stderr, exit code 2, nothing sent.
 * Each case runs the CLI as a child process with a timeout, on fixtures written here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'cli-guards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

function cli(args: readonly string[], timeoutMs = 60_000): CliRun {
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
  it('--out under a regular file: one line naming the file, exit 2', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const r = cli(['--data', tinyData('d1'), '--out', join(file, 'out'), '--dry-run']);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(
      `error: cannot create --out ${join(file, 'out')}: ${file} is a file, not a folder`,
    );
    expect(r.stderr).not.toMatch(/ENOTDIR/);
  });

  it('--out that cannot be created (under /proc): one line, exit 2, without hanging', () => {
    // The process itself needs a few seconds to start (tsx); the check is immediate after that.
    const r = cli(['--data', tinyData('d2'), '--out', '/proc/no-such-folder/out', '--dry-run'], 30_000);
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(
      'error: cannot create --out /proc/no-such-folder/out: it cannot be created there',
    );
  });

  it('--out that exists but cannot be written: one line, exit 2', () => {
    // /proc/self exists and is a folder, and nothing can create a file in it (not even root).
    const r = cli(['--data', tinyData('d3'), '--out', '/proc/self', '--dry-run'], 30_000);
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toMatch(/^error: cannot write to --out \/proc\/self: /);
  });
});
