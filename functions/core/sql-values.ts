/** The values SQL takes and returns, as the pure KPI code sees them (engines convert to and from these). */

/**
 * A value bound to a `?` placeholder. Athena accepts placeholders only in WHERE clauses and
 * splices each value in as SQL text, so every parameter carries its SQL type and is rendered
 * as a typed literal (`DATE '2026-11-16'`) by the Athena adapter; DuckDB binds it natively.
 */
export type SqlParam =
  | { readonly type: 'date'; readonly value: string } // YYYY-MM-DD
  | { readonly type: 'timestamp'; readonly value: string } // YYYY-MM-DD HH:MM:SS (UTC)
  | { readonly type: 'varchar'; readonly value: string }
  | { readonly type: 'bigint'; readonly value: number }
  | { readonly type: 'double'; readonly value: number };

/**
 * One result cell. Engines normalise every column type the queries return:
 * decimal -> string (exact, e.g. "1234.5600"), bigint/integer/double -> number,
 * date -> "YYYY-MM-DD", timestamp -> "YYYY-MM-DD HH:MM:SS.fff" (UTC), boolean -> boolean.
 */
export type SqlValue = string | number | boolean | null;
export type Row = Readonly<Record<string, SqlValue>>;
