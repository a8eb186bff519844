/**
 * CSM digests: for every book whose owner may receive it (functions/core/csm-books.ts), write
 * the book's snapshot to `csm/<kind>/[<variant>/]<key>/<owner-hash>.json`, then send its
 * digest exactly once per period and CSM through the delivery ledger the team digest uses
 * (records under `deliveries/<transport>/<kind>/[<variant>/]csm/<key>/`). Every snapshot is
 * written before the first send, so a retry after a crash only finishes the deliveries.
 * Rejected owners and the unassigned book are never mailed.
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
import { csmSnapshot, type CsmSnapshot } from '../core/csm-snapshot.js';
import type { Period } from '../core/period.js';
import type { Snapshot } from '../core/snapshot.js';
import { InputError } from '../core/input-error.js';
import type { ObjectStore } from './ports/object-store.js';
import type { DigestMessage, Mailer } from './ports/mailer.js';
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
  type Written = { book: CsmBook & { owner: string }; snapshot: CsmSnapshot; sha256: string };
  const written = await inOrder(books, SNAPSHOT_WRITE_CONCURRENCY, async (book) => {
    const snapshot = csmSnapshot(book, {
      ownerHash: recipientHash(book.owner),
      company: request.company,
      companySnapshot: request.companySnapshot,
    });
    const body = `${JSON.stringify(snapshot, null, 2)}\n`;
    const uri = await store.put(csmSnapshotKey(request.period, book.owner, variant), body, JSON_TYPE);
    return { uri, book, snapshot, sha256: createHash('sha256').update(body).digest('hex') };
  });
  const snapshots = written.map((w) => w.uri);
  logger?.info('CSM snapshots written', { period: request.period.key, books: written.length });

  const sent: string[] = [];
  const skipped: string[] = [];
  const empty: string[] = [];
  const inFlight: string[] = [];
  const failed: { recipient: string; error: string }[] = [];
  if (request.dryRun || !mailer) return { snapshots, sent, skipped, empty, inFlight, failed };

  await assertConditionalWrites(store);
  const ledger = new DeliveryLedger(store, {
    period: { kind: request.period.kind, key: request.period.key },
    transport: mailer.transport,
    variant: csmLedgerVariant(variant),
    runId: request.runId ?? randomUUID(),
    leaseMs: request.leaseMs ?? DEFAULT_LEASE_MS,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const clock = deps.clock ?? (() => new Date());
  const render = deps.renderCsmDigest ?? defaultRender;
  type Outcome = {
    readonly kind: 'sent' | 'skipped' | 'empty' | 'inFlight' | 'failed';
    readonly recipient: string;
    readonly error?: string;
  };
  const deliverOne = async ({ book, snapshot, sha256 }: Written): Promise<Outcome> => {
    const recipient = book.owner;
    // Asked for by hand, a CSM gets their digest even without activity.
    if (skipEmpty && request.settings.only === undefined && !hasActivity(book)) {
      return { kind: 'empty', recipient };
    }
    if (request.stopSendingAt && clock().getTime() + SEND_TIMEOUT_MS > request.stopSendingAt.getTime()) {
      logger?.warn('no time left for another CSM digest; a retry sends it', { recipient });
      return { kind: 'inFlight', recipient };
    }
    const claim = await ledger.claim(recipient, request.force);
    if (claim.outcome === 'sent') {
      return { kind: 'skipped', recipient };
    }
    if (claim.outcome === 'in_flight') {
      logger?.warn('another run is sending this CSM digest', {
        recipient,
        leaseUntil: claim.record.leaseUntil,
      });
      return { kind: 'inFlight', recipient };
    }
    let result;
    try {
      const message = await render(snapshot, { locale: request.locale, from: request.from });
      result = await mailer.send({
        ...message,
        to: [recipient],
        headers: { 'X-Digest-Id': `csm/${request.period.kind}/${request.period.key}`, ...message.headers },
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
  // A few sends at once: the transport's latency overlaps (the SES mailer retries throttling).
  const outcomes = await inOrder(written, request.sendConcurrency ?? CSM_SEND_CONCURRENCY, deliverOne);
  const lists = { sent, skipped, empty, inFlight };
  for (const o of outcomes) {
    if (o.kind === 'failed') failed.push({ recipient: o.recipient, error: o.error ?? '' });
    else lists[o.kind].push(o.recipient);
  }
  logger?.info('CSM digests finished', {
    period: request.period.key,
    sent: sent.length,
    skipped: skipped.length,
    empty: empty.length,
    inFlight: inFlight.length,
    failed: failed.length,
  });
  return { snapshots, sent, skipped, empty, inFlight, failed };
}
