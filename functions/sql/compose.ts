/**
 * Turns a query file into the SQL text an engine runs.
 *
 * Query files (`functions/sql/*.sql`) are plain Trino-dialect SELECTs that read the contract
 * tables by name. Composition prepends, as common table expressions, only what a query refers to:
 * - each contract table as its *clean* rows: contract-breaking rows are left out (the same
 *   predicates the data-quality query counts), duplicates of a key keep one row;
 * - `fx_currencies`: currencies that have a rate;
 * - the report calendar: `report_periods`, `report_days`, `tz_shifts`, rendered as typed literals
 *   from validated dates (Athena accepts `?` parameters only in WHERE clauses);
 * - shared relations from `functions/sql/relations/<name>.sql`, like dbt's `ref()`.
 * Values elsewhere are `?` parameters in WHERE clauses. Nothing from data or users is spliced in.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CONTRACT, sqlType, type ColumnSpec, type TableName, type TableSpec } from '../contract/contract.js';
import type { QueryRequest, TableSource } from '../app/ports/query-engine.js';
import type { SqlParam } from '../core/sql-values.js';
import { DATE_PATTERN, ISO_4217, isReportingCurrency } from '../core/validators.js';
import { addDays, daysOf, offsetTransitions, sqlTimestamp, type Period } from '../core/period.js';

/** Where the .sql files live; the Lambda bundle copies them and sets SQL_DIR. */
export function sqlDir(): string {
  return process.env.SQL_DIR ?? fileURLToPath(new URL('./', import.meta.url));
}

const cache = new Map<string, string>();

/** Reads `functions/sql/<name>.sql` (or `relations/<name>.sql`). */
export function loadSql(name: string): string {
  if (!/^[a-z0-9_/]+$/.test(name)) throw new Error(`bad query name ${name}`);
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(sqlDir(), `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}

export interface ComposeContext {
  readonly sources: readonly TableSource[];
  /** Reporting currency, already validated as three upper-case letters. */
  readonly currency: string;
  /** Report calendar: index 0 is the report's period, 1 the previous one, and so on back. */
  readonly periods: readonly Period[];
  /**
   * The base currency of fx_rates rows without a base_currency (default USD); validated like
   * the reporting currency.
   */
  readonly fxBase?: string;
  /**
   * Shared relations (functions/sql/relations/) whose rows the engine already keeps for this
   * calendar (QueryEngine.materialize): name → the engine's relation. A query then reads them
   * instead of computing them again.
   */
  readonly kept?: ReadonlyMap<string, string>;
  /**
   * Head relations: the relation a query reads by `name` comes from the shared relation file
   * `file` (functions/sql/relations/), with `params` for that file's `?` placeholders. Lets one
   * query file aggregate rows that come from the raw events or from rollups
   * (web_engagement.sql reads `web_facts`: relations/web_facts.sql or web_facts_rollup.sql).
   */
  readonly heads?: ReadonlyMap<string, HeadRelation>;
}

export interface HeadRelation {
  readonly file: string;
  readonly params: readonly SqlParam[];
}

export const DEFAULT_FX_BASE = 'USD';

function dateLiteral(day: string): string {
  if (!DATE_PATTERN.test(day)) throw new Error(`invalid date ${day}`);
  return `DATE '${day}'`;
}

function timestampLiteral(isoUtc: string): string {
  return `TIMESTAMP '${sqlTimestamp(isoUtc)}'`;
}

/** Strips comments and string literals so identifiers can be found. */
function codeOnly(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
}

/** Whether `code` (SQL already passed through codeOnly) names the relation `name`. */
function mentions(code: string, name: string): boolean {
  return new RegExp(`(?<![\\w."])${name}(?![\\w"])`, 'i').test(code);
}

function countParams(sql: string): number {
  return (codeOnly(sql).match(/\?/g) ?? []).length;
}

const q = (identifier: string): string => `"${identifier}"`;

function requiredColumns(spec: TableSpec): ColumnSpec[] {
  return spec.columns.filter((c) => !c.nullable && !spec.key.includes(c.name));
}

/** `column IS NULL`, or for a text column also empty or only white space (a blank key is no key). */
function blank(spec: TableSpec, column: string): string {
  const type = spec.columns.find((c) => c.name === column)?.type;
  // The first-character test keeps the regular expression off the usual, non-blank value, and
  // `< '!'` (true only of a value that starts with a space or a control character) keeps
  // substr() off it too: on every row of every table, the comparison is far the cheaper.
  // trim() would not do, as it strips spaces only (a tab-only key is blank too).
  const c = q(column);
  return type === 'string'
    ? `(${c} IS NULL OR ${c} = '' OR (${c} < '!' AND substr(${c}, 1, 1) IN (' ', chr(9), chr(10), chr(13)) AND regexp_like(${c}, '^\\s+$')))`
    : `${c} IS NULL`;
}

/**
 * The CASE expression naming the first rule a row breaks (NULL when it breaks none). The same
 * expression drives the clean relation and the data-quality counts, so they always agree.
 */
export function violationCase(spec: TableSpec, source: TableSource): string {
  const whens: string[] = [];
  const keyNull = spec.key.map((k) => blank(spec, k)).join(' OR ');
  if (source.flagsMalformedRows) whens.push(`WHEN dq_malformed_row IS NOT NULL THEN 'malformed_row'`);
  if (source.flagsMalformed) whens.push(`WHEN dq_malformed IS NOT NULL THEN 'invalid_value'`);
  whens.push(`WHEN ${keyNull} THEN 'null_key'`);
  const required = requiredColumns(spec);
  if (required.length > 0) {
    whens.push(`WHEN ${required.map((c) => blank(spec, c.name)).join(' OR ')} THEN 'missing_required_field'`);
  }
  for (const rule of spec.rules) {
    whens.push(`WHEN ${rule.violation} THEN '${rule.reason}'`);
  }
  return `CASE ${whens.join(' ')} END`;
}

function columnList(spec: TableSpec): string {
  const cols = spec.columns.map((c) => q(c.name));
  if (spec.partitionedBy) cols.push(q(spec.partitionedBy));
  return cols.join(', ');
}

/** A relation with the table's columns and no rows, for an absent table. */
function emptyRelation(spec: TableSpec): string {
  const cols = spec.columns.map((c) => `CAST(NULL AS ${sqlType(c.type)}) AS ${q(c.name)}`);
  if (spec.partitionedBy) cols.push(`CAST(NULL AS varchar) AS ${q(spec.partitionedBy)}`);
  return `SELECT ${cols.join(', ')} FROM (VALUES (0)) AS empty_table(x) WHERE 1 = 0`;
}

function sourceFor(sources: readonly TableSource[], table: TableName): TableSource {
  return sources.find((s) => s.table === table) ?? { table, relation: null, absentReason: 'not configured' };
}

interface Fragment {
  readonly name: string;
  readonly sql: string;
  readonly params: SqlParam[];
}

function cleanTable(spec: TableSpec, ctx: ComposeContext): Fragment {
  const source = sourceFor(ctx.sources, spec.name);
  if (source.relation === null) return { name: spec.name, sql: emptyRelation(spec), params: [] };
  if (source.classifiedRelation !== undefined) {
    return { name: spec.name, sql: cleanFromClassified(spec, source.classifiedRelation), params: [] };
  }
  return { name: spec.name, sql: filteredRows(spec, source), params: [] };
}

/** The rows of a present table that break no rule, one per key. */
function filteredRows(spec: TableSpec, source: TableSource): string {
  return firstCopies(spec, source.relation ?? '', `(${violationCase(spec, source)}) IS NULL`);
}

/**
 * Numbers the copies of each key (also partitioned by `alsoBy`, if given) in the order the
 * first is kept: the keep-first columns, then every column.
 */
function copyNumber(spec: TableSpec, alsoBy = ''): string {
  const keys = [...spec.key.map(q), ...(alsoBy ? [alsoBy] : [])].join(', ');
  const order = [...spec.keepFirstBy, ...spec.columns.map((c) => c.name)].map(q).join(', ');
  return `row_number() OVER (PARTITION BY ${keys} ORDER BY ${order})`;
}

/**
 * The good rows (`goodRows`) of `relation`, one per key: the first copy by the table's
 * keep-first columns. `relation` is the raw table or its classified rows (classifiedTableQuery).
 */
function firstCopies(spec: TableSpec, relation: string, goodRows: string): string {
  const cols = columnList(spec);
  if (spec.dedupeInQueries) {
    // Event tables: no window over the whole table; queries count DISTINCT event_id.
    return `SELECT ${cols} FROM ${relation} WHERE ${goodRows}`;
  }
  return [
    `SELECT ${cols} FROM (`,
    `    SELECT ${cols}, ${copyNumber(spec)} AS dq_copy`,
    `    FROM ${relation}`,
    `    WHERE ${goodRows}`,
    `  ) AS ranked WHERE dq_copy = 1`,
  ].join('\n');
}

/**
 * The clean rows of a small table as a query of their own, for an engine to keep
 * (QueryEngine.materialize); null for a table that is absent or partitioned (event tables are
 * filtered per query, on the partitions each query needs).
 */
export function cleanTableQuery(table: TableName, ctx: ComposeContext): QueryRequest | null {
  const spec = TABLE_SPECS.get(table);
  const source = sourceFor(ctx.sources, table);
  if (!spec || spec.partitionedBy !== undefined || source.relation === null) return null;
  return composeText(`clean_${table}`, filteredRows(spec, source), [], ctx);
}

/**
 * Every row of a small table with the first rule it breaks and what the data-quality counts
 * read of it (`dq_reason`, `dq_row_key`, `dq_freshness`, `dq_example`), and `dq_copy` 1 on the
 * first copy of each good row's key (the same order as cleanTableQuery's), for an engine to
 * keep: its clean rows (cleanFromClassifiedQuery) and its data-quality counts
 * (qualityFromClassifiedQuery) then come from one pass over the table instead of two.
 */
export function classifiedTableQuery(table: TableName, ctx: ComposeContext): QueryRequest | null {
  const spec = TABLE_SPECS.get(table);
  const source = sourceFor(ctx.sources, table);
  if (!spec || spec.partitionedBy !== undefined || source.relation === null) return null;
  return composeText(`classified_${table}`, numberedRows(spec, source, `${columnList(spec)}, `, ''), [], ctx);
}

/**
 * classifiedRows with `dq_copy`: 1 on the row of each good key that the KPIs use (the first
 * copy, in cleanTableQuery's order; every good row of an event table), NULL on the others.
 * The copy order reads every column, so `lead` must hold them unless the table is deduplicated
 * in its queries.
 */
function numberedRows(spec: TableSpec, source: TableSource, lead: string, where: string): string {
  const copy = spec.dedupeInQueries ? '1' : copyNumber(spec, 'dq_reason IS NULL');
  return [
    `SELECT *, CASE WHEN dq_reason IS NULL THEN ${copy} END AS dq_copy`,
    `FROM (`,
    indent(classifiedRows(spec, source, lead, where)),
    `) AS classified_rows`,
  ].join('\n');
}

/** The `lead` columns numberedRows needs for the data-quality counts (`byDt`: the dt column, or ''). */
function countedLead(spec: TableSpec, byDt: string): string {
  return spec.dedupeInQueries ? byDt : `${columnList(spec)}, `;
}

/** The clean rows of a small table from its kept classified rows (classifiedTableQuery). */
export function cleanFromClassifiedQuery(table: TableName, classified: string): QueryRequest {
  return { name: `clean_${table}`, sql: cleanFromClassified(tableSpec(table), classified), params: [] };
}

function cleanFromClassified(spec: TableSpec, classified: string): string {
  return `SELECT ${columnList(spec)} FROM ${classified} WHERE dq_reason IS NULL AND dq_copy = 1`;
}

/** The data-quality counts of a small table (as dataQualityQuery) from its kept classified rows. */
export function qualityFromClassifiedQuery(table: TableName, classified: string): QueryRequest {
  return { name: `data_quality_${table}`, sql: qualityCounts(classified, ''), params: [] };
}

function tableSpec(table: TableName): TableSpec {
  const spec = TABLE_SPECS.get(table);
  if (!spec) throw new Error(`unknown table ${table}`);
  return spec;
}

/**
 * Each row of `source` (the `lead` columns first) with the first rule it breaks, its key, its
 * freshness and, for a broken row, its example: the file, line, field at fault, problem and key
 * joined by EXAMPLE_SEPARATOR, so that all parts describe the same row.
 */
function classifiedRows(spec: TableSpec, source: TableSource, lead: string, where: string): string {
  const keyExpr =
    spec.key.length === 1
      ? q(spec.key[0] as string)
      : `concat(${spec.key.map((k) => `CAST(${q(k)} AS varchar)`).join(", '|', ")})`;
  const part = (expr: string): string => `coalesce(${expr}, '')`;
  const example = [
    part('dq_row_file'),
    `lpad(${part('CAST(dq_row_line AS varchar)')}, 12, '0')`,
    part('dq_malformed_field'),
    part('dq_problem'),
    part('CAST(dq_row_key AS varchar)'),
  ].join(`, chr(31), `);
  return [
    `SELECT ${lead}dq_reason, dq_row_key, dq_freshness,`,
    `  CASE WHEN dq_reason IS NOT NULL THEN concat(${example}) END AS dq_example`,
    `FROM (`,
    `  SELECT ${lead}${violationCase(spec, source)} AS dq_reason, ${keyExpr} AS dq_row_key,`,
    `    ${q(spec.freshnessColumn)} AS dq_freshness,`,
    `    ${source.fileColumn ?? 'CAST(NULL AS varchar)'} AS dq_row_file,`,
    `    ${source.lineColumn ?? 'CAST(NULL AS bigint)'} AS dq_row_line,`,
    `    ${source.flagsMalformed ? 'dq_malformed' : 'CAST(NULL AS varchar)'} AS dq_malformed_field,`,
    `    ${source.flagsMalformedRows ? 'dq_malformed_row' : 'CAST(NULL AS varchar)'} AS dq_problem`,
    `  FROM ${source.relation ?? ''}`,
    where ? `  ${where}` : '',
    `) AS classified`,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/**
 * The counts of classified rows with their copy numbers (`from`: a relation or a parenthesized
 * query of numberedRows) by first broken rule: `reason` NULL for good rows, with their distinct
 * keys (duplicates = rows − distinct keys), the latest freshness and the first example by file
 * and line; and on the good rows' line, the span of the rows the KPIs use (`span_from`,
 * `span_to`: the earliest and latest freshness of the first copies), which the run guards read
 * (functions/core/run-guards.ts) instead of reading the tables once more.
 */
function qualityCounts(from: string, byDt: string): string {
  return [
    `SELECT ${byDt}dq_reason AS reason, count(*) AS row_count, count(DISTINCT dq_row_key) AS distinct_keys,`,
    `  CAST(max(dq_freshness) AS varchar) AS latest, min(dq_example) AS example,`,
    `  CAST(min(CASE WHEN dq_copy = 1 THEN dq_freshness END) AS varchar) AS span_from,`,
    `  CAST(max(CASE WHEN dq_copy = 1 THEN dq_freshness END) AS varchar) AS span_to`,
    `FROM ${from} AS described`,
    `GROUP BY ${byDt}dq_reason`,
  ].join('\n');
}

/**
 * Currencies an amount can be converted from: the reporting currency, and when there are rates,
 * every currency with one and their base (rate 1). Without rates nothing else converts.
 */
function fxCurrencies(): Fragment {
  return {
    name: 'fx_currencies',
    sql: [
      'SELECT DISTINCT currency FROM fx_rates',
      'UNION SELECT currency FROM reporting_currency',
      'UNION SELECT currency FROM fx_base WHERE EXISTS (SELECT 1 FROM fx_rates)',
    ].join('\n'),
    params: [],
  };
}

/** One row: the configured base, bound as a parameter in a WHERE over the ISO 4217 list. */
function fxConfiguredBase(ctx: ComposeContext): Fragment {
  const codes = ISO_4217.map((c) => `('${c}')`).join(', ');
  return {
    name: 'fx_configured_base',
    sql: `SELECT code AS currency FROM (VALUES ${codes}) AS iso(code) WHERE code = ?`,
    params: [{ type: 'varchar', value: ctx.fxBase ?? DEFAULT_FX_BASE }],
  };
}

/**
 * One row: the base of the fx_rates table, the one most of its raw rows are quoted in (a row
 * without base_currency is in the configured base; ties: the configured base, then
 * alphabetical); the configured base when there are no rows. Rows in another base are
 * `mixed_fx_base` (see the contract), so this reads the raw rows, not the clean ones.
 */
function fxBase(ctx: ComposeContext): Fragment {
  const source = sourceFor(ctx.sources, 'fx_rates');
  if (source.relation === null) {
    return { name: 'fx_base', sql: 'SELECT currency FROM fx_configured_base', params: [] };
  }
  const base = 'coalesce(r.base_currency, c.currency)';
  return {
    name: 'fx_base',
    sql: [
      'SELECT currency FROM (',
      '  SELECT currency FROM (',
      `    SELECT ${base} AS currency, count(*) AS row_count,`,
      `      max(CASE WHEN ${base} = c.currency THEN 1 ELSE 0 END) AS is_configured`,
      `    FROM ${source.relation} AS r CROSS JOIN fx_configured_base AS c`,
      `    GROUP BY ${base}`,
      '  ) AS bases',
      '  ORDER BY row_count DESC, is_configured DESC, currency',
      '  LIMIT 1',
      ') AS majority',
      'UNION ALL',
      `SELECT currency FROM fx_configured_base WHERE NOT EXISTS (SELECT 1 FROM ${source.relation})`,
    ].join('\n'),
    params: [],
  };
}

/** One row: the reporting currency, bound as a parameter in a WHERE over the ISO 4217 list. */
function reportingCurrency(ctx: ComposeContext): Fragment {
  const codes = ISO_4217.map((c) => `('${c}')`).join(', ');
  return {
    name: 'reporting_currency',
    sql: `SELECT code AS currency FROM (VALUES ${codes}) AS iso(code) WHERE code = ?`,
    params: [{ type: 'varchar', value: ctx.currency }],
  };
}

function reportPeriods(ctx: ComposeContext): Fragment {
  const rows = ctx.periods.map(
    (p, i) =>
      `(${i}, ${dateLiteral(p.firstDay)}, ${dateLiteral(p.lastDay)}, ${timestampLiteral(p.startUtc)}, ${timestampLiteral(p.endUtc)})`,
  );
  return {
    name: 'report_periods',
    sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS t(period_index, first_day, last_day, start_ts, end_ts)`,
    params: [],
  };
}

function reportDays(ctx: ComposeContext): Fragment {
  const rows = ctx.periods.flatMap((p, i) =>
    daysOf(p).map(
      (d) => `(${i}, ${dateLiteral(d.day)}, ${timestampLiteral(d.startUtc)}, ${timestampLiteral(d.endUtc)})`,
    ),
  );
  return {
    name: 'report_days',
    sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS t(period_index, day, start_ts, end_ts)`,
    params: [],
  };
}

/**
 * UTC-offset spans of the report's time zone over the calendar (plus 60 days before it, for
 * trailing 30-day windows): `local_day = CAST(occurred_at + offset_minutes * INTERVAL '1' MINUTE AS DATE)`
 * for the span the instant falls in. Usually one or a few rows.
 */
export function offsetSpans(
  periods: readonly Period[],
): { fromUtc: string; toUtc: string; offsetMinutes: number }[] {
  const tz = periods[0]?.timezone ?? 'UTC';
  const first = periods.reduce((min, p) => (p.firstDay < min ? p.firstDay : min), periods[0]?.firstDay ?? '');
  const last = periods.reduce((max, p) => (p.lastDay > max ? p.lastDay : max), '');
  const from = Date.parse(`${addDays(first, -60)}T00:00:00Z`);
  const to = Date.parse(`${addDays(last, 2)}T00:00:00Z`);
  const transitions = offsetTransitions(tz, from, to);
  const spans = transitions.map((t, i) => ({
    fromUtc: new Date(t.fromMs).toISOString(),
    toUtc: new Date(transitions[i + 1]?.fromMs ?? to).toISOString(),
    offsetMinutes: t.offsetMinutes,
  }));
  // Open the outer ends so no instant falls outside every span.
  spans[0] = { ...(spans[0] as (typeof spans)[number]), fromUtc: '1970-01-01T00:00:00.000Z' };
  const lastSpan = spans[spans.length - 1] as (typeof spans)[number];
  spans[spans.length - 1] = { ...lastSpan, toUtc: '2999-01-01T00:00:00.000Z' };
  return spans;
}

function tzShifts(ctx: ComposeContext): Fragment {
  const rows = offsetSpans(ctx.periods).map((s) => {
    if (!Number.isInteger(s.offsetMinutes)) throw new Error('offset must be whole minutes');
    return `(${timestampLiteral(s.fromUtc)}, ${timestampLiteral(s.toUtc)}, ${s.offsetMinutes})`;
  });
  return {
    name: 'tz_shifts',
    sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS t(from_ts, to_ts, offset_minutes)`,
    params: [],
  };
}

const TABLE_SPECS = new Map<string, TableSpec>(CONTRACT.map((t) => [t.name, t]));
const BUILT_INS = [
  'fx_currencies',
  'fx_configured_base',
  'fx_base',
  'reporting_currency',
  'report_periods',
  'report_days',
  'tz_shifts',
] as const;

function builtIn(name: string, ctx: ComposeContext): Fragment | null {
  const spec = TABLE_SPECS.get(name);
  if (spec) return cleanTable(spec, ctx);
  switch (name) {
    case 'fx_currencies':
      return fxCurrencies();
    case 'fx_configured_base':
      return fxConfiguredBase(ctx);
    case 'fx_base':
      return fxBase(ctx);
    case 'reporting_currency':
      return reportingCurrency(ctx);
    case 'report_periods':
      return reportPeriods(ctx);
    case 'report_days':
      return reportDays(ctx);
    case 'tz_shifts':
      return tzShifts(ctx);
    default:
      return null;
  }
}

function relationFragment(name: string): Fragment {
  return { name, sql: loadSql(`relations/${name}`).trim().replace(/;$/, ''), params: [] };
}

const KNOWN_NAMES = [...TABLE_SPECS.keys(), ...BUILT_INS];

/** Relations referenced by `sql`, dependencies first. */
function resolve(sql: string, ctx: ComposeContext, seen: Map<string, Fragment>, order: Fragment[]): void {
  const code = codeOnly(sql);
  for (const name of [...KNOWN_NAMES, ...listRelationFiles()]) {
    if (seen.has(name) || !mentions(code, name)) continue;
    const keptAs = ctx.kept?.get(name);
    const head = ctx.heads?.get(name);
    if (head !== undefined && head.file !== name) {
      // The chosen file under its own name, then `name` as its rows.
      if (!listRelationFiles().includes(head.file)) throw new Error(`unknown head relation ${head.file}`);
      const chosen = { ...relationFragment(head.file), params: [...head.params] };
      seen.set(head.file, chosen);
      resolve(chosen.sql, ctx, seen, order);
      if (countParams(chosen.sql) !== chosen.params.length) {
        throw new Error(
          `relation ${head.file}: ${countParams(chosen.sql)} placeholders, ${chosen.params.length} params`,
        );
      }
      order.push(chosen);
    }
    const fragment =
      keptAs !== undefined
        ? { name, sql: `SELECT * FROM ${keptAs}`, params: [] }
        : head !== undefined && head.file !== name
          ? { name, sql: `SELECT * FROM ${head.file}`, params: [] }
          : head !== undefined
            ? { ...relationFragment(name), params: [...head.params] }
            : (builtIn(name, ctx) ?? relationFragment(name));
    seen.set(name, fragment);
    resolve(fragment.sql, ctx, seen, order);
    if (countParams(fragment.sql) !== fragment.params.length) {
      throw new Error(
        `relation ${name}: ${countParams(fragment.sql)} placeholders, ${fragment.params.length} params`,
      );
    }
    order.push(fragment);
  }
}

const relationNames = new Map<string, readonly string[]>();

/** Names of the shared relations in functions/sql/relations/, read once per SQL folder like the files. */
function listRelationFiles(): readonly string[] {
  const dir = join(sqlDir(), 'relations');
  let names = relationNames.get(dir);
  if (names === undefined) {
    names = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.sql'))
          .map((f) => f.slice(0, -4))
          .sort()
      : [];
    relationNames.set(dir, names);
  }
  return names;
}

/**
 * Composes a query file with the relations it refers to. `params` are the file's own `?`
 * values in order; the composed request puts the relations' values first.
 */
export function composeQuery(name: string, params: readonly SqlParam[], ctx: ComposeContext): QueryRequest {
  if (!isReportingCurrency(ctx.currency)) {
    throw new Error(`invalid currency ${ctx.currency}`);
  }
  if (ctx.fxBase !== undefined && !isReportingCurrency(ctx.fxBase)) {
    throw new Error(`invalid base currency ${ctx.fxBase}`);
  }
  return composeText(name, loadSql(name).trim().replace(/;$/, ''), params, ctx);
}

function composeText(
  name: string,
  body: string,
  params: readonly SqlParam[],
  ctx: ComposeContext,
): QueryRequest {
  const expected = countParams(body);
  if (expected !== params.length) {
    throw new Error(`query ${name} has ${expected} placeholders but ${params.length} values were given`);
  }
  const order: Fragment[] = [];
  resolve(body, ctx, new Map(), order);
  if (order.length === 0) return { name, sql: body, params: [...params] };
  const ctes = cteList(order);
  const startsWithWith = /^with\s/i.test(codeOnly(body).trimStart());
  const sql = startsWithWith ? `WITH\n${ctes},\n${stripLeadingWith(body)}` : `WITH\n${ctes}\n${body}`;
  return { name, sql, params: [...order.flatMap((f) => f.params), ...params] };
}

/** The fragments as the named subqueries of a WITH clause, in order. */
function cteList(order: readonly Fragment[]): string {
  return order.map((f) => `${f.name} AS (\n${indent(f.sql)}\n)`).join(',\n');
}

/** `WITH` and the fragments, for a query text that has no WITH of its own ('' for none). */
function withClause(order: readonly Fragment[]): string {
  return order.length > 0 ? `WITH\n${cteList(order)}\n` : '';
}

function indent(sql: string): string {
  return sql
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Removes the leading WITH keyword (after any leading comments) of a query. */
function stripLeadingWith(sql: string): string {
  const m = /^((?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*)with\s/i.exec(sql);
  if (!m) return sql;
  return `${m[1] ?? ''}${sql.slice(m[0].length)}`;
}

/**
 * The rows of a shared relation (functions/sql/relations/<name>.sql) as a query of their own, for
 * an engine to keep once per report (QueryEngine.materialize).
 */
export function relationQuery(name: string, ctx: ComposeContext): QueryRequest {
  if (!listRelationFiles().includes(name)) throw new Error(`unknown relation ${name}`);
  return composeText(`shared_${name}`, `SELECT * FROM ${name}`, [], ctx);
}

/** The shared relations a query file reads, directly or through others, dependencies first. */
export function relationsReadBy(queryName: string): string[] {
  const order: string[] = [];
  const visit = (sql: string): void => {
    const code = codeOnly(sql);
    for (const name of listRelationFiles()) {
      if (order.includes(name) || !mentions(code, name)) continue;
      visit(relationFragment(name).sql);
      if (!order.includes(name)) order.push(name);
    }
  };
  visit(loadSql(queryName));
  return order;
}

/** Separates the parts of a data-quality example (file, line, field, problem, key); no path holds it. */
export const EXAMPLE_SEPARATOR = '\u001f';

/**
 * The data-quality query for one table: rows by first broken rule (`reason` NULL for good
 * rows), with distinct keys among good rows (duplicates = rows − distinct keys) and the
 * table's freshness. Partitioned tables are checked over `dt` in [fromDt, toDt] only, plus the
 * rows whose `dt` is unknown (no dt= folders and no readable occurred_at): those belong to no
 * period, so every report counts them rather than none.
 * `example` is one excluded row (the first by file and line): its file, line, field at fault,
 * problem and key joined by EXAMPLE_SEPARATOR, so that all parts describe the same row.
 */
export function dataQualityQuery(
  table: TableName,
  ctx: ComposeContext,
  dtRange?: { fromDt: string; toDt: string },
  /** Counts per dt partition too (a `dt` column), for the usage rollups (docs/rollups.md). */
  options: { readonly byPartition?: boolean } = {},
): QueryRequest | null {
  const spec = tableSpec(table);
  const source = sourceFor(ctx.sources, table);
  if (source.relation === null) return null;
  // The rules may read fx_currencies (and through it fx_rates and the reporting currency).
  const order: Fragment[] = [];
  resolve(violationCase(spec, source), ctx, new Map(), order);
  const params: SqlParam[] = order.flatMap((f) => f.params);
  let where = '';
  if (spec.partitionedBy && dtRange) {
    const dt = q(spec.partitionedBy);
    where = `WHERE ${dt} BETWEEN ? AND ? OR ${dt} IS NULL`;
    params.push({ type: 'varchar', value: dtRange.fromDt }, { type: 'varchar', value: dtRange.toDt });
  }
  const prelude = withClause(order);
  const byDt = options.byPartition && spec.partitionedBy ? `${q(spec.partitionedBy)}, ` : '';
  const rows = numberedRows(spec, source, countedLead(spec, byDt), where);
  return {
    name: `data_quality_${table}`,
    sql: prelude + qualityCounts(`(\n${indent(rows)}\n)`, byDt),
    params,
  };
}

/**
 * The data-quality counts of several small (unpartitioned) tables in ONE query: each table's
 * rows of dataQualityQuery, with a `dq_table` column naming it, joined by UNION ALL over one
 * WITH prelude. For an engine that cannot keep a table (Athena), where every query is billed
 * at least 10 MB: one query instead of one per table reads the same columns of the same files.
 * Null when none of `tables` is present.
 */
export function smallTablesQualityQuery(
  tables: readonly TableName[],
  ctx: ComposeContext,
): QueryRequest | null {
  const order: Fragment[] = [];
  const seen = new Map<string, Fragment>();
  const parts: string[] = [];
  for (const table of tables) {
    const spec = tableSpec(table);
    if (spec.partitionedBy !== undefined) throw new Error(`${table} is partitioned: count it on its own`);
    const source = sourceFor(ctx.sources, table);
    if (source.relation === null) continue;
    // The rules may read fx_currencies: one definition serves every table.
    resolve(violationCase(spec, source), ctx, seen, order);
    const rows = numberedRows(spec, source, countedLead(spec, ''), '');
    parts.push(
      `SELECT '${table}' AS dq_table, counts.*\nFROM (\n${indent(qualityCounts(`(\n${indent(rows)}\n)`, ''))}\n) AS counts`,
    );
  }
  if (parts.length === 0) return null;
  const prelude = withClause(order);
  return {
    name: 'data_quality_small_tables',
    sql: prelude + parts.join('\nUNION ALL\n'),
    params: order.flatMap((f) => f.params),
  };
}

/**
 * The SQL a relation name reads through, for following what a query reads: a contract table's
 * rules, fx_currencies' definition, a shared relation's file; none for the other built-ins.
 */
function textsBehind(name: string): string[] {
  const spec = TABLE_SPECS.get(name);
  if (spec) return spec.rules.map((rule) => rule.violation);
  if (name === 'fx_currencies') return [fxCurrencies().sql];
  if ((BUILT_INS as readonly string[]).includes(name) || !listRelationFiles().includes(name)) return [];
  return [relationFragment(name).sql];
}

/**
 * The contract tables a query file reads, through the shared relations it refers to and the
 * contract rules of the tables it reads (a rule may read `fx_currencies`, hence `fx_rates`).
 * Lets a run that needs only some KPIs check and read only those tables.
 */
export function tablesReadBy(queryName: string): TableName[] {
  const found = new Set<TableName>();
  const visited = new Set<string>();
  const visit = (sql: string): void => {
    const code = codeOnly(sql);
    for (const name of [...KNOWN_NAMES, ...listRelationFiles()]) {
      if (visited.has(name) || !mentions(code, name)) continue;
      visited.add(name);
      const spec = TABLE_SPECS.get(name);
      if (spec) found.add(spec.name);
      for (const text of textsBehind(name)) visit(text);
    }
  };
  visit(loadSql(queryName));
  return CONTRACT.map((t) => t.name).filter((t) => found.has(t));
}

/**
 * How many times an engine that inlines every reference to a WITH query (Trino, so Athena)
 * reads each contract table for a query file: a relation named twice is read twice, and so are
 * the tables it reads. For scripts/athena-scan-estimate.ts; relations are followed as in
 * tablesReadBy, references are the names after FROM and JOIN.
 */
export function tableReadsBy(queryName: string): Map<TableName, number> {
  type Reads = Map<TableName, number>;
  const relations = new Map<string, Reads>();
  const add = (into: Reads, from: Reads): void => {
    for (const [table, n] of from) into.set(table, (into.get(table) ?? 0) + n);
  };
  const external = (name: string): Reads => {
    const known = relations.get(name);
    if (known) return known;
    const reads: Reads = new Map();
    const spec = TABLE_SPECS.get(name);
    if (spec) reads.set(spec.name, 1);
    for (const text of textsBehind(name)) add(reads, readsOf(text, new Map()));
    relations.set(name, reads);
    return reads;
  };
  const readsOf = (sql: string, outer: ReadonlyMap<string, Reads>): Reads => {
    const { queries, body } = withQueries(codeOnly(sql));
    const scope = new Map(outer);
    for (const [name, text] of queries) scope.set(name, readsOf(text, scope));
    const reads: Reads = new Map();
    for (const match of body.matchAll(/\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)/gi)) {
      const name = (match[1] as string).toLowerCase();
      add(reads, scope.get(name) ?? external(name));
    }
    return reads;
  };
  return readsOf(loadSql(queryName), new Map());
}

/** The WITH queries at the head of `code` (by name, in order) and the statement after them. */
function withQueries(code: string): { queries: [string, string][]; body: string } {
  const queries: [string, string][] = [];
  const head = /^\s*WITH\s+/i.exec(code);
  if (!head) return { queries, body: code };
  let at = head[0].length;
  for (;;) {
    const named = /^\s*([a-z_][a-z0-9_]*)\s+AS\s*\(/i.exec(code.slice(at));
    if (!named) break;
    const open = at + named[0].length;
    let depth = 1;
    let i = open;
    for (; i < code.length && depth > 0; i += 1) {
      if (code[i] === '(') depth += 1;
      else if (code[i] === ')') depth -= 1;
    }
    queries.push([(named[1] as string).toLowerCase(), code.slice(open, i - 1)]);
    const comma = /^\s*,/.exec(code.slice(i));
    if (!comma) return { queries, body: code.slice(i) };
    at = i + comma[0].length;
  }
  return { queries, body: code.slice(at) };
}
