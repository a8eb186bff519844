/**
 * A batch of CSM digests to deliver: what the report run hands over (to this process, or as one
 * queue message) once every CSM snapshot of the period is stored. The delivery side renders each
 * digest from its stored snapshot alone, so a batch carries only who, for which period, and how.
 * docs/csm-digests.md#fan-out.
 */
import { z } from 'zod';
import { PERIOD_KINDS, type PeriodKind } from './period.js';
import { LEASE_MS, MIN_FUNCTION_TIMEOUT_SECONDS } from './delivery-timing.js';

/**
 * Owners per batch: 25 digests are about 0.4 s of rendering and, at an account rate of 14
 * messages a second split over the consumers, a few seconds of sending; 200 CSMs are 8 batches
 * (one SendMessageBatch call), and a failed batch redelivers few digests' worth of work.
 */
export const CSM_BATCH_SIZE = 25;

/** Delivery invocations at once (the SQS event source's maxConcurrency; Lambda's minimum is 2). */
export const CSM_DELIVERY_CONCURRENCY = 2;

/** The delivery function's timeout: one batch, paced, with room to spare. */
export const CSM_DELIVERY_TIMEOUT_SECONDS = Math.max(120, MIN_FUNCTION_TIMEOUT_SECONDS);

/**
 * How long a received message stays hidden: six times the function timeout (AWS's advice for
 * Lambda consumers). It outlasts the delivery lease by far, so a redelivery after a crash
 * finds the crashed claim expired and finishes that send.
 */
export const CSM_VISIBILITY_TIMEOUT_SECONDS = 6 * CSM_DELIVERY_TIMEOUT_SECONDS;

/** Deliveries of one message before it goes to the dead-letter queue (and its alarm). */
export const CSM_MAX_RECEIVE_COUNT = 3;

if (CSM_VISIBILITY_TIMEOUT_SECONDS * 1000 <= LEASE_MS) {
  throw new Error('the CSM queue visibility timeout must outlast the delivery lease');
}

export interface CsmBatch {
  readonly version: 1;
  readonly period: { readonly kind: PeriodKind; readonly key: string };
  /** The settings variant of the run (functions/app/job.ts settingsVariant); null: the configured. */
  readonly variant: string | null;
  /** Normalised addresses, each with a stored snapshot at csm/<period>/<owner-hash>.json. */
  readonly owners: readonly string[];
  readonly locale: 'en' | 'id' | 'pl';
  readonly from: string;
  /** Resend a digest already sent (once per run id). */
  readonly force: boolean;
  /** The report run that made the batch: the delivery ledger's run id. */
  readonly runId: string;
}

const csmBatchSchema = z.strictObject({
  version: z.literal(1),
  period: z.strictObject({
    kind: z.enum(PERIOD_KINDS),
    key: z.string().regex(/^\d{4}-(?:W\d{2}|\d{2})$/),
  }),
  variant: z
    .string()
    .regex(/^[A-Za-z0-9_+.-]+$/)
    .nullable(),
  owners: z.array(z.string().min(3).max(320)).min(1).max(CSM_BATCH_SIZE),
  locale: z.enum(['en', 'id', 'pl']),
  from: z.string().min(3).max(320),
  force: z.boolean(),
  runId: z.string().min(1).max(200),
});

export class CsmBatchMessageError extends Error {
  override readonly name = 'CsmBatchMessageError';
}

/** A batch from a queue message body; a message that is not one is refused, named. */
export function parseCsmBatch(body: string): CsmBatch {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new CsmBatchMessageError('a CSM batch message is not JSON');
  }
  const parsed = csmBatchSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`);
    throw new CsmBatchMessageError(`not a CSM batch message: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** The owners in batches of `size`, in their order. */
export function csmBatches(
  owners: readonly string[],
  batch: Omit<CsmBatch, 'owners' | 'version'>,
  size = CSM_BATCH_SIZE,
): CsmBatch[] {
  const batches: CsmBatch[] = [];
  for (let i = 0; i < owners.length; i += size) {
    batches.push({ version: 1, ...batch, owners: owners.slice(i, i + size) });
  }
  return batches;
}
