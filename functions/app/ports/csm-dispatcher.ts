/**
 * Where the report run hands the CSM digests of a period once their snapshots are stored: the
 * same process (the CLI, and the default) or a queue whose consumers deliver each batch in an
 * invocation of its own (docs/csm-digests.md#fan-out).
 */
import type { CsmBatch } from '../../core/csm-batch.js';

export type { CsmBatch };

/** What delivering one or more batches came to, per owner. */
export interface CsmBatchSummary {
  readonly sent: readonly string[];
  /** Already sent for this period. */
  readonly skipped: readonly string[];
  /** Another run holds the claim, or no time was left: a retry sends them. */
  readonly inFlight: readonly string[];
  readonly failed: readonly { readonly recipient: string; readonly error: string }[];
}

export type CsmDispatchResult =
  /** Delivered here, before dispatch returned. */
  | { readonly mode: 'delivered'; readonly summary: CsmBatchSummary }
  /** Queued: other invocations deliver them (`messages` batches accepted by the queue). */
  | { readonly mode: 'queued'; readonly messages: number };

export interface CsmDispatcher {
  /** Resolves once every batch is delivered or accepted by the queue; throws if one is not. */
  dispatch(batches: readonly CsmBatch[]): Promise<CsmDispatchResult>;
}
