/** Loads rows into DuckDB by the contract's column types and writes them as Parquet. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampValue } from '@duckdb/node-api';
import { type ColumnSpec, type TableSpec, sqlType } from '../contract/contract.js';
import type { Cell, Row } from './tables.js';

/** Column that keeps the generated order through DuckDB; never written out. */
export const ORDER_COLUMN = 'sample_row_order';

/** A SQL string literal for a local path chosen by the operator (never for data values). */
export function sqlPath(path: string): string {
  if (path.includes('\0')) throw new Error('a path must not contain NUL characters');
  return `'${path.replace(/'/g, "''")}'`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The contract's column list as a CREATE TABLE body. */
export function columnDefinitions(spec: TableSpec): string {
  return spec.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c.type)}`).join(', ');
}

function typeError(table: string, column: ColumnSpec, value: Cell): Error {
  return new Error(
    `sample row of ${table}.${column.name}: ${JSON.stringify(value)} does not fit ${column.type}`,
  );
}

/** Creates `spec.name` (contract columns plus an order column) and appends the rows in order. */
export async function loadRows(
  connection: DuckDBConnection,
  spec: TableSpec,
  rows: readonly Row[],
): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TABLE ${quoteIdent(spec.name)} (${quoteIdent(ORDER_COLUMN)} BIGINT, ${columnDefinitions(spec)})`,
  );
  const known = new Set(spec.columns.map((c) => c.name));
  const appender = await connection.createAppender(spec.name);
  try {
    rows.forEach((row, index) => {
      for (const key of Object.keys(row)) {
        if (!known.has(key))
          throw new Error(`sample row of ${spec.name} has a column the contract lacks: ${key}`);
      }
      appender.appendBigInt(BigInt(index));
      for (const column of spec.columns) {
        const value = row[column.name];
        if (value === undefined) throw new Error(`sample row of ${spec.name} lacks ${column.name}`);
        appendCell(appender, spec.name, column, value);
      }
      appender.endRow();
    });
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

type Appender = Awaited<ReturnType<DuckDBConnection['createAppender']>>;

function appendCell(appender: Appender, table: string, column: ColumnSpec, value: Cell): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (column.type) {
    case 'string':
      if (typeof value !== 'string') throw typeError(table, column, value);
      appender.appendVarchar(value);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError(table, column, value);
      appender.appendBoolean(value);
      return;
    default:
      break;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError(table, column, value);
  switch (column.type) {
    case 'timestamp':
      appender.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(value)) * 1000n));
      return;
    case 'date':
      if (!Number.isInteger(value)) throw typeError(table, column, value);
      appender.appendDate(new DuckDBDateValue(value));
      return;
    case 'decimal':
      // decimal(18,4): the value times 10^4 as an exact integer.
      appender.appendDecimal(new DuckDBDecimalValue(BigInt(Math.round(value * 10_000)), 18, 4));
      return;
    case 'int':
      if (!Number.isInteger(value)) throw typeError(table, column, value);
      appender.appendInteger(value);
      return;
    case 'bigint':
      if (!Number.isInteger(value)) throw typeError(table, column, value);
      appender.appendBigInt(BigInt(value));
      return;
    case 'double':
      appender.appendDouble(value);
      return;
  }
}

/** The contract's columns, each cast to its contract type, for a SELECT list. */
export function contractSelectList(spec: TableSpec, expressions?: Readonly<Record<string, string>>): string {
  if (expressions) {
    for (const key of Object.keys(expressions)) {
      if (!spec.columns.some((c) => c.name === key)) throw new Error(`${spec.name} has no column ${key}`);
    }
  }
  return spec.columns
    .map((c) => {
      const expression = expressions ? expressions[c.name] : quoteIdent(c.name);
      if (expression === undefined) throw new Error(`no expression for ${spec.name}.${c.name}`);
      return `CAST(${expression} AS ${sqlType(c.type)}) AS ${quoteIdent(c.name)}`;
    })
    .join(', ');
}
