/**
 * Builds the KPI snapshot of one period: data-quality checks, the KPI groups, then the
 * assembly of values, previous values, deltas, trends and benchmark status.
 */
import { addDays, type Period } from './period.js';
import { benchmarkFor, DEFAULT_BENCHMARKS, type Benchmarks } from './benchmarks.js';
import { KPI_META } from './kpi-meta.js';
import {
  HEADLINE_KPIS,
  KPI_IDS,
  SCHEMA_VERSION,
  TREND_PERIODS,
  type ExclusionCount,
  type KpiId,
  type KpiValue,
  type Snapshot,
  type SnapshotDetails,
  type TableQuality,
} from './snapshot.js';
import {
  DEFAULT_CONFIG,
  num,
  type KpiGroup,
  type KpiGroupResult,
  type PeriodValue,
  type ReportConfig,
} from './kpis/group.js';
import { dataQualityQuery } from '../sql/compose.js';
import type { QueryEngine, QueryStats, TableSource } from '../engines/engine.js';
import { REPORT_TABLES, tableSpec, type DataQualityReason, type TableName } from '../schema/contract.js';
import { ALL_GROUPS } from './kpis/index.js';
import { createKpiContext, reportCalendar, CALENDAR_LENGTH } from './context.js';
import { STORED_FROM_INDEX, storedTrendFrom, type StoredTrend } from './trend-history.js';

export interface BuildOptions {
  readonly period: Period;
  readonly currency: string;
  readonly now: Date;
  readonly config?: ReportConfig;
  readonly benchmarks?: Benchmarks;
  /** The KPI groups to run (all by default). */
  readonly groups?: readonly KpiGroup[];
  /**
   * The stored snapshot of the previous period, if any: when compatible, its trend supplies
   * trend points 2 … 11 and only the report's period and the previous one are computed
   * (functions/core/trend-history.ts). `null` or absent: every trend point is computed.
   */
  readonly previous?: Snapshot | null;
  /**
   * Only these tables are checked for data quality (and kept by the engine); the groups must read
   * no other (functions/core/alert-scope.ts). Absent: every report table. For the cheap daily
   * alert run, whose rules need a few KPIs only.
   */
  readonly readTables?: readonly TableName[];
}

export const EMPTY_DETAILS: SnapshotDetails = {
  mrrMovements: { bySegment: [], byPlan: [], byAccount: [] },
  accountsAtRisk: [],
  healthBands: { healthy: 0, atRisk: 0, critical: 0 },
  topFeatures: [],
  feedback: { commentCount: 0, detractorTerms: [], promoterTerms: [], latestDetractorComments: [] },
};

/** The UTC dates (dt partitions) a period's instants fall on, with a day of margin for time zones. */
export function dtRangeOf(period: Period): { fromDt: string; toDt: string } {
  return { fromDt: addDays(period.firstDay, -1), toDt: addDays(period.lastDay, 1) };
}

interface QualityResult {
  readonly tables: TableQuality[];
  readonly excluded: ExclusionCount[];
}

async function checkTable(
  engine: QueryEngine,
  table: TableName,
  sources: readonly TableSource[],
  period: Period,
  currency: string,
  periods: readonly Period[],
  stats: QueryStats[],
): Promise<{ quality: TableQuality; excluded: ExclusionCount[] }> {
  const source = sources.find((s) => s.table === table);
  const request = dataQualityQuery(table, { sources, currency, periods }, dtRangeOf(period));
  if (!source || source.relation === null || request === null) {
    const reason = source?.absentReason ?? 'not configured';
    return {
      quality: { table, present: false, reason, rowsChecked: 0, rowsExcluded: 0, latest: null },
      excluded: [],
    };
  }
  const result = await engine.query(request);
  stats.push(result.stats);
  const excluded: ExclusionCount[] = [];
  let checked = 0;
  let latest: string | null = null;
  for (const row of result.rows) {
    const rows = num(row.row_count) ?? 0;
    checked += rows;
    const reason = row.reason;
    if (reason === null) {
      const duplicates = rows - (num(row.distinct_keys) ?? rows);
      if (duplicates > 0) {
        excluded.push({
          table,
          reason: 'duplicate_id',
          rows: duplicates,
          expected: expectation(table, 'duplicate_id'),
        });
      }
      latest = typeof row.latest === 'string' ? toIso(row.latest) : null;
      continue;
    }
    const why = String(reason) as DataQualityReason;
    const example = {
      ...(typeof row.example_file === 'string' ? { file: row.example_file } : {}),
      ...(typeof row.example_key === 'string' ? { key: row.example_key } : {}),
      ...(typeof row.example_field === 'string' && why === 'invalid_value'
        ? { field: row.example_field }
        : {}),
    };
    excluded.push({
      table,
      reason: why,
      rows,
      expected: expectation(table, why),
      ...(Object.keys(example).length > 0 ? { example } : {}),
    });
  }
  const rowsExcluded = excluded.reduce((sum, e) => sum + e.rows, 0);
  return { quality: { table, present: true, rowsChecked: checked, rowsExcluded, latest }, excluded };
}

async function checkDataQuality(
  engine: QueryEngine,
  sources: readonly TableSource[],
  period: Period,
  currency: string,
  periods: readonly Period[],
  stats: QueryStats[],
  readTables: readonly TableName[] | undefined,
): Promise<QualityResult> {
  const checks = await Promise.all(
    REPORT_TABLES.map((table) =>
      readTables === undefined || readTables.includes(table)
        ? checkTable(engine, table, sources, period, currency, periods, stats)
        : Promise.resolve(notRead(table, sources)),
    ),
  );
  const excluded = checks.flatMap((c) => c.excluded);
  excluded.sort((a, b) => a.table.localeCompare(b.table) || a.reason.localeCompare(b.reason));
  return { tables: checks.map((c) => c.quality), excluded };
}

/** A table this run does not read: present or not, nothing of it is checked. */
function notRead(table: TableName, sources: readonly TableSource[]): { quality: TableQuality; excluded: [] } {
  const source = sources.find((s) => s.table === table);
  const present = source !== undefined && source.relation !== null;
  return {
    quality: {
      table,
      present,
      reason: present
        ? 'not read by this run (no KPI it computes needs it)'
        : (source?.absentReason ?? 'not configured'),
      rowsChecked: 0,
      rowsExcluded: 0,
      latest: null,
    },
    excluded: [],
  };
}

/** The contract's expectation that rows excluded for `reason` broke. */
function expectation(table: TableName, reason: DataQualityReason): string {
  const spec = tableSpec(table);
  switch (reason) {
    case 'null_key':
      return `${spec.key.join(', ')} must not be empty`;
    case 'missing_required_field':
      return `required fields (${spec.columns
        .filter((c) => !c.nullable && !spec.key.includes(c.name))
        .map((c) => c.name)
        .join(', ')}) must not be empty`;
    case 'duplicate_id':
      return `${spec.key.join(' + ')} must be unique (one copy kept)`;
    default: {
      const rules = spec.rules.filter((r) => r.reason === reason).map((r) => r.description);
      if (reason === 'invalid_value') rules.unshift('every value must be readable as its column type');
      return `not: ${rules.join('; ')}`;
    }
  }
}

/** "2026-11-22 10:00:00.000" or "2026-11-22" → ISO-8601. */
function toIso(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(`${value.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

function absentReason(group: KpiGroup, sources: readonly TableSource[]): string | null {
  const missing: string[] = [];
  for (const table of group.requires) {
    const source = sources.find((s) => s.table === table);
    if (!source || source.relation === null) {
      missing.push(`${table} (${source?.absentReason ?? 'not configured'})`);
    }
  }
  return missing.length > 0 ? `not available: no ${missing.join(', no ')}` : null;
}

function assemble(
  id: KpiId,
  values: readonly PeriodValue[] | undefined,
  periods: readonly Period[],
  fallbackReason: string,
  benchmarks: Benchmarks,
  stored: StoredTrend | null,
): KpiValue {
  const meta = KPI_META[id];
  const current = values?.[0] ?? { value: null, reason: fallbackReason };
  const previous = values?.[1] ?? { value: null };
  const value = finite(current.value);
  const prev = finite(previous.value);
  const kpi: KpiValue = {
    value,
    previous: prev,
    delta: value !== null && prev !== null ? value - prev : null,
    unit: meta.unit,
    ...(value === null ? { reason: current.reason ?? fallbackReason } : {}),
    ...(current.detail ? { detail: current.detail } : {}),
  };
  const benchmark = benchmarkFor(id, kpi, periods[0]?.kind ?? 'weekly', benchmarks);
  const trend = HEADLINE_KPIS.includes(id)
    ? periods
        .slice(0, TREND_PERIODS)
        .map((p, i) => ({
          key: p.key,
          value:
            stored && i >= STORED_FROM_INDEX
              ? finite(stored.get(id)?.get(p.key) ?? null)
              : finite(values?.[i]?.value ?? null),
        }))
        .reverse()
    : undefined;
  return { ...kpi, ...(benchmark ? { benchmark } : {}), ...(trend ? { trend } : {}) };
}

function finite(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

export async function buildSnapshot(engine: QueryEngine, options: BuildOptions): Promise<Snapshot> {
  const started = performance.now();
  const groups = options.groups ?? ALL_GROUPS;
  const sources = await engine.sources();
  // The tables a snapshot records as present (its data-quality section covers REPORT_TABLES).
  const present = new Set(
    sources.filter((s) => s.relation !== null && REPORT_TABLES.includes(s.table)).map((s) => s.table),
  );
  const calendar = reportCalendar(options.period);
  const history = storedTrendFrom(options.previous ?? null, {
    periods: calendar,
    currency: options.currency,
    presentTables: present,
    dataSource: engine.dataSource,
  });
  const stored = history.usable ? history.trend : null;
  const runtime = await createKpiContext(engine, {
    period: options.period,
    currency: options.currency,
    config: options.config ?? DEFAULT_CONFIG,
    // Periods 0 and 1, plus period 2 as the start of period 1.
    calendarLength: stored ? STORED_FROM_INDEX + 1 : CALENDAR_LENGTH,
    sources,
    ...(options.readTables ? { readTables: options.readTables } : {}),
  });
  const { context, stats } = runtime;

  // Everything is independent: the engine bounds how many queries run at once (Athena) or
  // queues them on its connection (DuckDB).
  const absent = groups.map((group) => absentReason(group, sources));
  let quality: QualityResult;
  let results: (KpiGroupResult | null)[];
  try {
    [quality, results] = await Promise.all([
      checkDataQuality(
        engine,
        sources,
        options.period,
        options.currency,
        context.periods,
        stats,
        options.readTables,
      ),
      Promise.all(groups.map((group, i) => (absent[i] ? null : group.compute(context)))),
    ]);
  } finally {
    await runtime.release();
  }

  const values: Partial<Record<KpiId, readonly PeriodValue[]>> = {};
  const reasons: Partial<Record<KpiId, string>> = {};
  let details: SnapshotDetails = EMPTY_DETAILS;
  groups.forEach((group, i) => {
    const result = results[i];
    if (!result) {
      for (const id of group.kpis) reasons[id] = absent[i] ?? 'not computed';
      return;
    }
    Object.assign(values, result.values);
    details = { ...details, ...result.details };
  });

  const kpis = Object.fromEntries(
    KPI_IDS.map((id) => [
      id,
      assemble(
        id,
        values[id],
        calendar,
        reasons[id] ?? 'not computed',
        options.benchmarks ?? DEFAULT_BENCHMARKS,
        stored,
      ),
    ]),
  ) as Record<KpiId, KpiValue>;

  const milliseconds = Math.round(performance.now() - started);
  const bytes = stats.reduce((sum, s) => sum + (s.bytesScanned ?? 0), 0);
  const tablesRead = new Set<TableName>(quality.tables.filter((t) => t.present).map((t) => t.table));
  return {
    schemaVersion: SCHEMA_VERSION,
    period: {
      kind: options.period.kind,
      key: options.period.key,
      firstDay: options.period.firstDay,
      lastDay: options.period.lastDay,
      timezone: options.period.timezone,
    },
    currency: options.currency,
    generatedAt: options.now.toISOString(),
    kpis,
    details,
    dataQuality: {
      tables: quality.tables,
      excluded: quality.excluded,
      totalExcluded: quality.excluded.reduce((sum, e) => sum + e.rows, 0),
    },
    stats: {
      engine: engine.kind,
      dataSource: engine.dataSource,
      queries: stats.length,
      rowsReturned: stats.reduce((sum, s) => sum + s.rows, 0),
      rowsRead: quality.tables
        .filter((t) => tablesRead.has(t.table))
        .reduce((sum, t) => sum + t.rowsChecked, 0),
      milliseconds,
      // Athena runs: the job adds the engine's cost estimate (its billing rules live there).
      ...(engine.kind === 'athena' ? { bytesScanned: bytes } : {}),
      trend: history.usable
        ? { computedPeriods: STORED_FROM_INDEX, storedFrom: history.from }
        : {
            computedPeriods: Math.min(TREND_PERIODS, context.periods.length),
            storedFrom: null,
            ...(options.previous === undefined ? {} : { reason: history.reason }),
          },
      perQuery: stats.map((s) => ({
        name: s.name,
        milliseconds: s.milliseconds,
        rows: s.rows,
        ...(s.bytesScanned !== undefined ? { bytesScanned: s.bytesScanned } : {}),
      })),
    },
  };
}
