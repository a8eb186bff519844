import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeliveryIncompleteError,
  runDigestJob,
  type JobDeps,
  type JobMetricUnit,
  type JobRequest,
} from '../functions/core/job.js';
import { DeliveryLedger, recipientHash, type DeliveryRecord } from '../functions/core/delivery-ledger.js';
import { periodFromKey } from '../functions/core/period.js';
import { InputError, type QueryEngine } from '../functions/engines/engine.js';
import { FileStore } from '../functions/stores/file.js';
import { S3Store } from '../functions/stores/s3.js';
import type { ObjectStore } from '../functions/stores/store.js';
import { fakeBuildSnapshot, fakeEngine, fakeRenderDigest, RecordingMailer } from './job-fakes.js';
import { startLocalS3, type LocalS3 } from './store-s3-server.js';

const WEEK = periodFromKey('2026-W47', 'Europe/Warsaw');
const NOW = new Date('2026-11-23T07:00:00Z');
const A = 'ana@example.com';
const B = 'bo@example.org';

let root: string;
let store: FileStore;
let mailer: RecordingMailer;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'job-'));
  store = new FileStore(root);
  mailer = new RecordingMailer();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function deps(overrides: Partial<JobDeps> = {}): JobDeps {
  return {
    engine: fakeEngine,
    store,
    mailer,
    buildSnapshot: fakeBuildSnapshot,
    renderDigest: fakeRenderDigest,
    ...overrides,
  };
}

function request(overrides: Partial<JobRequest> = {}): JobRequest {
  return {
    period: WEEK,
    currency: 'USD',
    locale: 'en',
    from: 'digest@example.com',
    recipients: [A, B],
    dryRun: false,
    force: false,
    now: NOW,
    ...overrides,
  };
}

async function record(s: ObjectStore, recipient: string): Promise<DeliveryRecord | null> {
  const text = await s.get(`deliveries/weekly/2026-W47/${recipientHash(recipient)}.json`);
  return text === null ? null : (JSON.parse(text) as DeliveryRecord);
}

describe('runDigestJob', () => {
  it('dry run: writes the snapshot and latest.json, renders and sends nothing', async () => {
    let rendered = 0;
    const summary = await runDigestJob(
      deps({
        renderDigest: (s, o) => {
          rendered += 1;
          return fakeRenderDigest(s, o);
        },
      }),
      request({ dryRun: true }),
    );
    expect(summary).toMatchObject({
      snapshotUri: path.join(root, 'snapshots', 'weekly', '2026-W47.json'),
      latestUri: path.join(root, 'snapshots', 'weekly', 'latest.json'),
      period: { kind: 'weekly', key: '2026-W47', timezone: 'Europe/Warsaw' },
      kpiCount: 56,
      nullKpis: 2,
      rowsExcluded: 3,
      bytesScanned: 0,
      estimatedCostUsd: 0,
      dryRun: true,
      sent: [],
      skipped: [],
    });
    const written = JSON.parse((await store.get('snapshots/weekly/2026-W47.json')) ?? 'null') as {
      period: { key: string };
    };
    expect(written.period.key).toBe('2026-W47');
    expect(await store.get('snapshots/weekly/latest.json')).toBe(
      await store.get('snapshots/weekly/2026-W47.json'),
    );
    expect(rendered).toBe(0);
    expect(mailer.sent).toHaveLength(0);
  });

  it('moves latest.json forward only', async () => {
    await runDigestJob(deps(), request({ dryRun: true }));
    const older = await runDigestJob(
      deps(),
      request({ dryRun: true, period: periodFromKey('2026-W45', 'Europe/Warsaw') }),
    );
    expect(older.latestUri).toBeNull();
    const latest = JSON.parse((await store.get('snapshots/weekly/latest.json')) ?? '{}') as {
      period: { key: string };
    };
    expect(latest.period.key).toBe('2026-W47');
    expect(await store.get('snapshots/weekly/2026-W45.json')).not.toBeNull();
    // The same period again (a re-run) refreshes latest.json.
    const again = await runDigestJob(
      deps(),
      request({ dryRun: true, now: new Date('2026-11-24T00:00:00Z') }),
    );
    expect(again.latestUri).not.toBeNull();
    const refreshed = JSON.parse((await store.get('snapshots/weekly/latest.json')) ?? '{}') as {
      generatedAt: string;
    };
    expect(refreshed.generatedAt).toBe('2026-11-24T00:00:00.000Z');
  });

  it('writes the snapshot before the first e-mail and sends one message per recipient', async () => {
    const snapshotAtSend: (string | null)[] = [];
    mailer.onSend = async () => {
      snapshotAtSend.push(await store.get('snapshots/weekly/2026-W47.json'));
    };
    const summary = await runDigestJob(deps(), request({ recipients: [A, B, 'ANA@example.com'] }));
    expect(summary.sent).toEqual([A, B]);
    expect(snapshotAtSend).toHaveLength(2);
    expect(snapshotAtSend.every((s) => s !== null)).toBe(true);
    expect(mailer.sent.map((m) => m.to)).toEqual([[A], [B]]);
    expect(mailer.sent[0]?.subject).toBe('KPI digest 2026-W47');
    expect(mailer.sent.map((m) => m.headers?.['X-Digest-Id'])).toEqual([
      'weekly/2026-W47',
      'weekly/2026-W47',
    ]);
    const rec = await record(store, A);
    expect(rec).toMatchObject({
      state: 'sent',
      recipient: A,
      attempt: 1,
      messageId: '<m1@test>',
      transport: 'outbox',
    });
    expect(rec?.snapshotSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('puts the engine’s scan totals into the snapshot stats and the summary', async () => {
    const athenaLike: QueryEngine & { totals(): { bytesScanned: number; estimatedCostUsd: number } } = {
      ...fakeEngine,
      kind: 'athena',
      totals: () => ({ bytesScanned: 2_500_000_000, estimatedCostUsd: 0.0125 }),
    };
    const summary = await runDigestJob(deps({ engine: athenaLike }), request({ dryRun: true }));
    expect(summary.bytesScanned).toBe(2_500_000_000);
    expect(summary.estimatedCostUsd).toBe(0.0125);
    const stats = (
      JSON.parse((await store.get('snapshots/weekly/2026-W47.json')) ?? '{}') as { stats: object }
    ).stats;
    expect(stats).toMatchObject({ bytesScanned: 2_500_000_000, estimatedCostUsd: 0.0125, queries: 0 });
  });

  it('reports metrics and logs with the period', async () => {
    const metrics: [string, JobMetricUnit, number][] = [];
    const logs: [string, Record<string, unknown> | undefined][] = [];
    const log = (message: string, attributes?: Record<string, unknown>) => logs.push([message, attributes]);
    await runDigestJob(
      deps({
        metrics: { addMetric: (name, unit, value) => metrics.push([name, unit, value]) },
        logger: { info: log, warn: log, error: log },
      }),
      request(),
    );
    expect(metrics.map(([n, u]) => `${n}:${u}`)).toEqual([
      'ReportDuration:Milliseconds',
      'BytesScanned:Bytes',
      'KpisNull:Count',
      'RowsExcluded:Count',
      'EmailsSent:Count',
    ]);
    expect(metrics.find(([n]) => n === 'EmailsSent')?.[2]).toBe(2);
    expect(metrics.find(([n]) => n === 'KpisNull')?.[2]).toBe(2);
    expect(logs.map(([m]) => m)).toContain('snapshot written');
    expect(logs.every(([, a]) => a?.period === '2026-W47')).toBe(true);
  });

  it('refuses bad input before building anything', async () => {
    await expect(runDigestJob(deps(), request({ recipients: ['not-an-address'] }))).rejects.toThrow(
      /recipient "not-an-address" is not an e-mail address/,
    );
    await expect(runDigestJob(deps({ mailer: null }), request())).rejects.toThrow(InputError);
    await expect(runDigestJob(deps(), request({ recipients: [] }))).rejects.toThrow(/no recipients/);
    expect(await store.get('snapshots/weekly/2026-W47.json')).toBeNull();
  });
});

describe('exactly-once delivery', () => {
  it('two invocations for the same period send once', async () => {
    const first = await runDigestJob(deps(), request({ runId: 'run-1' }));
    const second = await runDigestJob(deps(), request({ runId: 'run-2' }));
    expect(first.sent).toEqual([A, B]);
    expect(second.sent).toEqual([]);
    expect(second.skipped).toEqual([A, B]);
    expect(mailer.countTo(A)).toBe(1);
    expect(mailer.countTo(B)).toBe(1);
  });

  it('force sends again, once per forced run even when that run is retried', async () => {
    await runDigestJob(deps(), request({ runId: 'scheduled' }));
    const forced = await runDigestJob(deps(), request({ runId: 'manual-1', force: true }));
    expect(forced.sent).toEqual([A, B]);
    expect(mailer.countTo(A)).toBe(2);
    // A Lambda retry of the forced invocation keeps its request id and does not send a third time.
    const retried = await runDigestJob(deps(), request({ runId: 'manual-1', force: true }));
    expect(retried.skipped).toEqual([A, B]);
    expect(mailer.countTo(A)).toBe(2);
    expect((await record(store, A))?.attempt).toBe(2);
  });

  it('a failure after the snapshot and before any e-mail is finished by a retry', async () => {
    let failRender = true;
    const flakyRender: JobDeps['renderDigest'] = (s, o) => {
      if (failRender) throw new Error('template missing');
      return fakeRenderDigest(s, o);
    };
    await expect(runDigestJob(deps({ renderDigest: flakyRender }), request())).rejects.toThrow(
      /template missing/,
    );
    expect(await store.get('snapshots/weekly/2026-W47.json')).not.toBeNull();
    expect(mailer.sent).toHaveLength(0);
    failRender = false;
    const retry = await runDigestJob(deps({ renderDigest: flakyRender }), request());
    expect(retry.sent).toEqual([A, B]);
    expect(mailer.countTo(A)).toBe(1);
    expect(mailer.countTo(B)).toBe(1);
  });

  it('a send that fails for one recipient is retried for that recipient only', async () => {
    mailer.failFor.add(B);
    const failure = runDigestJob(deps(), request());
    await expect(failure).rejects.toThrow(DeliveryIncompleteError);
    await expect(failure).rejects.toThrow(/failed for bo@example.org \(Error: SMTP 451 temporary failure/);
    expect(await record(store, B)).toMatchObject({ state: 'failed', attempt: 1 });
    mailer.failFor.clear();
    const retry = await runDigestJob(deps(), request());
    expect(retry.sent).toEqual([B]);
    expect(retry.skipped).toEqual([A]);
    expect(mailer.countTo(A)).toBe(1);
    expect(mailer.countTo(B)).toBe(1);
    expect(await record(store, B)).toMatchObject({ state: 'sent', attempt: 2 });
  });

  it('a run that died while sending holds its claim until the lease ends, then a retry sends', async () => {
    let clock = new Date('2026-11-23T07:00:00Z');
    const ledger = new DeliveryLedger(store, {
      period: { kind: 'weekly', key: '2026-W47' },
      runId: 'crashed',
      leaseMs: 5 * 60_000,
      clock: () => clock,
    });
    // The crashed run claimed A and died before sending (no record update follows).
    expect((await ledger.claim(A, false)).outcome).toBe('claimed');

    clock = new Date('2026-11-23T07:02:00Z');
    const early = runDigestJob(deps({ clock: () => clock }), request({ runId: 'retry-1' }));
    await expect(early).rejects.toThrow(/still in progress in another run for ana@example.com/);
    expect(mailer.countTo(A)).toBe(0);
    expect(mailer.countTo(B)).toBe(1);

    clock = new Date('2026-11-23T07:06:00Z');
    const later = await runDigestJob(deps({ clock: () => clock }), request({ runId: 'retry-2' }));
    expect(later.sent).toEqual([A]);
    expect(later.skipped).toEqual([B]);
    expect(mailer.countTo(A)).toBe(1);
    expect(mailer.countTo(B)).toBe(1);
  });
});

describe.each([
  ['FileStore', false],
  ['S3Store on a local S3 server', true],
])('concurrent runs on %s', (_name, useS3) => {
  let s3: LocalS3 | undefined;
  let seq = 0;
  beforeAll(async () => {
    if (useS3) s3 = await startLocalS3({ likeS3: true });
  });
  afterAll(async () => {
    await s3?.stop();
  });
  const open = (): ObjectStore =>
    s3 ? new S3Store({ client: s3.client, bucket: s3.bucket, prefix: `c${++seq}` }) : new FileStore(root);

  it('never send a recipient two messages', async () => {
    const shared = open();
    const results = await Promise.allSettled(
      ['r1', 'r2', 'r3'].map((runId) => runDigestJob(deps({ store: shared }), request({ runId }))),
    );
    expect(mailer.countTo(A)).toBe(1);
    expect(mailer.countTo(B)).toBe(1);
    // Whoever did not send saw the digest as sent or as in flight in another run.
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DeliveryIncompleteError);
    }
    const after = await runDigestJob(deps({ store: shared }), request({ runId: 'r4' }));
    expect(after.skipped).toEqual([A, B]);
  });

  it('let only one of two retries take over a failed delivery', async () => {
    const shared = open();
    const failed = new DeliveryLedger(shared, {
      period: { kind: 'weekly', key: '2026-W47' },
      runId: 'r0',
      leaseMs: 60_000,
    });
    const claim = await failed.claim(A, false);
    expect(claim.outcome).toBe('claimed');
    await failed.markFailed(claim.record, 'boom');
    const claims = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((runId) =>
        new DeliveryLedger(shared, {
          period: { kind: 'weekly', key: '2026-W47' },
          runId,
          leaseMs: 60_000,
        }).claim(A, false),
      ),
    );
    expect(claims.filter((c) => c.outcome === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.outcome === 'in_flight')).toHaveLength(3);
    expect(claims.find((c) => c.outcome === 'claimed')?.record.attempt).toBe(2);
  });
});
