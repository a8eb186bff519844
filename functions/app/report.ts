/**
 * Builds the KPI snapshot of one period: data-quality checks, the KPI groups, then the
 * assembly of values, previous values, deltas, trends and benchmark status.
 */
import { addDays, type Period } from '../core/period.js';
import { benchmarkFor, DEFAULT_BENCHMARKS, type Benchmarks } from '../core/benchmarks.js';
import nodePath from 'node:path';
import { KPI_META } from '../core/kpi-meta.js';
import { DECIMALS, roundFigure, roundTo } from '../core/precision.js';
import {
  KPI_IDS,
  SCHEMA_VERSION,
  TREND_PERIODS,
  TRENDED_KPIS,
  type ExclusionCount,
  type ExclusionWarning,
  type KpiId,
  type KpiValue,
  type Snapshot,
  type SnapshotDetails,
  type TableQuality,
  type UsageSourceStats,
} from '../core/snapshot.js';
import {
  DEFAULT_CONFIG,
  num,
  type KpiGroup,
  type KpiGroupResult,
  type PeriodValue,
  type ReportConfig,
} from '../core/kpis/group.js';
import {
  composeQuery,
  DEFAULT_FX_BASE,
  dataQualityQuery,
  EXAMPLE_SEPARATOR,
  smallTablesQualityQuery,
} from '../sql/compose.js';
import { assertReportingRates } from '../core/fx-coverage.js';
import { ltvCalendar } from '../core/kpis/revenue.js';
import type { QueryEngine, QueryStats, TableSource } from './ports/query-engine.js';
import type { Row, SqlParam, SqlValue } from '../core/sql-values.js';
import { REPORT_TABLES, tableSpec, type DataQualityReason, type TableName } from '../contract/contract.js';
import type { UsageRollups } from './ports/usage-rollups.js';
import { usageDtRange } from '../core/kpis/engagement.js';
import { webDtRange } from '../core/kpis/web.js';
import { ALL_GROUPS } from '../core/kpis/index.js';
import { assembleBooks, normaliseDomain, type BookInputs, type CsmBooks } from '../core/csm-books.js';
import { runCsmQueries, type CsmBookOptions } from '../core/csm-report.js';
import { teamBooks } from '../core/csm-snapshot.js';
import { createKpiContext, reportCalendar, CALENDAR_LENGTH } from './context.js';
import { STORED_FROM_INDEX, storedTrendFrom, type StoredTrend } from './trend-history.js';
import { exclusionVerdict, rowsReadOf } from '../core/exclusion-share.js';
import {
  assertExclusionsBelowStop,
  assertHasData,
  coverageOfSpans,
  type ReportGuards,
  type TableSpan,
} from '../core/run-guards.js';

export interface BuildOptions {
  readonly period: Period;
  readonly currency: string;
  /** Base currency of fx_rates rows without a base_currency (default USD). */
  readonly fxBase?: string;
  readonly now: Date;
  readonly config?: ReportConfig;
  readonly benchmarks?: Benchmarks;
  /** The KPI groups to run (all by default). */
  readonly groups?: readonly KpiGroup[];
  /**
   * The stored snapshot of the previous period, if any: when compatible, its trend supplies
   * trend points 2 … 11 and only the report's period and the previous one are computed
   * (functions/app/trend-history.ts). `null` or absent: every trend point is computed.
   */
  readonly previous?: Snapshot | null;
  /**
   * Stop an empty run or one with a mostly excluded table, and list the tables above the
   * warning share (functions/core/run-guards.ts). Absent: no checks (KPI tests on small fixtures).
   */
  readonly guards?: ReportGuards;
  /**
   * Only these tables are checked for data quality (and kept by the engine); the groups must read
   * no other (functions/app/alert-scope.ts). Absent: every report table. For the cheap daily
   * alert run, whose rules need a few KPIs only.
   */
  readonly readTables?: readonly TableName[];
  /**
   * Usage rollups (docs/rollups.md): the report brings the days its usage queries read up to
   * date, then reads them instead of the raw usage_events; where it cannot (another time zone,
   * nothing can be written) it reads the raw events. `stats.usage` says which. The same folder
   * holds the web rollups, which the web queries read the same way (`stats.web`). Absent: raw
   * events.
   */
  readonly usageRollups?: UsageRollups;
  /**
   * Also compute every CSM's book of business (docs/csm-digests.md), with the report's own
   * queries; the snapshot then records the books (details.csmBooks, dataQuality.csmOwners).
   */
  readonly csm?: CsmBookOptions;
}

/** A report and, when asked for, every CSM's book. */
export interface Report {
  readonly snapshot: Snapshot;
  readonly csmBooks: CsmBooks | null;
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

/** The local folder a DuckDB report reads (null for Athena, whose files are S3 objects). */
function localDataFolder(engine: QueryEngine): string | null {
  return engine.dataFolder ?? null;
}

/**
 * A file named in the snapshot, relative to the data folder (`invoices/2026-11.csv`, with
 * forward slashes): the snapshot is shared, and absolute local paths say nothing to its readers.
 */
export function dataRelativePath(file: string, dataFolder: string | null): string {
  if (dataFolder === null || /^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return file;
  const relative = nodePath.relative(dataFolder, file);
  if (relative === '' || relative.startsWith('..') || nodePath.isAbsolute(relative))
    return nodePath.basename(file);
  return relative.split(nodePath.sep).join('/');
}

interface QualityResult {
  readonly tables: TableQuality[];
  readonly excluded: ExclusionCount[];
  /** What the clean rows of each checked table span (its freshness column), for the run guards. */
  readonly spans: TableSpan[];
}

/** The earliest and latest freshness of a table's clean rows, as the counts give them. */
type CountedSpan = Pick<TableSpan, 'from' | 'to'>;

async function checkTable(
  engine: QueryEngine,
  table: TableName,
  sources: readonly TableSource[],
  period: Period,
  currency: string,
  periods: readonly Period[],
  stats: QueryStats[],
  fxBase: { fxBase?: string },
  fromRollups: RolledUp,
  counted: readonly Row[] | undefined,
): Promise<{ quality: TableQuality; excluded: ExclusionCount[]; span?: CountedSpan }> {
  const source = sources.find((s) => s.table === table);
  const dataFolder = localDataFolder(engine);
  if (!source || source.relation === null) {
    const reason = source?.absentReason ?? 'not configured';
    return {
      quality: {
        table,
        present: false,
        reason,
        rowsRead: 0,
        rowsUsed: 0,
        rowsExcluded: 0,
        latest: null,
      },
      excluded: [],
    };
  }
  // A small table's counts come from the pass that kept its clean rows (createKpiContext);
  // the others are counted here.
  let rows = counted;
  if (rows === undefined) {
    const ctx = { sources, currency, periods, ...fxBase };
    // The rollups keep each day's counts of usage_events and web_events (…_quality_rollup.sql).
    const request =
      table === 'usage_events' && fromRollups.usage
        ? composeQuery('usage_quality_rollup', dtParams(period), ctx)
        : table === 'web_events' && fromRollups.web
          ? composeQuery('web_quality_rollup', dtParams(period), ctx)
          : dataQualityQuery(table, ctx, dtRangeOf(period));
    if (request === null) throw new Error(`${table}: no data-quality query for a present table`);
    const result = await engine.query(request);
    stats.push(result.stats);
    rows = result.rows;
  }
  const excluded: ExclusionCount[] = [];
  let read = 0;
  let used = 0;
  let latest: string | null = null;
  let span: CountedSpan | undefined;
  for (const row of rows) {
    const rows = num(row.row_count) ?? 0;
    read += rows;
    const reason = row.reason;
    if (reason === null) {
      // Good rows: one per key is used, the other copies are duplicates.
      const keys = num(row.distinct_keys) ?? rows;
      used += keys;
      if (rows > keys) {
        excluded.push({
          table,
          reason: 'duplicate_id',
          rows: rows - keys,
          expected: expectation(table, 'duplicate_id'),
        });
      }
      latest = typeof row.latest === 'string' ? toIso(row.latest) : null;
      if (typeof row.span_from === 'string' && typeof row.span_to === 'string') {
        span = { from: toIso(row.span_from), to: toIso(row.span_to) };
      }
      continue;
    }
    const why = String(reason) as DataQualityReason;
    const example = typeof row.example === 'string' ? exampleOf(row.example, why, dataFolder) : {};
    excluded.push({
      table,
      reason: why,
      rows,
      expected: expectation(table, why),
      ...(Object.keys(example).length > 0 ? { example } : {}),
    });
  }
  const rowsExcluded = excluded.reduce((sum, e) => sum + e.rows, 0);
  return {
    quality: { table, present: true, rowsRead: read, rowsUsed: used, rowsExcluded, latest },
    excluded,
    ...(span ? { span } : {}),
  };
}

/** The parts of a data-quality example (see dataQualityQuery) that say something. */
function exampleOf(
  text: string,
  reason: DataQualityReason,
  dataFolder: string | null,
): NonNullable<ExclusionCount['example']> {
  const [file = '', line = '', field = '', problem = '', ...key] = text.split(EXAMPLE_SEPARATOR);
  const lineNumber = Number(line);
  const keyText = key.join(EXAMPLE_SEPARATOR);
  return {
    ...(file !== '' ? { file: dataRelativePath(file, dataFolder) } : {}),
    ...(lineNumber > 0 ? { line: lineNumber } : {}),
    ...(keyText !== '' ? { key: keyText } : {}),
    ...(field !== '' && (reason === 'invalid_value' || reason === 'malformed_row') ? { field } : {}),
    ...(problem !== '' ? { problem } : {}),
  };
}

async function checkDataQuality(
  engine: QueryEngine,
  sources: readonly TableSource[],
  period: Period,
  currency: string,
  periods: readonly Period[],
  stats: QueryStats[],
  fxBase: { fxBase?: string },
  readTables: readonly TableName[] | undefined,
  fromRollups: RolledUp,
  counted: ReadonlyMap<TableName, readonly Row[]>,
): Promise<QualityResult> {
  const read = (table: TableName): boolean => readTables === undefined || readTables.includes(table);
  // The small tables no kept pass counted (an engine that cannot keep a table: Athena) are
  // counted together, in one query, while the event tables are counted on their own.
  const together = REPORT_TABLES.filter(
    (t) => read(t) && !counted.has(t) && tableSpec(t).partitionedBy === undefined,
  );
  const request = smallTablesQualityQuery(together, { sources, currency, periods, ...fxBase });
  const countedTogether: Promise<ReadonlyMap<TableName, readonly Row[]>> =
    request === null
      ? Promise.resolve(counted)
      : engine.query(request).then((result) => {
          stats.push(result.stats);
          const byTable = new Map(counted);
          for (const { dq_table: name, ...row } of result.rows) {
            const table = together.find((t) => t === name);
            if (table === undefined)
              throw new Error(`data_quality_small_tables: unexpected table ${String(name)}`);
            byTable.set(table, [...(byTable.get(table) ?? []), row]);
          }
          return byTable;
        });
  const checks = await Promise.all(
    REPORT_TABLES.map(async (table) =>
      read(table)
        ? checkTable(
            engine,
            table,
            sources,
            period,
            currency,
            periods,
            stats,
            fxBase,
            fromRollups,
            // A table the one query gave no line has no rows at all.
            together.includes(table) ? ((await countedTogether).get(table) ?? []) : counted.get(table),
          )
        : notRead(table, sources),
    ),
  );
  const excluded = checks.flatMap((c) => c.excluded);
  excluded.sort((a, b) => a.table.localeCompare(b.table) || a.reason.localeCompare(b.reason));
  const spans = checks.flatMap((c): TableSpan[] =>
    'span' in c && c.span ? [{ table: c.quality.table, kind: spanKindOf(c.quality.table), ...c.span }] : [],
  );
  return { tables: checks.map((c) => c.quality), excluded, spans };
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
      rowsRead: 0,
      rowsUsed: 0,
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
  // Stored at the snapshot's precision (functions/core/precision.ts); the change is of the stored figures.
  const value = roundFigure(finite(current.value), meta.unit);
  const prev = roundFigure(finite(previous.value), meta.unit);
  const kpi: KpiValue = {
    value,
    previous: prev,
    delta: value !== null && prev !== null ? roundFigure(value - prev, meta.unit) : null,
    unit: meta.unit,
    ...(value === null ? { reason: current.reason ?? fallbackReason } : {}),
    ...(current.detail ? { detail: roundDetail(current.detail, meta.unit) } : {}),
  };
  const benchmark = benchmarkFor(id, kpi, periods[0]?.kind ?? 'weekly', benchmarks);
  const trend = TRENDED_KPIS.includes(id)
    ? periods
        .slice(0, TREND_PERIODS)
        .map((p, i) => ({
          key: p.key,
          value: roundFigure(
            stored && i >= STORED_FROM_INDEX
              ? finite(stored.get(id)?.get(p.key) ?? null)
              : finite(values?.[i]?.value ?? null),
            meta.unit,
          ),
        }))
        .reverse()
    : undefined;
  return { ...kpi, ...(benchmark ? { benchmark } : {}), ...(trend ? { trend } : {}) };
}

/** Detail figures share their KPI's unit, except counts (integers anyway) and shares. */
function roundDetail(detail: NonNullable<KpiValue['detail']>, unit: KpiValue['unit']): KpiValue['detail'] {
  const decimals = Math.max(DECIMALS[unit], DECIMALS.ratio);
  return Object.fromEntries(
    Object.entries(detail).map(([k, v]) => [
      k,
      typeof v === 'number' && Number.isFinite(v) ? roundTo(v, decimals) : v,
    ]),
  );
}

function finite(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

function dtParams(period: Period): SqlParam[] {
  const { fromDt, toDt } = dtRangeOf(period);
  return [
    { type: 'varchar', value: fromDt },
    { type: 'varchar', value: toDt },
  ];
}

/** A day column (calendar days) or an instant column (UTC): how the guards compare its span. */
function spanKindOf(table: TableName): TableSpan['kind'] {
  const spec = tableSpec(table);
  return spec.columns.find((c) => c.name === spec.freshnessColumn)?.type === 'date' ? 'day' : 'instant';
}

/** Which raw tables the report reads from their rollups. */
interface RolledUp {
  readonly usage: boolean;
  readonly web: boolean;
}

/**
 * Brings a table's rollups up to date for the dt partitions the report's queries of it read,
 * and says whether the report reads them (`stats.usage`, `stats.web`).
 */
async function prepareRollups(
  options: BuildOptions,
  present: ReadonlySet<TableName>,
  table: 'usage_events' | 'web_events',
  range: { fromDt: string; toDt: string },
): Promise<UsageSourceStats | undefined> {
  const rollups = options.usageRollups;
  if (!rollups || (options.readTables !== undefined && !options.readTables.includes(table))) {
    return undefined;
  }
  if (!present.has(table)) return { source: 'raw', reason: `no ${table} table` };
  // The data-quality counts read period 0's partitions (± 1 day) of either table.
  const quality = dtRangeOf(options.period);
  const readiness = await rollups.prepare({
    ...(table === 'usage_events' ? {} : { table }),
    timezone: options.period.timezone,
    fromDt: range.fromDt < quality.fromDt ? range.fromDt : quality.fromDt,
    toDt: range.toDt > quality.toDt ? range.toDt : quality.toDt,
  });
  return readiness.usable
    ? {
        source: 'rollups',
        timezone: readiness.timezone,
        daysBuilt: readiness.built.length,
        daysRemoved: readiness.removed.length,
      }
    : { source: 'raw', reason: readiness.reason };
}

/** The usage rollups: the partitions the usage trend, activity and data quality read. */
function prepareUsageRollups(
  options: BuildOptions,
  present: ReadonlySet<TableName>,
  calendarLength: number,
): Promise<UsageSourceStats | undefined> {
  const usage = usageDtRange(reportCalendar(options.period, calendarLength));
  return prepareRollups(options, present, 'usage_events', usage);
}

/**
 * The web rollups: the partitions web_engagement.sql reads and one more either side, which the
 * check for sessions over 24 hours reads (docs/rollups.md, "Web rollups"). Only when the report
 * computes the web group.
 */
function prepareWebRollups(
  options: BuildOptions,
  present: ReadonlySet<TableName>,
  calendarLength: number,
  groups: readonly KpiGroup[],
): Promise<UsageSourceStats | undefined> {
  if (!groups.some((g) => g.name === 'web')) return Promise.resolve(undefined);
  const web = webDtRange(reportCalendar(options.period, calendarLength));
  return prepareRollups(options, present, 'web_events', {
    fromDt: addDays(web.fromDt, -1),
    toDt: addDays(web.toDt, 1),
  });
}

export async function buildSnapshot(engine: QueryEngine, options: BuildOptions): Promise<Snapshot> {
  return (await buildReport(engine, options)).snapshot;
}

export async function buildReport(engine: QueryEngine, options: BuildOptions): Promise<Report> {
  // Checked before any query: a bad allow-list must not cost a report.
  const csmDomains = options.csm ? options.csm.domains.map(normaliseDomain) : null;
  const started = performance.now();
  const groups = options.groups ?? ALL_GROUPS;
  const sources = await engine.sources();
  // The tables a snapshot records as present (its data-quality section covers REPORT_TABLES).
  const present = new Set(
    sources.filter((s) => s.relation !== null && REPORT_TABLES.includes(s.table)).map((s) => s.table),
  );
  const guards = options.guards;
  const noData = { rowsRead: 0, days: null, instants: null };
  // Nothing to read at all: stop before running a single query.
  if (guards && present.size === 0) assertHasData(options.period, { presentTables: [], ...noData }, guards);
  const calendar = reportCalendar(options.period);
  const fxBase = options.fxBase !== undefined ? { fxBase: options.fxBase } : {};
  const history = storedTrendFrom(options.previous ?? null, {
    periods: calendar,
    currency: options.currency,
    presentTables: present,
    dataSource: engine.dataSource,
  });
  const stored = history.usable ? history.trend : null;
  // Periods 0 and 1, plus period 2 as the start of period 1.
  const calendarLength = stored ? STORED_FROM_INDEX + 1 : CALENDAR_LENGTH;
  const usage = await prepareUsageRollups(options, present, calendarLength);
  const web = await prepareWebRollups(options, present, calendarLength, groups);
  const usageFromRollups = usage?.source === 'rollups';
  const webFromRollups = web?.source === 'rollups';
  const runtime = await createKpiContext(engine, {
    period: options.period,
    currency: options.currency,
    ...fxBase,
    config: options.config ?? DEFAULT_CONFIG,
    calendarLength,
    sources,
    ...(usageFromRollups ? { usageFromRollups } : {}),
    ...(webFromRollups ? { webFromRollups } : {}),
    ...(options.readTables ? { readTables: options.readTables } : {}),
  });
  const { context, stats } = runtime;

  // Everything is independent: the engine bounds how many queries run at once (Athena) or
  // queues them on its connection (DuckDB).
  const absent = groups.map((group) => absentReason(group, sources));
  let quality: QualityResult;
  let results: (KpiGroupResult | null)[];
  let bookInputs: BookInputs | null;
  try {
    // Before any figure: the reporting currency needs a rate wherever money is converted. A
    // scoped alert run skips it, as it reads only its rules' tables (the coverage query reads
    // every money table); the scheduled digests of the same data make the check.
    const [coverage] = options.readTables === undefined ? await context.run('fx_reporting_coverage') : [];
    const text = (v: SqlValue | undefined): string | null => (typeof v === 'string' ? v : null);
    const computed = context.periods.slice(0, Math.min(TREND_PERIODS, context.periods.length));
    if (coverage) {
      assertReportingRates(
        {
          reportingCurrency: options.currency,
          baseCurrency: text(coverage?.base_currency) ?? options.fxBase ?? DEFAULT_FX_BASE,
          firstMoneyDay: text(coverage?.first_money_day),
          firstRateDay: text(coverage?.first_rate_day),
        },
        // The revenue group also converts over the LTV months.
        [...context.periods, ...ltvCalendar(computed)],
      );
    }
    // The book queries first: their many rows are turned into values while DuckDB runs the
    // company's queries queued after them.
    const books = csmDomains ? runCsmQueries(context) : Promise.resolve(null);
    [quality, results, bookInputs] = await Promise.all([
      checkDataQuality(
        engine,
        sources,
        options.period,
        options.currency,
        context.periods,
        stats,
        fxBase,
        options.readTables,
        { usage: usageFromRollups, web: webFromRollups },
        runtime.quality,
      ),
      Promise.all(groups.map((group, i) => (absent[i] ? null : group.compute(context)))),
      books,
    ]);
  } finally {
    await runtime.release();
  }
  let warnings: ExclusionWarning[] = [];
  if (guards) {
    const presentTables = quality.tables.filter((t) => t.present);
    assertHasData(
      options.period,
      {
        presentTables: presentTables.map((t) => t.table),
        rowsRead: presentTables.reduce((sum, t) => sum + rowsReadOf(t), 0),
        ...coverageOfSpans(quality.spans),
      },
      guards,
    );
    const verdict = exclusionVerdict(quality.tables, guards.thresholds);
    assertExclusionsBelowStop(verdict.stops, quality.excluded, guards);
    warnings = verdict.warnings.map((w) => ({ ...w, threshold: guards.thresholds.warnShare }));
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

  const csmBooks =
    bookInputs && csmDomains
      ? assembleBooks(bookInputs, { lastDay: options.period.lastDay, domains: csmDomains, company: { kpis } })
      : null;
  const team = csmBooks ? teamBooks(csmBooks) : null;

  const milliseconds = Math.round(performance.now() - started);
  const bytes = stats.reduce((sum, s) => sum + (s.bytesScanned ?? 0), 0);
  const tablesRead = new Set<TableName>(quality.tables.filter((t) => t.present).map((t) => t.table));
  const snapshot: Snapshot = {
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
    details: team ? { ...details, csmBooks: team } : details,
    dataQuality: {
      tables: quality.tables,
      excluded: quality.excluded,
      totalExcluded: quality.excluded.reduce((sum, e) => sum + e.rows, 0),
      ...(warnings.length > 0 ? { warnings } : {}),
      ...(team ? { csmOwners: team.rejectedOwners } : {}),
    },
    stats: {
      engine: engine.kind,
      dataSource: engine.dataSource,
      queries: stats.length,
      rowsReturned: stats.reduce((sum, s) => sum + s.rows, 0),
      rowsRead: quality.tables.filter((t) => tablesRead.has(t.table)).reduce((sum, t) => sum + t.rowsRead, 0),
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
      ...(usage ? { usage } : {}),
      ...(web ? { web } : {}),
      perQuery: stats.map((s) => ({
        name: s.name,
        milliseconds: s.milliseconds,
        rows: s.rows,
        ...(s.bytesScanned !== undefined ? { bytesScanned: s.bytesScanned } : {}),
      })),
    },
  };
  return { snapshot, csmBooks };
}
