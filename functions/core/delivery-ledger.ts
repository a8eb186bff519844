/**
 * The delivery ledger: one record per period and recipient that makes sending a digest
 * exactly-once across scheduler retries, Lambda retries and repeated invocations.
 *
 * `deliveries/<kind>/<key>/<sha256(recipient)>.json` holds the latest state of a recipient's
 * delivery. The first attempt claims it by creating that record (an atomic create-if-absent);
 * a later attempt (after a failure, an expired lease or with `force`) claims attempt n by
 * creating `<sha256>.attempt-<n>.json`, so of two retries racing for the same attempt only
 * one wins. docs/runtime.md walks through the crash windows.
 */
import { createHash } from 'node:crypto';
import type { PeriodKind } from './period.js';
import type { ObjectStore } from '../stores/store.js';

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

export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly record: DeliveryRecord }
  /** Already delivered: nothing to do (unless forced by another run). */
  | { readonly outcome: 'sent'; readonly record: DeliveryRecord }
  /** Another run holds a live claim: it may be sending right now. */
  | { readonly outcome: 'in_flight'; readonly record: DeliveryRecord };

export interface DeliveryLedgerOptions {
  readonly period: { readonly kind: PeriodKind; readonly key: string };
  readonly runId: string;
  /** How long a claim protects a send in progress. */
  readonly leaseMs: number;
  readonly clock?: () => Date;
}

/** Long enough to outlive any Lambda invocation (15 minutes at most). */
export const DEFAULT_LEASE_MS = 15 * 60_000;
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
    return `deliveries/${kind}/${key}/${recipientHash(recipient)}.json`;
  }

  attemptKey(recipient: string, attempt: number): string {
    return attempt === 1
      ? this.recordKey(recipient)
      : this.recordKey(recipient).replace(/\.json$/, `.attempt-${attempt}.json`);
  }

  async read(recipient: string): Promise<DeliveryRecord | null> {
    const key = this.recordKey(recipient);
    return parseRecord(await this.#store.get(key), key);
  }

  /**
   * Claims the right to send to `recipient` now. 'sent' and 'in_flight' mean: do not send.
   * With `force`, a digest already sent by another run is claimed again.
   */
  async claim(recipient: string, force: boolean): Promise<ClaimResult> {
    let known = await this.read(recipient);
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      if (known) {
        const decision = this.#decide(known, force);
        if (decision) return { outcome: decision, record: known };
      }
      const attempt = (known?.attempt ?? 0) + 1;
      const record = this.#claimRecord(recipient, attempt);
      const key = this.attemptKey(recipient, attempt);
      if (await this.#store.putIfAbsent(key, JSON.stringify(record), JSON_TYPE)) {
        // A takeover also publishes its claim in the main record, where readers look first.
        if (attempt > 1) await this.#write(recipient, record);
        return { outcome: 'claimed', record };
      }
      // Someone else claimed this attempt first: learn what they did and decide again.
      const latest = await this.read(recipient);
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

  async markSent(
    claim: DeliveryRecord,
    result: { messageId: string; transport: string; destination: string; snapshotSha256: string },
  ): Promise<DeliveryRecord> {
    const record: DeliveryRecord = {
      ...claim,
      state: 'sent',
      sentAt: this.#clock().toISOString(),
      ...result,
    };
    await this.#write(claim.recipient, record);
    return record;
  }

  async markFailed(claim: DeliveryRecord, error: string): Promise<DeliveryRecord> {
    const record: DeliveryRecord = { ...claim, state: 'failed', error: error.slice(0, 1000) };
    await this.#write(claim.recipient, record);
    return record;
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

  async #write(recipient: string, record: DeliveryRecord): Promise<void> {
    await this.#store.put(this.recordKey(recipient), JSON.stringify(record), JSON_TYPE);
  }
}
