/**
 * Trend points from the previous period's stored snapshot.
 *
 * A report needs 12 trend points for each headline KPI. Computing the oldest ten again every
 * week means reading about twelve periods of usage events (and, on Athena, paying for them).
 * The previous period's snapshot already holds them: its trend covers the previous period and
 * the eleven before it. So when that snapshot is compatible (same schema, period kind, time
 * zone, reporting currency and the same input tables present), the report computes only the
 * current and the previous period and takes trend points 2 … 11 from it, "as reported".
 * The previous period itself is always recomputed, so that `previous` and `delta` compare like
 * with like. A rerun with `recomputeTrend` ignores stored snapshots.
 */
import {
  SCHEMA_VERSION,
  TREND_PERIODS,
  TRENDED_KPIS,
  type KpiId,
  type KpiValue,
  type Snapshot,
} from '../core/snapshot.js';
import type { Period } from '../core/period.js';
import type { TableName } from '../contract/contract.js';

/** Trended KPI (headline and web section) → trend point value by period key. */
export type StoredTrend = ReadonlyMap<KpiId, ReadonlyMap<string, number | null>>;

export type TrendHistoryResult =
  | { readonly usable: true; readonly trend: StoredTrend; readonly from: string }
  | { readonly usable: false; readonly reason: string };

/** Trend points 2 … 11 that must come from the stored snapshot (the report computes 0 and 1). */
export const STORED_FROM_INDEX = 2;

export interface TrendHistoryContext {
  /** The report calendar, index 0 = the report's period. */
  readonly periods: readonly Period[];
  readonly currency: string;
  readonly presentTables: ReadonlySet<TableName>;
  /** QueryEngine.dataSource of this report's engine. */
  readonly dataSource: string;
}

/**
 * Whether `previous` (the stored snapshot of `periods[1]`) can supply trend points 2 … 11 of a
 * report over `periods` (index 0 = the report's period), and those points.
 */
export function storedTrendFrom(previous: Snapshot | null, report: TrendHistoryContext): TrendHistoryResult {
  const { periods, currency, presentTables } = report;
  const prior = periods[1];
  const current = periods[0];
  if (!prior || !current) return { usable: false, reason: 'the report calendar has no previous period' };
  if (previous === null) return { usable: false, reason: `no stored snapshot of ${prior.key}` };
  const stored = `the stored snapshot of ${prior.key}`;
  if (previous.schemaVersion !== SCHEMA_VERSION) {
    return { usable: false, reason: `${stored} has schema version ${String(previous.schemaVersion)}` };
  }
  if (previous.period.kind !== prior.kind || previous.period.key !== prior.key) {
    return { usable: false, reason: `${stored} is for ${previous.period.kind} ${previous.period.key}` };
  }
  if (previous.period.timezone !== current.timezone) {
    return { usable: false, reason: `${stored} is in time zone ${previous.period.timezone}` };
  }
  if (previous.stats.dataSource !== report.dataSource) {
    return { usable: false, reason: `${stored} was made from other input data` };
  }
  if (previous.currency !== currency) {
    return { usable: false, reason: `${stored} is in ${previous.currency}` };
  }
  const storedTables = new Set(previous.dataQuality.tables.filter((t) => t.present).map((t) => t.table));
  const differs = [...new Set([...storedTables, ...presentTables])].filter(
    (t) => storedTables.has(t) !== presentTables.has(t),
  );
  if (differs.length > 0) {
    return {
      usable: false,
      reason: `${stored} was made with other input tables (${differs.sort().join(', ')})`,
    };
  }
  const needed = periods.slice(STORED_FROM_INDEX, TREND_PERIODS).map((p) => p.key);
  // Parsed from a file: a KPI may be missing.
  const kpis: Partial<Record<KpiId, KpiValue>> = previous.kpis;
  const trend = new Map<KpiId, Map<string, number | null>>();
  for (const id of TRENDED_KPIS) {
    const points = new Map<string, number | null>();
    for (const point of kpis[id]?.trend ?? []) {
      if (typeof point.value === 'number' || point.value === null) points.set(point.key, point.value);
    }
    const missing = needed.find((key) => !points.has(key));
    if (missing !== undefined) {
      return { usable: false, reason: `${stored} has no ${id} trend point for ${missing}` };
    }
    trend.set(id, points);
  }
  return { usable: true, trend, from: prior.key };
}

/** A structural check of a parsed JSON file before it is read as a snapshot. */
export function isSnapshotLike(value: unknown): value is Snapshot {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const period = v.period as Record<string, unknown> | null | undefined;
  const quality = v.dataQuality as Record<string, unknown> | null | undefined;
  return (
    typeof v.schemaVersion === 'number' &&
    typeof v.currency === 'string' &&
    typeof period === 'object' &&
    period !== null &&
    typeof period.kind === 'string' &&
    typeof period.key === 'string' &&
    typeof period.timezone === 'string' &&
    typeof v.kpis === 'object' &&
    v.kpis !== null &&
    typeof quality === 'object' &&
    quality !== null &&
    Array.isArray(quality.tables) &&
    typeof v.stats === 'object' &&
    v.stats !== null
  );
}
