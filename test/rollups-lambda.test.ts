/**
 * The two Lambdas around the AWS usage and web rollups, in process: the report function given
 * the Athena rollups (DuckDB computes the report, S3 is a local S3-protocol server, Athena a
 * mocked client) reads the raw events and says why in `stats.usage` / `stats.web` when the
 * rollups cannot serve it, and reads the rollup tables when they can; the rollup function parses
 * its event, runs the job over both sets and fails (for the alarm) when a day fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type GetQueryExecutionCommandInput,
  type GetQueryResultsCommandInput,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { AthenaEngine } from '../functions/adapters/engines/athena.js';
import { AthenaUsageRollups } from '../functions/adapters/rollups/athena.js';
import { LocalRollups } from '../functions/adapters/rollups/local.js';
import { S3Store } from '../functions/adapters/stores/s3.js';
import { createMailer } from '../functions/adapters/mailers/index.js';
import { generateSampleData } from '../functions/sample/generate.js';
import { createReportHandler, type ReportHandler } from '../functions/handlers/report/runtime.js';
import { createRollupHandler } from '../functions/handlers/rollups/runtime.js';
import type { RuntimeConfig } from '../functions/handlers/report/config.js';
import { startLocalS3, type LocalS3 } from './store-s3-server.js';

const TODAY = new Date('2026-11-25T09:00:00Z');
const BUCKET = 'report-snapshots';
const ENV = {
  ATHENA_DATABASE: 'cs_kpi',
  ATHENA_WORKGROUP: 'cs-kpi-digest-queries',
  ATHENA_TABLES: '{"usage_events":"usage_events","web_events":"web_events"}',
  SNAPSHOT_BUCKET: BUCKET,
  SNAPSHOT_PREFIX: 'lambda',
  MAIL_SENDER: 'digest@example.com',
  MAIL_RECIPIENTS: 'ana@example.com',
  REPORT_TIMEZONE: 'UTC',
  USAGE_ROLLUPS_LOCATION: `s3://${BUCKET}/usage_rollups/`,
  USAGE_EVENTS_LOCATION: `s3://${BUCKET}/data/usage_events/`,
  WEB_EVENTS_LOCATION: `s3://${BUCKET}/data/web_events/`,
};

const athenaClient = new AthenaClient({ region: 'eu-central-1' });
const athena = mockClient(athenaClient);
let started: string[] = [];
let failing = false;
/** What Athena's long-session check (web_rollup_check.sql) answers. */
let longSessions = '0';
let s3: LocalS3;
let workDir: string;
let dataDir: string;
let report: ReportHandler;

function rollupsFor(config: RuntimeConfig, now: () => Date = () => TODAY): AthenaUsageRollups {
  if (config.usageRollups === null) throw new Error('no rollups configured');
  return new AthenaUsageRollups({
    runner: new AthenaEngine({
      client: athenaClient,
      workgroup: config.athena.workgroup,
      database: config.athena.database,
      tables: config.athena.tables,
      pollIntervalMs: 10,
      sleep: async () => undefined,
    }),
    s3: s3.client,
    rollups: config.usageRollups.rollups,
    rawUsage: config.usageRollups.rawUsage,
    ...(config.usageRollups.rawWeb ? { rawWeb: config.usageRollups.rawWeb } : {}),
    timezone: config.report.timezone,
    now,
  });
}

interface StoredSnapshot {
  stats: { usage?: unknown; web?: unknown };
}

async function snapshotAt(uri: string): Promise<StoredSnapshot> {
  const key = uri.replace(`s3://${BUCKET}/`, '');
  const out = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await out.Body?.transformToString('utf-8')) ?? '{}') as StoredSnapshot;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'rollups-lambda-'));
  dataDir = path.join(workDir, 'data');
  await generateSampleData({
    outDir: dataDir,
    seed: 7,
    endDate: '2026-11-24',
    months: 2,
    accounts: 30,
    usageEvents: 4_000,
  });
  s3 = await startLocalS3({ bucket: BUCKET, likeS3: true });
  // The raw usage and web files as S3 holds them: every day of November has a partition.
  for (let d = 1; d <= 24; d += 1) {
    const dt = `2026-11-${String(d).padStart(2, '0')}`;
    for (const table of ['usage_events', 'web_events']) {
      await s3.client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `data/${table}/dt=${dt}/part-0.parquet`, Body: dt }),
      );
    }
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  report = createReportHandler({
    env: ENV,
    logger: new Logger({ serviceName: 'cs-kpi-digest', logLevel: 'WARN' }),
    metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest' }),
    createEngine: () => DuckDbEngine.open({ dataDir }),
    createStore: (config) =>
      new S3Store({ client: s3.client, bucket: config.snapshots.bucket, prefix: config.snapshots.prefix }),
    createMailer: () => createMailer({ transport: 'outbox', outDir: path.join(workDir, 'outbox') }),
    createUsageRollups: (config) => rollupsFor(config),
    clock: () => TODAY,
  });
}, 180_000);

afterAll(async () => {
  vi.restoreAllMocks();
  athena.restore();
  await s3?.stop();
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  started = [];
  failing = false;
  longSessions = '0';
  athena.reset();
  athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => {
    started.push(input.QueryString ?? '');
    return { QueryExecutionId: `q-${started.length}` };
  });
  athena.on(GetQueryExecutionCommand).callsFake((input: GetQueryExecutionCommandInput) => ({
    QueryExecution: {
      QueryExecutionId: input.QueryExecutionId,
      Status: failing
        ? {
            State: 'FAILED',
            StateChangeReason: 'Access Denied (Service: Amazon S3; Status Code: 403)',
            AthenaError: { ErrorCategory: 2, Retryable: false, ErrorMessage: 'Access Denied' },
          }
        : { State: 'SUCCEEDED' },
      Statistics: { DataScannedInBytes: 2_000_000 },
    },
  }));
  athena.on(GetQueryResultsCommand).callsFake((input: GetQueryResultsCommandInput) => {
    const sql = started[Number((input.QueryExecutionId ?? '').slice(2)) - 1] ?? '';
    if (sql.startsWith('UNLOAD ')) throw new Error('an UNLOAD has no rows to read');
    return {
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [{ Name: 'long_sessions', Type: 'bigint', CatalogName: 'hive', Nullable: 'UNKNOWN' }],
        },
        Rows: [{ Data: [{ VarCharValue: 'long_sessions' }] }, { Data: [{ VarCharValue: longSessions }] }],
      },
    };
  });
});

describe('the report function with the Athena usage rollups', () => {
  it('reads the raw events when its window has more days to build than a report builds, and says so', async () => {
    const response = await report(
      { period: 'weekly', date: '2026-11-18', dryRun: true },
      { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 280_000 },
    );
    const snapshot = await snapshotAt(response.snapshotUri);
    const tooMany = {
      source: 'raw',
      reason: expect.stringMatching(
        /^\d+ days of the report's window are not rolled up or are stale \(a report builds at most 7; the daily rollup job builds the rest\)$/,
      ) as unknown,
    };
    expect(snapshot.stats.usage).toEqual(tooMany);
    expect(snapshot.stats.web).toEqual(tooMany);
    expect(started).toEqual([]);
  });

  it('reads the raw events in a zone other than the rollups’, and says so', async () => {
    const response = await report(
      { period: 'weekly', date: '2026-11-18', dryRun: true, timezone: 'America/New_York' },
      { awsRequestId: 'r-2' },
    );
    const snapshot = await snapshotAt(response.snapshotUri);
    expect(snapshot.stats.usage).toEqual({
      source: 'raw',
      reason: 'the usage rollups are in UTC, the report in America/New_York',
    });
    expect(snapshot.stats.web).toEqual({
      source: 'raw',
      reason: 'the web rollups are in UTC, the report in America/New_York',
    });
  });
});

describe('the rollup function', () => {
  const handler = () =>
    createRollupHandler({
      env: ENV,
      logger: new Logger({ serviceName: 'cs-kpi-digest-rollups', logLevel: 'WARN' }),
      metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest-rollups' }),
      createRollups: (config, { clock }) => ({
        rollups: rollupsFor(config, clock),
        close: async () => undefined,
      }),
      clock: () => TODAY,
    });

  it('plans a dry run by hand, builds the scheduled run, and refuses a bad event', async () => {
    const run = handler();
    const dry = await run(
      { fromDt: '2026-11-20', toDt: '2026-11-24', dryRun: true },
      { awsRequestId: 'd-1' },
    );
    const days = ['2026-11-24', '2026-11-23', '2026-11-22', '2026-11-21', '2026-11-20'];
    expect(dry).toMatchObject({
      ok: true,
      requestId: 'd-1',
      dryRun: true,
      timezone: 'UTC',
      built: days,
      web: { built: days },
    });
    expect(started).toEqual([]);

    const scheduled = await run(
      { source: 'rollup-schedule', scheduledTime: '2026-11-25T00:30:00Z' },
      { awsRequestId: 's-1', getRemainingTimeInMillis: () => 890_000 },
    );
    expect(scheduled).toMatchObject({
      dryRun: false,
      built: expect.any(Array) as unknown,
      pending: [],
      web: { pending: [], removed: [] },
    });
    expect(scheduled.built).toHaveLength(24);
    expect(scheduled.web?.built).toHaveLength(24);
    // Three UNLOADs a day for each set; the web ones read the day's neighbours too.
    expect(started).toHaveLength(144);
    expect(started.filter((sql) => sql.includes('/web_sessions/dt='))).toHaveLength(24);
    expect(started.every((sql) => sql.startsWith('UNLOAD (SELECT '))).toBe(true);

    await expect(run({ from: '2026-11-01' }, { awsRequestId: 'bad' })).rejects.toThrow(
      /^invalid rollup event: unknown field\(s\) from/,
    );
  });

  it('fails the invocation when a day cannot be built, so the error alarm fires', async () => {
    await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'data/usage_events/dt=2026-11-24/part-1.parquet',
        Body: 'late',
      }),
    );
    failing = true;
    await expect(handler()({}, { awsRequestId: 'f-1' })).rejects.toMatchObject({
      name: 'RollupJobError',
      message: expect.stringMatching(
        /^usage rollup of 2026-11-24 failed: Athena query "rollup_usage_/,
      ) as unknown,
    });
  });

  it('stops at cold start without the rollup locations', async () => {
    const { USAGE_ROLLUPS_LOCATION: _unused, ...partial } = ENV;
    const run = createRollupHandler({
      env: partial,
      logger: new Logger({ serviceName: 'cs-kpi-digest-rollups', logLevel: 'CRITICAL' }),
      metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest-rollups' }),
      createRollups: (config) => ({ rollups: rollupsFor(config), close: async () => undefined }),
    });
    await expect(run({}, { awsRequestId: 'c-1' })).rejects.toThrow(
      'invalid environment: USAGE_ROLLUPS_LOCATION and USAGE_EVENTS_LOCATION go together (set both or neither)',
    );
  });
});

describe('the report function once the job has built the days', () => {
  it('checks the usage and web sessions on Athena and reads the rollup tables; a long session sends them to the raw events', async () => {
    const job = createRollupHandler({
      env: ENV,
      logger: new Logger({ serviceName: 'cs-kpi-digest-rollups', logLevel: 'CRITICAL' }),
      metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest-rollups' }),
      createRollups: (config, { clock }) => ({
        rollups: rollupsFor(config, clock),
        close: async () => undefined,
      }),
      clock: () => TODAY,
    });
    await job({}, { awsRequestId: 'j-1' });
    // Athena's Glue tables usage_rollup_* and web_rollup_* stand here as DuckDB views of the same
    // names over rollups of the same data: the report's queries read them by those names.
    const rollupDir = path.join(workDir, 'glue-rollups');
    const withRollupTables = async (): Promise<DuckDbEngine> => {
      const engine = await DuckDbEngine.open({ dataDir });
      const local = new LocalRollups({ engine, rollupDir, timezone: 'UTC' });
      await local.sync(undefined, 'usage_events');
      await local.sync(undefined, 'web_events');
      return engine;
    };
    const reportOverRollups = createReportHandler({
      env: ENV,
      logger: new Logger({ serviceName: 'cs-kpi-digest', logLevel: 'CRITICAL' }),
      metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest' }),
      createEngine: withRollupTables,
      createStore: (config) =>
        new S3Store({ client: s3.client, bucket: config.snapshots.bucket, prefix: config.snapshots.prefix }),
      createMailer: () => createMailer({ transport: 'outbox', outDir: path.join(workDir, 'outbox') }),
      createUsageRollups: (config) => rollupsFor(config),
      clock: () => TODAY,
    });

    started = [];
    const ok = await reportOverRollups(
      { period: 'weekly', date: '2026-11-18', dryRun: true },
      { awsRequestId: 'r-3', getRemainingTimeInMillis: () => 280_000 },
    );
    const snapshot = await snapshotAt(ok.snapshotUri);
    expect(snapshot.stats.usage).toEqual({
      source: 'rollups',
      timezone: 'UTC',
      daysBuilt: 0,
      daysRemoved: 0,
    });
    expect(snapshot.stats.web).toEqual({ source: 'rollups', timezone: 'UTC', daysBuilt: 0, daysRemoved: 0 });
    // Nothing to build: Athena ran the long-session checks only, over usage_rollup_sessions and
    // web_rollup_sessions.
    expect(started).toHaveLength(2);
    expect(started[0]).toContain('FROM usage_rollup_sessions AS s');
    expect(started[1]).toContain('FROM web_rollup_sessions AS s');

    started = [];
    longSessions = '1';
    const raw = await reportOverRollups(
      { period: 'weekly', date: '2026-11-18', dryRun: true },
      { awsRequestId: 'r-4', getRemainingTimeInMillis: () => 280_000 },
    );
    const rawSnapshot = await snapshotAt(raw.snapshotUri);
    expect(rawSnapshot.stats.usage).toEqual({
      source: 'raw',
      reason:
        "1 usage session of the report's days last over 24 hours: only the raw events give their figures",
    });
    expect(rawSnapshot.stats.web).toEqual({
      source: 'raw',
      reason: "1 web session of the report's days last over 24 hours: only the raw events give their figures",
    });
  });
});

describe('the Lambdas’ AWS wiring', () => {
  it('gives the rollups the web_events folder where the stack set WEB_EVENTS_LOCATION', async () => {
    const { awsAdapters } = await import('../functions/handlers/aws-adapters.js');
    const { loadConfig } = await import('../functions/handlers/report/config.js');
    const adapters = awsAdapters();
    const log = { info: () => undefined, warn: () => undefined };
    const both = loadConfig(ENV);
    const engine = adapters.createEngine(both, 60_000, log);
    expect(adapters.createUsageRollups(both, engine, log)?.tables).toEqual(['usage_events', 'web_events']);
    const { WEB_EVENTS_LOCATION: _web, ...usageOnly } = ENV;
    expect(adapters.createUsageRollups(loadConfig(usageOnly), engine, log)?.tables).toEqual(['usage_events']);
  });
});
