import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  createReportHandler,
  type LambdaContext,
  type ReportHandlerDeps,
} from '../functions/handlers/report/runtime.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { fakeBuildSnapshot, fakeEngine, fakeRenderDigest, RecordingMailer } from './job-fakes.js';

const ENV = {
  ATHENA_DATABASE: 'cs_data',
  ATHENA_WORKGROUP: 'cs-kpi-digest-queries',
  ATHENA_TABLES: '{"accounts":"accounts"}',
  SNAPSHOT_BUCKET: 'cs-kpi-snapshots',
  MAIL_SENDER: 'digest@example.com',
  MAIL_RECIPIENTS: 'ana@example.com,bo@example.org',
  REPORT_TIMEZONE: 'Europe/Warsaw',
  REPORT_CURRENCY: 'USD',
  REPORT_LOCALE: 'en',
};

/** Powertools writes JSON lines to stdout and stderr; collect them instead of printing them. */
function captureOutput(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const chunks: string[] = [];
  const take = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(take);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(take);
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

function context(requestId: string, remainingMs?: number): LambdaContext {
  return {
    awsRequestId: requestId,
    functionName: 'cs-kpi-digest-report',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:cs-kpi-digest-report',
    memoryLimitInMB: '1024',
    ...(remainingMs !== undefined ? { getRemainingTimeInMillis: () => remainingMs } : {}),
  };
}

let root: string;
let mailer: RecordingMailer;
let output: ReturnType<typeof captureOutput>;
let engineOptions: { queryTimeoutMs: number }[];

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'handler-'));
  mailer = new RecordingMailer();
  engineOptions = [];
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  await rm(root, { recursive: true, force: true });
});

function handler(overrides: Partial<ReportHandlerDeps> = {}) {
  return createReportHandler({
    env: ENV,
    logger: new Logger({ serviceName: 'cs-kpi-digest', logLevel: 'INFO' }),
    metrics: new Metrics({ namespace: 'CsKpiDigest', serviceName: 'cs-kpi-digest' }),
    createEngine: (_config, options) => {
      engineOptions.push(options);
      return fakeEngine;
    },
    createStore: () => new FileStore(root),
    createMailer: () => mailer,
    clock: () => new Date('2026-11-23T07:00:05Z'),
    buildSnapshot: fakeBuildSnapshot,
    renderDigest: fakeRenderDigest,
    ...overrides,
  });
}

describe('report handler', () => {
  it('answers a manual dry run with the summary, logs with ids and publishes metrics', async () => {
    const response = await handler()(
      { period: 'monthly', date: '2026-10-15', dryRun: true },
      context('req-1', 600_000),
    );
    expect(response).toEqual({
      ok: true,
      trigger: 'manual',
      requestId: 'req-1',
      period: {
        kind: 'monthly',
        key: '2026-10',
        firstDay: '2026-10-01',
        lastDay: '2026-10-31',
        timezone: 'Europe/Warsaw',
      },
      snapshotUri: path.join(root, 'snapshots', 'monthly', '2026-10.json'),
      latestUri: path.join(root, 'snapshots', 'monthly', 'latest.json'),
      kpiCount: 56,
      nullKpis: 2,
      rowsExcluded: 3,
      bytesScanned: 0,
      estimatedCostUsd: 0,
      dryRun: true,
      messagesSent: 0,
      sent: [],
      skipped: [],
      durationMs: expect.any(Number),
    });
    expect(mailer.sent).toHaveLength(0);
    // The per-query timeout stays inside the invocation's remaining time.
    expect(engineOptions[0]?.queryTimeoutMs).toBe(300_000);

    const lines = output.lines();
    const logs = lines.filter((l) => typeof l.message === 'string');
    expect(logs.length).toBeGreaterThan(2);
    for (const log of logs) {
      expect(log).toMatchObject({
        period: '2026-10',
        periodKind: 'monthly',
        function_request_id: 'req-1',
        service: 'cs-kpi-digest',
      });
    }
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(['report requested', 'snapshot written', 'report done']),
    );

    const emf = lines.find((l) => '_aws' in l) as
      | ({
          _aws: {
            CloudWatchMetrics: {
              Namespace: string;
              Dimensions: string[][];
              Metrics: { Name: string; Unit: string }[];
            }[];
          };
        } & Record<string, unknown>)
      | undefined;
    expect(emf).toBeDefined();
    const directive = emf?._aws.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe('CsKpiDigest');
    expect(directive?.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'periodKind']));
    expect(directive?.Metrics.map((m) => `${m.Name}:${m.Unit}`).sort()).toEqual([
      'BytesScanned:Bytes',
      'EmailsSent:Count',
      'KpisNull:Count',
      'ReportDuration:Milliseconds',
      'RowsExcluded:Count',
    ]);
    expect(emf).toMatchObject({ periodKind: 'monthly', KpisNull: 2, EmailsSent: 0, RowsExcluded: 3 });
  });

  it('sends a scheduled digest once, however often the schedule fires', async () => {
    const run = handler();
    const event = { source: 'schedule', period: 'weekly', scheduledTime: '2026-11-23T07:00:00Z' };
    const first = await run(event, context('req-a'));
    const retry = await run(event, context('req-b'));
    expect(first).toMatchObject({ trigger: 'schedule', period: { key: '2026-W47' }, messagesSent: 2 });
    expect(first.sent).toEqual(['ana@example.com', 'bo@example.org']);
    expect(retry).toMatchObject({ messagesSent: 0, skipped: ['ana@example.com', 'bo@example.org'] });
    expect(mailer.sent).toHaveLength(2);
  });

  it('rejects a bad payload with the field in the message and counts the failure', async () => {
    await expect(handler()({ period: 'quarterly' }, context('req-x'))).rejects.toThrow(
      /invalid payload: period: "quarterly" is not one of weekly, monthly/,
    );
    const lines = output.lines();
    const failure = lines.find((l) => l.message === 'report failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      function_request_id: 'req-x',
      error: { name: 'InputError' },
    });
    expect(lines.find((l) => '_aws' in l)).toMatchObject({ ReportFailed: 1 });
  });

  it('fails every invocation of a misconfigured function with the same clear error', async () => {
    const run = handler({ env: { ...ENV, MAIL_RECIPIENTS: '', ATHENA_WORKGROUP: undefined } });
    for (const id of ['req-1', 'req-2']) {
      await expect(run({ period: 'weekly', dryRun: true }, context(id))).rejects.toThrow(
        'invalid environment: ATHENA_WORKGROUP is not set; MAIL_RECIPIENTS: names no recipient',
      );
    }
  });

  it('keeps a query from outliving a short invocation', async () => {
    await handler()({ period: 'weekly', dryRun: true }, context('req-t', 90_000));
    expect(engineOptions[0]?.queryTimeoutMs).toBe(70_000);
  });

  it('reports an incomplete delivery as a failure so the retry finishes it', async () => {
    mailer.failFor.add('bo@example.org');
    const run = handler();
    await expect(run({ period: 'weekly' }, context('req-1'))).rejects.toThrow(/failed for bo@example.org/);
    mailer.failFor.clear();
    const retry = await run({ period: 'weekly' }, context('req-1'));
    expect(retry).toMatchObject({ sent: ['bo@example.org'], skipped: ['ana@example.com'] });
    expect(mailer.countTo('ana@example.com')).toBe(1);
    expect(mailer.countTo('bo@example.org')).toBe(1);
  });

  it('a run killed between claim and send is finished by the first Lambda retry, a minute later', async () => {
    const event = { source: 'schedule', period: 'weekly', scheduledTime: '2026-11-23T07:00:00Z' };
    // The first invocation claims ana and then never gets to the send: the process is killed
    // there (SIGKILL, out of memory), so the invocation fails at once.
    const hung = new RecordingMailer();
    hung.onSend = () => new Promise<void>(() => undefined);
    void handler({ createMailer: () => hung })(event, context('req-k', 300_000));
    await vi.waitFor(async () => {
      expect(await new FileStore(root).get('snapshots/weekly/2026-W47.json')).not.toBeNull();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Lambda's first retry comes a minute after the invocation failed, with the same request id.
    const retryClock = () => new Date('2026-11-23T07:01:05Z');
    const retry = await handler({ clock: retryClock })(event, context('req-k', 300_000));
    expect(retry.sent).toEqual(['ana@example.com', 'bo@example.org']);
    expect(mailer.countTo('ana@example.com')).toBe(1);
  });

  it('a retry right after the claimed send, when the claim has not run out, leaves it to the next retry', async () => {
    const event = { source: 'schedule', period: 'weekly', scheduledTime: '2026-11-23T07:00:00Z' };
    const hung = new RecordingMailer();
    hung.onSend = () => new Promise<void>(() => undefined);
    void handler({ createMailer: () => hung })(event, context('req-h', 300_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Ten seconds later the send may still be in progress: nothing is sent twice.
    await expect(
      handler({ clock: () => new Date('2026-11-23T07:00:15Z') })(event, context('req-h2', 300_000)),
    ).rejects.toThrow(/still in progress in another run for ana@example.com/);
    expect(mailer.countTo('ana@example.com')).toBe(0);
  });
});
