/**
 * Reads local CSV and newline-delimited JSON files record by record and writes each as a
 * normalised CSV that DuckDB reads with fixed, all-text columns (no type or dialect sniffing).
 *
 * Why not DuckDB's own readers: their sniffers guess column types and dialects from a sample,
 * so one ragged line makes a small file look like something else, and one bad byte or JSON line
 * aborts the whole file. Here each record is judged on its own: a record that cannot be split
 * into the header's fields, is not UTF-8, is not a JSON object, or holds an object, array,
 * number or boolean where text is expected, becomes a `malformed_row` with its file and line;
 * every other record keeps its text values for the engine's typed reading (duckdb.ts). A file
 * that cannot be read at all (binary content, no usable header row) stops the run.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { InputError } from '../../core/input-error.js';
import type { TableSpec } from '../../contract/contract.js';

export type TextFormat = 'csv' | 'json';

/** Columns of every normalised file, after the contract's own: where the record was and what was wrong. */
export const LINE_COLUMN = 'dq_line';
export const FAULT_COLUMN = 'dq_fault';
export const FAULT_FIELD_COLUMN = 'dq_fault_field';

export interface NormalisedFile {
  /** The normalised file's data columns, in order (before dq_line, dq_fault, dq_fault_field). */
  readonly fileColumns: readonly string[];
  /** Contract columns the file names (CSV header, or any JSON line's keys). */
  readonly columns: readonly string[];
  /** Records written, malformed ones included (blank lines are not records). */
  readonly records: number;
  readonly malformed: number;
}

const CHUNK_BYTES = 4 << 20;
/** A record longer than this (an unterminated quote swallowing the file) is cut off as malformed. */
const MAX_RECORD_CHARS = 1 << 20;
const NEWLINE = 0x0a;

interface Fault {
  readonly problem: string;
  readonly field?: string;
}

/** Buffered writer of the normalised CSV, straight into bytes (no string per row to collect). */
class CsvOut {
  private buffer = Buffer.allocUnsafe(OUT_BYTES);
  private used = 0;
  constructor(private readonly fd: number) {}

  row(values: readonly (string | null)[], line: number, fault: Fault | null): void {
    for (const v of values) {
      if (v !== null) this.quoted(v);
      this.ascii(',');
    }
    this.ascii(`${line},`);
    if (fault) this.quoted(fault.problem);
    this.ascii(',');
    if (fault?.field) this.quoted(fault.field);
    this.ascii('\n');
  }

  /** Copies bytes of the source as they are (a record already checked to be well-formed). */
  bytes(source: Buffer, start: number, end: number): void {
    this.room(end - start);
    this.used += source.copy(this.buffer, this.used, start, end);
  }

  /** The record's position and fault columns after its fields. */
  tail(line: number, fault: Fault | null): void {
    this.ascii(`,${line},`);
    if (fault) this.quoted(fault.problem);
    this.ascii(',');
    if (fault?.field) this.quoted(fault.field);
    this.ascii('\n');
  }

  /** A malformed record: every field empty, then its position and fault. */
  empty(fields: number, line: number, fault: Fault): void {
    this.ascii(','.repeat(Math.max(0, fields - 1)));
    this.tail(line, fault);
  }

  push(text: string): void {
    this.room(text.length * 3);
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  private ascii(text: string): void {
    this.room(text.length);
    this.used += this.buffer.write(text, this.used, 'latin1');
  }

  private quoted(value: string): void {
    const text = value.includes('"') ? value.replace(/"/g, '""') : value;
    this.room(text.length * 3 + 2);
    this.buffer[this.used++] = 0x22;
    this.used += this.buffer.write(text, this.used, 'utf8');
    this.buffer[this.used++] = 0x22;
  }

  /** Makes room for `bytes` more bytes (UTF-8 needs at most 3 per UTF-16 unit). */
  private room(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    this.flush();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
  }

  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }
}

const OUT_BYTES = 4 << 20;

function quote(value: string): string {
  return `"${value.includes('"') ? value.replace(/"/g, '""') : value}"`;
}

/** Text of a value, or null when it is empty or only whitespace (a blank key is a missing key). */
function textOrNull(value: string): string | null {
  if (value.length === 0) return null;
  // Only a value that starts with whitespace can be blank: skip trim() for the rest.
  return /\s/.test(value[0] as string) && value.trim() === '' ? null : value;
}

/**
 * Reads `source` in chunks of whole lines (the last chunk may end without a line break), with
 * the 1-based number of each chunk's first line. Throws InputError for binary content.
 */
function* byteChunksOf(
  source: string,
  table: string,
): Generator<{ bytes: Buffer; firstLine: number; last: boolean }> {
  const fd = openSync(source, 'r');
  try {
    let carry = Buffer.alloc(0);
    let line = 1;
    let first = true;
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      let bytes =
        carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
      if (first) {
        if (bytes.subarray(0, 64 << 10).includes(0)) {
          throw new InputError(
            `cannot read ${table} file ${source}: it holds binary data (NUL bytes), not text`,
          );
        }
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
        first = false;
      }
      const last = read === 0;
      const end = last ? bytes.length : bytes.lastIndexOf(NEWLINE) + 1;
      if (end === 0 && !last) {
        carry = Buffer.from(bytes);
        continue;
      }
      const complete = bytes.subarray(0, end);
      carry = Buffer.from(bytes.subarray(end));
      if (complete.length > 0 || last) yield { bytes: complete, firstLine: line, last };
      for (let nl = complete.indexOf(NEWLINE); nl !== -1; nl = complete.indexOf(NEWLINE, nl + 1)) line += 1;
      if (last) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** byteChunksOf decoded, with the numbers of the lines whose bytes are not UTF-8. */
function* chunksOf(
  source: string,
  table: string,
): Generator<{ text: string; firstLine: number; badLines: ReadonlySet<number> }> {
  for (const { bytes, firstLine } of byteChunksOf(source, table)) {
    const badLines = new Set<number>();
    if (!isUtf8(bytes)) {
      let start = 0;
      let n = firstLine;
      while (start < bytes.length) {
        const nl = bytes.indexOf(NEWLINE, start);
        const stop = nl === -1 ? bytes.length : nl;
        if (!isUtf8(bytes.subarray(start, stop))) badLines.add(n);
        start = stop + 1;
        n += 1;
      }
    }
    const text = bytes.toString('utf8');
    if (text.length > 0) yield { text, firstLine, badLines };
  }
}

const NOT_UTF8: Fault = { problem: 'bytes that are not UTF-8' };

/**
 * Normalises one CSV or NDJSON file of `spec` into `target` (created or truncated).
 * Output columns: the contract's columns in order, then dq_line, dq_fault, dq_fault_field.
 */
export function normaliseTextFile(
  source: string,
  format: TextFormat,
  spec: TableSpec,
  target: string,
): NormalisedFile {
  const fd = openSync(target, 'w');
  try {
    const out = new CsvOut(fd);
    const result = format === 'csv' ? normaliseCsv(source, spec, out) : normaliseJson(source, spec, out);
    out.flush();
    return result;
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180: comma-separated, double quotes around fields that hold commas, quotes or line
// breaks, a quote inside doubled), with a header row naming the columns.

interface CsvRecord {
  readonly fields: string[];
  /** Line the record starts on. */
  readonly line: number;
  /** Lines the record spans. */
  readonly lines: number;
  /** Why the record could not be split into fields, if it could not. */
  readonly fault?: string;
}

/**
 * Splits `text` (whole lines) into records, starting at line `firstLine`. Returns the records
 * and the text of an unfinished record (a quoted field still open at the end), to be parsed
 * again with the next chunk.
 */
function csvRecords(
  text: string,
  firstLine: number,
): { records: CsvRecord[]; rest: string; restLine: number } {
  const records: CsvRecord[] = [];
  let i = 0;
  let line = firstLine;
  const n = text.length;
  while (i < n) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    let fault: string | undefined;
    let open = false;
    for (;;) {
      if (text.charCodeAt(i) === 0x22 /* " */) {
        // Quoted field.
        let value = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q === -1) {
            open = true;
            break;
          }
          value += text.slice(j, q);
          if (text.charCodeAt(q + 1) === 0x22) {
            value += '"';
            j = q + 2;
            continue;
          }
          j = q + 1;
          break;
        }
        if (open) break;
        for (let k = i; k < j; k += 1) if (text.charCodeAt(k) === 0x0a) line += 1;
        fields.push(value);
        i = j;
        const c = text.charCodeAt(i);
        if (c === 0x2c /* , */) {
          i += 1;
          continue;
        }
        if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i += 1;
        if (text.charCodeAt(i) === 0x0a || i >= n) {
          i += 1;
          line += 1;
          break;
        }
        // Text after a closing quote: the line cannot be split reliably.
        fault = 'text after a closing quote';
        const nl = text.indexOf('\n', i);
        i = nl === -1 ? n : nl + 1;
        line += 1;
        break;
      }
      // Unquoted field: up to the next comma or line break (a quote inside is kept as text).
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 0x2c || c === 0x0a) break;
        j += 1;
      }
      let value = text.slice(i, j);
      if (value.endsWith('\r') && (j >= n || text.charCodeAt(j) === 0x0a)) value = value.slice(0, -1);
      fields.push(value);
      if (j < n && text.charCodeAt(j) === 0x2c) {
        i = j + 1;
        continue;
      }
      i = j + 1;
      line += 1;
      break;
    }
    if (open) {
      const rest = text.slice(start);
      if (rest.length <= MAX_RECORD_CHARS) return { records, rest, restLine: startLine };
      // A quote that never closes: give up on this record at its first line and go on.
      const nl = text.indexOf('\n', start);
      records.push({ fields: [], line: startLine, lines: 1, fault: 'a quoted field that never ends' });
      i = nl === -1 ? n : nl + 1;
      line = startLine + 1;
      continue;
    }
    records.push({ fields, line: startLine, lines: line - startLine, ...(fault ? { fault } : {}) });
  }
  return { records, rest: '', restLine: line };
}

/** The normalised file's header: its data columns, then where each record was and what was wrong. */
function headerLine(columns: readonly string[]): string {
  return `${[...columns, LINE_COLUMN, FAULT_COLUMN, FAULT_FIELD_COLUMN].map(quote).join(',')}\n`;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;

/**
 * CSV: the header row is parsed as text; every other record is checked at the byte level
 * (fields counted with quotes respected, UTF-8 validated) and, when well-formed, copied as it is
 * with its line number appended, so that DuckDB reads each value exactly as written. A record
 * that is not well-formed becomes a row of empty fields with its fault.
 */
function normaliseCsv(source: string, spec: TableSpec, out: CsvOut): NormalisedFile {
  let header: string[] | null = null;
  let records = 0;
  let malformed = 0;
  let carry: Buffer | null = null;
  let carryLine = 1;

  const readHeader = (bytes: Buffer, start: number, end: number): void => {
    const text = bytes.subarray(start, end).toString('utf8');
    const parsed = csvRecords(`${text}\n`, 1).records[0];
    if (!isUtf8(bytes.subarray(start, end)) || !parsed || parsed.fault) {
      throw new InputError(`cannot read ${spec.name} file ${source}: its header row (line 1) cannot be read`);
    }
    const names = parsed.fields.map((f, i) => (f.trim() === '' ? `dq_unnamed_${i + 1}` : f.trim()));
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) {
        throw new InputError(
          `cannot read ${spec.name} file ${source}: the header names column "${name}" twice`,
        );
      }
      seen.add(name);
    }
    if (!spec.columns.some((c) => seen.has(c.name))) {
      throw new InputError(
        `cannot read ${spec.name} file ${source}: its first line names none of the table's columns (expected a comma-separated header row: ${spec.columns
          .map((c) => c.name)
          .join(',')})`,
      );
    }
    header = names;
    out.push(headerLine(names));
  };

  /** Checks and writes the records of `bytes` (whole lines); returns where an unfinished record starts. */
  const scan = (bytes: Buffer, firstLine: number, final: boolean): { rest: number; restLine: number } => {
    const utf8 = isUtf8(bytes);
    let pos = 0;
    let line = firstLine;
    const n = bytes.length;
    while (pos < n) {
      const start = pos;
      const startLine = line;
      let fields = 1;
      let inQuote = false;
      let fieldStart = true;
      let afterQuote = false;
      let fault: string | null = null;
      let i = pos;
      for (; i < n; i += 1) {
        const b = bytes[i] as number;
        if (inQuote) {
          if (b === QUOTE) {
            if (bytes[i + 1] === QUOTE) i += 1;
            else {
              inQuote = false;
              afterQuote = true;
            }
          } else if (b === NEWLINE) line += 1;
          continue;
        }
        if (b === NEWLINE) break;
        if (b === COMMA) {
          fields += 1;
          fieldStart = true;
          afterQuote = false;
          continue;
        }
        if (b === QUOTE && fieldStart) inQuote = true;
        else if (afterQuote && !(b === CR && bytes[i + 1] === NEWLINE))
          fault ??= 'text after a closing quote';
        fieldStart = false;
      }
      if (inQuote) {
        if (!final && i - start <= MAX_RECORD_CHARS) return { rest: start, restLine: startLine };
        // A quote that never closes: the record is its first line; go on after it.
        const nl = bytes.indexOf(NEWLINE, start);
        const stop = nl === -1 ? n : nl;
        line = startLine + 1;
        pos = stop + 1;
        if (header === null) readHeader(bytes, start, stop);
        records += 1;
        malformed += 1;
        out.empty(header?.length ?? 1, startLine, { problem: 'a quoted field that never ends' });
        continue;
      }
      let end = i;
      if (end > start && bytes[end - 1] === CR) end -= 1;
      pos = i + 1;
      line += 1;
      if (header === null) {
        readHeader(bytes, start, end);
        continue;
      }
      if (end === start) continue; // a blank line is no record
      records += 1;
      const width = header.length;
      let problem: string | null = null;
      if (!utf8 && !isUtf8(bytes.subarray(start, end))) problem = NOT_UTF8.problem;
      else if (fault) problem = fault;
      else if (fields !== width) problem = `${fields} fields where the header has ${width}`;
      if (problem) {
        malformed += 1;
        out.empty(width, startLine, { problem });
        continue;
      }
      out.bytes(bytes, start, end);
      out.tail(startLine, null);
    }
    return { rest: n, restLine: line };
  };

  for (const chunk of byteChunksOf(source, spec.name)) {
    const bytes: Buffer = carry ? Buffer.concat([carry, chunk.bytes]) : chunk.bytes;
    const firstLine = carry ? carryLine : chunk.firstLine;
    const { rest, restLine } = scan(bytes, firstLine, chunk.last);
    carry = rest < bytes.length ? Buffer.from(bytes.subarray(rest)) : null;
    carryLine = restLine;
  }
  if (carry) scan(carry, carryLine, true);
  if (header === null) {
    throw new InputError(
      `cannot read ${spec.name} file ${source}: it is empty (a CSV file needs a header row)`,
    );
  }
  const names: readonly string[] = header;
  return {
    fileColumns: names,
    columns: spec.columns.filter((c) => names.includes(c.name)).map((c) => c.name),
    records,
    malformed,
  };
}

// ---------------------------------------------------------------------------------------------
// Newline-delimited JSON: one object per line.

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

/**
 * The source text of each top-level value of a JSON object already known to be valid, so that
 * numbers keep every digit (JSON.parse turns 12345678901234567.89 into a double).
 */
function topLevelSources(line: string): Map<string, string> {
  const sources = new Map<string, string>();
  let i = line.indexOf('{') + 1;
  const skipSpace = (): void => {
    while (i < line.length && /\s/.test(line[i] as string)) i += 1;
  };
  const skipString = (): void => {
    i += 1;
    while (i < line.length) {
      const c = line[i];
      if (c === '\\') i += 2;
      else if (c === '"') {
        i += 1;
        return;
      } else i += 1;
    }
  };
  for (;;) {
    skipSpace();
    if (line[i] !== '"') return sources;
    const keyStart = i;
    skipString();
    const key = JSON.parse(line.slice(keyStart, i)) as string;
    skipSpace();
    i += 1; // ':'
    skipSpace();
    const valueStart = i;
    let depth = 0;
    while (i < line.length) {
      const c = line[i];
      if (c === '"') {
        skipString();
        if (depth === 0) break;
        continue;
      }
      if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth -= 1;
        if (depth === 0) {
          i += 1;
          break;
        }
      } else if (depth === 0 && (c === ',' || /\s/.test(c as string))) break;
      i += 1;
    }
    sources.set(key, line.slice(valueStart, i));
    skipSpace();
    if (line[i] !== ',') return sources;
    i += 1;
  }
}

function normaliseJson(source: string, spec: TableSpec, out: CsvOut): NormalisedFile {
  const fileColumns = spec.columns.map((c) => c.name);
  out.push(headerLine(fileColumns));
  const seen = new Set<string>();
  let records = 0;
  let malformed = 0;
  // Number columns whose digits must survive exactly (money, big counts).
  const exactNumbers = new Set(
    spec.columns.filter((c) => c.type === 'decimal' || c.type === 'bigint').map((c) => c.name),
  );
  const fail = (line: number, fault: Fault): void => {
    malformed += 1;
    out.row(
      spec.columns.map(() => null),
      line,
      fault,
    );
  };
  for (const chunk of chunksOf(source, spec.name)) {
    const lines = chunk.text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    lines.forEach((raw, index) => {
      const lineNumber = chunk.firstLine + index;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') return;
      records += 1;
      if (chunk.badLines.has(lineNumber)) return fail(lineNumber, NOT_UTF8);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return fail(lineNumber, { problem: 'not valid JSON' });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return fail(lineNumber, { problem: `${kindOf(parsed)} where a JSON object is expected` });
      }
      const object = parsed as Record<string, unknown>;
      const values: (string | null)[] = [];
      let sources: Map<string, string> | null = null;
      for (const column of spec.columns) {
        const value = Object.prototype.hasOwnProperty.call(object, column.name)
          ? object[column.name]
          : undefined;
        if (value === undefined || value === null) {
          values.push(null);
          continue;
        }
        seen.add(column.name);
        if (typeof value === 'string') {
          values.push(textOrNull(value));
          continue;
        }
        const textExpected = column.type === 'string';
        if (textExpected || typeof value === 'object') {
          return fail(lineNumber, {
            problem: `${kindOf(value)} where ${textExpected ? 'text' : `a ${column.type}`} is expected`,
            field: column.name,
          });
        }
        if (typeof value === 'number' && exactNumbers.has(column.name)) {
          sources ??= topLevelSources(text);
          values.push(sources.get(column.name) ?? String(value));
          continue;
        }
        values.push(String(value));
      }
      out.row(values, lineNumber, null);
    });
  }
  return {
    fileColumns,
    columns: spec.columns.filter((c) => seen.has(c.name)).map((c) => c.name),
    records,
    malformed,
  };
}
