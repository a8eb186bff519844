/**
 * Deterministic, seeded sample data for every table of the input contract, written as
 * Parquet in the local layout the product reads: `outDir/<table>/part-0.parquet`, and
 * `usage_events` / `web_events` Hive-partitioned by `dt=YYYY-MM-DD` (the UTC date of
 * occurred_at). The same options always give the same rows in the same order.
 */
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TABLE_NAMES, type TableName, tableSpec } from '../contract/contract.js';
import { type BadRowCount, injectBadRows } from './bad-rows.js';
import { type Horizon, buildCustomers } from './customers.js';
import {
  type SmallTable,
  type SmallTables,
  accountRows,
  csCostRows,
  fxRateRows,
  invoiceRows,
  subscriptionRows,
} from './tables.js';
import { usageSpans } from './usage.js';
import { socialPostRows, webEventRows } from './web.js';
import { supportTickets, surveyResponses } from './feedback.js';
import { DAY_MS, addMonths, formatIsoDate, parseIsoDate } from './time.js';
import { USAGE_TABLE, loadSpans, planSessions, usageGenerationSql } from './usage.js';
import { ORDER_COLUMN, contractSelectList, loadRows, quoteIdent, sqlPath } from './writer.js';

export type { BadRowCount } from './bad-rows.js';

/** Bumped whenever the generated data changes for the same options. */
export const GENERATOR_VERSION = 2;
export const MANIFEST_FILE = 'manifest.json';
/** Marks a directory as written by this generator (so it may be overwritten). */
export const GENERATOR_ID = 'cs-kpi-digest sample data';

export interface GenerateOptions {
  readonly outDir: string;
  readonly seed: number;
  /** YYYY-MM-DD: the last day with data. */
  readonly endDate: string;
  /** History length in months (default 18). */
  readonly months?: number;
  /** Number of accounts (default 400). */
  readonly accounts?: number;
  /** Target number of usage events (default 300,000; the result is within a few per cent). */
  readonly usageEvents?: number;
  /** Add a handful of rows that break the contract (default true). */
  readonly includeBadRows?: boolean;
  /**
   * Spread account owners over this many numbered CSMs (`csm-001@example.com` …) instead of the
   * ten named regional ones (benchmarks of CSM digests); absent: the named ones.
   */
  readonly csms?: number;
}

export interface GeneratedTable {
  readonly table: TableName;
  readonly rows: number;
  /** Parquet files written, relative to outDir, with `/` separators. */
  readonly files: readonly string[];
}

export interface GenerateResult {
  readonly outDir: string;
  readonly generatorVersion: number;
  readonly seed: number;
  /** First day of the history (YYYY-MM-DD). */
  readonly startDate: string;
  readonly endDate: string;
  readonly months: number;
  readonly accounts: number;
  readonly usageEventsTarget: number;
  readonly includeBadRows: boolean;
  /** Numbered CSMs the owners are spread over (absent: the named regional CSMs). */
  readonly csms?: number;
  readonly tables: readonly GeneratedTable[];
  /** Rows that break the contract, by table and reason; duplicates count the extra rows. */
  readonly badRows: readonly BadRowCount[];
}

/** What manifest.json holds: the result without the machine-specific directory. */
export type SampleManifest = { readonly generator: typeof GENERATOR_ID } & Omit<GenerateResult, 'outDir'>;

/** Invalid generator options (the CLI reports these as one line, exit code 2). */
export class SampleOptionsError extends Error {
  override readonly name = 'SampleOptionsError';
  constructor(
    /** The option at fault. */
    readonly option: keyof GenerateOptions,
    /** What is wrong with it, without its name. */
    readonly problem: string,
  ) {
    super(`${option} ${problem}`);
  }
}

/** Above this many usage events the scratch database lives on disk. */
const IN_MEMORY_LIMIT = 5_000_000;

export const DEFAULTS = { months: 18, accounts: 400, usageEvents: 300_000, includeBadRows: true } as const;

interface ResolvedOptions {
  readonly outDir: string;
  readonly seed: number;
  readonly endDay: number;
  readonly months: number;
  readonly accounts: number;
  readonly usageEvents: number;
  readonly includeBadRows: boolean;
  readonly csms: number | undefined;
}

function integerIn(option: keyof GenerateOptions, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SampleOptionsError(option, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(options: GenerateOptions): ResolvedOptions {
  if (typeof options.outDir !== 'string' || options.outDir.trim() === '')
    throw new SampleOptionsError('outDir', 'is required');
  const endDay = parseIsoDate(options.endDate);
  if (endDay === null)
    throw new SampleOptionsError(
      'endDate',
      `must be a date YYYY-MM-DD, got ${JSON.stringify(options.endDate)}`,
    );
  if (endDay < parseIsoDateOrThrow('2000-01-01') || endDay > parseIsoDateOrThrow('2099-12-31')) {
    throw new SampleOptionsError(
      'endDate',
      `must be between 2000-01-01 and 2099-12-31, got ${options.endDate}`,
    );
  }
  return {
    outDir: options.outDir,
    seed: integerIn('seed', options.seed, 0, 0xffffffff),
    endDay,
    months: integerIn('months', options.months ?? DEFAULTS.months, 1, 120),
    accounts: integerIn('accounts', options.accounts ?? DEFAULTS.accounts, 1, 200_000),
    usageEvents: integerIn('usageEvents', options.usageEvents ?? DEFAULTS.usageEvents, 100, 2_000_000_000),
    includeBadRows: options.includeBadRows ?? DEFAULTS.includeBadRows,
    csms: options.csms === undefined ? undefined : integerIn('csms', options.csms, 1, 10_000),
  };
}

function parseIsoDateOrThrow(text: string): number {
  const day = parseIsoDate(text);
  if (day === null) throw new Error(`bad constant date ${text}`);
  return day;
}

export async function generateSampleData(options: GenerateOptions): Promise<GenerateResult> {
  const opts = resolveOptions(options);
  const startDay = addMonths(opts.endDay, -opts.months) + 1;
  const horizon: Horizon = {
    seed: opts.seed,
    startDay,
    endDay: opts.endDay,
    nowMs: (opts.endDay + 1) * DAY_MS,
  };

  const accounts = buildCustomers(horizon, opts.accounts, opts.csms);
  const tickets = supportTickets(accounts, horizon);
  const tables: SmallTables = {
    accounts: accountRows(accounts),
    subscriptions: subscriptionRows(accounts),
    invoices: invoiceRows(accounts, horizon),
    survey_responses: surveyResponses(accounts, tickets, horizon),
    support_tickets: tickets.map((t) => t.row),
    cs_costs: csCostRows(horizon),
    fx_rates: fxRateRows(horizon),
    web_events: webEventRows(accounts, horizon),
    social_posts: socialPostRows(horizon),
  };
  const badRows: BadRowCount[] = opts.includeBadRows ? injectBadRows(tables, opts.seed) : [];
  const plan = planSessions(usageSpans(accounts, horizon), opts.usageEvents, opts.seed);
  // The newest feature launches ten weeks before the end, so its adoption is still growing.
  const newFeatureLaunchMs = (opts.endDay - 70) * DAY_MS;

  await claimOutDir(opts.outDir);
  const workDir = await mkdtemp(join(tmpdir(), 'sample-data-'));
  // Small datasets are built in memory (fastest); large ones in a scratch database file so
  // that DuckDB can page the tables out instead of holding tens of millions of rows in RAM.
  const database = opts.usageEvents > IN_MEMORY_LIMIT ? join(workDir, 'work.duckdb') : ':memory:';
  const instance = await DuckDBInstance.create(database, { temp_directory: join(workDir, 'spill') });
  // Extra connections write day partitions side by side (one file per statement).
  const writers = Math.max(1, Math.min(4, availableParallelism()));
  const connections: DuckDBConnection[] = [];
  const written: GeneratedTable[] = [];
  try {
    for (let i = 0; i < writers; i++) {
      const connection = await instance.connect();
      // Timestamps are written as UTC whatever the host's TZ.
      await connection.run("SET TimeZone = 'UTC'");
      connections.push(connection);
    }
    for (const table of TABLE_NAMES) {
      if (table === USAGE_TABLE) {
        const usage = await writeUsage(connections, opts, plan, newFeatureLaunchMs);
        written.push(usage.table);
        if (usage.bad.length > 0) badRows.push(...usage.bad);
      } else {
        written.push(await writeSmallTable(connections, opts.outDir, table, tables[table]));
      }
    }
  } finally {
    for (const connection of connections) connection.closeSync();
    instance.closeSync();
    await rm(workDir, { recursive: true, force: true });
  }

  const result: GenerateResult = {
    outDir: opts.outDir,
    generatorVersion: GENERATOR_VERSION,
    seed: opts.seed,
    startDate: formatIsoDate(startDay),
    endDate: formatIsoDate(opts.endDay),
    months: opts.months,
    accounts: opts.accounts,
    usageEventsTarget: opts.usageEvents,
    includeBadRows: opts.includeBadRows,
    ...(opts.csms !== undefined ? { csms: opts.csms } : {}),
    tables: written,
    badRows: sortBadRows(badRows),
  };
  const { outDir: _outDir, ...rest } = result;
  const manifest: SampleManifest = { generator: GENERATOR_ID, ...rest };
  await writeFile(join(opts.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return result;
}

/**
 * Generation replaces the table folders of outDir, so it only writes into a new or empty
 * directory or one this generator wrote before: never over someone's real data.
 */
async function claimOutDir(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const entries = await readdir(outDir);
  if (entries.length > 0) {
    let generator: unknown;
    try {
      generator = (JSON.parse(await readFile(join(outDir, MANIFEST_FILE), 'utf8')) as { generator?: unknown })
        .generator;
    } catch {
      generator = undefined;
    }
    if (generator !== GENERATOR_ID) {
      throw new SampleOptionsError(
        'outDir',
        `${outDir} is not empty and holds no sample-data ${MANIFEST_FILE}; use a new or empty directory`,
      );
    }
  }
  // Until the final manifest is written, the directory is marked as ours but incomplete.
  await writeFile(
    join(outDir, MANIFEST_FILE),
    `${JSON.stringify({ generator: GENERATOR_ID, complete: false })}\n`,
  );
}

function sortBadRows(rows: readonly BadRowCount[]): BadRowCount[] {
  const order = (t: TableName): number => TABLE_NAMES.indexOf(t);
  return [...rows].sort((a, b) => order(a.table) - order(b.table) || a.reason.localeCompare(b.reason));
}

const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function first<T>(items: readonly T[]): T {
  const item = items[0];
  if (item === undefined) throw new Error('no DuckDB connection');
  return item;
}

/**
 * Writes are single-threaded per statement: DuckDB then keeps the row order and the row-group
 * layout identical from run to run, so the files are byte for byte reproducible. (A
 * PARTITION_BY copy would interleave chunks within a partition file, so each day is its own
 * COPY, and several connections write days side by side.)
 */
async function withSingleThreadedWrites<T>(
  connections: readonly DuckDBConnection[],
  work: () => Promise<T>,
): Promise<T> {
  const main = first(connections);
  await main.run('SET threads = 1');
  try {
    return await work();
  } finally {
    await main.run('RESET threads');
  }
}

/**
 * Writes `table` as `tableDir/dt=YYYY-MM-DD/part-0.parquet`, one file per UTC date of
 * occurred_at, each in `orderBy` order, without the partition column.
 */
async function writeDailyPartitions(
  connections: readonly DuckDBConnection[],
  table: string,
  columns: string,
  orderBy: string,
  tableDir: string,
): Promise<number> {
  const main = first(connections);
  const days = (
    await main.runAndReadAll(
      `SELECT DISTINCT CAST(CAST(occurred_at AS DATE) AS VARCHAR) FROM ${table} ORDER BY 1`,
    )
  )
    .getRows()
    .map((row) => String(row[0]));
  let next = 0;
  let written = 0;
  const worker = async (connection: DuckDBConnection): Promise<void> => {
    for (let day = days[next++]; day !== undefined; day = days[next++]) {
      if (!ISO_DATE.test(day)) throw new Error(`unexpected partition date ${day}`);
      const dir = join(tableDir, `dt=${day}`);
      await mkdir(dir, { recursive: true });
      const copied = await connection.run(
        `COPY (SELECT ${columns} FROM ${table} WHERE occurred_at >= TIMESTAMP '${day}' AND occurred_at < TIMESTAMP '${day}' + INTERVAL 1 DAY ORDER BY ${orderBy}) TO ${sqlPath(join(dir, 'part-0.parquet'))} (${PARQUET_OPTIONS})`,
      );
      written += Number(copied.rowsChanged);
    }
  };
  await withSingleThreadedWrites(connections, () => Promise.all(connections.map(worker)));
  const total = Number((await main.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0]?.[0] ?? 0);
  // Every row must land in exactly one day (occurred_at is never null in generated data).
  if (written !== total) throw new Error(`${table}: wrote ${written} of ${total} rows to day partitions`);
  return total;
}

async function writeSmallTable(
  connections: readonly DuckDBConnection[],
  outDir: string,
  table: SmallTable,
  rows: SmallTables[SmallTable],
): Promise<GeneratedTable> {
  const spec = tableSpec(table);
  const main = first(connections);
  const tableDir = join(outDir, table);
  await rm(tableDir, { recursive: true, force: true });
  await mkdir(tableDir, { recursive: true });
  await loadRows(main, spec, rows);
  const order = quoteIdent(ORDER_COLUMN);
  if (spec.partitionedBy === 'dt') {
    await writeDailyPartitions(connections, quoteIdent(table), contractSelectList(spec), order, tableDir);
  } else {
    const source = `SELECT ${contractSelectList(spec)} FROM ${quoteIdent(table)} ORDER BY ${order}`;
    await withSingleThreadedWrites(connections, () =>
      main.run(`COPY (${source}) TO ${sqlPath(join(tableDir, 'part-0.parquet'))} (${PARQUET_OPTIONS})`),
    );
  }
  await main.run(`DROP TABLE ${quoteIdent(table)}`);
  return { table, rows: rows.length, files: await listParquet(outDir, tableDir) };
}

async function writeUsage(
  connections: readonly DuckDBConnection[],
  opts: ResolvedOptions,
  plan: ReturnType<typeof planSessions>,
  newFeatureLaunchMs: number,
): Promise<{ table: GeneratedTable; bad: BadRowCount[] }> {
  const connection = first(connections);
  const tableDir = join(opts.outDir, USAGE_TABLE);
  await rm(tableDir, { recursive: true, force: true });
  await mkdir(tableDir, { recursive: true });
  await loadSpans(connection, plan.spans, plan.sessions);
  const raw = 'sample_usage_raw';
  await connection.run(usageGenerationSql(raw, opts.seed, newFeatureLaunchMs));
  const bad: BadRowCount[] = [];
  if (opts.includeBadRows) {
    // Duplicate deliveries (exact copies) and one event that lost its id, picked by a seeded hash.
    const picks = `SELECT * FROM ${raw} ORDER BY hash(${opts.seed}, event_id), event_id LIMIT 4`;
    const duplicates = await connection.run(
      `INSERT INTO ${raw} SELECT * FROM (${picks}) ORDER BY hash(${opts.seed}, event_id), event_id LIMIT 3`,
    );
    const nullKey = await connection.run(
      `INSERT INTO ${raw} SELECT NULL, occurred_at, account_id, user_id, event_name, session_id FROM (${picks}) ORDER BY hash(${opts.seed}, event_id), event_id LIMIT 1 OFFSET 3`,
    );
    const duplicateCount = Number(duplicates.rowsChanged);
    const nullKeyCount = Number(nullKey.rowsChanged);
    if (duplicateCount > 0) bad.push({ table: USAGE_TABLE, reason: 'duplicate_id', rows: duplicateCount });
    if (nullKeyCount > 0) bad.push({ table: USAGE_TABLE, reason: 'null_key', rows: nullKeyCount });
  }
  // Sorted once with all threads, so that each day's copy reads a narrow, already ordered range.
  const sorted = 'sample_usage_sorted';
  const columns = tableSpec(USAGE_TABLE).columns.map((c) => quoteIdent(c.name));
  const orderBy = ['"occurred_at"', ...columns].map((c) => `${c} NULLS LAST`).join(', ');
  await connection.run(`CREATE OR REPLACE TABLE ${sorted} AS SELECT * FROM ${raw} ORDER BY ${orderBy}`);
  await connection.run(`DROP TABLE ${raw}`);
  const rows = await writeDailyPartitions(connections, sorted, columns.join(', '), orderBy, tableDir);
  await connection.run(`DROP TABLE ${sorted}`);
  return { table: { table: USAGE_TABLE, rows, files: await listParquet(opts.outDir, tableDir) }, bad };
}

async function listParquet(outDir: string, tableDir: string): Promise<string[]> {
  const entries = await readdir(tableDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => relative(outDir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}
