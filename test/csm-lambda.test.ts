/**
 * CSM digests in the report function: the environment (CSM_DIGESTS, CSM_DOMAINS,
 * CSM_SKIP_EMPTY), the payload's "csm" (one CSM by hand), and a scheduled run with CSM digests
 * on, over the hand-made book on DuckDB with a recording mailer.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createReportHandler, type ReportHandlerDeps } from '../functions/handlers/report/runtime.js';
import { loadConfig } from '../functions/handlers/report/config.js';
import { resolveRequest } from '../functions/handlers/report/payload.js';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { InputError } from '../functions/core/input-error.js';
import { RecordingMailer } from './job-fakes.js';
import { writeBookFixture } from './helpers/csm-fixture.js';

const ENV = {
  ATHENA_DATABASE: 'cs_data',
  ATHENA_WORKGROUP: 'cs-kpi-digest-queries',
  ATHENA_TABLES: '{"accounts":"accounts"}',
  SNAPSHOT_BUCKET: 'cs-kpi-snapshots',
  MAIL_SENDER: 'digest@acme.com',
  MAIL_RECIPIENTS: 'team@acme.com',
  REPORT_TIMEZONE: 'UTC',
  REPORT_CURRENCY: 'USD',
  REPORT_LOCALE: 'pl',
};

describe('CSM settings of the function', () => {
  it('reads CSM_DIGESTS, CSM_DOMAINS and CSM_SKIP_EMPTY; off by default', () => {
    expect(loadConfig(ENV).csm).toEqual({ enabled: false, domains: [], skipEmpty: true });
    expect(
      loadConfig({
        ...ENV,
        CSM_DIGESTS: 'true',
        CSM_DOMAINS: 'acme.com, ACME.co.uk',
        CSM_SKIP_EMPTY: 'false',
      }).csm,
    ).toEqual({ enabled: true, domains: ['acme.com', 'acme.co.uk'], skipEmpty: false });
  });

  it('names every problem of the CSM environment', () => {
    expect(() => loadConfig({ ...ENV, CSM_DIGESTS: 'true' })).toThrow(/csmDomains is empty/);
    expect(() => loadConfig({ ...ENV, CSM_DIGESTS: 'yes', CSM_DOMAINS: 'acme' })).toThrow(
      /CSM_DIGESTS must be true or false, got "yes"; CSM_DOMAINS: csmDomains: "acme" is not a domain name/,
    );
  });

  it('takes "csm" in a manual payload: "all" or one address', () => {
    const defaults = { timezone: 'UTC', locale: 'en' as const, recipients: ['team@acme.com'] };
    const now = new Date('2026-11-02T08:00:00Z');
    expect(resolveRequest({ period: 'monthly', csm: 'ana@acme.com' }, defaults, now).csm).toBe(
      'ana@acme.com',
    );
    expect(resolveRequest({ period: 'monthly', csm: 'all' }, defaults, now).csm).toBe('all');
    expect(resolveRequest({ period: 'monthly' }, defaults, now).csm).toBeUndefined();
    expect(() => resolveRequest({ period: 'monthly', csm: 'ana' }, defaults, now)).toThrow(
      /csm: "ana" is neither "all" nor an e-mail address/,
    );
  });
});

describe('report function with CSM digests', () => {
  const data = writeBookFixture();
  afterAll(() => rmSync(data, { recursive: true, force: true }));
  let root: string;
  let mailer: RecordingMailer;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'csm-lambda-'));
    mailer = new RecordingMailer('ses');
    // Powertools logs JSON lines; keep the test output quiet.
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  function handler(env: Record<string, string>, overrides: Partial<ReportHandlerDeps> = {}) {
    return createReportHandler({
      env,
      logger: new Logger({ serviceName: 'cs-kpi-digest', logLevel: 'ERROR' }),
      metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest' }),
      createEngine: () => DuckDbEngine.open({ dataDir: data }),
      createStore: () => new FileStore(root),
      createMailer: () => mailer,
      clock: () => new Date('2026-11-02T07:00:05Z'),
      ...overrides,
    });
  }
  const context = { awsRequestId: 'req-1' };

  it('sends one CSM digest by hand, in the deployment locale, and not the team digest', async () => {
    const run = handler({ ...ENV, CSM_DOMAINS: 'acme.com' });
    const response = await run({ period: 'monthly', date: '2026-10-15', csm: 'Bo@acme.com' }, context);
    expect(response.sent).toEqual([]);
    expect(response.csm?.sent).toEqual(['bo@acme.com']);
    expect(mailer.sent.map((m) => m.to)).toEqual([['bo@acme.com']]);
    expect(mailer.sent[0]?.subject).toMatch(/^Twój portfel · Październik 2026: 2 konta/);
  }, 120_000);

  it('on a schedule with CSM_DIGESTS on: the team digest and every allowed CSM, once', async () => {
    const run = handler({ ...ENV, CSM_DIGESTS: 'true', CSM_DOMAINS: 'acme.com' });
    const event = { source: 'schedule', period: 'monthly', scheduledTime: '2026-11-01T07:00:00Z' };
    const response = await run(event, context);
    expect(response.sent).toEqual(['team@acme.com']);
    expect(response.csm?.sent).toEqual(['ana@acme.com', 'bo@acme.com', 'cy@acme.com']);
    const retry = await run(event, context);
    expect(retry.csm?.skipped).toEqual(['ana@acme.com', 'bo@acme.com', 'cy@acme.com']);
    expect(mailer.sent).toHaveLength(4);
  }, 120_000);

  it('refuses "csm" when no domains are configured, with a named error', async () => {
    const run = handler(ENV);
    await expect(run({ period: 'monthly', date: '2026-10-15', csm: 'bo@acme.com' }, context)).rejects.toThrow(
      InputError,
    );
    expect(mailer.sent).toHaveLength(0);
  }, 60_000);
});
