import { spawnSync } from 'node:child_process';
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
} from '../functions/app/job.js';
import {
  ConditionalWritesUnsupportedError,
  DeliveryLedger,
  recipientHash,
  type DeliveryRecord,
} from '../functions/app/delivery-ledger.js';
import { ASYNC_RETRY_DELAYS_MS, deliveryTiming } from '../functions/core/delivery-timing.js';
import { periodFromKey } from '../functions/core/period.js';
import { InputError } from '../functions/core/input-error.js';
import { type QueryEngine } from '../functions/app/ports/query-engine.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { S3Store } from '../functions/adapters/stores/s3.js';
import type { ObjectStore } from '../functions/app/ports/object-store.js';
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

async function record(
  s: ObjectStore,
  recipient: string,
  prefix = 'deliveries/outbox/weekly/2026-W47',
): Promise<DeliveryRecord | null> {
  const text = await s.get(`${prefix}/${recipientHash(recipient)}.json`);
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
      /recipient: "not-an-address" is not an e-mail address/,
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
      transport: 'outbox',
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
      transport: 'outbox',
      runId: 'r0',
      leaseMs: 60_000,
    });
    const claim = await failed.claim(A, false);
    expect(claim.outcome).toBe('claimed');
    if (claim.outcome !== 'claimed') throw new Error('expected a claim');
    await failed.markFailed(claim, 'boom');
    const claims = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((runId) =>
        new DeliveryLedger(shared, {
          period: { kind: 'weekly', key: '2026-W47' },
          transport: 'outbox',
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

describe('delivery timing and takeovers', () => {
  it('a run SIGKILLed between claim and send is finished by the first scheduled retry', async () => {
    const started = new Date('2026-11-23T07:00:00Z');
    const crashed = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/crash-after-claim.ts', root, 'first', started.toISOString()],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(crashed.signal).toBe('SIGKILL');
    expect(await record(store, A, 'deliveries/ses/weekly/2026-W47')).toMatchObject({
      state: 'sending',
      runId: 'first',
    });
    // Lambda retries a failed asynchronous invocation about a minute after it ended.
    const retryAt = new Date(started.getTime() + (ASYNC_RETRY_DELAYS_MS[0] ?? 0));
    const ses = new RecordingMailer('ses');
    const retry = await runDigestJob(
      deps({ mailer: ses, clock: () => retryAt }),
      request({ runId: 'first', recipients: [A], now: retryAt }),
    );
    expect(retry.sent).toEqual([A]);
    expect(ses.countTo(A)).toBe(1);
    expect(await record(store, A, 'deliveries/ses/weekly/2026-W47')).toMatchObject({
      state: 'sent',
      attempt: 2,
    });
  }, 60_000);

  it('the lease ends before the first retry, for every function timeout the stack allows', () => {
    for (const seconds of [60, 300, 900]) {
      const timing = deliveryTiming(seconds);
      expect(timing.leaseMs).toBeLessThan(ASYNC_RETRY_DELAYS_MS[0] ?? 0);
      expect(timing.maxEventAgeSeconds * 1000).toBeGreaterThanOrEqual(timing.lastTryEndsByMs);
    }
    expect(() => deliveryTiming(300, 0)).toThrow(/with none, a crashed send is never retried/);
  });

  it('no send starts when the invocation has no time left for one; the retry sends it', async () => {
    const summary = runDigestJob(
      deps({ clock: () => NOW }),
      request({ stopSendingAt: new Date(NOW.getTime() + 5_000) }),
    );
    await expect(summary).rejects.toThrow(DeliveryIncompleteError);
    expect(mailer.sent).toHaveLength(0);
    expect(await record(store, A)).toBeNull();
  });
});

describe.each([
  ['FileStore', false],
  ['S3Store on a local S3 server', true],
])('conditional ledger writes on %s', (_name, useS3) => {
  let s3: LocalS3 | undefined;
  let seq = 0;
  beforeAll(async () => {
    if (useS3) s3 = await startLocalS3({ likeS3: true });
  });
  afterAll(async () => {
    await s3?.stop();
  });
  const open = (): ObjectStore =>
    s3 ? new S3Store({ client: s3.client, bucket: s3.bucket, prefix: `w${++seq}` }) : new FileStore(root);

  it('a late markFailed from a run whose lease ran out cannot reopen a sent delivery', async () => {
    const shared = open();
    let clock = new Date('2026-11-23T07:00:00Z');
    const ledgerOf = (runId: string) =>
      new DeliveryLedger(shared, {
        period: { kind: 'weekly', key: '2026-W47' },
        transport: 'ses',
        runId,
        leaseMs: 30_000,
        clock: () => clock,
      });
    const slow = await ledgerOf('slow').claim(A, false);
    if (slow.outcome !== 'claimed') throw new Error('expected a claim');
    clock = new Date('2026-11-23T07:01:00Z');
    const takeover = await ledgerOf('retry').claim(A, false);
    if (takeover.outcome !== 'claimed') throw new Error('expected the takeover to claim');
    expect(takeover.record.attempt).toBe(2);
    expect(
      await ledgerOf('retry').markSent(takeover, {
        messageId: '<m1@test>',
        transport: 'ses',
        destination: 'eu-west-1',
        snapshotSha256: 'x',
      }),
    ).toBe(true);
    // The slow run finally gives up: its write must not land over the newer attempt.
    expect(await ledgerOf('slow').markFailed(slow, 'timed out')).toBe(false);
    expect(await ledgerOf('slow').read(A)).toMatchObject({ state: 'sent', attempt: 2, runId: 'retry' });
    const third = await ledgerOf('third').claim(A, false);
    expect(third.outcome).toBe('sent');
  });
});

describe('a store that ignores If-None-Match (plain s3rver)', () => {
  let plain: LocalS3;
  let likeS3: LocalS3;
  beforeAll(async () => {
    [plain, likeS3] = await Promise.all([startLocalS3({ likeS3: false }), startLocalS3({ likeS3: true })]);
  });
  afterAll(async () => {
    await Promise.all([plain.stop(), likeS3.stop()]);
  });

  it('is detected before the first send: four concurrent runs send nothing and say why', async () => {
    const shared = new S3Store({ client: plain.client, bucket: plain.bucket, prefix: 'plain' });
    const results = await Promise.allSettled(
      ['p1', 'p2', 'p3', 'p4'].map((runId) => runDigestJob(deps({ store: shared }), request({ runId }))),
    );
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(ConditionalWritesUnsupportedError);
        expect(String(r.reason)).toMatch(/does not honour conditional writes: .*If-None-Match ignored/);
      }
    }
    expect(mailer.sent).toHaveLength(0);
    // The snapshot is still written: a dry run or a fixed store can go on from there.
    expect(await shared.get('snapshots/weekly/2026-W47.json')).not.toBeNull();
  });

  it('passes on a store that honours it, and four concurrent runs send one copy each', async () => {
    const shared = new S3Store({ client: likeS3.client, bucket: likeS3.bucket, prefix: 'like' });
    await Promise.allSettled(
      ['q1', 'q2', 'q3', 'q4'].map((runId) => runDigestJob(deps({ store: shared }), request({ runId }))),
    );
    expect(mailer.countTo(A)).toBe(1);
    expect(mailer.countTo(B)).toBe(1);
    // The probe leaves nothing behind.
    const probes = likeS3.requests.filter(
      (r) => r.path.includes('/deliveries/probe/') && r.method === 'DELETE',
    );
    expect(probes.length).toBeGreaterThanOrEqual(4);
  });
});

describe('deliveries per transport and per settings', () => {
  it('an outbox preview does not block a real send, and each transport sends once', async () => {
    const preview = await runDigestJob(deps(), request({ runId: 'preview' }));
    expect(preview.sent).toEqual([A, B]);
    const smtp = new RecordingMailer('smtp');
    const real = await runDigestJob(deps({ mailer: smtp }), request({ runId: 'smtp-1' }));
    expect(real.sent).toEqual([A, B]);
    const again = await runDigestJob(deps({ mailer: smtp }), request({ runId: 'smtp-2' }));
    expect(again.skipped).toEqual([A, B]);
    expect(smtp.sent).toHaveLength(2);
  });

  it('a run in another time zone or currency keeps its snapshot, latest.json and deliveries apart', async () => {
    const configured = { timezone: 'Europe/Warsaw', currency: 'USD' };
    const ses = new RecordingMailer('ses');
    const sent = await runDigestJob(deps({ mailer: ses }), request({ runId: 'scheduled', configured }));
    expect(sent.snapshotUri).toBe(store.uri('snapshots/weekly/2026-W47.json'));
    const stored = await store.get('snapshots/weekly/2026-W47.json');
    const latest = await store.get('snapshots/weekly/latest.json');

    const kiritimati = periodFromKey('2026-W47', 'Pacific/Kiritimati');
    const dry = await runDigestJob(
      deps({ mailer: null }),
      request({ period: kiritimati, dryRun: true, configured, runId: 'manual-dry' }),
    );
    expect(dry.snapshotUri).toBe(store.uri('snapshots/weekly/Pacific+Kiritimati.USD/2026-W47.json'));
    expect(dry.latestUri).toBe(store.uri('snapshots/weekly/Pacific+Kiritimati.USD/latest.json'));
    // The configured week's snapshot and latest.json are untouched.
    expect(await store.get('snapshots/weekly/2026-W47.json')).toBe(stored);
    expect(await store.get('snapshots/weekly/latest.json')).toBe(latest);

    // A real run in that zone is not "already sent" by the configured one, and vice versa.
    const other = await runDigestJob(
      deps({ mailer: ses }),
      request({ period: kiritimati, configured, runId: 'manual-real' }),
    );
    expect(other.sent).toEqual([A, B]);
    const eur = await runDigestJob(
      deps({ mailer: ses }),
      request({ currency: 'EUR', configured, runId: 'eur' }),
    );
    expect(eur.sent).toEqual([A, B]);
    const retry = await runDigestJob(deps({ mailer: ses }), request({ runId: 'scheduled-2', configured }));
    expect(retry.skipped).toEqual([A, B]);
    expect(ses.countTo(A)).toBe(3);
  });

  it('refuses a period that has not ended, on every path', async () => {
    await expect(runDigestJob(deps(), request({ now: new Date('2026-11-20T12:00:00Z') }))).rejects.toThrow(
      /period weekly 2026-W47 has not ended yet/,
    );
    expect(await store.get('snapshots/weekly/2026-W47.json')).toBeNull();
    expect(await store.get('snapshots/weekly/latest.json')).toBeNull();
  });
});
