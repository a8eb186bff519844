/**
 * CSM digests fanned out through a queue: SendMessageBatch, signed, against a local server that
 * answers as SQS does (partial failures, throttling, errors); the report function hands a
 * scheduled run's CSM digests to the queue and sends only the team digest; the delivery
 * function takes the queue's messages as an SQS event and sends each digest once through a
 * mocked SES, across a redelivered message and a failed send.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { MessageRejected, SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import {
  CsmDispatchError,
  SqsCsmDispatcher,
  SqsJsonClient,
  SqsRequestError,
  type SendMessageBatchInput,
} from '../functions/adapters/queues/sqs.js';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { awsAdapters } from '../functions/handlers/aws-adapters.js';
import { createReportHandler } from '../functions/handlers/report/runtime.js';
import { loadConfig } from '../functions/handlers/report/config.js';
import { createCsmDigestsHandler, type SqsEvent } from '../functions/handlers/csm-digests/runtime.js';
import type { CsmBatch } from '../functions/app/ports/csm-dispatcher.js';
import { writeBookFixture } from './helpers/csm-fixture.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/cs-kpi-csm-digests';
const ENV = {
  ATHENA_DATABASE: 'cs_data',
  ATHENA_WORKGROUP: 'cs-kpi-digest-queries',
  ATHENA_TABLES: '{"accounts":"accounts"}',
  SNAPSHOT_BUCKET: 'cs-kpi-snapshots',
  MAIL_SENDER: 'digest@acme.com',
  MAIL_RECIPIENTS: 'team@acme.com',
  REPORT_TIMEZONE: 'UTC',
  REPORT_CURRENCY: 'USD',
  REPORT_LOCALE: 'en',
  SES_MAX_SEND_RATE: '14',
  CSM_DIGESTS: 'true',
  CSM_DOMAINS: 'acme.com',
};

/** A local endpoint that speaks SQS's JSON protocol; `answers` are used in turn, then all accepted. */
let server: Server;
let endpoint = '';
const requests: { headers: IncomingMessage['headers']; input: SendMessageBatchInput }[] = [];
const queued: { messageId: string; body: string }[] = [];
let answers: ((input: SendMessageBatchInput) => { status: number; body: unknown })[] = [];
const acceptAll = (input: SendMessageBatchInput) => {
  const Successful = input.Entries.map((e) => {
    const messageId = randomUUID();
    queued.push({ messageId, body: e.MessageBody });
    return { Id: e.Id, MessageId: messageId, MD5OfMessageBody: 'ignored' };
  });
  return { status: 200, body: { Successful, Failed: [] } };
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const input = JSON.parse(body) as SendMessageBatchInput;
      requests.push({ headers: req.headers, input });
      const answer = (answers.shift() ?? acceptAll)(input);
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  queued.length = 0;
  answers = [];
});

const client = () =>
  new SqsJsonClient({
    region: 'eu-west-1',
    credentials: async () => ({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    }),
    endpoint,
  });
const dispatcher = () =>
  new SqsCsmDispatcher({ queueUrl: QUEUE_URL, client: client(), sleep: async () => undefined });

const batch = (i: number): CsmBatch => ({
  version: 1,
  period: { kind: 'weekly', key: '2026-W47' },
  variant: null,
  owners: [`csm${i}a@acme.com`, `csm${i}b@acme.com`],
  locale: 'en',
  from: 'digest@acme.com',
  force: false,
  runId: 'req-1',
});

describe('SendMessageBatch', () => {
  it('is signed for SQS in the JSON protocol, ten entries a call', async () => {
    const result = await dispatcher().dispatch(Array.from({ length: 12 }, (_, i) => batch(i)));
    expect(result).toEqual({ mode: 'queued', messages: 12 });
    expect(requests.map((r) => r.input.Entries.length)).toEqual([10, 2]);
    const first = requests[0];
    expect(first?.input.QueueUrl).toBe(QUEUE_URL);
    expect(first?.headers['x-amz-target']).toBe('AmazonSQS.SendMessageBatch');
    expect(first?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(first?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type;host[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(first?.headers['x-amz-security-token']).toBe('token');
    expect(queued.map((q) => (JSON.parse(q.body) as CsmBatch).owners[0])).toEqual(
      Array.from({ length: 12 }, (_, i) => `csm${i}a@acme.com`),
    );
  });

  it('sends again the entries SQS failed by its own fault, and a throttled call', async () => {
    answers = [
      () => ({
        status: 400,
        body: { __type: 'com.amazonaws.sqs#RequestThrottled', message: 'Request is throttled.' },
      }),
      (input) => {
        const [first, ...rest] = input.Entries;
        const accepted = acceptAll({ ...input, Entries: rest }).body;
        return {
          status: 200,
          body: {
            ...accepted,
            Failed: [{ Id: first?.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' }],
          },
        };
      },
    ];
    await dispatcher().dispatch([batch(0), batch(1), batch(2)]);
    expect(requests.map((r) => r.input.Entries.map((e) => e.Id))).toEqual([
      ['b0', 'b1', 'b2'],
      ['b0', 'b1', 'b2'],
      ['b0'],
    ]);
    expect(queued.map((q) => (JSON.parse(q.body) as CsmBatch).owners[0]).sort()).toEqual([
      'csm0a@acme.com',
      'csm1a@acme.com',
      'csm2a@acme.com',
    ]);
  });

  it('names every owner of a batch SQS would not take, instead of losing it', async () => {
    answers = [
      (input) => {
        const [first, second, ...rest] = input.Entries;
        const accepted = acceptAll({ ...input, Entries: [first!, ...rest] }).body;
        return {
          status: 200,
          body: {
            ...accepted,
            Failed: [
              { Id: second?.Id, SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad body' },
            ],
          },
        };
      },
    ];
    const error = await dispatcher()
      .dispatch([batch(0), batch(1), batch(2)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsmDispatchError);
    expect((error as CsmDispatchError).owners).toEqual(['csm1a@acme.com', 'csm1b@acme.com']);
    expect((error as Error).message).toMatch(/InvalidParameterValue: bad body/);
    // A sender's fault is not retried.
    expect(requests).toHaveLength(1);
  });

  it('stops on an error that repeating cannot fix, naming it', async () => {
    answers = [
      () => ({
        status: 400,
        body: {
          __type: 'com.amazonaws.sqs#QueueDoesNotExist',
          message: 'The specified queue does not exist.',
        },
      }),
    ];
    const error = await dispatcher()
      .dispatch([batch(0)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsmDispatchError);
    expect((error as Error).message).toMatch(/QueueDoesNotExist: The specified queue does not exist/);
    expect(requests).toHaveLength(1);
    await expect(
      client().sendMessageBatch({ QueueUrl: QUEUE_URL, Entries: [{ Id: 'x', MessageBody: '{}' }] }),
    ).resolves.toMatchObject({ Successful: [{ Id: 'x' }] });
    answers = [() => ({ status: 403, body: { __type: 'AccessDenied', message: 'no' } })];
    await expect(
      client().sendMessageBatch({ QueueUrl: QUEUE_URL, Entries: [{ Id: 'x', MessageBody: '{}' }] }),
    ).rejects.toThrow(SqsRequestError);
  });
});

describe('report and delivery functions with a queue', () => {
  const ses = mockClient(SESClient);
  const data = writeBookFixture();
  afterAll(() => rmSync(data, { recursive: true, force: true }));
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'csm-queue-'));
    ses.reset();
    ses.on(SendRawEmailCommand).callsFake(() => ({ MessageId: `0100018c-${randomUUID()}-000000` }));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  const aws = awsAdapters();
  const quiet = () => ({
    logger: new Logger({ serviceName: 'cs-kpi-digest', logLevel: 'ERROR' }),
    metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest' }),
  });
  const clock = () => new Date('2026-11-02T07:00:05Z');
  const env = { ...ENV, CSM_QUEUE_URL: QUEUE_URL };

  const report = () =>
    createReportHandler({
      env,
      ...quiet(),
      createEngine: () => DuckDbEngine.open({ dataDir: data }),
      createStore: () => new FileStore(root),
      createMailer: (config) => aws.createMailer(config),
      createCsmDispatcher: (queueUrl) =>
        new SqsCsmDispatcher({ queueUrl, client: client(), sleep: async () => undefined }),
      clock,
    });
  const delivery = () =>
    createCsmDigestsHandler({
      env,
      ...quiet(),
      createStore: () => new FileStore(root),
      createMailer: aws.createMailer,
      clock,
    });
  const event = (messages: readonly { messageId: string; body: string }[], receiveCount = 1): SqsEvent => ({
    Records: messages.map((m) => ({
      messageId: m.messageId,
      body: m.body,
      attributes: { ApproximateReceiveCount: String(receiveCount) },
    })),
  });
  const recipients = (): string[] =>
    ses.commandCalls(SendRawEmailCommand).flatMap((c) => [...(c.args[0].input.Destinations ?? [])]);
  /** SendRawEmail calls per address (CSM digests go out a few at once, in no fixed order). */
  const callsTo = (): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const to of recipients()) counts[to] = (counts[to] ?? 0) + 1;
    return counts;
  };
  const ONCE_EACH = { 'team@acme.com': 1, 'ana@acme.com': 1, 'bo@acme.com': 1, 'cy@acme.com': 1 };
  const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 100_000 };

  it('the report run queues the CSM digests and sends the team digest; the delivery function sends each once', async () => {
    const scheduled = { source: 'schedule', period: 'monthly', scheduledTime: '2026-11-01T07:00:00Z' };
    const response = await report()(scheduled, context);
    expect(response.sent).toEqual(['team@acme.com']);
    expect(response.csm?.dispatched).toEqual({
      owners: ['ana@acme.com', 'bo@acme.com', 'cy@acme.com'],
      batches: 1,
    });
    expect(recipients()).toEqual(['team@acme.com']);
    expect(queued).toHaveLength(1);

    const deliver = delivery();
    expect(await deliver(event(queued), context)).toEqual({ batchItemFailures: [] });
    expect(callsTo()).toEqual(ONCE_EACH);
    // SQS delivers a message at least once: the same message again sends nothing.
    expect(await deliver(event(queued, 2), context)).toEqual({ batchItemFailures: [] });
    // And a retried report run queues the batch again: still nothing more.
    await report()(scheduled, context);
    expect(await deliver(event(queued.slice(1)), context)).toEqual({ batchItemFailures: [] });
    expect(callsTo()).toEqual(ONCE_EACH);
  }, 120_000);

  it('reports a batch whose send failed; its redelivery sends only what is missing', async () => {
    await report()({ source: 'schedule', period: 'monthly', scheduledTime: '2026-11-01T07:00:00Z' }, context);
    let rejected = 0;
    ses.on(SendRawEmailCommand).callsFake((input: { Destinations?: string[] }) => {
      if (input.Destinations?.includes('bo@acme.com') && rejected === 0) {
        rejected += 1;
        throw new MessageRejected({
          $metadata: { httpStatusCode: 400, requestId: 'req-rejected' },
          message: 'Email address is not verified.',
        });
      }
      return { MessageId: `0100018c-${randomUUID()}-000000` };
    });
    const deliver = delivery();
    const [message] = queued;
    expect(await deliver(event(queued), context)).toEqual({
      batchItemFailures: [{ itemIdentifier: message?.messageId }],
    });
    // bo's call was made and rejected; the others went out.
    expect(callsTo()).toEqual(ONCE_EACH);
    expect(await deliver(event(queued, 2), context)).toEqual({ batchItemFailures: [] });
    expect(callsTo()).toEqual({ ...ONCE_EACH, 'bo@acme.com': 2 });
    expect(await deliver(event(queued, 3), context)).toEqual({ batchItemFailures: [] });
    expect(callsTo()).toEqual({ ...ONCE_EACH, 'bo@acme.com': 2 });
  }, 120_000);

  it('sends one CSM asked for by hand from the report function itself, not through the queue', async () => {
    const response = await report()({ period: 'monthly', date: '2026-10-15', csm: 'bo@acme.com' }, context);
    expect(response.csm?.sent).toEqual(['bo@acme.com']);
    expect(response.csm?.dispatched).toBeUndefined();
    expect(requests).toHaveLength(0);
    expect(recipients()).toEqual(['bo@acme.com']);
  }, 120_000);

  it('refuses a message that is not a batch (it goes to the dead-letter queue after its retries)', async () => {
    const response = await delivery()(
      event([{ messageId: 'm-1', body: '{"owners":["x@acme.com"]}' }]),
      context,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(recipients()).toEqual([]);
  });

  it('paces each delivery invocation to its share of the account rate', async () => {
    const config = loadConfig(env);
    expect(config.csmDelivery).toEqual({ queueUrl: QUEUE_URL, concurrency: 2 });
    const mailer = await aws.createMailer(config, 1 / config.csmDelivery.concurrency);
    expect(await (mailer as unknown as { sendRate(): Promise<number> }).sendRate()).toBe(7);
    expect(() => loadConfig({ ...env, CSM_QUEUE_URL: 'https://example.com/q' })).toThrow(/CSM_QUEUE_URL/);
  });
});
