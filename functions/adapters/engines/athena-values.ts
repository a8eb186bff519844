/**
 * Values across the Athena API, which speaks only text: a bound parameter becomes a typed SQL
 * literal (Athena splices it in for its `?`), and each result cell is read back by its column
 * type into the values every engine returns (functions/core/sql-values.ts).
 */
import { isCalendarDate } from '../../core/validators.js';
import { InputError } from '../../core/input-error.js';
import type { SqlParam, SqlValue } from '../../core/sql-values.js';

/** Athena's limit on one execution parameter. */
const MAX_PARAMETER_LENGTH = 1024;

const TIMESTAMP_RE = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const DECIMAL_RE = /^-?\d+(?:\.\d+)?$/;

/** A query that Athena reported as failed, cancelled or that ran out of time. */
export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  constructor(
    message: string,
    readonly queryName: string,
    readonly queryExecutionId: string | undefined,
    readonly reason: string,
  ) {
    super(message);
  }
}

function validDate(value: string): boolean {
  return isCalendarDate(value);
}

/** Renders one parameter as the SQL text Athena splices in for its `?`. */
export function renderAthenaParameter(param: SqlParam): string {
  switch (param.type) {
    case 'date':
      if (!validDate(param.value)) throw new InputError(`date parameter "${param.value}" is not YYYY-MM-DD`);
      return `DATE '${param.value}'`;
    case 'timestamp': {
      const m = TIMESTAMP_RE.exec(param.value);
      const [hh, mm, ss] = [Number(m?.[2]), Number(m?.[3]), Number(m?.[4])];
      if (!m || !validDate(m[1] ?? '') || hh > 23 || mm > 59 || ss > 59) {
        throw new InputError(`timestamp parameter "${param.value}" is not YYYY-MM-DD HH:MM:SS[.fff]`);
      }
      const millis = (m[5] ?? '').padEnd(3, '0').slice(0, 3);
      return `TIMESTAMP '${m[1]} ${m[2]}:${m[3]}:${m[4]}.${millis}'`;
    }
    case 'varchar': {
      if (param.value.includes('\u0000')) throw new InputError('varchar parameter contains a NUL character');
      const rendered = `'${param.value.replaceAll("'", "''")}'`;
      if (rendered.length > MAX_PARAMETER_LENGTH) {
        throw new InputError(`varchar parameter is longer than Athena's ${MAX_PARAMETER_LENGTH} characters`);
      }
      return rendered;
    }
    case 'bigint':
      if (!Number.isSafeInteger(param.value))
        throw new InputError(`bigint parameter ${param.value} is not an integer`);
      return String(param.value);
    case 'double':
      if (!Number.isFinite(param.value))
        throw new InputError(`double parameter ${param.value} is not finite`);
      // An exponent makes the literal a DOUBLE in Trino (a plain 1.5 would be a DECIMAL).
      return param.value.toExponential().toUpperCase();
  }
}

export interface TypedColumn {
  readonly name: string;
  readonly type: string;
}

export function parseCell(raw: string | undefined, column: TypedColumn, queryName: string): SqlValue {
  const type = column.type.toLowerCase();
  const isText = type === 'varchar' || type === 'char' || type === 'string';
  // Athena sends no VarCharValue for NULL; an empty string is only a value for text columns.
  if (raw === undefined || (raw === '' && !isText)) return null;
  const fail = (): never => {
    throw new AthenaQueryError(
      `Athena query "${queryName}": column ${column.name} (${column.type}) has an unexpected value "${raw}"`,
      queryName,
      undefined,
      'unparseable result',
    );
  };
  if (isText) return raw;
  switch (type) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint': {
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) return fail();
      return n;
    }
    case 'double':
    case 'real':
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || (Number.isNaN(n) && raw !== 'NaN')) return fail();
      return n;
    }
    case 'decimal':
      return DECIMAL_RE.test(raw) ? raw : fail();
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      return fail();
    case 'date':
      return validDate(raw) ? raw : fail();
    case 'timestamp': {
      const m = TIMESTAMP_RE.exec(raw);
      if (!m || !validDate(m[1] ?? '')) return fail();
      return `${m[1]} ${m[2]}:${m[3]}:${m[4]}.${(m[5] ?? '').padEnd(3, '0').slice(0, 3)}`;
    }
    default:
      throw new AthenaQueryError(
        `Athena query "${queryName}": column ${column.name} has type ${column.type}, which the report does not read`,
        queryName,
        undefined,
        'unsupported column type',
      );
  }
}
