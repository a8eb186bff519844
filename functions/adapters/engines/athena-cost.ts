/** What an Athena query costs: Athena bills the bytes it scans, per query, rounded up. */

/** Athena bills per query at least 10 MB, rounded up to the next megabyte. */
export const ATHENA_MIN_BILLED_BYTES = 10_000_000;
const BYTES_PER_MB = 1_000_000;
const BYTES_PER_TB = 1e12;

export interface AthenaQueryCost {
  readonly name: string;
  readonly queryExecutionId: string;
  readonly state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';
  readonly milliseconds: number;
  readonly rows: number;
  readonly bytesScanned: number;
  readonly estimatedCostUsd: number;
}

export interface AthenaTotals {
  readonly queries: number;
  readonly bytesScanned: number;
  readonly estimatedCostUsd: number;
  readonly perQuery: readonly AthenaQueryCost[];
}

/** Estimated cost of one query: bytes rounded up to a megabyte, at least 10 MB. */
export function estimateQueryCostUsd(bytesScanned: number, pricePerTbUsd: number): number {
  const billed = Math.max(ATHENA_MIN_BILLED_BYTES, Math.ceil(bytesScanned / BYTES_PER_MB) * BYTES_PER_MB);
  return (billed / BYTES_PER_TB) * pricePerTbUsd;
}
