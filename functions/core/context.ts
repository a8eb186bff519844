/**
 * Builds the context KPI groups run in: the report calendar and a `run` that composes and
 * executes query files on the engine, keeping per-query statistics.
 */
import { trailingPeriods, type Period } from './period.js';
import { composeQuery, type ComposeContext } from '../sql/compose.js';
import type { QueryEngine, QueryStats, SqlParam, TableSource } from '../engines/engine.js';
import { DEFAULT_CONFIG, type KpiGroupContext, type ReportConfig, type RunOptions } from './kpis/group.js';
import type { TableName } from '../schema/contract.js';

/** Periods the report computes: the report's period, the previous one, the trend, and one more. */
export const CALENDAR_LENGTH = 13;

export interface KpiContextOptions {
  readonly period: Period;
  readonly currency: string;
  readonly config?: ReportConfig;
}

export interface KpiRuntime {
  readonly context: KpiGroupContext;
  readonly sources: readonly TableSource[];
  /** Statistics of every query run so far, in order. */
  readonly stats: QueryStats[];
}

/** Report calendar, index 0 = `period`, going back in time. */
export function reportCalendar(period: Period, length = CALENDAR_LENGTH): Period[] {
  return trailingPeriods(period, length).reverse();
}

export async function createKpiContext(engine: QueryEngine, options: KpiContextOptions): Promise<KpiRuntime> {
  const sources = await engine.sources();
  const periods = reportCalendar(options.period);
  const available = new Set<TableName>(sources.filter((s) => s.relation !== null).map((s) => s.table));
  const stats: QueryStats[] = [];
  const base: ComposeContext = { sources, currency: options.currency, periods };
  const context: KpiGroupContext = {
    periods,
    currency: options.currency,
    available,
    config: options.config ?? DEFAULT_CONFIG,
    async run(name: string, params: readonly SqlParam[] = [], runOptions: RunOptions = {}) {
      const request = composeQuery(
        name,
        params,
        runOptions.periods ? { ...base, periods: runOptions.periods } : base,
      );
      const result = await engine.query(request);
      stats.push(result.stats);
      return result.rows;
    },
  };
  return { context, sources, stats };
}
