/**
 * CSM digests, in two sides (docs/csm-digests.md#fan-out):
 *
 * - the report side (deliverCsmDigests, in the report run): for every book whose owner may
 *   receive it (functions/core/csm-books.ts), write the book's snapshot to
 *   `csm/<kind>/[<variant>/]<key>/<owner-hash>.json`, then hand the owners to send, in
 *   batches, to a CsmDispatcher: this process (the default) or a queue;
 * - the delivery side (deliverCsmBatch, wherever a batch lands): render each owner's digest
 *   from their stored snapshot and send it exactly once per period and CSM through the
 *   delivery ledger the team digest uses (records under
 *   `deliveries/<transport>/<kind>/[<variant>/]csm/<key>/`).
 *
 * Every snapshot is written before the first batch is handed over, so a retry after a crash
 * only finishes the deliveries. Rejected owners and the unassigned book are never mailed.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  assertConditionalWrites,
  DEFAULT_LEASE_MS,
  DeliveryLedger,
  recipientHash,
} from './delivery-ledger.js';
import { SEND_TIMEOUT_MS } from '../core/delivery-timing.js';
import {
  classifyOwner,
  hasActivity,
  normaliseDomain,
  normaliseOwner,
  type CsmBook,
  type CsmBooks,
} from '../core/csm-books.js';
import { csmBatches, type CsmBatch } from '../core/csm-batch.js';
import { csmSnapshot, type CsmSnapshot } from '../core/csm-snapshot.js';
import type { Period } from '../core/period.js';
import type { Snapshot } from '../core/snapshot.js';
import { InputError } from '../core/input-error.js';
import type { ObjectStore } from './ports/object-store.js';
import type { DigestMessage, Mailer } from './ports/mailer.js';
import type { CsmBatchSummary, CsmDispatcher } from './ports/csm-dispatcher.js';
import type { JobLogger, Locale } from './job.js';

const JSON_TYPE = 'application/json';
/** CSM digests sent at once. */
export const CSM_SEND_CONCURRENCY = 4;

export interface CsmSettings {
  /** Domains whose addresses may receive their book (`csmDomains`). */
  readonly domains: readonly string[];
  /** No mail for a book without activity in the period (default true). */
  readonly skipEmpty?: boolean;
  /** 'all' (default), or one CSM's address: only that CSM's digest. */
  readonly only?: string;
}

export type RenderCsmDigestFn = (
  snapshot: CsmSnapshot,
  options: { readonly locale: Locale; readonly from: string },
) => DigestMessage | Promise<DigestMessage>;

export interface CsmDeliveryDeps {
  readonly store: ObjectStore;
  readonly mailer: Mailer | null;
  readonly logger?: JobLogger;
  readonly clock?: () => Date;
  /** Injectable for tests; default functions/mail/render-csm.ts. */
  readonly renderCsmDigest?: RenderCsmDigestFn;
  /**
   * Where the batches go once the snapshots are stored (the report Lambda: a queue). Default:
   * delivered in this process right away (inProcessCsmDispatcher), as the CLI does.
   */
  readonly dispatcher?: CsmDispatcher;
}

export interface CsmDeliveryRequest {
  readonly period: Pick<Period, 'kind' | 'key'>;
  readonly books: CsmBooks;
  readonly company: Pick<Snapshot, 'period' | 'currency' | 'generatedAt'>;
  /** Store key of the company snapshot. */
  readonly companySnapshot: string;
  readonly settings: CsmSettings;
  readonly locale: Locale;
  readonly from: string;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly runId?: string;
  readonly leaseMs?: number;
  readonly stopSendingAt?: Date;
  /** CSM digests sent at once (default CSM_SEND_CONCURRENCY). */
  readonly sendConcurrency?: number;
  /** The settings variant of the run (functions/core/job.ts settingsVariant). */
  readonly variant?: string | null;
}

export interface CsmDeliverySummary {
  /** Store URIs of the CSM snapshots written. */
  readonly snapshots: readonly string[];
  readonly sent: readonly string[];
  /** Already sent for this period. */
  readonly skipped: readonly string[];
  /** No accounts with activity: no mail (skipEmpty). */
  readonly empty: readonly string[];
  readonly inFlight: readonly string[];
  readonly failed: readonly { readonly recipient: string; readonly error: string }[];
  /** Handed to a queue rather than delivered here: the owners and the number of batches. */
  readonly dispatched?: { readonly owners: readonly string[]; readonly batches: number };
}

export function csmSnapshotKey(
  period: Pick<Period, 'kind' | 'key'>,
  owner: string,
  variant: string | null = null,
): string {
  return `csm/${period.kind}/${variant ? `${variant}/` : ''}${period.key}/${recipientHash(owner)}.json`;
}

/** The ledger's key segment for CSM digests: apart from the team digest's, per settings variant. */
export function csmLedgerVariant(variant: string | null): string {
  return variant ? `${variant}/csm` : 'csm';
}

/** CSM snapshots written at once. */
const SNAPSHOT_WRITE_CONCURRENCY = 8;

/** `work` on every item, at most `limit` at a time; the results in the items' order. */
async function inOrder<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function defaultRender(
  snapshot: CsmSnapshot,
  options: { readonly locale: Locale; readonly from: string },
): Promise<DigestMessage> {
  const { renderCsmDigest } = await import('../digest/render-csm.js');
  return renderCsmDigest(snapshot, options);
}

/** Stops (before any query) a CSM asked for by hand whose address may not receive a digest. */
export function assertSendableOwner(only: string | undefined, domains: readonly string[]): void {
  if (only === undefined || only === 'all') return;
  const status = classifyOwner(normaliseOwner(only), domains.map(normaliseDomain));
  if (status === 'valid') return;
  const why =
    status === 'csm_owner_outside_domains'
      ? 'its domain is not in csmDomains'
      : 'it is not an e-mail address';
  throw new InputError(`csm "${only}" cannot receive a digest: ${why}`);
}

/** The books this run sends: every valid book, or the one asked for (which must be valid). */
export function booksToSend(books: CsmBooks, only: string | undefined): (CsmBook & { owner: string })[] {
  const valid = books.books.filter(
    (b): b is CsmBook & { owner: string } => b.status === 'valid' && b.owner !== null,
  );
  if (only === undefined || only === 'all') return valid;
  assertSendableOwner(only, books.domains);
  const owner = normaliseOwner(only);
  const book = valid.find((b) => b.owner === owner);
  if (!book) throw new InputError(`csm "${only}" owns no account in this period`);
  return [book];
}

/** A CSM snapshot as read back from the store (written by csmSnapshot, so only its identity is checked). */
function parseStoredCsmSnapshot(
  body: string,
  key: string,
  owner: string,
  period: CsmBatch['period'],
): CsmSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error(`CSM snapshot ${key} is not valid JSON`);
  }
  const s = value as Partial<CsmSnapshot> | null;
  if (
    !s ||
    s.schemaVersion !== 1 ||
    s.owner !== owner ||
    s.period?.kind !== period.kind ||
    s.period.key !== period.key ||
    !Array.isArray(s.accounts)
  ) {
    throw new Error(`CSM snapshot ${key} is not ${owner}'s snapshot of ${period.kind} ${period.key}`);
  }
  return s as CsmSnapshot;
}

export interface CsmBatchDeps {
  readonly store: ObjectStore;
  readonly mailer: Mailer;
  readonly logger?: JobLogger;
  readonly clock?: () => Date;
  /** Injectable for tests; default functions/digest/render-csm.ts. */
  readonly renderCsmDigest?: RenderCsmDigestFn;
}

export interface CsmBatchOptions {
  /** The domains CSM digests may go to: an owner outside them is refused, never mailed. */
  readonly domains: readonly string[];
  readonly leaseMs?: number;
  /** No send is started after this instant (the invocation's deadline less one send). */
  readonly stopSendingAt?: Date;
  /** Digests sent at once (default CSM_SEND_CONCURRENCY). */
  readonly sendConcurrency?: number;
}

type BatchOutcome = {
  readonly kind: 'sent' | 'skipped' | 'inFlight' | 'failed';
  readonly recipient: string;
  readonly error?: string;
};

/**
 * The delivery side: each owner's digest rendered from their stored CSM snapshot and sent
 * through the delivery ledger, exactly once per period and CSM. An owner already sent is
 * skipped; a claim left by a crashed run is taken over once its lease has ended. A batch
 * delivered twice (a queue's redelivery, a retried report) therefore sends only what is missing.
 */
export async function deliverCsmBatch(
  deps: CsmBatchDeps,
  batch: CsmBatch,
  options: CsmBatchOptions,
): Promise<CsmBatchSummary> {
  const { store, mailer, logger } = deps;
  const domains = options.domains.map(normaliseDomain);
  await assertConditionalWrites(store);
  const ledger = new DeliveryLedger(store, {
    period: batch.period,
    transport: mailer.transport,
    variant: csmLedgerVariant(batch.variant),
    runId: batch.runId,
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const clock = deps.clock ?? (() => new Date());
  const render = deps.renderCsmDigest ?? defaultRender;
  const deliverOne = async (owner: string): Promise<BatchOutcome> => {
    const recipient = normaliseOwner(owner) ?? owner;
    // Data decides who receives customer data: the allow-list is checked again where it is sent.
    if (classifyOwner(recipient, domains) !== 'valid') {
      logger?.error('a CSM batch names an owner outside csmDomains; not sent', { recipient });
      return { kind: 'failed', recipient, error: 'CsmOwnerRefused: the address is not in csmDomains' };
    }
    if (options.stopSendingAt && clock().getTime() + SEND_TIMEOUT_MS > options.stopSendingAt.getTime()) {
      logger?.warn('no time left for another CSM digest; a retry sends it', { recipient });
      return { kind: 'inFlight', recipient };
    }
    const claim = await ledger.claim(recipient, batch.force);
    if (claim.outcome === 'sent') return { kind: 'skipped', recipient };
    if (claim.outcome === 'in_flight') {
      logger?.warn('another run is sending this CSM digest', {
        recipient,
        leaseUntil: claim.record.leaseUntil,
      });
      return { kind: 'inFlight', recipient };
    }
    let result;
    let sha256: string;
    try {
      const key = csmSnapshotKey(batch.period, recipient, batch.variant);
      const body = await store.get(key);
      if (body === null) throw new Error(`no CSM snapshot at ${key}`);
      sha256 = createHash('sha256').update(body).digest('hex');
      const snapshot = parseStoredCsmSnapshot(body, key, recipient, batch.period);
      const message = await render(snapshot, { locale: batch.locale, from: batch.from });
      result = await mailer.send({
        ...message,
        to: [recipient],
        headers: { 'X-Digest-Id': `csm/${batch.period.kind}/${batch.period.key}`, ...message.headers },
      });
    } catch (error) {
      logger?.error('sending a CSM digest failed', { recipient, error: describe(error) });
      await ledger.markFailed(claim, describe(error)).catch((markError: unknown) => {
        // The claim then expires with its lease and a later run resends.
        logger?.error('could not record the failed CSM delivery', { recipient, error: describe(markError) });
      });
      return { kind: 'failed', recipient, error: describe(error) };
    }
    try {
      await ledger.markSent(claim, {
        messageId: result.messageId,
        transport: result.transport,
        destination: result.destination,
        snapshotSha256: sha256,
      });
    } catch (error) {
      // The message is out; failing the run would only make a retry resend it.
      logger?.error('CSM digest sent but its delivery record could not be updated', {
        recipient,
        error: describe(error),
      });
    }
    return { kind: 'sent', recipient };
  };
  // A few sends at once: the transport's latency overlaps (the SES mailer paces and retries throttling).
  const outcomes = await inOrder(batch.owners, options.sendConcurrency ?? CSM_SEND_CONCURRENCY, deliverOne);
  const summary = {
    sent: [] as string[],
    skipped: [] as string[],
    inFlight: [] as string[],
    failed: [] as { recipient: string; error: string }[],
  };
  for (const o of outcomes) {
    if (o.kind === 'failed') summary.failed.push({ recipient: o.recipient, error: o.error ?? '' });
    else summary[o.kind].push(o.recipient);
  }
  return summary;
}

/** Delivers every batch here and now, one after the other (the CLI, and the default). */
export function inProcessCsmDispatcher(deps: CsmBatchDeps, options: CsmBatchOptions): CsmDispatcher {
  return {
    async dispatch(batches) {
      const summary = { sent: [] as string[], skipped: [] as string[], inFlight: [] as string[] };
      const failed: { recipient: string; error: string }[] = [];
      for (const batch of batches) {
        const one = await deliverCsmBatch(deps, batch, options);
        summary.sent.push(...one.sent);
        summary.skipped.push(...one.skipped);
        summary.inFlight.push(...one.inFlight);
        failed.push(...one.failed);
      }
      return { mode: 'delivered', summary: { ...summary, failed } };
    },
  };
}

/**
 * The report side: every sendable book's snapshot stored, then its owner handed to the
 * dispatcher in batches (books without activity get no mail with skipEmpty, unless asked for
 * by hand). With the in-process dispatcher the summary is the deliveries'; with a queue it
 * names the owners dispatched.
 */
export async function deliverCsmDigests(
  deps: CsmDeliveryDeps,
  request: CsmDeliveryRequest,
): Promise<CsmDeliverySummary> {
  const { store, mailer, logger } = deps;
  const variant = request.variant ?? null;
  const books = booksToSend(request.books, request.settings.only);
  const skipEmpty = request.settings.skipEmpty ?? true;

  // Every snapshot first: a crash while sending leaves them all in place. A few writes at
  // once, so the store's latency (S3's, or a disk's) overlaps the next snapshot's JSON.
  const snapshots = await inOrder(books, SNAPSHOT_WRITE_CONCURRENCY, async (book) => {
    const snapshot = csmSnapshot(book, {
      ownerHash: recipientHash(book.owner),
      company: request.company,
      companySnapshot: request.companySnapshot,
    });
    const body = `${JSON.stringify(snapshot, null, 2)}\n`;
    return store.put(csmSnapshotKey(request.period, book.owner, variant), body, JSON_TYPE);
  });
  logger?.info('CSM snapshots written', { period: request.period.key, books: snapshots.length });

  const none = { sent: [], skipped: [], inFlight: [], failed: [] };
  // Asked for by hand, a CSM gets their digest even without activity.
  const sendsEmpty = !skipEmpty || request.settings.only !== undefined;
  const empty = books.filter((b) => !sendsEmpty && !hasActivity(b)).map((b) => b.owner);
  if (request.dryRun || !mailer) return { snapshots, empty, ...none };

  const owners = books.filter((b) => sendsEmpty || hasActivity(b)).map((b) => b.owner);
  const batches = csmBatches(owners, {
    period: { kind: request.period.kind, key: request.period.key },
    variant,
    locale: request.locale,
    from: request.from,
    force: request.force,
    runId: request.runId ?? randomUUID(),
  });
  const dispatcher =
    deps.dispatcher ??
    inProcessCsmDispatcher(
      {
        store,
        mailer,
        ...(logger ? { logger } : {}),
        ...(deps.clock ? { clock: deps.clock } : {}),
        ...(deps.renderCsmDigest ? { renderCsmDigest: deps.renderCsmDigest } : {}),
      },
      {
        domains: request.books.domains,
        ...(request.leaseMs !== undefined ? { leaseMs: request.leaseMs } : {}),
        ...(request.stopSendingAt ? { stopSendingAt: request.stopSendingAt } : {}),
        ...(request.sendConcurrency !== undefined ? { sendConcurrency: request.sendConcurrency } : {}),
      },
    );
  const result = batches.length === 0 ? null : await dispatcher.dispatch(batches);
  if (result?.mode === 'queued') {
    logger?.info('CSM digests handed to the delivery queue', {
      period: request.period.key,
      owners: owners.length,
      batches: result.messages,
      empty: empty.length,
    });
    return { snapshots, empty, ...none, dispatched: { owners, batches: result.messages } };
  }
  const summary = result?.summary ?? none;
  logger?.info('CSM digests finished', {
    period: request.period.key,
    sent: summary.sent.length,
    skipped: summary.skipped.length,
    empty: empty.length,
    inFlight: summary.inFlight.length,
    failed: summary.failed.length,
  });
  return { snapshots, empty, ...summary };
}
