/**
 * The embedded engine: DuckDB over local files, no AWS account needed.
 *
 * Each contract table is a folder `DATA/<table>/` of Parquet, newline-delimited JSON or CSV
 * files (Hive `dt=` folders allowed). At open, CSV and NDJSON files are read record by record
 * into normalised text copies (text-files.ts: a record that cannot be parsed is kept as a
 * `malformed_row` with its file and line), and each present table becomes a view `src_<table>`
 * with the contract's column names and types. Values that cannot be read exactly as their type
 * (a fraction in an integer column, an unreadable timestamp, a year past 9999) become NULL and
 * are flagged in `dq_malformed`, so the row is counted as `invalid_value` rather than aborting
 * the report or being rounded. A file that cannot be read at all stops the run (InputError). The query files themselves are Trino SQL;
 * a few macros give DuckDB the Trino functions they use (the shim, see docs/sql.md).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import {
  DuckDBConnection,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBResultReader,
  type DuckDBPreparedStatement,
} from '@duckdb/node-api';
import { CONTRACT, sqlType, type ColumnSpec, type TableSpec } from '../../contract/contract.js';
import { InputError } from '../../core/input-error.js';
import {
  type QueryEngine,
  type QueryRequest,
  type QueryResult,
  type QueryStats,
  type TableSource,
} from '../../app/ports/query-engine.js';
import { type Row, type SqlParam, type SqlValue } from '../../core/sql-values.js';
import { FAULT_COLUMN, FAULT_FIELD_COLUMN, LINE_COLUMN, normaliseTextFile } from './text-files.js';

/** Trino functions the query files use that DuckDB spells differently. */
export const TRINO_SHIM_MACROS: readonly string[] = [
  'CREATE OR REPLACE MACRO to_unixtime(ts) AS epoch(ts)',
  'CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  'CREATE OR REPLACE MACRO day_of_week(d) AS isodow(d)',
  'CREATE OR REPLACE MACRO bitwise_and(a, b) AS (a & b)',
  // An aggregate: a DuckDB macro may wrap one.
  'CREATE OR REPLACE MACRO bitwise_or_agg(x) AS bit_or(x)',
];

/** DuckDB's memory limit unless the caller or DUCKDB_MEMORY_LIMIT sets one. */
export const DEFAULT_MEMORY_LIMIT = '640MB';

export interface DuckDbEngineOptions {
  readonly dataDir: string;
  /**
   * DuckDB memory limit, e.g. "1GB" (env DUCKDB_MEMORY_LIMIT); DuckDB spills to disk beyond it.
   * The default keeps a report over 50M usage events with rollups under 1 GB of peak RSS
   * (docs/benchmarks.md): about 300 MB of a run's memory is outside DuckDB's buffer.
   */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

type Format = 'parquet' | 'json' | 'csv';

function formatOf(file: string): Format | null {
  const lower = file.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  return null;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile() && formatOf(entry.name)) out.push(path);
  }
  return out.sort();
}

/** A SQL string literal for a local file path (the local adapter's only spliced text). */
function pathLiteral(path: string): string {
  if ([...path].some((ch) => ch.charCodeAt(0) < 0x20)) {
    throw new InputError(`file path has control characters: ${JSON.stringify(path)}`);
  }
  return `'${path.replace(/'/g, "''")}'`;
}

/**
 * The DuckDB table function reading Parquet files. `unionByName` lines columns up by name
 * across files whose columns differ; it costs a read of every file's footer on every query,
 * so it is only used when the files do differ.
 */
function parquetReader(files: readonly string[], hive: boolean, unionByName = true): string {
  const list = `[${files.map(pathLiteral).join(', ')}]`;
  const hiveOpts = hive ? ", hive_partitioning = true, hive_types = {'dt': VARCHAR}" : '';
  return `read_parquet(${list}, union_by_name = ${unionByName}, filename = true${hiveOpts})`;
}

/** True when every Parquet file has the same columns (names and types) as the first. */
async function sameParquetSchema(connection: DuckDBConnection, files: readonly string[]): Promise<boolean> {
  const list = `[${files.map(pathLiteral).join(', ')}]`;
  const result = await connection.runAndReadAll(
    `SELECT count(DISTINCT signature) AS schemas FROM (
       SELECT file_name, string_agg(name || ':' || coalesce(type, '') || ':' || coalesce(logical_type, ''), ',' ORDER BY name) AS signature
       FROM parquet_schema(${list}) GROUP BY file_name)`,
  );
  return Number(result.getRowObjectsJson()[0]?.schemas) === 1;
}

/**
 * `duckdb:folder-<digest of the absolute folder>`, plus a digest of `manifest.json` when the
 * folder has one: a generated dataset that is replaced (the sample data is, daily) is then other
 * data. A digest, not the path: the snapshot is shared, and a local path says nothing to its
 * readers (and tells them about the machine).
 */
function dataSourceOf(dataDir: string): string {
  const digest = (data: string | Buffer): string =>
    createHash('sha256').update(data).digest('hex').slice(0, 16);
  const folder = resolve(dataDir);
  let manifest: Buffer;
  try {
    manifest = readFileSync(join(folder, 'manifest.json'));
  } catch {
    return `duckdb:folder-${digest(folder)}`;
  }
  return `duckdb:folder-${digest(folder)}#manifest-${digest(manifest)}`;
}

/** Names the engine splices into SQL as a table name: lower-case words only. */
function assertRelationName(name: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`bad relation name ${name}`);
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A SQL string literal for a name fixed by the code (column names of the contract). */
function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The text timestamps the contract accepts: `YYYY-MM-DD`, optionally `T` or a space and
 * `HH:MM[:SS[.fraction]]`, optionally `Z` or an offset within ±23:59 (`+HH`, `+HHMM`,
 * `+HH:MM`). No offset means UTC. Seconds stop at 59 and upper-case `T`/`Z` only: anything
 * else (`yesterday`, a leap second, a zone name, an epoch number) is not guessed at.
 */
export const TEXT_TIMESTAMP = String.raw`^(\d{4}-\d{2}-\d{2}(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?)?)(?:Z|([+-])([01]\d|2[0-3])(?::?([0-5]\d))?)?$`;

/** The last date and instant of year 9999: later values are outside the contract (and Athena's types). */
const LAST_INSTANT: Readonly<Record<string, string>> = {
  date: "DATE '9999-12-31'",
  timestamp: "TIMESTAMP '9999-12-31 23:59:59.999999'",
};

/** The UTC instant of a text timestamp split by TEXT_TIMESTAMP (NULL when it did not match). */
function textTimestamp(split: string): string {
  const minutes =
    `CAST(coalesce(nullif(${split}.hours, ''), '0') AS BIGINT) * 60 + ` +
    `CAST(coalesce(nullif(${split}.minutes, ''), '0') AS BIGINT)`;
  return (
    `CASE WHEN ${split}.local <> '' THEN TRY_CAST(${split}.local AS TIMESTAMP) - ` +
    `to_minutes(CASE WHEN ${split}.sign = '-' THEN -1 ELSE 1 END * (${minutes})) END`
  );
}

/**
 * `ident` (of DuckDB type `actual`) read as the contract type, NULL when it cannot be read
 * exactly: a fraction in an integer column is unreadable, never rounded.
 */
function readAs(ident: string, actual: string, type: ColumnSpec['type'], target: string): string {
  const text = actual === 'VARCHAR';
  switch (type) {
    case 'int':
    case 'bigint':
      if (text) {
        return `TRY_CAST(CASE WHEN regexp_matches(trim(${ident}), '^[+-]?[0-9]+(\\.0+)?$') THEN split_part(trim(${ident}), '.', 1) END AS ${target})`;
      }
      if (actual.startsWith('DECIMAL'))
        return `CASE WHEN ${ident} = trunc(${ident}) THEN TRY_CAST(${ident} AS ${target}) END`;
      if (actual === 'DOUBLE' || actual === 'FLOAT') {
        return `CASE WHEN isfinite(${ident}) AND ${ident} = trunc(${ident}) THEN TRY_CAST(${ident} AS ${target}) END`;
      }
      return `TRY_CAST(${ident} AS ${target})`;
    case 'decimal':
      return text ? `TRY_CAST(trim(${ident}) AS ${target})` : `TRY_CAST(${ident} AS ${target})`;
    case 'date':
      return text
        ? `CASE WHEN regexp_matches(${ident}, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') THEN TRY_CAST(${ident} AS DATE) END`
        : `TRY_CAST(${ident} AS DATE)`;
    default:
      return `TRY_CAST(${ident} AS ${target})`;
  }
}

/** The reason a set of Parquet files cannot be read, naming the first file that cannot. */
async function unreadableParquet(
  connection: DuckDBConnection,
  files: readonly string[],
  error: unknown,
): Promise<string> {
  for (const file of files) {
    try {
      await connection.runAndReadAll(`SELECT count(*) FROM parquet_metadata(${pathLiteral(file)})`);
    } catch (fileError) {
      const message = firstLine(fileError);
      return message.includes(file) ? message : `${file}: ${message}`;
    }
  }
  return firstLine(error);
}

export class DuckDbEngine implements QueryEngine {
  readonly kind = 'duckdb' as const;
  /** One connection runs one statement at a time: concurrent callers queue here (DuckDB parallelises inside a query). */
  private queue: Promise<unknown> = Promise.resolve();
  private materialized = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly tableSources: readonly TableSource[],
    readonly dataSource: string,
    readonly dataFolder: string,
    /** Normalised copies of the CSV/NDJSON files (text-files.ts), removed on close. */
    private readonly workDir: string,
  ) {}

  static async open(options: DuckDbEngineOptions): Promise<DuckDbEngine> {
    const { dataDir } = options;
    let isDir: boolean;
    try {
      isDir = statSync(dataDir).isDirectory();
    } catch {
      throw new InputError(`data folder ${dataDir} does not exist`);
    }
    if (!isDir) throw new InputError(`data folder ${dataDir} is not a folder`);

    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: options.memoryLimit ?? process.env.DUCKDB_MEMORY_LIMIT ?? DEFAULT_MEMORY_LIMIT,
      threads: String(options.threads ?? 2),
      temp_directory: join(tmpdir(), 'cs-kpi-duckdb-spill'),
    });
    const connection = await instance.connect();
    // The session zone defaults to the host's: every cast between TIMESTAMPTZ and TIMESTAMP
    // (text with an offset, Parquet instants) and every date of an instant would then move
    // with the machine's TZ. Instants are UTC in the contract; so is the session.
    await connection.run("SET TimeZone = 'UTC'");
    for (const macro of TRINO_SHIM_MACROS) await connection.run(macro);

    const workDir = mkdtempSync(join(tmpdir(), 'cs-kpi-text-'));
    const sources: TableSource[] = [];
    try {
      for (const spec of CONTRACT) {
        sources.push(await DuckDbEngine.attachTable(connection, dataDir, spec, workDir));
      }
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
    return new DuckDbEngine(instance, connection, sources, dataSourceOf(dataDir), resolve(dataDir), workDir);
  }

  private static async attachTable(
    connection: DuckDBConnection,
    dataDir: string,
    spec: TableSpec,
    workDir: string,
  ): Promise<TableSource> {
    const dir = join(dataDir, spec.name);
    let files: string[];
    try {
      if (!statSync(dir).isDirectory()) {
        return {
          table: spec.name,
          relation: null,
          absentReason: `${spec.name} is not a folder in ${dataDir}`,
        };
      }
      files = listFiles(dir);
    } catch {
      return { table: spec.name, relation: null, absentReason: `no ${spec.name}/ folder in the data folder` };
    }
    if (files.length === 0) {
      return {
        table: spec.name,
        relation: null,
        absentReason: `${spec.name}/ holds no .parquet, .json, .jsonl, .ndjson or .csv files`,
      };
    }
    const hive = spec.partitionedBy !== undefined && files.some((f) => /[\\/]dt=[^\\/]+[\\/]/.test(f));
    const parquetFiles = files.filter((f) => formatOf(f) === 'parquet');
    const textFiles = files.filter((f) => formatOf(f) !== 'parquet');

    // Column names and types each part gives, to cast only what needs casting.
    const parts: string[] = [];
    const columnTypes = new Map<string, string>();
    const present = new Set<string>();
    const merge = (name: string, type: string): void => {
      const prev = columnTypes.get(name);
      columnTypes.set(name, prev === undefined || prev === type ? type : 'VARCHAR');
    };
    if (parquetFiles.length > 0) {
      let from: string;
      try {
        const uniform = parquetFiles.length > 1 && (await sameParquetSchema(connection, parquetFiles));
        from = parquetReader(parquetFiles, hive, !uniform);
        const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
        for (const row of described.getRowObjectsJson()) {
          const name = String(row.column_name);
          merge(name, String(row.column_type));
          present.add(name);
        }
      } catch (error) {
        throw new InputError(
          `cannot read ${spec.name} files in ${dir}: ${await unreadableParquet(connection, parquetFiles, error)}`,
        );
      }
      parts.push(
        `SELECT * EXCLUDE (filename), filename AS dq_source, CAST(NULL AS BIGINT) AS ${LINE_COLUMN}, ` +
          `CAST(NULL AS VARCHAR) AS ${FAULT_COLUMN}, CAST(NULL AS VARCHAR) AS ${FAULT_FIELD_COLUMN} FROM ${from}`,
      );
    }
    if (textFiles.length > 0) {
      // Each CSV/NDJSON file is read record by record into a normalised CSV of fixed text
      // columns (text-files.ts), mirrored under workDir so that dt= folders still partition.
      const tableWork = join(workDir, spec.name);
      // Files with the same columns are read by one read_csv.
      const groups = new Map<string, { columns: readonly string[]; files: string[] }>();
      for (const file of textFiles) {
        const target = join(tableWork, `${relative(dir, file)}.csv`);
        mkdirSync(dirname(target), { recursive: true });
        const result = normaliseTextFile(file, formatOf(file) === 'csv' ? 'csv' : 'json', spec, target);
        for (const name of result.columns) present.add(name);
        const signature = JSON.stringify(result.fileColumns);
        const group = groups.get(signature) ?? { columns: result.fileColumns, files: [] };
        group.files.push(target);
        groups.set(signature, group);
      }
      for (const column of spec.columns) merge(column.name, 'VARCHAR');
      const hiveOpts = hive ? ", hive_partitioning = true, hive_types = {'dt': VARCHAR}" : '';
      // The original file's name back from the normalised one's (only evaluated for excluded rows).
      const source = `${pathLiteral(dir)} || regexp_replace(substr(filename, length(${pathLiteral(tableWork)}) + 1), '\\.csv$', '')`;
      for (const group of groups.values()) {
        const columns = [
          ...group.columns.map((name) => `${sqlText(name)}: 'VARCHAR'`),
          `${sqlText(LINE_COLUMN)}: 'BIGINT'`,
          `${sqlText(FAULT_COLUMN)}: 'VARCHAR'`,
          `${sqlText(FAULT_FIELD_COLUMN)}: 'VARCHAR'`,
        ];
        const from =
          `read_csv([${group.files.map(pathLiteral).join(', ')}], header = true, auto_detect = false, ` +
          `columns = {${columns.join(', ')}}, delim = ',', quote = '"', escape = '"', new_line = '\\n', ` +
          `filename = true${hiveOpts})`;
        const picked = spec.columns.map((c) =>
          group.columns.includes(c.name)
            ? quoteIdent(c.name)
            : `CAST(NULL AS VARCHAR) AS ${quoteIdent(c.name)}`,
        );
        parts.push(
          `SELECT ${[...picked, LINE_COLUMN, FAULT_COLUMN, FAULT_FIELD_COLUMN, ...(hive ? ['dt'] : [])].join(', ')}, ` +
            `${source} AS dq_source FROM ${from}`,
        );
      }
    }

    for (const column of spec.columns) {
      if (!column.nullable && !present.has(column.name)) {
        const sample = relative(dataDir, files[0] as string);
        throw new InputError(
          `${spec.name}: column "${column.name}" is missing (first file ${sample}); expected columns: ${spec.columns
            .map((c) => c.name)
            .join(', ')}`,
        );
      }
    }

    // Three steps: the raw union; each contract column read as its type (text timestamps are
    // split by one regular expression first); then the flag naming the first unreadable column.
    const splits: string[] = [];
    const values: string[] = [];
    const malformed: string[] = [];
    for (const column of spec.columns) {
      const target = sqlType(column.type).toUpperCase();
      const actual = columnTypes.get(column.name);
      const ident = quoteIdent(column.name);
      const raw = quoteIdent(`dq_raw_${column.name}`);
      if (actual === undefined) {
        values.push(`CAST(NULL AS ${target}) AS ${ident}`);
        continue;
      }
      const dated = column.type === 'date' || column.type === 'timestamp';
      if (actual === target) {
        values.push(ident);
        // A date past 9999 is outside the contract (and outside Athena's types).
        if (dated) malformed.push(`WHEN ${ident} > ${LAST_INSTANT[column.type]} THEN '${column.name}'`);
        continue;
      }
      let read: string;
      if (actual === 'VARCHAR' && column.type === 'timestamp') {
        const split = quoteIdent(`dq_split_${column.name}`);
        splits.push(
          `regexp_extract(${ident}, '${TEXT_TIMESTAMP}', ['local', 'sign', 'hours', 'minutes']) AS ${split}`,
        );
        read = textTimestamp(split);
      } else {
        read = readAs(ident, actual, column.type, target);
      }
      values.push(`${read} AS ${ident}`, `${ident} AS ${raw}`);
      malformed.push(
        // Blank text is a missing value (counted as such), not an unreadable one.
        `WHEN ${raw} IS NOT NULL AND (${ident} IS NULL${dated ? ` OR ${ident} > ${LAST_INSTANT[column.type]}` : ''})${actual === 'VARCHAR' ? ` AND trim(${raw}) <> ''` : ''} THEN '${column.name}'`,
      );
    }
    const passThrough = ['dq_source', LINE_COLUMN, FAULT_COLUMN, FAULT_FIELD_COLUMN];
    if (hive) passThrough.push('dt');
    const union = parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(' UNION ALL BY NAME ');
    const rawRows = splits.length > 0 ? `(SELECT *, ${splits.join(', ')} FROM (${union}))` : `(${union})`;
    const typed = `SELECT ${[...values, ...passThrough].join(', ')} FROM ${rawRows} AS raw`;

    const selects = spec.columns.map((c) => quoteIdent(c.name));
    if (spec.partitionedBy) {
      selects.push(hive ? 'dt' : `strftime(${quoteIdent('occurred_at')}, '%Y-%m-%d') AS dt`);
    }
    selects.push(
      malformed.length > 0
        ? `coalesce(${FAULT_FIELD_COLUMN}, CASE ${malformed.join(' ')} END) AS dq_malformed`
        : `${FAULT_FIELD_COLUMN} AS dq_malformed`,
      `${FAULT_COLUMN} AS dq_malformed_row`,
      `${LINE_COLUMN} AS dq_line`,
      'dq_source AS dq_file',
    );

    const view = `src_${spec.name}`;
    await connection.run(
      `CREATE OR REPLACE VIEW ${view} AS SELECT ${selects.join(', ')} FROM (${typed}) AS typed`,
    );
    return {
      table: spec.name,
      relation: view,
      flagsMalformed: true,
      flagsMalformedRows: true,
      fileColumn: 'dq_file',
      lineColumn: 'dq_line',
    };
  }

  async sources(): Promise<readonly TableSource[]> {
    return this.tableSources;
  }

  /**
   * A temporary table in memory (the small tables' clean rows, filtered and de-duplicated once
   * per report), named uniquely so that reports sharing the engine keep their own.
   */
  async materialize(request: QueryRequest): Promise<{ relation: string; stats: QueryStats }> {
    assertRelationName(request.name);
    this.materialized += 1;
    const relation = `${request.name}_${this.materialized}`;
    const result = await this.query({ ...request, sql: `CREATE TEMP TABLE ${relation} AS ${request.sql}` });
    return { relation, stats: result.stats };
  }

  async release(relation: string): Promise<void> {
    assertRelationName(relation);
    await this.query({ name: `release_${relation}`, sql: `DROP TABLE IF EXISTS ${relation}`, params: [] });
  }

  /**
   * Queries run one at a time on the connection, in the order asked. A query's rows are
   * turned into JS values a macrotask after it finished, once the next queued query has been
   * handed to DuckDB: that conversion (per value, on the JS thread, often as long as the query
   * itself) then overlaps the next query's execution on DuckDB's threads.
   */
  query(request: QueryRequest): Promise<QueryResult> {
    const executed = this.queue.then(() => this.execute(request));
    this.queue = executed.then(
      () => undefined,
      () => undefined,
    );
    return executed.then(
      (done) =>
        new Promise<QueryResult>((resolve, reject) => {
          setImmediate(() => {
            try {
              resolve(rowsOf(request, done.result, done.started));
            } catch (error) {
              reject(queryError(request, error));
            }
          });
        }),
    );
  }

  private async execute(request: QueryRequest): Promise<{ result: DuckDBResultReader; started: number }> {
    const started = performance.now();
    try {
      const prepared = await this.connection.prepare(request.sql);
      request.params.forEach((param, i) => bindParam(prepared, i + 1, param));
      return { result: await prepared.runAndReadAll(), started };
    } catch (error) {
      throw queryError(request, error);
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

function rowsOf(request: QueryRequest, result: DuckDBResultReader, started: number): QueryResult {
  const names = result.columnNames();
  // One converter per column, chosen once: a report reads tens of thousands of rows.
  const convert = result.columnTypes().map((t) => converterFor(String(t)));
  const rows: Row[] = result.getRowsJson().map((raw) => {
    const row: Record<string, SqlValue> = {};
    for (let i = 0; i < names.length; i += 1) {
      const value = raw[i];
      row[names[i] as string] =
        value === null || value === undefined ? null : (convert[i] as Converter)(value);
    }
    return row;
  });
  return {
    rows,
    stats: { name: request.name, milliseconds: Math.round(performance.now() - started), rows: rows.length },
  };
}

function queryError(request: QueryRequest, error: unknown): Error {
  const message = firstLine(error);
  if (/file|parquet|csv|json/i.test(message) && /could not|cannot|invalid|error|failed/i.test(message)) {
    return new InputError(`query ${request.name}: unreadable input: ${message}`);
  }
  return new Error(`query ${request.name} failed on DuckDB: ${message}`, { cause: error });
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

function bindParam(prepared: DuckDBPreparedStatement, index: number, param: SqlParam): void {
  switch (param.type) {
    case 'date': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(param.value)) throw new Error(`invalid date parameter ${param.value}`);
      prepared.bindDate(
        index,
        new DuckDBDateValue(Math.round(Date.parse(`${param.value}T00:00:00Z`) / 86_400_000)),
      );
      return;
    }
    case 'timestamp': {
      const ms = Date.parse(`${param.value.replace(' ', 'T')}Z`);
      if (Number.isNaN(ms)) throw new Error(`invalid timestamp parameter ${param.value}`);
      prepared.bindTimestamp(index, new DuckDBTimestampValue(BigInt(ms) * 1000n));
      return;
    }
    case 'varchar':
      prepared.bindVarchar(index, param.value);
      return;
    case 'bigint':
      prepared.bindBigInt(index, BigInt(param.value));
      return;
    case 'double':
      prepared.bindDouble(index, param.value);
      return;
  }
}

/** Maps DuckDB's JSON-friendly values to the engine-neutral cell types (see engine.ts). */
type Converter = (value: unknown) => SqlValue;

const INTEGER_TYPE = /^(BIGINT|HUGEINT|UBIGINT|INTEGER|SMALLINT|TINYINT|UINTEGER|USMALLINT|UTINYINT)$/;

/** How a column's JSON value becomes a SqlValue (null is handled before). */
function converterFor(type: string): Converter {
  if (INTEGER_TYPE.test(type)) return (value) => Number(value);
  if (type === 'DOUBLE' || type === 'FLOAT')
    return (value) => (typeof value === 'number' ? value : Number(value));
  if (type.startsWith('DECIMAL') || type === 'DATE') return (value) => String(value);
  if (type === 'BOOLEAN') return (value) => Boolean(value);
  if (type.startsWith('TIMESTAMP')) {
    return (value) => {
      const text = String(value);
      const [date, time = '00:00:00'] = text.split(' ');
      const [hms, frac = ''] = time.split('.');
      return `${date} ${hms}.${(frac + '000').slice(0, 3)}`;
    };
  }
  return (value) => (typeof value === 'string' ? value : JSON.stringify(value));
}
