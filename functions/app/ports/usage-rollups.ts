/**
 * The usage and web rollups a report reads instead of the raw events (docs/rollups.md): before
 * it computes, the report asks for the raw dt partitions its usage (and web) queries read to be
 * current.
 */
/** The raw event tables that have rollups. */
export type RolledUpEvents = 'usage_events' | 'web_events';

export interface RollupRequest {
  /** The raw table whose rollups are asked for (default usage_events). */
  readonly table?: RolledUpEvents;
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
  /**
   * Once usable, the rollup relations hold the days of [fromDt, toDt]: ask for every
   * partition the report's rollup queries read (report.ts unions them).
   */
  prepare(request: RollupRequest): Promise<RollupReadiness>;
}

/** What one run of the rollup job asks for (functions/app/rollup-job.ts). */
export interface RollupSyncRequest {
  /** The raw table whose rollups are brought up to date (default usage_events). */
  readonly table?: RolledUpEvents;
  /** The raw dt partitions to consider (default: all). */
  readonly fromDt?: string;
  readonly toDt?: string;
  /** Plan only: list what would be built and removed, change nothing. */
  readonly dryRun?: boolean;
  /** Build at most this many days now, newest first; the rest wait for the next run. */
  readonly maxDays?: number;
  /** Start no further day after this instant (the invocation's deadline, less a margin). */
  readonly startNoDayAfter?: Date;
}

export interface RollupSyncResult {
  /** The zone the rollups are built in (the deployment's). */
  readonly timezone: string;
  /** Days built (or, in a dry run, to build), newest first. */
  readonly built: readonly string[];
  /** Days whose raw partition is gone, removed (or to remove). */
  readonly removed: readonly string[];
  /** Days still missing or stale, left to the next run (limit or deadline). */
  readonly pending: readonly string[];
  /** Days already current. */
  readonly current: number;
  /** The first day that could not be built and why; the days after it were not started. */
  readonly failed: { readonly dt: string; readonly reason: string } | null;
  /** Bytes the engine scanned for this run's queries. */
  readonly bytesScanned: number;
}

/** Usage (and web) rollups a job keeps current on its own, besides serving the reports. */
export interface MaintainedUsageRollups extends UsageRollups {
  /** The raw tables whose rollups it keeps, usage_events first. */
  readonly tables: readonly RolledUpEvents[];
  sync(request: RollupSyncRequest): Promise<RollupSyncResult>;
}
