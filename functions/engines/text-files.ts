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
import { InputError } from './engine.js';
import type { TableSpec } from '../schema/contract.js';

export type TextFormat = 'csv' | 'json';

/** Columns of every normalised file, after the contract's own: where the record was and what was wrong. */
export const LINE_COLUMN = 'dq_line';
export const FAULT_COLUMN = 'dq_fault';
export const FAULT_FIELD_COLUMN = 'dq_fault_field';

export interface NormalisedFile {
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

/** Buffered writer of the normalised CSV. */
class CsvOut {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly fd: number) {}

  row(values: readonly (string | null)[], line: number, fault: Fault | null): void {
    let text = '';
    for (const v of values) text += v === null ? ',' : `${quote(v)},`;
    text += `${line},${fault ? quote(fault.problem) : ''},${fault?.field ? quote(fault.field) : ''}\n`;
    this.push(text);
  }

  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.parts.length > 0) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

function quote(value: string): string {
  return `"${value.includes('"') ? value.replace(/"/g, '""') : value}"`;
}

/** Text of a value, or null when it is empty or only whitespace (a blank key is a missing key). */
function textOrNull(value: string): string | null {
  return value.trim() === '' ? null : value;
}

/**
 * Reads `source` as a sequence of decoded chunks that end on a line break, with the 1-based
 * numbers of the lines whose bytes are not UTF-8. Throws InputError for binary content.
 */
function* chunksOf(
  source: string,
  table: string,
): Generator<{ text: string; firstLine: number; badLines: ReadonlySet<number> }> {
  const fd = openSync(source, 'r');
  try {
    let carry = Buffer.alloc(0);
    let line = 1;
    let first = true;
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      let bytes = Buffer.concat([carry, buffer.subarray(0, read)]);
      if (first) {
        if (bytes.subarray(0, 64 << 10).includes(0)) {
          throw new InputError(
            `cannot read ${table} file ${source}: it holds binary data (NUL bytes), not text`,
          );
        }
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
        first = false;
      }
      const end = read === 0 ? bytes.length : bytes.lastIndexOf(NEWLINE) + 1;
      if (end === 0 && read !== 0) {
        carry = bytes;
        continue;
      }
      const complete = bytes.subarray(0, end);
      carry = Buffer.from(bytes.subarray(end));
      const badLines = new Set<number>();
      if (!isUtf8(complete)) {
        let start = 0;
        let n = line;
        while (start < complete.length) {
          const nl = complete.indexOf(NEWLINE, start);
          const stop = nl === -1 ? complete.length : nl;
          if (!isUtf8(complete.subarray(start, stop))) badLines.add(n);
          start = stop + 1;
          n += 1;
        }
      }
      const text = complete.toString('utf8');
      if (text.length > 0) yield { text, firstLine: line, badLines };
      for (let nl = complete.indexOf(NEWLINE); nl !== -1; nl = complete.indexOf(NEWLINE, nl + 1)) line += 1;
      if (read === 0) return;
    }
  } finally {
    closeSync(fd);
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
    out.push(
      `${[...spec.columns.map((c) => c.name), LINE_COLUMN, FAULT_COLUMN, FAULT_FIELD_COLUMN].join(',')}\n`,
    );
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

function normaliseCsv(source: string, spec: TableSpec, out: CsvOut): NormalisedFile {
  let header: string[] | null = null;
  /** For each contract column, its index in the header (-1: absent). */
  let positions: number[] = [];
  let records = 0;
  let malformed = 0;
  let rest = '';
  let restLine = 1;
  const badLines = new Set<number>();

  const take = (record: CsvRecord): void => {
    const touchesBadBytes = (): boolean => {
      for (let l = record.line; l < record.line + Math.max(1, record.lines); l += 1)
        if (badLines.has(l)) return true;
      return false;
    };
    if (header === null) {
      if (record.fault || touchesBadBytes()) {
        throw new InputError(
          `cannot read ${spec.name} file ${source}: its header row (line 1) cannot be read`,
        );
      }
      header = record.fields.map((f) => f.trim());
      const seen = new Set<string>();
      for (const name of header) {
        if (seen.has(name)) {
          throw new InputError(
            `cannot read ${spec.name} file ${source}: the header names column "${name}" twice`,
          );
        }
        seen.add(name);
      }
      const headerNames = header;
      positions = spec.columns.map((c) => headerNames.indexOf(c.name));
      if (positions.every((p) => p === -1)) {
        throw new InputError(
          `cannot read ${spec.name} file ${source}: its first line names none of the table's columns (expected a comma-separated header row: ${spec.columns
            .map((c) => c.name)
            .join(',')})`,
        );
      }
      return;
    }
    // A blank line is no record.
    if (!record.fault && record.fields.length === 1 && record.fields[0] === '') return;
    records += 1;
    let fault: Fault | null = null;
    if (touchesBadBytes()) fault = NOT_UTF8;
    else if (record.fault) fault = { problem: record.fault };
    else if (record.fields.length !== header.length) {
      fault = { problem: `${record.fields.length} fields where the header has ${header.length}` };
    }
    if (fault) {
      malformed += 1;
      out.row(
        positions.map(() => null),
        record.line,
        fault,
      );
      return;
    }
    out.row(
      positions.map((p) => (p === -1 ? null : textOrNull(record.fields[p] as string))),
      record.line,
      null,
    );
  };

  for (const chunk of chunksOf(source, spec.name)) {
    for (const l of chunk.badLines) badLines.add(l);
    const text = rest + chunk.text;
    const parsed = csvRecords(text, rest === '' ? chunk.firstLine : restLine);
    parsed.records.forEach(take);
    rest = parsed.rest;
    restLine = parsed.restLine;
  }
  if (rest !== '') {
    // The file ends inside a quoted field.
    take({ fields: [], line: restLine, lines: 1, fault: 'a quoted field that never ends' });
  }
  const names: readonly string[] = header ?? [];
  return {
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
  return { columns: spec.columns.filter((c) => seen.has(c.name)).map((c) => c.name), records, malformed };
}
