/** `npm run sample`: flags, output, and one clear line with exit code 2 for bad flags. */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sample-cli-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'functions/sample/cli.ts', ...args],
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

describe('sample CLI', () => {
  it('writes a dataset with the given options and says what it wrote', async () => {
    const out = join(root, 'data');
    const { code, stdout, stderr } = await cli([
      '--out',
      out,
      '--seed',
      '3',
      '--end',
      '2026-01-31',
      '--months',
      '2',
      '--accounts',
      '20',
      '--events',
      '2000',
      '--no-bad-rows',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('2025-12-01 .. 2026-01-31 (seed 3)');
    expect(stdout).toMatch(/usage_events\s+\d+ rows\s+\d+ file\(s\)/);
    expect(stdout).toContain('no contract-breaking rows');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      seed: 3,
      endDate: '2026-01-31',
      months: 2,
      accounts: 20,
      usageEventsTarget: 2000,
      includeBadRows: false,
      badRows: [],
    });
  });

  it.each([
    [['--out', 'x', '--bogus'], /bogus/],
    [['--seed', '1'], /--out DIR is required/],
    [['--out', 'x', '--end', '2026-02-30'], /--end must be a date YYYY-MM-DD/],
    [['--out', 'x', '--months', 'twelve'], /--months must be a whole number/],
    [['--out', 'x', '--events', '5'], /--events must be an integer from 100/],
  ])('rejects %j with one line on stderr and exit code 2', async (args, message) => {
    const { code, stdout, stderr } = await cli(args.map((a) => (a === 'x' ? join(root, 'never') : a)));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
