/**
 * The two sides of CSM delivery: the report side stores every snapshot and hands the owners to
 * a dispatcher in batches of CSM_BATCH_SIZE (books without activity left out); the delivery
 * side renders each digest from the stored snapshot alone and sends it exactly once through
 * the ledger, whatever the number of times a batch is delivered, and after a crashed claim.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../functions/adapters/stores/file.js';
import {
  csmLedgerVariant,
  csmSnapshotKey,
  deliverCsmBatch,
  deliverCsmDigests,
  type CsmDeliveryRequest,
} from '../functions/app/csm-job.js';
import { DEFAULT_LEASE_MS, DeliveryLedger, recipientHash } from '../functions/app/delivery-ledger.js';
import type { CsmBatch, CsmDispatcher } from '../functions/app/ports/csm-dispatcher.js';
import { CSM_BATCH_SIZE, CsmBatchMessageError, parseCsmBatch } from '../functions/core/csm-batch.js';
import { csmSnapshot } from '../functions/core/csm-snapshot.js';
import type { CsmBook, CsmBooks } from '../functions/core/csm-books.js';
import { renderCsmDigest } from '../functions/digest/render-csm.js';
import { bookRows } from './helpers/csm-books-data.js';
import { CSM_TEST_COMPANY, plainCsmRender } from './helpers/csm-delivery-parts.js';
import { RecordingMailer } from './job-fakes.js';

const PERIOD = { kind: 'weekly', key: '2026-W47' } as const;
const CSMS = ['ana@acme.com', 'bo@acme.com', 'cy@acme.com'];

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'csm-batch-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function request(books: CsmBooks, overrides: Partial<CsmDeliveryRequest> = {}): CsmDeliveryRequest {
  return {
    period: PERIOD,
    books,
    company: CSM_TEST_COMPANY,
    companySnapshot: 'snapshots/weekly/2026-W47.json',
    settings: { domains: ['acme.com'] },
    locale: 'en',
    from: 'digest@acme.com',
    dryRun: false,
    force: false,
    runId: 'report-run-1',
    ...overrides,
  };
}

/** A dispatcher that only records what it was handed (as the queue's would, without a queue). */
class RecordingDispatcher implements CsmDispatcher {
  readonly batches: CsmBatch[] = [];
  async dispatch(batches: readonly CsmBatch[]) {
    this.batches.push(...batches);
    return { mode: 'queued' as const, messages: batches.length };
  }
}

const batchOf = (owners: readonly string[], overrides: Partial<CsmBatch> = {}): CsmBatch => ({
  version: 1,
  period: PERIOD,
  variant: null,
  owners,
  locale: 'en',
  from: 'digest@acme.com',
  force: false,
  runId: 'report-run-1',
  ...overrides,
});

describe('the report side', () => {
  it('stores every snapshot, then hands the owners to the dispatcher in batches; nothing is sent here', async () => {
    const owners = Array.from({ length: 60 }, (_, i) => `csm${String(i).padStart(2, '0')}@acme.com`);
    const store = new FileStore(root);
    const mailer = new RecordingMailer('ses');
    const dispatcher = new RecordingDispatcher();
    const summary = await deliverCsmDigests(
      { store, mailer, dispatcher },
      request(bookRows([...owners, 'eve@gmail.com', null], 1)),
    );
    expect(dispatcher.batches.map((b) => b.owners.length)).toEqual([CSM_BATCH_SIZE, CSM_BATCH_SIZE, 10]);
    expect(dispatcher.batches.flatMap((b) => b.owners)).toEqual(owners);
    expect(dispatcher.batches[0]).toMatchObject({
      version: 1,
      period: PERIOD,
      variant: null,
      locale: 'en',
      from: 'digest@acme.com',
      force: false,
      runId: 'report-run-1',
    });
    // Every batch survives the trip through a queue message.
    for (const b of dispatcher.batches) expect(parseCsmBatch(JSON.stringify(b))).toEqual(b);
    expect(summary.dispatched).toEqual({ owners, batches: 3 });
    expect(summary.snapshots).toHaveLength(60);
    expect(summary.sent).toEqual([]);
    expect(mailer.sent).toEqual([]);
    for (const who of owners) expect(await store.get(csmSnapshotKey(PERIOD, who))).not.toBeNull();
  });

  it('leaves out books without activity (skipEmpty), and dispatches nothing on a dry run', async () => {
    const store = new FileStore(root);
    const dispatcher = new RecordingDispatcher();
    const quiet = bookRows(['ana@acme.com', 'bo@acme.com'], 2, { activity: false });
    const summary = await deliverCsmDigests(
      { store, mailer: new RecordingMailer(), dispatcher },
      request(quiet),
    );
    expect(summary.empty).toEqual(['ana@acme.com', 'bo@acme.com']);
    expect(dispatcher.batches).toEqual([]);
    await deliverCsmDigests(
      { store, mailer: null, dispatcher },
      request(bookRows(CSMS, 1), { dryRun: true }),
    );
    expect(dispatcher.batches).toEqual([]);
  });
});

describe('the delivery side', () => {
  async function storeSnapshots(books: CsmBooks): Promise<FileStore> {
    const store = new FileStore(root);
    await deliverCsmDigests({ store, mailer: null }, request(books, { dryRun: true }));
    return store;
  }

  it('renders each digest from the stored snapshot alone: the same message as from the book', async () => {
    const books = bookRows(CSMS, 40);
    const store = await storeSnapshots(books);
    const mailer = new RecordingMailer('ses');
    const summary = await deliverCsmBatch({ store, mailer }, batchOf(CSMS, { locale: 'pl' }), {
      domains: ['acme.com'],
    });
    expect(summary).toEqual({ sent: CSMS, skipped: [], inFlight: [], failed: [] });
    for (const who of CSMS) {
      const book = books.books.find((b) => b.owner === who) as CsmBook & { owner: string };
      const inMemory = renderCsmDigest(
        csmSnapshot(book, {
          ownerHash: recipientHash(who),
          company: CSM_TEST_COMPANY,
          companySnapshot: 'snapshots/weekly/2026-W47.json',
        }),
        { locale: 'pl', from: 'digest@acme.com' },
      );
      // Sent a few at once: found by recipient.
      const sent = mailer.sent.find((m) => m.to[0] === who);
      expect(sent?.to).toEqual([who]);
      expect(sent?.subject).toBe(inMemory.subject);
      expect(sent?.html).toBe(inMemory.html);
      expect(sent?.text).toBe(inMemory.text);
      expect(sent?.attachments).toEqual(inMemory.attachments);
      expect(sent?.headers).toMatchObject({ ...inMemory.headers, 'X-Digest-Id': 'csm/weekly/2026-W47' });
    }
  });

  it('sends each digest once across a redelivered batch, and finishes a crashed claim after its lease', async () => {
    const store = await storeSnapshots(bookRows(CSMS, 2));
    const mailer = new RecordingMailer('ses');
    const started = new Date('2026-11-23T07:00:00Z');
    // A delivery that died after claiming bo, before sending.
    const crashed = new DeliveryLedger(store, {
      period: PERIOD,
      transport: 'ses',
      variant: csmLedgerVariant(null),
      runId: 'report-run-1',
      leaseMs: DEFAULT_LEASE_MS,
      clock: () => started,
    });
    expect((await crashed.claim('bo@acme.com', false)).outcome).toBe('claimed');

    const at = (ms: number) => ({
      store,
      mailer,
      clock: () => new Date(started.getTime() + ms),
      renderCsmDigest: plainCsmRender,
    });
    const first = await deliverCsmBatch(at(1000), batchOf(CSMS), { domains: ['acme.com'] });
    expect(first).toEqual({
      sent: ['ana@acme.com', 'cy@acme.com'],
      skipped: [],
      inFlight: ['bo@acme.com'],
      failed: [],
    });
    // The same message again (SQS redelivers it: it was reported incomplete) after the lease.
    const redelivered = await deliverCsmBatch(at(DEFAULT_LEASE_MS + 1000), batchOf(CSMS), {
      domains: ['acme.com'],
    });
    expect(redelivered).toEqual({
      sent: ['bo@acme.com'],
      skipped: ['ana@acme.com', 'cy@acme.com'],
      inFlight: [],
      failed: [],
    });
    const third = await deliverCsmBatch(at(DEFAULT_LEASE_MS + 2000), batchOf(CSMS), {
      domains: ['acme.com'],
    });
    expect(third.skipped).toEqual(CSMS);
    expect(CSMS.map((who) => mailer.countTo(who))).toEqual([1, 1, 1]);
  });

  it('never mails an owner outside csmDomains, and names a missing snapshot; both are retried', async () => {
    const store = await storeSnapshots(bookRows(['ana@acme.com'], 1));
    const mailer = new RecordingMailer('ses');
    const summary = await deliverCsmBatch(
      { store, mailer, renderCsmDigest: plainCsmRender },
      batchOf(['ana@acme.com', 'eve@gmail.com', 'zed@acme.com']),
      { domains: ['acme.com'] },
    );
    expect(summary.sent).toEqual(['ana@acme.com']);
    expect(summary.failed).toEqual([
      { recipient: 'eve@gmail.com', error: 'CsmOwnerRefused: the address is not in csmDomains' },
      {
        recipient: 'zed@acme.com',
        error: `Error: no CSM snapshot at ${csmSnapshotKey(PERIOD, 'zed@acme.com')}`,
      },
    ]);
    expect(mailer.sent.map((m) => m.to)).toEqual([['ana@acme.com']]);
  });

  it('refuses a message that is not a CSM batch, naming what is wrong', () => {
    expect(() => parseCsmBatch('{')).toThrow(CsmBatchMessageError);
    expect(() =>
      parseCsmBatch(JSON.stringify({ ...batchOf([]), period: { kind: 'daily', key: 'x' } })),
    ).toThrow(/not a CSM batch message: period\.kind: .*; period\.key: .*; owners: /);
    expect(() => parseCsmBatch(JSON.stringify({ ...batchOf(['a@acme.com']), extra: 1 }))).toThrow(
      /Unrecognized key/i,
    );
  });
});
