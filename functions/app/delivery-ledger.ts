/**
 * The delivery ledger: one record per period and recipient that makes sending a digest
 * exactly-once across scheduler retries, Lambda retries and repeated invocations.
 *
 * `deliveries/<transport>/<kind>/[<variant>/]<key>/<sha256(recipient)>.json` holds the latest
 * state of a recipient's delivery by one transport (an outbox preview never blocks a real
 * send). The first attempt claims it by creating that record (an atomic create-if-absent); a
 * later attempt (after a failure, an expired lease or with `force`) claims attempt n by
 * creating `<sha256>.attempt-<n>.json`, so of two retries racing for the same attempt only
 * one wins. Every later write of the record is conditional on the version its writer read
 * (S3 `If-Match`), so a run whose lease ran out cannot overwrite a newer attempt.
 * docs/runtime.md walks through the crash windows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LEASE_MS } from '../core/delivery-timing.js';
import type { PeriodKind } from '../core/period.js';
import type { ObjectStore } from './ports/object-store.js';

export type DeliveryState = 'sending' | 'sent' | 'failed';

export interface DeliveryRecord {
  readonly version: 1;
  readonly state: DeliveryState;
  readonly recipient: string;
  readonly period: { readonly kind: PeriodKind; readonly key: string };
  /** 1 for the first claim, +1 for every takeover. */
  readonly attempt: number;
  /** The invocation that made this attempt (the Lambda request id, which its retries keep). */
  readonly runId: string;
  readonly claimedAt: string;
  /** Until then, a 'sending' record belongs to a run that may still be alive. */
  readonly leaseUntil: string;
  readonly sentAt?: string;
  readonly messageId?: string;
  readonly transport?: string;
  readonly destination?: string;
  /** sha256 of the snapshot JSON the digest was rendered from. */
  readonly snapshotSha256?: string;
  readonly error?: string;
}

/** A claim this run holds: the record and the version of the main record it wrote. */
export interface DeliveryClaim {
  readonly record: DeliveryRecord;
  readonly version: string;
}

export type ClaimResult =
  | ({ readonly outcome: 'claimed' } & DeliveryClaim)
  /** Already delivered: nothing to do (unless forced by another run). */
  | { readonly outcome: 'sent'; readonly record: DeliveryRecord }
  /** Another run holds a live claim: it may be sending right now. */
  | { readonly outcome: 'in_flight'; readonly record: DeliveryRecord };

export interface DeliveryLedgerOptions {
  readonly period: { readonly kind: PeriodKind; readonly key: string };
  /** The transport the digest goes out by: each keeps its own deliveries. */
  readonly transport: string;
  /** A key segment for a report made with other settings than the deployment's (time zone, currency). */
  readonly variant?: string | null;
  readonly runId: string;
  /** How long a claim protects a send in progress. */
  readonly leaseMs: number;
  readonly clock?: () => Date;
}

/** One send and a margin (functions/core/delivery-timing.ts). */
export const DEFAULT_LEASE_MS = LEASE_MS;
const JSON_TYPE = 'application/json';
/** Each round either decides or learns of a newer attempt; a handful is plenty. */
const MAX_CLAIM_ROUNDS = 10;

export function recipientHash(recipient: string): string {
  return createHash('sha256').update(recipient.trim().toLowerCase()).digest('hex');
}

function parseRecord(text: string | null, key: string): DeliveryRecord | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`delivery record ${key} is not valid JSON`);
  }
  const r = value as Partial<DeliveryRecord> | null;
  if (
    !r ||
    r.version !== 1 ||
    (r.state !== 'sending' && r.state !== 'sent' && r.state !== 'failed') ||
    typeof r.attempt !== 'number' ||
    typeof r.runId !== 'string' ||
    typeof r.leaseUntil !== 'string'
  ) {
    throw new Error(`delivery record ${key} does not look like a delivery record`);
  }
  return r as DeliveryRecord;
}

export class DeliveryLedger {
  readonly #store: ObjectStore;
  readonly #options: DeliveryLedgerOptions;
  readonly #clock: () => Date;

  constructor(store: ObjectStore, options: DeliveryLedgerOptions) {
    this.#store = store;
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
  }

  recordKey(recipient: string): string {
    const { kind, key } = this.#options.period;
    const variant = this.#options.variant ? `${this.#options.variant}/` : '';
    return `deliveries/${this.#options.transport}/${kind}/${variant}${key}/${recipientHash(recipient)}.json`;
  }

  attemptKey(recipient: string, attempt: number): string {
    return attempt === 1
      ? this.recordKey(recipient)
      : this.recordKey(recipient).replace(/\.json$/, `.attempt-${attempt}.json`);
  }

  async read(recipient: string): Promise<DeliveryRecord | null> {
    return (await this.#readVersioned(recipient))?.record ?? null;
  }

  async #readVersioned(recipient: string): Promise<DeliveryClaim | null> {
    const key = this.recordKey(recipient);
    const object = await this.#store.getVersioned(key);
    if (object === null) return null;
    const record = parseRecord(object.body, key);
    return record === null ? null : { record, version: object.version };
  }

  /**
   * Claims the right to send to `recipient` now. 'sent' and 'in_flight' mean: do not send.
   * With `force`, a digest already sent by another run is claimed again.
   */
  async claim(recipient: string, force: boolean): Promise<ClaimResult> {
    let main = await this.#readVersioned(recipient);
    let known = main?.record ?? null;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      if (known) {
        const decision = this.#decide(known, force);
        if (decision) return { outcome: decision, record: known };
      }
      const attempt = (known?.attempt ?? 0) + 1;
      const record = this.#claimRecord(recipient, attempt);
      const key = this.attemptKey(recipient, attempt);
      const body = JSON.stringify(record);
      const created = await this.#store.putIfAbsent(key, body, JSON_TYPE);
      if (created !== null) {
        // Attempt 1 is the main record itself: the store's answer is its version.
        const published = attempt === 1 ? created : await this.#publish(recipient, record, body, main);
        if (published) return { outcome: 'claimed', record, version: published };
      }
      // Someone else claimed this attempt (or published a newer one) first: learn what they
      // did and decide again.
      main = await this.#readVersioned(recipient);
      const latest = main?.record ?? null;
      if (latest && latest.attempt >= attempt) {
        known = latest;
        continue;
      }
      const holder = parseRecord(await this.#store.get(key), key);
      if (!holder) continue; // it vanished (deleted by hand): try again
      known = holder;
    }
    throw new Error(`could not claim the delivery to ${recipient}: too many concurrent attempts`);
  }

  /**
   * Makes the main record show this claim and returns its version, or null when a newer
   * attempt got there first. Attempt 1 created the main record itself; a takeover replaces
   * the version it decided on, and retries while only older attempts' writes are in its way.
   */
  async #publish(
    recipient: string,
    record: DeliveryRecord,
    body: string,
    decidedOn: DeliveryClaim | null,
  ): Promise<string | null> {
    let base = decidedOn;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      if (base === null) {
        const created = await this.#readVersioned(recipient);
        if (created === null) return null;
        if (created.record.attempt === record.attempt && created.record.runId === record.runId) {
          if (created.record.claimedAt === record.claimedAt) return created.version;
        }
        if (created.record.attempt >= record.attempt) return null;
        base = created;
        continue;
      }
      if (base.record.attempt >= record.attempt) return null;
      const written = await this.#store.putIfVersion(
        this.recordKey(recipient),
        body,
        JSON_TYPE,
        base.version,
      );
      if (written !== null) return written;
      base = await this.#readVersioned(recipient);
      if (base === null) return null;
    }
    return null;
  }

  /** Records the send; false when the claim was lost (a newer attempt owns the record). */
  async markSent(
    claim: DeliveryClaim,
    result: { messageId: string; transport: string; destination: string; snapshotSha256: string },
  ): Promise<boolean> {
    const record: DeliveryRecord = {
      ...claim.record,
      state: 'sent',
      sentAt: this.#clock().toISOString(),
      ...result,
    };
    return this.#write(claim, record);
  }

  /** Records the failure; false when the claim was lost, and then nothing is written. */
  async markFailed(claim: DeliveryClaim, error: string): Promise<boolean> {
    const record: DeliveryRecord = { ...claim.record, state: 'failed', error: error.slice(0, 1000) };
    return this.#write(claim, record);
  }

  /** True while this claim's lease leaves room for one more send (with a margin). */
  leaseCovers(claim: DeliveryClaim, durationMs: number): boolean {
    return Date.parse(claim.record.leaseUntil) - this.#clock().getTime() > durationMs;
  }

  /** What an existing record means for this run; undefined: claim the next attempt. */
  #decide(record: DeliveryRecord, force: boolean): 'sent' | 'in_flight' | undefined {
    switch (record.state) {
      case 'sent':
        // A forced run resends once: its own retries (same run id) find their own 'sent'.
        return force && record.runId !== this.#options.runId ? undefined : 'sent';
      case 'sending':
        return Date.parse(record.leaseUntil) > this.#clock().getTime() ? 'in_flight' : undefined;
      case 'failed':
        return undefined;
    }
  }

  #claimRecord(recipient: string, attempt: number): DeliveryRecord {
    const now = this.#clock();
    return {
      version: 1,
      state: 'sending',
      recipient: recipient.trim().toLowerCase(),
      period: this.#options.period,
      attempt,
      runId: this.#options.runId,
      claimedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + this.#options.leaseMs).toISOString(),
    };
  }

  async #write(claim: DeliveryClaim, record: DeliveryRecord): Promise<boolean> {
    const written = await this.#store.putIfVersion(
      this.recordKey(claim.record.recipient),
      JSON.stringify(record),
      JSON_TYPE,
      claim.version,
    );
    return written !== null;
  }
}

/** The store ignores conditional writes: exactly-once delivery cannot be kept on it. */
export class ConditionalWritesUnsupportedError extends Error {
  override readonly name = 'ConditionalWritesUnsupportedError';
}

/**
 * Checks, with a throwaway object, that the store refuses a create over an existing object
 * (If-None-Match) and a replace of a changed one (If-Match). Five small requests per run,
 * before the first send: without both, concurrent runs would each send a copy.
 */
export async function assertConditionalWrites(store: ObjectStore): Promise<void> {
  const key = `deliveries/probe/${randomBytes(8).toString('hex')}.json`;
  const problems: string[] = [];
  try {
    if ((await store.putIfAbsent(key, '{"probe":1}', JSON_TYPE)) === null)
      problems.push('a fresh create was refused');
    if ((await store.putIfAbsent(key, '{"probe":2}', JSON_TYPE)) !== null) {
      problems.push('a create over an existing object succeeded (If-None-Match ignored)');
    }
    const current = await store.getVersioned(key);
    if (current === null) problems.push('the probe object cannot be read back');
    else {
      if ((await store.putIfVersion(key, '{"probe":3}', JSON_TYPE, `"stale-${current.version}"`)) !== null) {
        problems.push('a replace of a changed object succeeded (If-Match ignored)');
      }
    }
  } finally {
    await store.delete(key).catch(() => undefined);
  }
  if (problems.length > 0) {
    throw new ConditionalWritesUnsupportedError(
      `the store at ${store.location} does not honour conditional writes: ${problems.join('; ')}; ` +
        'nothing was sent, because exactly-once delivery depends on them',
    );
  }
}
