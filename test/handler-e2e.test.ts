/**
 * End to end, in process: the report handler with DuckDB over the sample data, the S3 store on
 * a local S3-protocol server and the SES mailer on a mocked SES client. A scheduled weekly
 * event (and its retry) and a manual monthly invocation.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { SendEmailCommand, SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { ensureSampleData } from '../functions/sample/default-data.js';
import { createMailer } from '../functions/adapters/mailers/index.js';
import { S3Store } from '../functions/adapters/stores/s3.js';
import { createReportHandler, type ReportHandler } from '../functions/handlers/report/runtime.js';
import { startLocalS3, type LocalS3 } from './store-s3-server.js';

const TODAY = new Date('2026-11-25T09:00:00Z');
const RECIPIENTS = ['ana@example.com', 'bo@example.org'];
const ENV = {
  ATHENA_DATABASE: 'cs_data',
  ATHENA_WORKGROUP: 'cs-kpi-digest-queries',
  ATHENA_TABLES: '{}',
  SNAPSHOT_BUCKET: 'report-snapshots',
  SNAPSHOT_PREFIX: 'e2e',
  MAIL_SENDER: 'digest@example.com',
  MAIL_RECIPIENTS: RECIPIENTS.join(','),
  REPORT_TIMEZONE: 'Europe/Warsaw',
  REPORT_CURRENCY: 'USD',
  REPORT_LOCALE: 'en',
};

const ses = mockClient(SESClient);
let sesMessages: string[] = [];
let s3: LocalS3;
let workDir: string;
let dataDir: string;
let run: ReportHandler;

async function s3Text(key: string): Promise<string> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return (await out.Body?.transformToString('utf-8')) ?? '';
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'e2e-'));
  const sample = await ensureSampleData({ dir: path.join(workDir, 'data'), today: TODAY });
  dataDir = sample.dir;
  s3 = await startLocalS3({ bucket: ENV.SNAPSHOT_BUCKET, likeS3: true });
  ses.on(SendRawEmailCommand).callsFake((input: { RawMessage?: { Data?: Uint8Array } }) => {
    sesMessages.push(Buffer.from(input.RawMessage?.Data ?? new Uint8Array()).toString('utf8'));
    return { MessageId: `ses-${sesMessages.length}` };
  });
  ses.on(SendEmailCommand).rejects(new Error('the digest is sent as a raw MIME message'));
  // Keep Powertools' JSON lines out of the test output.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  run = createReportHandler({
    env: ENV,
    logger: new Logger({ serviceName: 'cs-kpi-digest', logLevel: 'WARN' }),
    metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest' }),
    createEngine: () => DuckDbEngine.open({ dataDir }),
    createStore: (config) =>
      new S3Store({ client: s3.client, bucket: config.snapshots.bucket, prefix: config.snapshots.prefix }),
    createMailer: () => createMailer({ transport: 'ses' }),
    clock: () => TODAY,
  });
}, 180_000);

afterAll(async () => {
  vi.restoreAllMocks();
  ses.restore();
  await s3?.stop();
  await rm(workDir, { recursive: true, force: true });
});

describe('report handler end to end', () => {
  it('sends the scheduled weekly digest once and stores the snapshot in S3', async () => {
    sesMessages = [];
    const event = { source: 'schedule', period: 'weekly', scheduledTime: '2026-11-23T06:00:00Z' };
    const response = await run(event, { awsRequestId: 'sched-1', getRemainingTimeInMillis: () => 600_000 });
    expect(response).toMatchObject({
      ok: true,
      trigger: 'schedule',
      period: { kind: 'weekly', key: '2026-W47', firstDay: '2026-11-16', lastDay: '2026-11-22' },
      snapshotUri: `s3://${s3.bucket}/e2e/snapshots/weekly/2026-W47.json`,
      latestUri: `s3://${s3.bucket}/e2e/snapshots/weekly/latest.json`,
      kpiCount: 56,
      dryRun: false,
      messagesSent: 2,
      sent: RECIPIENTS,
      skipped: [],
    });
    expect(sesMessages).toHaveLength(2);
    expect(sesMessages[0]).toMatch(/^To: ana@example\.com\r?$/m);
    expect(sesMessages[1]).toMatch(/^To: bo@example\.org\r?$/m);
    expect(sesMessages[0]).toMatch(/^From: .*digest@example\.com/m);

    const snapshot = JSON.parse(await s3Text('e2e/snapshots/weekly/2026-W47.json')) as Record<
      string,
      unknown
    >;
    const schema = JSON.parse(await readFile(path.resolve('docs/snapshot.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(snapshot), JSON.stringify(validate.errors)).toBe(true);
    expect(snapshot).toMatchObject({ period: { key: '2026-W47' }, stats: { engine: 'duckdb' } });
    expect(await s3Text('e2e/snapshots/weekly/latest.json')).toBe(
      await s3Text('e2e/snapshots/weekly/2026-W47.json'),
    );

    // The scheduler fires again (a retry, or a duplicate delivery): nothing more is sent.
    const retry = await run(event, { awsRequestId: 'sched-2' });
    expect(retry).toMatchObject({ messagesSent: 0, skipped: RECIPIENTS, period: { key: '2026-W47' } });
    expect(sesMessages).toHaveLength(2);

    const ledger = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'e2e/deliveries/ses/weekly/2026-W47/' }),
    );
    expect(ledger.Contents?.map((o) => o.Key)).toHaveLength(2);
  });

  it('runs a manual monthly report: a dry run, then a real one to the listed recipient', async () => {
    sesMessages = [];
    const dry = await run(
      { period: 'monthly', date: '2026-10-15', dryRun: true },
      { awsRequestId: 'manual-1' },
    );
    expect(dry).toMatchObject({
      trigger: 'manual',
      period: { kind: 'monthly', key: '2026-10', firstDay: '2026-10-01', lastDay: '2026-10-31' },
      snapshotUri: `s3://${s3.bucket}/e2e/snapshots/monthly/2026-10.json`,
      dryRun: true,
      messagesSent: 0,
      bytesScanned: 0,
    });
    expect(dry.nullKpis).toBeLessThan(dry.kpiCount);
    expect(sesMessages).toHaveLength(0);

    const sent = await run(
      { period: 'monthly', date: '2026-10-15', recipients: ['cfo@example.com'], locale: 'pl' },
      { awsRequestId: 'manual-2' },
    );
    expect(sent).toMatchObject({ messagesSent: 1, sent: ['cfo@example.com'], period: { key: '2026-10' } });
    expect(sesMessages).toHaveLength(1);
    expect(sesMessages[0]).toMatch(/^To: cfo@example\.com\r?$/m);
    const snapshot = JSON.parse(await s3Text('e2e/snapshots/monthly/2026-10.json')) as {
      period: { key: string };
    };
    expect(snapshot.period.key).toBe('2026-10');
  });
});
