/**
 * One classifier of AWS errors and the retry policies of the adapters that retry themselves.
 *
 * Each AWS client has exactly one retry layer:
 * - Athena: the engine's loop (the SDK client is built with `maxAttempts: 1`), so every retry is
 *   logged, reuses the query's ClientRequestToken and counts against the query's own timeout;
 * - SES: the mailer's loop (`maxAttempts: 1` too), because a daily-quota "Throttling" must not be
 *   retried and a network error after SES accepted a message must not send it twice;
 * - S3: the SDK's standard strategy (3 attempts), which fits: every store call is idempotent or
 *   conditional.
 * docs/runtime.md states each layer's worst case against the Lambda timeout.
 */

/** What kind of transient failure an error is, or null when another try cannot help. */
export type TransientKind = 'throttled' | 'server-fault' | 'network';

const THROTTLING_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);
const SERVER_FAULT_NAMES = new Set([
  'InternalServerException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN']);

interface AwsErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: { readonly throttling?: unknown } | null;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

export function transientKind(error: unknown): TransientKind | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as AwsErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (THROTTLING_NAMES.has(name) || status === 429 || e.$retryable?.throttling === true) return 'throttled';
  if (SERVER_FAULT_NAMES.has(name) || e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return 'server-fault';
  }
  if (NETWORK_NAMES.has(name) || (typeof e.code === 'string' && NETWORK_CODES.has(e.code))) return 'network';
  // The SDK marks other errors it knows to be transient (clock skew, transient HTTP statuses).
  if (e.$retryable !== undefined && e.$retryable !== null) return 'server-fault';
  return null;
}

/** Throttling, server faults and network errors are worth another try; everything else is final. */
export function isTransientAwsError(error: unknown): boolean {
  return transientKind(error) !== null;
}

export function isThrottlingError(error: unknown): boolean {
  return transientKind(error) === 'throttled';
}

/** Attempts and exponential backoff with jitter: attempt n waits up to min(max, base × 2^(n-1)). */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Athena API calls (start, poll, read results) and re-runs of a query Athena marks retryable. */
export const ATHENA_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 400, maxDelayMs: 10_000 };
/** One SES SendRawEmail. */
export const SES_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };
/** The SDK's standard strategy for S3: 3 attempts, delays up to 20 s (the SDK's own constants). */
export const S3_SDK_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 20_000 };

/** Client options for an SDK client whose adapter retries itself: the SDK must not retry too. */
export const ADAPTER_RETRIES_CLIENT_CONFIG = { maxAttempts: 1 } as const;

/** The ceiling of the wait after failed attempt `attempt` (1-based). */
export function backoffCeilingMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

/** The longest a policy can wait in all between its first and its last attempt. */
export function worstCaseWaitMs(policy: RetryPolicy): number {
  let total = 0;
  for (let attempt = 1; attempt < policy.attempts; attempt += 1) total += backoffCeilingMs(policy, attempt);
  return total;
}
