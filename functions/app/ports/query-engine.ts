/** The port the application runs SQL through; adapters: functions/adapters/engines (DuckDB, Athena). */
import type { TableName } from '../../contract/contract.js';

import type { Row, SqlParam } from '../../core/sql-values.js';

export interface QueryRequest {
  /** A short name for logs, stats and errors, normally the .sql file name without extension. */
  readonly name: string;
  /** The complete SQL text, already composed (see functions/sql/compose.ts). */
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

export interface QueryStats {
  readonly name: string;
  readonly milliseconds: number;
  readonly rows: number;
  /** Bytes the engine scanned, where it reports it (Athena). */
  readonly bytesScanned?: number;
}

export interface QueryResult {
  readonly rows: readonly Row[];
  readonly stats: QueryStats;
}

/**
 * Where the raw rows of a contract table come from, as SQL text for a FROM clause. The
 * text is fixed by the adapter (a view name or a configured, validated "database"."table"),
 * never taken from data. `null` means the table is absent: its KPIs are switched off.
 */
export interface TableSource {
  readonly table: TableName;
  readonly relation: string | null;
  /** Why the table is absent, for the report's "not available" reason. */
  readonly absentReason?: string;
  /**
   * True when the relation carries a column `dq_malformed` (varchar): the first contract column
   * whose stored text could not be read as its type (local CSV/JSON files), else NULL.
   */
  readonly flagsMalformed?: boolean;
  /** A column of the relation naming the file a row came from (`dq_file` locally, `"$path"` on Athena). */
  readonly fileColumn?: string;
  /**
   * True when the relation carries a column `dq_malformed_row` (varchar): why the record could
   * not be parsed at all (a ragged CSV line, bytes that are not UTF-8, a line that is not a JSON
   * object, …), else NULL. Such rows have every contract column NULL.
   */
  readonly flagsMalformedRows?: boolean;
  /** A column of the relation with the line a row starts on in its file (local CSV/NDJSON). */
  readonly lineColumn?: string;
  /**
   * A relation the engine keeps (QueryEngine.materialize) holding every row of the table
   * classified by the first rule it breaks, with its first copy per key marked
   * (classifiedTableQuery); queries then read its clean rows instead of filtering and
   * de-duplicating the raw rows again.
   */
  readonly classifiedRelation?: string;
}

export interface QueryEngine {
  readonly kind: 'duckdb' | 'athena';
  /**
   * Identifies the input data (a data folder, a Glue database), so that a stored snapshot is
   * only reused for the same data.
   */
  readonly dataSource: string;
  /**
   * The local folder the engine reads (DuckDB), against which the snapshot names files; absent
   * for Athena, whose files are S3 URIs.
   */
  readonly dataFolder?: string;
  /** The raw source of every contract table (present or absent). */
  sources(): Promise<readonly TableSource[]>;
  query(request: QueryRequest): Promise<QueryResult>;
  /**
   * Keeps the result of `request` (an in-memory table) until `release`, for a relation many
   * queries of a report read, and names it. Optional: engines without it (Athena, where a table
   * would be a CTAS in S3) have each query compute the relation inline.
   */
  materialize?(request: QueryRequest): Promise<{ readonly relation: string; readonly stats: QueryStats }>;
  release?(relation: string): Promise<void>;
  close(): Promise<void>;
}
