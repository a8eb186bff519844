/**
 * The embedded engine: DuckDB over local files, no AWS account needed.
 *
 * Each contract table is a folder `DATA/<table>/` of Parquet, newline-delimited JSON or CSV
 * files (Hive `dt=` folders allowed). At open, each present table becomes a view
 * `src_<table>` with the contract's column names and types; values that cannot be read as
 * their type become NULL and are flagged in `dq_malformed`, so the row is counted as
 * `invalid_value` rather than aborting the report. The query files themselves are Trino SQL;
 * a few macros give DuckDB the Trino functions they use (the shim, see docs/sql.md).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import {
  DuckDBConnection,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBPreparedStatement,
} from '@duckdb/node-api';
import { CONTRACT, sqlType, type TableSpec } from '../schema/contract.js';
import {
  InputError,
  type QueryEngine,
  type QueryRequest,
  type QueryResult,
  type QueryStats,
  type Row,
  type SqlParam,
  type SqlValue,
  type TableSource,
} from './engine.js';

/** Trino functions the query files use that DuckDB spells differently. */
export const TRINO_SHIM_MACROS: readonly string[] = [
  'CREATE OR REPLACE MACRO to_unixtime(ts) AS epoch(ts)',
  'CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  'CREATE OR REPLACE MACRO day_of_week(d) AS isodow(d)',
];

export interface DuckDbEngineOptions {
  readonly dataDir: string;
  /** DuckDB memory limit, e.g. "1GB" (env DUCKDB_MEMORY_LIMIT); DuckDB spills to disk beyond it. */
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
 * The DuckDB table function reading one format's files. `unionByName` lines columns up by name
 * across files whose columns differ; it costs a read of every file's footer on every query,
 * so it is only used when the files do differ.
 */
function reader(format: Format, files: readonly string[], hive: boolean, unionByName = true): string {
  const list = `[${files.map(pathLiteral).join(', ')}]`;
  const hiveOpts = hive ? ", hive_partitioning = true, hive_types = {'dt': VARCHAR}" : '';
  const union = `union_by_name = ${unionByName}`;
  switch (format) {
    case 'parquet':
      return `read_parquet(${list}, ${union}, filename = true${hiveOpts})`;
    case 'json':
      return `read_json(${list}, format = 'newline_delimited', ${union}, filename = true${hiveOpts})`;
    case 'csv':
      return `read_csv(${list}, header = true, all_varchar = true, ${union}, filename = true${hiveOpts})`;
  }
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
 * `duckdb:<absolute folder>`, plus a digest of `manifest.json` when the folder has one: a
 * generated dataset that is replaced (the sample data is, daily) is then other data.
 */
function dataSourceOf(dataDir: string): string {
  const folder = resolve(dataDir);
  let manifest: Buffer;
  try {
    manifest = readFileSync(join(folder, 'manifest.json'));
  } catch {
    return `duckdb:${folder}`;
  }
  return `duckdb:${folder}#manifest-${createHash('sha256').update(manifest).digest('hex').slice(0, 16)}`;
}

/** Names the engine splices into SQL as a table name: lower-case words only. */
function assertRelationName(name: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`bad relation name ${name}`);
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

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
      memory_limit: options.memoryLimit ?? process.env.DUCKDB_MEMORY_LIMIT ?? '1GB',
      threads: String(options.threads ?? 2),
      temp_directory: join(tmpdir(), 'cs-kpi-duckdb-spill'),
    });
    const connection = await instance.connect();
    // The session zone defaults to the host's: every cast between TIMESTAMPTZ and TIMESTAMP
    // (text with an offset, Parquet instants) and every date of an instant would then move
    // with the machine's TZ. Instants are UTC in the contract; so is the session.
    await connection.run("SET TimeZone = 'UTC'");
    for (const macro of TRINO_SHIM_MACROS) await connection.run(macro);

    const sources: TableSource[] = [];
    for (const spec of CONTRACT) {
      sources.push(await DuckDbEngine.attachTable(connection, dataDir, spec));
    }
    return new DuckDbEngine(instance, connection, sources, dataSourceOf(dataDir));
  }

  private static async attachTable(
    connection: DuckDBConnection,
    dataDir: string,
    spec: TableSpec,
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
    const byFormat = new Map<Format, string[]>();
    for (const f of files) {
      const fmt = formatOf(f) as Format;
      byFormat.set(fmt, [...(byFormat.get(fmt) ?? []), f]);
    }

    // Column names and types each format gives, to cast only what needs casting.
    const parts: string[] = [];
    const columnTypes = new Map<string, string>();
    for (const [fmt, group] of byFormat) {
      let from: string;
      try {
        const uniform = fmt === 'parquet' && group.length > 1 && (await sameParquetSchema(connection, group));
        from = reader(fmt, group, hive, !uniform);
        const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
        for (const row of described.getRowObjectsJson()) {
          const name = String(row.column_name);
          const type = String(row.column_type);
          const prev = columnTypes.get(name);
          columnTypes.set(name, prev === undefined || prev === type ? type : 'VARCHAR');
        }
      } catch (error) {
        throw new InputError(`cannot read ${spec.name} files in ${dir}: ${firstLine(error)}`);
      }
      parts.push(`SELECT * FROM ${from}`);
    }

    for (const column of spec.columns) {
      if (!column.nullable && !columnTypes.has(column.name)) {
        const sample = relative(dataDir, files[0] as string);
        throw new InputError(
          `${spec.name}: column "${column.name}" is missing (first file ${sample}); expected columns: ${spec.columns
            .map((c) => c.name)
            .join(', ')}`,
        );
      }
    }

    const selects: string[] = [];
    const malformed: string[] = [];
    for (const column of spec.columns) {
      const target = sqlType(column.type).toUpperCase();
      const actual = columnTypes.get(column.name);
      const ident = quoteIdent(column.name);
      if (actual === undefined) {
        selects.push(`CAST(NULL AS ${target}) AS ${ident}`);
      } else if (actual === target || (target === 'VARCHAR' && actual === 'VARCHAR')) {
        selects.push(`${ident}`);
      } else {
        // Text timestamps may carry an offset ("…+02:00", "…Z"): read them as instants, keep UTC.
        const cast =
          target === 'TIMESTAMP' && actual === 'VARCHAR'
            ? `TRY_CAST(TRY_CAST(${ident} AS TIMESTAMPTZ) AS TIMESTAMP)`
            : `TRY_CAST(${ident} AS ${target})`;
        selects.push(`${cast} AS ${ident}`);
        malformed.push(`WHEN ${ident} IS NOT NULL AND ${cast} IS NULL THEN '${column.name}'`);
      }
    }
    if (spec.partitionedBy) {
      const occurred = quoteIdent('occurred_at');
      selects.push(
        hive && columnTypes.has('dt')
          ? `CAST(dt AS VARCHAR) AS dt`
          : `strftime(CAST(${occurred} AS TIMESTAMP), '%Y-%m-%d') AS dt`,
      );
    }
    selects.push(
      malformed.length > 0
        ? `CASE ${malformed.join(' ')} END AS dq_malformed`
        : 'CAST(NULL AS VARCHAR) AS dq_malformed',
    );
    selects.push('filename AS dq_file');

    const view = `src_${spec.name}`;
    const union = parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(' UNION ALL BY NAME ');
    await connection.run(
      `CREATE OR REPLACE VIEW ${view} AS SELECT ${selects.join(', ')} FROM (${union}) AS raw`,
    );
    return { table: spec.name, relation: view, flagsMalformed: true, fileColumn: 'dq_file' };
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

  query(request: QueryRequest): Promise<QueryResult> {
    const run = this.queue.then(() => this.run(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(request: QueryRequest): Promise<QueryResult> {
    const started = performance.now();
    let prepared: DuckDBPreparedStatement;
    try {
      prepared = await this.connection.prepare(request.sql);
      request.params.forEach((param, i) => bindParam(prepared, i + 1, param));
      const result = await prepared.runAndReadAll();
      const names = result.columnNames();
      const types = result.columnTypes().map((t) => String(t));
      const rows: Row[] = result.getRowObjectsJson().map((raw) => {
        const row: Record<string, SqlValue> = {};
        names.forEach((name, i) => {
          row[name] = normalise(raw[name], types[i] ?? 'VARCHAR');
        });
        return row;
      });
      return {
        rows,
        stats: {
          name: request.name,
          milliseconds: Math.round(performance.now() - started),
          rows: rows.length,
        },
      };
    } catch (error) {
      const message = firstLine(error);
      if (/file|parquet|csv|json/i.test(message) && /could not|cannot|invalid|error|failed/i.test(message)) {
        throw new InputError(`query ${request.name}: unreadable input: ${message}`);
      }
      throw new Error(`query ${request.name} failed on DuckDB: ${message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
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
function normalise(value: unknown, type: string): SqlValue {
  if (value === null || value === undefined) return null;
  if (/^(BIGINT|HUGEINT|UBIGINT|INTEGER|SMALLINT|TINYINT|UINTEGER|USMALLINT|UTINYINT)$/.test(type)) {
    return Number(value);
  }
  if (type === 'DOUBLE' || type === 'FLOAT') return typeof value === 'number' ? value : Number(value);
  if (type.startsWith('DECIMAL')) return String(value);
  if (type === 'BOOLEAN') return Boolean(value);
  if (type === 'DATE') return String(value);
  if (type.startsWith('TIMESTAMP')) {
    const text = String(value);
    const [date, time = '00:00:00'] = text.split(' ');
    const [hms, frac = ''] = time.split('.');
    return `${date} ${hms}.${(frac + '000').slice(0, 3)}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
