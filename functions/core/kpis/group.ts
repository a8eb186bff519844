/**
 * The contract between the report orchestrator (functions/app/report.ts) and the KPI groups.
 *
 * A group runs a few SQL files (aggregation happens in SQL) and turns their rows into KPI
 * values per report period with pure functions. The orchestrator adds units, previous values,
 * deltas, trends and benchmark status, and switches a group off when a table it needs is absent.
 */
import type { Period } from '../period.js';
import type { DetailValue, KpiId, SnapshotDetails } from '../snapshot.js';
import type { Row, SqlParam } from '../sql-values.js';
import type { TableName } from '../../contract/contract.js';

export interface PeriodValue {
  readonly value: number | null;
  /** Why the value is null (zero denominator, no data, …). */
  readonly reason?: string;
  readonly detail?: Readonly<Record<string, DetailValue>>;
}

export interface HealthWeights {
  readonly frequency: number;
  readonly breadth: number;
  readonly depth: number;
  readonly sentiment: number;
  readonly supportBilling: number;
}

export interface ReportConfig {
  /** Customer health score weights (fractions summing to 1). */
  readonly healthWeights: HealthWeights;
}

export const DEFAULT_CONFIG: ReportConfig = {
  healthWeights: { frequency: 0.3, breadth: 0.2, depth: 0.2, sentiment: 0.15, supportBilling: 0.15 },
};

export interface RunOptions {
  /**
   * Replaces the report calendar (`report_periods`, `report_days`, `tz_shifts`) for this query,
   * e.g. six calendar months for LTV. Index 0 is the latest period.
   */
  readonly periods?: readonly Period[];
  /**
   * Head relations for this query (docs/sql.md): the relation named by a key is read from the
   * shared relation file given, with its values, e.g. `web_facts` from the raw events or from
   * the web rollups.
   */
  readonly heads?: Readonly<Record<string, { readonly file: string; readonly params: readonly SqlParam[] }>>;
}

export interface KpiGroupContext {
  /**
   * Runs `functions/sql/<name>.sql`, composed with the clean contract tables, shared relations
   * and the report calendar it mentions; `params` are the file's own `?` values in order.
   */
  run(name: string, params?: readonly SqlParam[], options?: RunOptions): Promise<readonly Row[]>;
  /**
   * The report calendar: index 0 is the report's period, 1 the previous one, … 11 the oldest
   * trend period, and 12 one more so that period 11 has a start (its "day before first_day").
   */
  readonly periods: readonly Period[];
  readonly currency: string;
  /** Contract tables present in the data. */
  readonly available: ReadonlySet<TableName>;
  readonly config: ReportConfig;
  /**
   * True when the usage queries read the usage rollups (docs/rollups.md) instead of the raw
   * usage_events: the `…_rollup` query files, which give the same figures.
   */
  readonly usageFromRollups?: boolean;
  /** True when the web queries read the web rollups (docs/rollups.md) instead of web_events. */
  readonly webFromRollups?: boolean;
}

export interface KpiGroupResult {
  /** For each KPI of the group, its value for report periods 0, 1, … (at least 0 and 1; 0–11 for headline KPIs). */
  readonly values: Partial<Record<KpiId, readonly PeriodValue[]>>;
  readonly details?: Partial<SnapshotDetails>;
}

export interface KpiGroup {
  readonly name: string;
  readonly kpis: readonly KpiId[];
  /** Tables without which none of the group's KPIs can be computed. */
  readonly requires: readonly TableName[];
  compute(ctx: KpiGroupContext): Promise<KpiGroupResult>;
}

/** Number from a decimal string, bigint or number cell (money stays exact in SQL; converted once here). */
export function num(cell: Row[string] | undefined): number | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  const n = Number(cell);
  return Number.isFinite(n) ? n : null;
}

/** a / b, or null with a reason when the denominator is zero. */
export function ratio(
  numerator: number | null,
  denominator: number | null,
  zeroReason: string,
  scale = 1,
): PeriodValue {
  if (numerator === null || denominator === null) return { value: null, reason: zeroReason };
  if (denominator === 0) return { value: null, reason: zeroReason };
  return { value: (numerator / denominator) * scale };
}
