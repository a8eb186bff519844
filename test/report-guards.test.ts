/**
 * Runs that would mislead stop, and tables with many excluded rows are flagged: the pure rules
 * (exclusion shares, empty periods), the digest's warning block in every locale, and the Lambda
 * path over DuckDB (named error, metric) on fixtures written here.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { exclusionShare, exclusionVerdict, validateThresholds } from '../functions/core/exclusion-share.js';
import { emptyDataReason, type DataCoverage } from '../functions/core/run-guards.js';
import { periodFromKey } from '../functions/core/period.js';
import { buildDigestView } from '../functions/digest/view.js';
import { renderText } from '../functions/digest/render-text.js';
import { contextHtml } from '../functions/digest/render-html.js';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { createReportHandler, type LambdaContext } from '../functions/handlers/report/runtime.js';
import { loadConfig } from '../functions/handlers/report/config.js';
import { resolveRequest } from '../functions/handlers/report/payload.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';
import { RecordingMailer, fakeRenderDigest } from './job-fakes.js';

describe('exclusion shares', () => {
  const t = (table: 'accounts' | 'subscriptions' | 'invoices', rowsRead: number, rowsExcluded: number) => ({
    table,
    present: true,
    rowsRead,
    rowsExcluded,
  });

  it('divides the excluded rows by the rows read, and has no share for an empty or absent table', () => {
    expect(exclusionShare(t('accounts', 200, 10))).toEqual({
      table: 'accounts',
      rowsRead: 200,
      rowsExcluded: 10,
      share: 0.05,
    });
    expect(exclusionShare(t('accounts', 0, 0))).toBeNull();
    expect(exclusionShare({ ...t('accounts', 5, 1), present: false })).toBeNull();
  });

  it('warns strictly above the warning share and stops strictly above the stop share', () => {
    const verdict = exclusionVerdict(
      [t('accounts', 100, 5), t('subscriptions', 100, 6), t('invoices', 10, 6)],
      { warnShare: 0.05, stopShare: 0.5 },
    );
    expect(verdict.warnings.map((w) => w.table)).toEqual(['invoices', 'subscriptions']);
    expect(verdict.stops.map((w) => w.table)).toEqual(['invoices']);
    expect(exclusionVerdict([t('invoices', 10, 5)]).stops).toEqual([]);
  });

  it('rejects thresholds outside 0–100 % or a warning above the stop', () => {
    expect(validateThresholds({ warnShare: 0.05, stopShare: 0.5 }, 'x')).toBeNull();
    expect(validateThresholds({ warnShare: 0.6, stopShare: 0.5 }, 'x')).toMatch(/warning share/);
    expect(validateThresholds({ warnShare: -0.1, stopShare: 0.5 }, 'x')).toMatch(/between 0 and 100/);
    expect(validateThresholds({ warnShare: 0.1, stopShare: Number.NaN }, 'x')).toMatch(/between 0 and 100/);
  });
});

describe('empty runs', () => {
  const week = periodFromKey('2026-W47'); // 2026-11-16 … 2026-11-22
  const covered = (days: [string, string] | null, instants: [string, string] | null): DataCoverage => ({
    presentTables: ['accounts', 'subscriptions'],
    rowsRead: 10,
    days: days && { earliest: days[0], latest: days[1] },
    instants: instants && { earliest: instants[0], latest: instants[1] },
  });

  it('names a data folder without contract tables or without rows', () => {
    expect(emptyDataReason(week, { presentTables: [], rowsRead: 0, days: null, instants: null })).toMatch(
      /^the data has no table of the data contract \(accounts, /,
    );
    expect(emptyDataReason(week, { ...covered(null, null), rowsRead: 0 })).toBe(
      'the data tables (accounts, subscriptions) hold no rows',
    );
  });

  it('stops a period wholly before the data starts or after it ends, not one that overlaps', () => {
    const data = covered(
      ['2026-01-01', '2026-11-01'],
      ['2026-01-05T10:00:00.000Z', '2026-11-16T00:30:00.000Z'],
    );
    expect(emptyDataReason(week, data)).toBeNull();
    expect(emptyDataReason(periodFromKey('1998-W53'), data)).toBe(
      'the period 1998-W53 (1998-12-28 to 1999-01-03) is before the data starts (2026-01-01)',
    );
    expect(emptyDataReason(periodFromKey('2026-W48'), data)).toBe(
      'the period 2026-W48 (2026-11-23 to 2026-11-29) is after the data ends (2026-11-16)',
    );
  });

  it('compares instants with the period’s own instants, in its time zone', () => {
    // The last event, 2026-11-22 23:00 UTC, is already 2026-11-23 in Jakarta: that week has data.
    const data = covered(null, ['2026-01-05T10:00:00.000Z', '2026-11-22T23:00:00.000Z']);
    expect(emptyDataReason(periodFromKey('2026-W48', 'Asia/Jakarta'), data)).toBeNull();
    expect(emptyDataReason(periodFromKey('2026-W48', 'UTC'), data)).toMatch(
      /after the data ends \(2026-11-22\)/,
    );
  });
});

describe('the digest’s warning block', () => {
  const snapshot = makeSnapshot();
  const warned = {
    ...snapshot,
    dataQuality: {
      ...snapshot.dataQuality,
      warnings: [
        { table: 'subscriptions' as const, rowsRead: 160, rowsExcluded: 20, share: 0.125, threshold: 0.05 },
      ],
    },
  };

  it.each([
    ['en', /^Warning: 12\.5% of the subscriptions rows \(20 of 160\) were excluded .* more than 5%\./],
    ['id', /^Peringatan: 12,5% baris subscriptions \(20 dari 160\) dikecualikan .* lebih dari 5%\./],
    [
      'pl',
      /^Uwaga: kontrole jakości danych wykluczyły 12,5% wierszy tabeli subscriptions \(20 z 160\), ponad 5%\./,
    ],
  ] as const)('comes first, in %s', (locale, line) => {
    const view = buildDigestView(warned, locale);
    expect(view.exclusionWarnings).toHaveLength(1);
    expect(view.exclusionWarnings[0]).toMatch(line);
    expect(renderText(view).split('\n')[0]).toBe(`!! ${view.exclusionWarnings[0]}`);
    const html = contextHtml(view).toString();
    expect(html.indexOf('subscriptions')).toBeLessThan(html.indexOf(view.freshnessLine));
  });

  it('is absent without warnings', () => {
    expect(buildDigestView(snapshot, 'en').exclusionWarnings).toEqual([]);
  });
});

// --- the Lambda path, over DuckDB ------------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), 'report-guards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Accounts and subscriptions from 2026-01; `negative` of the 20 subscription rows break a rule. */
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

const ENV = {
  ATHENA_DATABASE: 'cs_data',
  ATHENA_WORKGROUP: 'cs-kpi-digest-queries',
  ATHENA_TABLES: '{"accounts":"accounts"}',
  SNAPSHOT_BUCKET: 'cs-kpi-snapshots',
  MAIL_SENDER: 'digest@example.com',
  MAIL_RECIPIENTS: 'ana@example.com',
  REPORT_TIMEZONE: 'UTC',
};

function lambdaContext(id: string): LambdaContext {
  return { awsRequestId: id, functionName: 'cs-kpi-digest-report' };
}

describe('the report function', () => {
  let lines: () => Record<string, unknown>[];
  let restore: () => void;
  beforeEach(() => {
    const chunks: string[] = [];
    const take = (chunk: string | Uint8Array): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(take);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(take);
    lines = () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    restore = () => {
      out.mockRestore();
      err.mockRestore();
    };
  });
  afterEach(() => restore());

  let warnDir: string;
  let stopDir: string;
  beforeAll(() => {
    warnDir = billingData('warn', 2); // 10 %
    stopDir = billingData('stop', 11); // 55 %
  });

  const handlerFor = (dataDir: string, out: string, env: Record<string, string> = {}) =>
    createReportHandler({
      env: { ...ENV, ...env },
      logger: new Logger({ serviceName: 'cs-kpi-digest', logLevel: 'INFO' }),
      metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest' }),
      createEngine: () => DuckDbEngine.open({ dataDir }),
      createStore: () => new FileStore(out),
      createMailer: () => new RecordingMailer(),
      clock: () => new Date('2026-11-23T07:00:05Z'),
      renderDigest: fakeRenderDigest,
    });

  it('warns in the log and emits a metric when a table is above the warning share', async () => {
    const response = await handlerFor(warnDir, join(root, 'warn-out'))(
      { period: 'monthly', date: '2026-01-15', dryRun: true },
      lambdaContext('req-warn'),
    );
    expect(response.ok).toBe(true);
    const all = lines();
    expect(all.find((l) => l.message === 'many rows of a table were excluded')).toMatchObject({
      level: 'WARN',
      table: 'subscriptions',
      share: '10 %',
      rowsExcluded: 2,
      rowsRead: 20,
    });
    expect(all.find((l) => '_aws' in l)).toMatchObject({ TablesOverExclusionWarning: 1 });
  });

  it('stops with a named error above the stop share, and writes nothing', async () => {
    const out = join(root, 'stop-out');
    await expect(
      handlerFor(stopDir, out)(
        { period: 'monthly', date: '2026-01-15', dryRun: true },
        lambdaContext('req-stop'),
      ),
    ).rejects.toMatchObject({
      name: 'ExcessiveExclusionError',
      message: expect.stringMatching(
        /^subscriptions: 55 % of its rows were excluded \(11 of 20, most as negative_amount\), above the stop share of 50 %/,
      ),
    });
    expect(lines().find((l) => '_aws' in l)).toMatchObject({ ReportFailed: 1, ReportStopped: 1 });
    expect(await new FileStore(out).get('snapshots/monthly/2026-01.json')).toBeNull();
  });

  it('takes the stop share from the environment and the payload', async () => {
    const run = handlerFor(stopDir, join(root, 'stop-env'), { EXCLUDED_STOP_PERCENT: '60' });
    await expect(
      run({ period: 'monthly', date: '2026-01-15', dryRun: true }, lambdaContext('r1')),
    ).resolves.toMatchObject({
      ok: true,
    });
    await expect(
      run(
        { period: 'monthly', date: '2026-01-15', dryRun: true, excludedStopPercent: 40 },
        lambdaContext('r2'),
      ),
    ).rejects.toMatchObject({ name: 'ExcessiveExclusionError' });
  });

  it('stops a period before the data starts unless the payload allows an empty run', async () => {
    const run = handlerFor(warnDir, join(root, 'empty-out'));
    await expect(
      run({ period: 'weekly', date: '1999-01-01', dryRun: true }, lambdaContext('e1')),
    ).rejects.toMatchObject({
      name: 'EmptyDataError',
      message: expect.stringMatching(
        /^the period 1998-W53 \(1998-12-28 to 1999-01-03\) is before the data starts \(2026-01-01\)/,
      ),
    });
    await expect(
      run({ period: 'weekly', date: '1999-01-01', dryRun: true, allowEmpty: true }, lambdaContext('e2')),
    ).resolves.toMatchObject({ ok: true, period: { key: '1998-W53' } });
  });

  it('validates the thresholds in the environment and the payload', () => {
    expect(() => loadConfig({ ...ENV, EXCLUDED_WARN_PERCENT: 'ten' })).toThrow(
      /EXCLUDED_WARN_PERCENT: "ten" is not a percentage between 0 and 100/,
    );
    expect(() => loadConfig({ ...ENV, EXCLUDED_WARN_PERCENT: '60', EXCLUDED_STOP_PERCENT: '50' })).toThrow(
      /the warning share must not be above the stop share/,
    );
    expect(loadConfig(ENV).report.exclusionThresholds).toEqual({ warnShare: 0.05, stopShare: 0.5 });
    const defaults = { timezone: 'UTC', locale: 'en' as const, recipients: ['a@example.com'] };
    const now = new Date('2026-11-23T07:00:00Z');
    expect(() => resolveRequest({ period: 'weekly', excludedWarnPercent: 101 }, defaults, now)).toThrow(
      /excludedWarnPercent: 101 is not a percentage between 0 and 100/,
    );
    expect(
      resolveRequest({ period: 'weekly', allowEmpty: true, excludedWarnPercent: 10 }, defaults, now),
    ).toMatchObject({
      allowEmpty: true,
      exclusionThresholds: { warnShare: 0.1 },
    });
  });
});
