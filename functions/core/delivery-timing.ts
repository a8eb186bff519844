/**
 * How long a delivery claim lasts, how long one send may take, and how the function is retried:
 * one place, read by the runtime (functions/handlers/report/runtime.ts) and by the stack
 * (infra/stack.ts, infra/constructs/schedules.ts), so the three cannot drift apart.
 *
 * The rule that makes a crashed claim recoverable: a claim is taken right before one send and
 * lasts for that one send (plus a margin), and that is shorter than the delay before the first
 * retry. A run killed between claim and send therefore leaves a claim that has already
 * expired when the retry looks at it, and the retry sends. docs/runtime.md#timings works
 * through the worst cases.
 */

/**
 * Lambda's asynchronous invocation retries: AWS waits about one minute before the first retry
 * and two minutes before the second (not configurable; only their number and the event age are).
 */
export const ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

/** Longest one transport call (one recipient, retries of throttling included) may take. */
export const SEND_TIMEOUT_MS = 20_000;

/** Added to the send timeout: the claim outlives any send that respects its timeout. */
export const LEASE_MARGIN_MS = 10_000;

/** How long a claim protects a send in progress. */
export const LEASE_MS = SEND_TIMEOUT_MS + LEASE_MARGIN_MS;

/** The shortest function timeout that leaves room for the snapshot and a send. */
export const MIN_FUNCTION_TIMEOUT_SECONDS = (2 * LEASE_MS) / 1000;

/** Lambda's bounds for an asynchronous event's age (seconds). */
const MIN_EVENT_AGE_S = 60;
const MAX_EVENT_AGE_S = 6 * 60 * 60;

export interface DeliveryTiming {
  readonly functionTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly leaseMs: number;
  /** Retries after the first invocation (Lambda asynchronous invocation and Scheduler alike). */
  readonly retryAttempts: number;
  /** Long enough for every attempt to start: a retry is never dropped as too old. */
  readonly maxEventAgeSeconds: number;
  /**
   * A recipient whose run died between claim and send gets the digest by then at the latest,
   * counted from the first invocation's start, if the next try succeeds: first run up to its
   * timeout, the retry delay, the retry's own run.
   */
  readonly worstCaseAfterOneCrashMs: number;
  /** When the last try ends at the latest, counted from the first invocation's start. */
  readonly lastTryEndsByMs: number;
}

export class DeliveryTimingError extends Error {
  override readonly name = 'DeliveryTimingError';
}

/** The timings for a function timeout; throws if they would not fit together. */
export function deliveryTiming(functionTimeoutSeconds: number, retryAttempts = 2): DeliveryTiming {
  const functionTimeoutMs = functionTimeoutSeconds * 1000;
  if (!Number.isInteger(retryAttempts) || retryAttempts < 1 || retryAttempts > ASYNC_RETRY_DELAYS_MS.length) {
    throw new DeliveryTimingError(
      `retryAttempts must be 1 to ${ASYNC_RETRY_DELAYS_MS.length}: with none, a crashed send is never retried`,
    );
  }
  const firstRetryDelayMs = ASYNC_RETRY_DELAYS_MS[0] ?? 0;
  if (LEASE_MS >= firstRetryDelayMs) {
    throw new DeliveryTimingError(
      `the delivery lease (${LEASE_MS} ms) must end before the first retry (${firstRetryDelayMs} ms)`,
    );
  }
  // A run needs time for the snapshot and at least one send before its deadline.
  if (functionTimeoutSeconds < MIN_FUNCTION_TIMEOUT_SECONDS) {
    throw new DeliveryTimingError(
      `a function timeout of ${functionTimeoutSeconds} s leaves no room for a send (${LEASE_MS} ms each)`,
    );
  }
  const delays = ASYNC_RETRY_DELAYS_MS.slice(0, retryAttempts);
  const lastTryEndsByMs = (retryAttempts + 1) * functionTimeoutMs + delays.reduce((a, b) => a + b, 0);
  // At least an hour, for Lambda's own queueing when the account is throttled; the event age is
  // counted from the first attempt.
  const maxEventAgeSeconds = Math.min(
    MAX_EVENT_AGE_S,
    Math.max(MIN_EVENT_AGE_S, 60 * 60, Math.ceil(lastTryEndsByMs / 1000) + 60),
  );
  if (maxEventAgeSeconds * 1000 < lastTryEndsByMs) {
    throw new DeliveryTimingError(
      `the retries of a ${functionTimeoutSeconds} s function outlast Lambda's event age`,
    );
  }
  return {
    functionTimeoutMs,
    sendTimeoutMs: SEND_TIMEOUT_MS,
    leaseMs: LEASE_MS,
    retryAttempts,
    maxEventAgeSeconds,
    worstCaseAfterOneCrashMs: 2 * functionTimeoutMs + firstRetryDelayMs,
    lastTryEndsByMs,
  };
}
