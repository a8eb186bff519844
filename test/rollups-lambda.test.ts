/**
 * The two Lambdas around the AWS usage rollups, in process: the report function given the
 * Athena rollups (DuckDB computes the report, S3 is a local S3-protocol server, Athena a mocked
 * client) reads the raw events and says why in `stats.usage` when the rollups cannot serve it;
 * the rollup function parses its event, runs the job and fails (for the alarm) when a day fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type GetQueryExecutionCommandInput,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { AthenaEngine } from '../functions/adapters/engines/athena.js';
import { AthenaUsageRollups } from '../functions/adapters/rollups/athena.js';
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
  ATHENA_TABLES: '{"usage_events":"usage_events"}',
  SNAPSHOT_BUCKET: BUCKET,
  SNAPSHOT_PREFIX: 'lambda',
  MAIL_SENDER: 'digest@example.com',
  MAIL_RECIPIENTS: 'ana@example.com',
  REPORT_TIMEZONE: 'UTC',
  USAGE_ROLLUPS_LOCATION: `s3://${BUCKET}/usage_rollups/`,
  USAGE_EVENTS_LOCATION: `s3://${BUCKET}/data/usage_events/`,
};

const athenaClient = new AthenaClient({ region: 'eu-central-1' });
const athena = mockClient(athenaClient);
let started: string[] = [];
let failing = false;
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
    timezone: config.report.timezone,
    now,
  });
}

async function snapshotAt(uri: string): Promise<{ stats: { usage?: unknown } }> {
  const key = uri.replace(`s3://${BUCKET}/`, '');
  const out = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await out.Body?.transformToString('utf-8')) ?? '{}') as { stats: { usage?: unknown } };
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
  // The raw usage files as S3 holds them: every day of November has a partition.
  for (let d = 1; d <= 24; d += 1) {
    const dt = `2026-11-${String(d).padStart(2, '0')}`;
    await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `data/usage_events/dt=${dt}/part-0.parquet`, Body: dt }),
    );
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
});

describe('the report function with the Athena usage rollups', () => {
  it('reads the raw events when its window has more days to build than a report builds, and says so', async () => {
    const response = await report(
      { period: 'weekly', date: '2026-11-18', dryRun: true },
      { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 280_000 },
    );
    const snapshot = await snapshotAt(response.snapshotUri);
    expect(snapshot.stats.usage).toEqual({
      source: 'raw',
      reason: expect.stringMatching(
        /^\d+ days of the report's window are not rolled up or are stale \(a report builds at most 7; the daily rollup job builds the rest\)$/,
      ) as unknown,
    });
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
    expect(dry).toMatchObject({
      ok: true,
      requestId: 'd-1',
      dryRun: true,
      timezone: 'UTC',
      built: ['2026-11-24', '2026-11-23', '2026-11-22', '2026-11-21', '2026-11-20'],
    });
    expect(started).toEqual([]);

    const scheduled = await run(
      { source: 'rollup-schedule', scheduledTime: '2026-11-25T00:30:00Z' },
      { awsRequestId: 's-1', getRemainingTimeInMillis: () => 890_000 },
    );
    expect(scheduled).toMatchObject({ dryRun: false, built: expect.any(Array) as unknown, pending: [] });
    expect(scheduled.built).toHaveLength(24);
    expect(started).toHaveLength(72);
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
