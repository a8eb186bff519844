/**
 * The Lambda side: a backfill payload is refused with the command to run; the alert function
 * checks its rules at cold start, runs from the schedule's time; SNS Publish is signed and sent
 * to a real (local) HTTP server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { resolveRequest } from '../functions/handlers/report/payload.js';
import { createAlertHandler } from '../functions/handlers/alerts/runtime.js';
import { SnsPublisher, snsSubject } from '../functions/handlers/alerts/sns.js';
import type { AlertPublisher, AlertSnapshotFn } from '../functions/app/alerts.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { fakeEngine, fakeSnapshot, RecordingMailer } from './job-fakes.js';

const root = mkdtempSync(join(tmpdir(), 'alert-lambda-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a backfill payload to the report function', () => {
  it('is refused with the command that does it', () => {
    const defaults = { timezone: 'UTC', locale: 'en' as const, recipients: ['a@example.com'] };
    expect(() =>
      resolveRequest(
        { backfill: { from: '2025-12', to: '2026-10' } },
        defaults,
        new Date('2026-11-23T07:00:00Z'),
      ),
    ).toThrow(
      /^invalid payload: a backfill does not run in the function \(an invocation stops after 15 minutes\); run it from a shell .*npm run backfill -- --engine athena .* --period monthly --from 2025-12 --to 2026-10$/,
    );
    // Values that are not period keys are never echoed.
    expect(() => resolveRequest({ backfill: { from: '<script>' } }, defaults, new Date())).toThrow(
      /--from 2025-12 --to 2026-10$/,
    );
  });
});

const ENV = {
  ATHENA_DATABASE: 'cs_kpi',
  ATHENA_WORKGROUP: 'CsKpiDigest-queries',
  ATHENA_TABLES: '{"survey_responses":"survey_responses"}',
  SNAPSHOT_BUCKET: 'cs-kpi-snapshots',
  MAIL_SENDER: 'digest@example.com',
  MAIL_RECIPIENTS: 'team@example.com',
  REPORT_TIMEZONE: 'Europe/Warsaw',
  ALERT_RULES: '[{"kpi":"nps","below":20,"period":"monthly"}]',
  ALERT_RECIPIENTS: 'cs-lead@example.com',
  ALERT_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:cs-kpi-alerts',
  POWERTOOLS_METRICS_NAMESPACE: 'CsKpiDigest',
  POWERTOOLS_SERVICE_NAME: 'cs-kpi-digest',
};

const quietLogger = (): Logger => new Logger({ logLevel: 'SILENT' });

describe('the alert function', () => {
  const nps12: AlertSnapshotFn = async (_engine, options) => {
    const base = fakeSnapshot(options.period, options.now, []);
    return { ...base, kpis: { ...base.kpis, nps: { value: 12, previous: 30, delta: -18, unit: 'score' } } };
  };

  it('names a bad rule at cold start, and every invocation fails with it', async () => {
    const handler = createAlertHandler({
      env: { ...ENV, ALERT_RULES: '[{"kpi":"npx","below":20}]' },
      logger: quietLogger(),
      metrics: new Metrics({ namespace: 'Test' }),
      createEngine: () => fakeEngine,
      createStore: () => new FileStore(join(root, 'bad')),
      createMailer: () => new RecordingMailer(),
      createPublisher: () => ({ publish: async () => ({ messageId: 'x' }) }),
    });
    await expect(handler({ dryRun: true }, { awsRequestId: 'r1' })).rejects.toThrow(
      /invalid environment: ALERT_RULES invalid alert rules: rules\[0\]\.kpi: unknown KPI "npx"/,
    );
  });

  it('evaluates the day of the schedule’s time, mails the alert recipients and publishes once', async () => {
    const mailer = new RecordingMailer();
    const published: string[] = [];
    const publisher: AlertPublisher = {
      publish: async (subject) => {
        published.push(subject);
        return { messageId: 'm-1' };
      },
    };
    const handler = createAlertHandler({
      env: ENV,
      logger: quietLogger(),
      metrics: new Metrics({ namespace: 'Test' }),
      createEngine: () => fakeEngine,
      createStore: () => new FileStore(join(root, 'ok')),
      createMailer: () => mailer,
      createPublisher: (arn) => {
        expect(arn).toBe(ENV.ALERT_TOPIC_ARN);
        return publisher;
      },
      buildSnapshot: nps12,
      clock: () => new Date('2030-01-01T00:00:00Z'),
    });
    const event = { source: 'alert-schedule', scheduledTime: '2026-11-17T06:00:00+01:00' };
    const first = await handler(event, { awsRequestId: 'r2' });
    expect(first).toMatchObject({ ok: true, fired: 1, sent: ['cs-lead@example.com'], published: true });
    expect(first.periods.map((p) => [p.key, p.through])).toEqual([['2026-11', '2026-11-16']]);
    // The scheduler retries the same event: nothing goes out twice.
    expect(await handler(event, { awsRequestId: 'r3' })).toMatchObject({
      fired: 0,
      sent: [],
      published: false,
    });
    expect(mailer.sent.map((m) => m.to)).toEqual([['cs-lead@example.com']]);
    expect(published).toEqual(['[Alert] NPS is 12, below 20 (8 past the threshold)']);
    await expect(handler({ source: 'alert-schedule' }, { awsRequestId: 'r4' })).rejects.toThrow(
      /invalid payload/,
    );
  });
});

describe('SNS Publish', () => {
  let server: Server;
  let endpoint = '';
  const requests: { headers: IncomingMessage['headers']; body: string }[] = [];
  let answer = { status: 200, body: '' };
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        requests.push({ headers: req.headers, body });
        res.writeHead(answer.status, { 'content-type': 'text/xml' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const publisher = (): SnsPublisher =>
    new SnsPublisher({
      topicArn: 'arn:aws:sns:eu-central-1:123456789012:cs-kpi-alerts',
      region: 'eu-central-1',
      credentials: async () => ({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      }),
      endpoint,
    });

  it('sends a signed Publish with the topic, subject and message, and reads the message id', async () => {
    answer = {
      status: 200,
      body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>94f20ce6-13c5</MessageId></PublishResult></PublishResponse>',
    };
    const result = await publisher().publish('[Alert] NPS is 12 — below 20', 'NPS is 12\nHistory: …');
    expect(result).toEqual({ messageId: '94f20ce6-13c5' });
    const request = requests.at(-1);
    const form = new URLSearchParams(request?.body ?? '');
    expect(Object.fromEntries(form)).toEqual({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: 'arn:aws:sns:eu-central-1:123456789012:cs-kpi-alerts',
      Subject: '[Alert] NPS is 12  below 20',
      Message: 'NPS is 12\nHistory: …',
    });
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/sns\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type;host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-security-token']).toBe('token');
  });

  it('names SNS’s error', async () => {
    answer = {
      status: 403,
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>User is not authorized to perform: SNS:Publish</Message></Error></ErrorResponse>',
    };
    await expect(publisher().publish('s', 'm')).rejects.toThrow(
      'SNS Publish to arn:aws:sns:eu-central-1:123456789012:cs-kpi-alerts failed: AuthorizationError: User is not authorized to perform: SNS:Publish',
    );
  });

  it('keeps subjects within SNS’s limits', () => {
    expect(snsSubject('[Alert] Zażółć gęślą jaźń')).toBe('[Alert] Zazoc gesla jazn');
    expect(snsSubject('x'.repeat(150))).toHaveLength(100);
    expect(
      () =>
        new SnsPublisher({
          topicArn: 'cs-kpi-alerts',
          region: 'x',
          credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
        }),
    ).toThrow(/is not an SNS topic ARN/);
  });
});
