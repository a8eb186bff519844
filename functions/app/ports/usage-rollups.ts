/**
 * The usage and web rollups a report reads instead of the raw events (docs/rollups.md): before
 * it computes, the report asks for the raw dt partitions its usage (and web) queries read to be
 * current.
 */
export interface RollupRequest {
  /** The raw table whose rollups are asked for (default usage_events). */
  readonly table?: 'usage_events' | 'web_events';
  /** The report's time zone: the rollups serve it only when they are in the same zone. */
  readonly timezone: string;
  /** The raw dt partitions (UTC dates) the report's queries of that table read. */
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
