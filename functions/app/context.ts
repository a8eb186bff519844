/**
 * Builds the context KPI groups run in: the report calendar and a `run` that composes and
 * executes query files on the engine, keeping per-query statistics.
 */
import { trailingPeriods, type Period } from '../core/period.js';
import {
  classifiedTableQuery,
  composeQuery,
  qualityFromClassifiedQuery,
  relationQuery,
  relationsReadBy,
  type ComposeContext,
} from '../sql/compose.js';
import type { QueryEngine, QueryStats, TableSource } from './ports/query-engine.js';
import type { Row, SqlParam } from '../core/sql-values.js';
import {
  DEFAULT_CONFIG,
  type KpiGroupContext,
  type ReportConfig,
  type RunOptions,
} from '../core/kpis/group.js';
import { REPORT_TABLES, type TableName } from '../contract/contract.js';
import { TREND_PERIODS } from '../core/snapshot.js';

/**
 * Shared relations an engine that can keep a table (DuckDB) computes once per report, when a
 * query first needs them, instead of once in each of the 7–8 queries that read them. Not the
 * event relations: a report reads those only once or twice, each over its own days.
 */
export const KEPT_RELATIONS: readonly string[] = [
  'fx_spans',
  'period_rates',
  'account_mrr_end',
  'revenue_paying_rows',
  'revenue_account_first_paid',
  'revenue_account_movements',
  'revenue_account_mrr_start',
  'revenue_account_plans',
  // Read by the three book queries of CSM digests.
  'account_owners',
];

/** Periods the report computes: the report's period, the previous one, the trend, and one more. */
export const CALENDAR_LENGTH = TREND_PERIODS + 1;

export interface KpiContextOptions {
  readonly period: Period;
  readonly currency: string;
  /** Base currency of fx_rates rows without a base_currency (default USD). */
  readonly fxBase?: string;
  readonly config?: ReportConfig;
  /** Periods to compute (default CALENDAR_LENGTH); 3 when earlier trend values come from stored snapshots. */
  readonly calendarLength?: number;
  /** The engine's table sources, when the caller already has them. */
  readonly sources?: readonly TableSource[];
  /** Only these tables are kept by the engine (default: every report table). */
  readonly readTables?: readonly TableName[];
  /** The usage queries read the usage rollups (KpiGroupContext.usageFromRollups). */
  readonly usageFromRollups?: boolean;
  /** The web queries read the web rollups (KpiGroupContext.webFromRollups). */
  readonly webFromRollups?: boolean;
}

export interface KpiRuntime {
  readonly context: KpiGroupContext;
  readonly sources: readonly TableSource[];
  /** Statistics of every query run so far, in order. */
  readonly stats: QueryStats[];
  /**
   * The data-quality count rows (as dataQualityQuery gives them) of the small tables whose
   * clean rows the engine keeps, counted in the same pass; the others are counted on their own.
   */
  readonly quality: ReadonlyMap<TableName, readonly Row[]>;
  /** Lets the engine drop what it kept for this report. */
  release(): Promise<void>;
}

/** Report calendar, index 0 = `period`, going back in time. */
export function reportCalendar(period: Period, length = CALENDAR_LENGTH): Period[] {
  return trailingPeriods(period, length).reverse();
}

/**
 * Lets the engine keep each small table's clean rows, when it can (DuckDB): every query of the
 * report would otherwise filter and de-duplicate them again. One pass over each table
 * classifies every row by the first rule it breaks; its clean rows and its data-quality counts
 * are then both read from those rows, so the rules are evaluated once per row.
 */
async function withCleanRelations(
  engine: QueryEngine,
  sources: readonly TableSource[],
  ctx: ComposeContext,
  stats: QueryStats[],
  readTables: readonly TableName[],
): Promise<{ sources: readonly TableSource[]; quality: Map<TableName, readonly Row[]> }> {
  const quality = new Map<TableName, readonly Row[]>();
  if (!engine.materialize) return { sources, quality };
  const out: TableSource[] = [];
  try {
    for (const source of sources) {
      const request = readTables.includes(source.table) ? classifiedTableQuery(source.table, ctx) : null;
      if (request === null) {
        out.push(source);
        continue;
      }
      const classified = await engine.materialize(request);
      stats.push(classified.stats);
      // The classified rows stay for the report: its queries read their clean rows.
      out.push({ ...source, classifiedRelation: classified.relation });
      const counts = await engine.query(qualityFromClassifiedQuery(source.table, classified.relation));
      stats.push(counts.stats);
      quality.set(source.table, counts.rows);
    }
  } catch (error) {
    // Drop what was kept before the failure; the report fails with the original error.
    await releaseCleanRelations(engine, out);
    throw error;
  }
  return { sources: out, quality };
}

async function releaseCleanRelations(engine: QueryEngine, sources: readonly TableSource[]): Promise<void> {
  for (const s of sources)
    if (s.classifiedRelation !== undefined) await engine.release?.(s.classifiedRelation);
}

const fxBaseOf = (options: KpiContextOptions): { fxBase?: string } =>
  options.fxBase !== undefined ? { fxBase: options.fxBase } : {};

export async function createKpiContext(engine: QueryEngine, options: KpiContextOptions): Promise<KpiRuntime> {
  const rawSources = options.sources ?? (await engine.sources());
  const periods = reportCalendar(options.period, options.calendarLength);
  const available = new Set<TableName>(rawSources.filter((s) => s.relation !== null).map((s) => s.table));
  const stats: QueryStats[] = [];
  const { sources, quality } = await withCleanRelations(
    engine,
    rawSources,
    { sources: rawSources, currency: options.currency, periods, ...fxBaseOf(options) },
    stats,
    options.readTables ?? REPORT_TABLES,
  );
  const base: ComposeContext = { sources, currency: options.currency, periods, ...fxBaseOf(options) };
  // Each shared relation kept at most once (concurrent queries wait for the same one).
  const keeping = new Map<string, Promise<string>>();
  const keptRelations: string[] = [];
  const keptMap = new Map<string, string>();
  const keep = (name: string): Promise<string> => {
    let pending = keeping.get(name);
    if (!pending) {
      const materialize = engine.materialize?.bind(engine);
      if (!materialize) throw new Error('the engine cannot keep a relation');
      pending = materialize(relationQuery(name, { ...base, kept: new Map(keptMap) })).then((kept) => {
        stats.push(kept.stats);
        keptRelations.push(kept.relation);
        keptMap.set(name, kept.relation);
        return kept.relation;
      });
      keeping.set(name, pending);
    }
    return pending;
  };
  const context: KpiGroupContext = {
    periods,
    currency: options.currency,
    available,
    config: options.config ?? DEFAULT_CONFIG,
    ...(options.usageFromRollups ? { usageFromRollups: true } : {}),
    ...(options.webFromRollups ? { webFromRollups: true } : {}),
    async run(name: string, params: readonly SqlParam[] = [], runOptions: RunOptions = {}) {
      const heads = runOptions.heads ? { heads: new Map(Object.entries(runOptions.heads)) } : {};
      // Another calendar (LTV months) has other rows: those relations are computed inline.
      if (runOptions.periods) {
        const request = composeQuery(name, params, { ...base, ...heads, periods: runOptions.periods });
        const result = await engine.query(request);
        stats.push(result.stats);
        return result.rows;
      }
      const kept = new Map<string, string>();
      if (engine.materialize) {
        // Dependencies first: a kept relation is computed from the ones it reads, kept before it.
        for (const relation of relationsReadBy(name).filter((r) => KEPT_RELATIONS.includes(r))) {
          kept.set(relation, await keep(relation));
        }
      }
      const request = composeQuery(name, params, {
        ...base,
        ...heads,
        ...(kept.size > 0 ? { kept } : {}),
      });
      const result = await engine.query(request);
      stats.push(result.stats);
      return result.rows;
    },
  };
  return {
    context,
    sources,
    stats,
    quality,
    async release() {
      // Wait for any relation still being kept, so that none outlives the report.
      await Promise.allSettled(keeping.values());
      for (const relation of keptRelations) await engine.release?.(relation);
      await releaseCleanRelations(engine, sources);
    },
  };
}
