/**
 * `npm run report -- --csm …`: the flags, and a real run on the hand-made book rendering the CSM
 * digests into the outbox (exit 0), one CSM by hand, and the one-line stops (exit 2).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs, UsageError } from '../functions/cli/options.js';
import { writeBookFixture } from './helpers/csm-fixture.js';
import { runReportCli } from './helpers/report-cli.js';

const NOW = new Date('2026-11-02T08:00:00Z');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'functions/cli/report.ts', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, CSM_DOMAINS: '' },
  });
}

describe('CSM flags', () => {
  it('parses --csm all and one address, with the domains and the skip-empty switch', () => {
    expect(parseCliArgs([], {}, NOW).csm).toBeNull();
    expect(parseCliArgs(['--csm', 'all', '--csm-domains', 'ACME.com, acme.co.uk'], {}, NOW).csm).toEqual({
      only: 'all',
      domains: ['acme.com', 'acme.co.uk'],
      skipEmpty: true,
    });
    expect(
      parseCliArgs(['--csm', 'ana@acme.com', '--csm-send-empty'], { CSM_DOMAINS: 'acme.com' }, NOW).csm,
    ).toEqual({ only: 'ana@acme.com', domains: ['acme.com'], skipEmpty: false });
  });

  it('stops in one line on a bad --csm, missing or bad domains, or domain flags without --csm', () => {
    expect(() => parseCliArgs(['--csm', 'ana'], {}, NOW)).toThrow(UsageError);
    expect(() => parseCliArgs(['--csm', 'all'], {}, NOW)).toThrow(/needs --csm-domains/);
    expect(() => parseCliArgs(['--csm', 'all', '--csm-domains', 'acme'], {}, NOW)).toThrow(
      /not a domain name/,
    );
    expect(() => parseCliArgs(['--csm-domains', 'acme.com'], {}, NOW)).toThrow(/with --csm only/);
  });
});

describe('npm run report -- --csm', () => {
  const data = writeBookFixture();
  dirs.push(data);
  const base = [
    '--data',
    data,
    '--period',
    'monthly',
    '--date',
    '2026-10-15',
    '--to',
    'team@acme.com',
    '--from',
    'digest@acme.com',
  ];

  it('renders the team digest and every allowed CSM digest into the outbox', () => {
    const out = mkdtempSync(join(tmpdir(), 'csm-cli-'));
    dirs.push(out);
    const r = cli([...base, '--out', out, '--csm', 'all', '--csm-domains', 'acme.com']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('CSM digest sent to ana@acme.com');
    expect(r.stdout).toContain(
      'Owner "eve@gmail.com" receives no CSM digest: csm_owner_outside_domains (1 account)',
    );
    const eml = readdirSync(join(out, 'emails')).filter((f) => f.endsWith('.eml'));
    expect(eml.map((f) => /\.to-(.+)\.eml$/.exec(f)?.[1]).sort()).toEqual([
      'ana@acme.com',
      'bo@acme.com',
      'cy@acme.com',
      'team@acme.com',
    ]);
    expect(readdirSync(join(out, 'csm', 'monthly', '2026-10'))).toHaveLength(3);
  }, 120_000);

  // The same command in-process (the spawned run above covers the process itself).
  const inProcess = (args: string[]) => runReportCli(args, { ...process.env, CSM_DOMAINS: '' });

  it('renders one CSM by hand, and stops in one line for an owner outside the domains', async () => {
    const out = mkdtempSync(join(tmpdir(), 'csm-cli-'));
    dirs.push(out);
    const one = await inProcess([...base, '--out', out, '--csm', 'bo@acme.com', '--csm-domains', 'acme.com']);
    expect(one.status, one.stderr).toBe(0);
    const eml = readdirSync(join(out, 'emails')).filter((f) => f.endsWith('.eml'));
    expect(eml).toHaveLength(1);
    expect(eml[0]).toMatch(/^monthly-2026-10\.csm-[0-9a-f]{16}\.to-bo@acme\.com\.eml$/);
    const refused = await inProcess([
      ...base,
      '--out',
      out,
      '--csm',
      'eve@gmail.com',
      '--csm-domains',
      'acme.com',
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([
      'error: csm "eve@gmail.com" cannot receive a digest: its domain is not in csmDomains',
    ]);
  }, 120_000);
});
