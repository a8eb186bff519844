/**
 * The usage rollups a report reads instead of the raw usage events (docs/rollups.md): before it
 * computes, the report asks for the raw dt partitions its usage queries read to be current.
 */
export interface RollupRequest {
  /** The report's time zone: the rollups serve it only when they are in the same zone. */
  readonly timezone: string;
  /** The raw dt partitions (UTC dates) the report's usage queries read. */
  readonly fromDt: string;
  readonly toDt: string;
}

export type RollupReadiness =
  | {
      readonly usable: true;
      /** The zone the rollups' local days are in. */
      readonly timezone: string;
      /** Days (raw dt partitions) rolled up now because they were missing or stale. */
      readonly built: readonly string[];
      /** Days whose raw partition is gone, removed now. */
      readonly removed: readonly string[];
    }
  | { readonly usable: false; readonly reason: string };

export interface UsageRollups {
  prepare(request: RollupRequest): Promise<RollupReadiness>;
}
