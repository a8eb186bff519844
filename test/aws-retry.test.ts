/**
 * One retry layer per AWS client: the classifier, the policies' worst cases, and a real Athena
 * SDK client against a local HTTP endpoint that throttles every call, counting the requests
 * that actually leave the process (the SDK's retry middleware runs for real here, unlike with
 * a mocked client).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaClient } from '@aws-sdk/client-athena';
import {
  ADAPTER_RETRIES_CLIENT_CONFIG,
  ATHENA_RETRY,
  SES_RETRY,
  backoffCeilingMs,
  isTransientAwsError,
  transientKind,
  worstCaseWaitMs,
} from '../functions/adapters/aws/retry.js';
import { AthenaEngine } from '../functions/adapters/engines/athena.js';
import { SesMailer } from '../functions/adapters/mailers/ses.js';

describe('transientKind', () => {
  it('tells throttling, server faults and network errors apart, and everything else is final', () => {
    expect(transientKind({ name: 'ThrottlingException' })).toBe('throttled');
    expect(transientKind({ name: 'Throttling', $metadata: { httpStatusCode: 400 } })).toBe('throttled');
    expect(transientKind({ name: 'Whatever', $metadata: { httpStatusCode: 429 } })).toBe('throttled');
    expect(transientKind({ name: 'X', $retryable: { throttling: true } })).toBe('throttled');
    expect(transientKind({ name: 'InternalFailure', $fault: 'server' })).toBe('server-fault');
    expect(transientKind({ name: 'Unknown', $metadata: { httpStatusCode: 503 } })).toBe('server-fault');
    expect(transientKind({ name: 'Error', code: 'ECONNRESET' })).toBe('network');
    expect(transientKind({ name: 'TimeoutError' })).toBe('network');
    expect(
      transientKind({
        name: 'InvalidRequestException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    ).toBe(null);
    expect(transientKind({ name: 'MessageRejected', $metadata: { httpStatusCode: 400 } })).toBe(null);
    expect(transientKind('a string')).toBe(null);
    expect(transientKind(null)).toBe(null);
    expect(isTransientAwsError({ name: 'ServiceUnavailable' })).toBe(true);
  });
});

describe('retry policies', () => {
  it('double each wait up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffCeilingMs(ATHENA_RETRY, n))).toEqual([
      400, 800, 1_600, 3_200, 6_400, 10_000,
    ]);
    expect([1, 2, 3].map((n) => backoffCeilingMs(SES_RETRY, n))).toEqual([500, 1_000, 2_000]);
  });

  it('bound the time a call can spend waiting (docs/runtime.md quotes these)', () => {
    // Athena: 4 waits of at most 0.4 + 0.8 + 1.6 + 3.2 s per call.
    expect(worstCaseWaitMs(ATHENA_RETRY)).toBe(6_000);
    // SES: 3 waits of at most 0.5 + 1 + 2 s per message.
    expect(worstCaseWaitMs(SES_RETRY)).toBe(3_500);
  });
});

describe('one retry layer per client', () => {
  let server: Server;
  let endpoint: string;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => {
        // Athena's JSON protocol error for a throttled call.
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `r-${requests}`,
        });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const athenaClient = (extra: { maxAttempts?: number }): AthenaClient =>
    new AthenaClient({
      region: 'eu-central-1',
      endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...extra,
    });

  it('sends each Athena call once per engine attempt: 5 requests, not 5 × the SDK default of 3', async () => {
    requests = 0;
    const client = athenaClient(ADAPTER_RETRIES_CLIENT_CONFIG);
    const engine = new AthenaEngine({
      client,
      workgroup: 'wg',
      database: 'db',
      tables: {},
      sleep: async () => undefined,
    });
    await expect(engine.query({ name: 'q', sql: 'SELECT 1', params: [] })).rejects.toThrow(
      /StartQueryExecution for query "q" failed: ThrottlingException: Rate exceeded/,
    );
    expect(requests).toBe(ATHENA_RETRY.attempts);
    client.destroy();
  });

  it('would stack retries with a default SDK client (what the handler used to build)', async () => {
    requests = 0;
    // Fast SDK retries so the test stays quick; the count is what matters.
    const client = athenaClient({ maxAttempts: 2 });
    const engine = new AthenaEngine({
      client,
      workgroup: 'wg',
      database: 'db',
      tables: {},
      maxAttempts: 2,
      sleep: async () => undefined,
    });
    await expect(engine.query({ name: 'q', sql: 'SELECT 1', params: [] })).rejects.toThrow(
      /ThrottlingException/,
    );
    expect(requests).toBe(4);
    client.destroy();
  });

  it('builds SES and Athena default clients without SDK retries', async () => {
    const mailer = new SesMailer({ region: 'eu-central-1' });
    const sesClient = (mailer as unknown as { client: { config: { maxAttempts: () => Promise<number> } } })
      .client;
    expect(await sesClient.config.maxAttempts()).toBe(1);
  });
});
