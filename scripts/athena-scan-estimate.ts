/**
 * `tsx scripts/athena-scan-estimate.ts DATA_DIR ROLLUP_DIR`: what a report and the daily rollup
 * job (usage, and web where the data has web_events) would scan on Athena, estimated from the Parquet metadata of the local data: the
 * compressed size of the column chunks each query reads, in the partitions it reads (Athena
 * reads only those of a Parquet table with partition projection). The weekly and monthly
 * reports with trend points 2–11 stored, raw events against rollups; the small tables count
 * every column, once per read: Trino inlines a WITH query at every reference, so a table a query
 * names twice, directly or through the shared relations, is read twice (tableReadsBy). The web
 * section's queries (a few kB at the bench scales, billed 10 MB each) are left out.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { dtRangeOf } from '../functions/app/report.js';
import { addDays, periodContaining, type PeriodKind } from '../functions/core/period.js';
import { reportCalendar } from '../functions/app/context.js';
import { activityDays, trendDays } from '../functions/core/kpis/engagement.js';
import { STORED_FROM_INDEX } from '../functions/app/trend-history.js';
import { tableReadsBy } from '../functions/sql/compose.js';

const [dataDir, rollupDir] = process.argv.slice(2);
if (!dataDir || !rollupDir) throw new Error('usage: athena-scan-estimate DATA_DIR ROLLUP_DIR');

/** Compressed bytes per (dt or '' for unpartitioned) and column, of one table folder. */
type Sizes = Map<string, Map<string, number>>;

function parquetFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...parquetFiles(p));
    else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out;
}

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();

async function sizesOf(dir: string): Promise<Sizes> {
  const sizes: Sizes = new Map();
  let files: string[];
  try {
    files = parquetFiles(dir);
  } catch {
    return sizes;
  }
  for (let i = 0; i < files.length; i += 200) {
    const chunk = files.slice(i, i + 200);
    const list = chunk.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
    const result = await connection.runAndReadAll(
      `SELECT file_name, path_in_schema, sum(total_compressed_size) AS bytes
       FROM parquet_metadata([${list}]) GROUP BY file_name, path_in_schema`,
    );
    for (const row of result.getRowObjectsJson()) {
      const file = String(row.file_name);
      const dt =
        /(?:^|[\\/])dt=(\d{4}-\d{2}-\d{2})[\\/]/.exec(relative(dir, file).split(sep).join('/') + '/')?.[1] ??
        '';
      // A list column's leaf is `features, list, element`: count it as `features`.
      const column = String(row.path_in_schema).split(',')[0]?.trim() ?? '';
      const perDt = sizes.get(dt) ?? new Map<string, number>();
      perDt.set(column, (perDt.get(column) ?? 0) + Number(row.bytes));
      sizes.set(dt, perDt);
    }
  }
  return sizes;
}

function scanned(
  sizes: Sizes,
  columns: readonly string[] | 'all',
  range?: { fromDt: string; toDt: string },
): number {
  let bytes = 0;
  for (const [dt, perColumn] of sizes) {
    if (range && (dt < range.fromDt || dt > range.toDt)) continue;
    for (const [column, b] of perColumn) if (columns === 'all' || columns.includes(column)) bytes += b;
  }
  return bytes;
}

const SMALL_QUERIES = [
  'fx_reporting_coverage',
  'revenue_summary',
  'revenue_breakdown',
  'revenue_accounts',
  'revenue_conversions',
  'revenue_renewals',
  'onboarding_times',
  'health_accounts',
  'voice_scores',
  'voice_comments',
  'support_tickets',
  'billing_invoices',
  'billing_retention_cost',
];

const usage = await sizesOf(join(dataDir, 'usage_events'));
const userDays = await sizesOf(join(rollupDir, 'usage_user_days'));
const sessions = await sizesOf(join(rollupDir, 'usage_sessions'));
const quality = await sizesOf(join(rollupDir, 'usage_quality'));
const small = new Map<string, number>();
for (const e of readdirSync(dataDir, { withFileTypes: true })) {
  if (!e.isDirectory() || e.name === 'usage_events' || e.name === 'web_events') continue;
  small.set(e.name, scanned(await sizesOf(join(dataDir, e.name)), 'all'));
}
/** What a query scans of the small tables: every column of each, once per read. */
const smallRead = (query: string): number =>
  [...tableReadsBy(query)].reduce(
    (sum, [table, reads]) => sum + (table === 'usage_events' ? 0 : reads * (small.get(table) ?? 0)),
    0,
  );
const smallScans = SMALL_QUERIES.map(smallRead);
const smallBytes = smallScans.reduce((a, b) => a + b, 0);
// The small tables' data-quality counts read each once more, all in one query
// (data_quality_small_tables).
const smallQuality = [...small.values()].reduce((a, b) => a + b, 0);
/** Athena bills each query at least 10 MB, rounded up to the MB. */
const billed = (bytes: number): number => Math.max(10e6, Math.ceil(bytes / 1e6) * 1e6);
const smallBilled = smallScans.reduce((sum, b) => sum + billed(b), 0) + billed(smallQuality);
const smallQueries = smallScans.length + 1;

const mb = (b: number): string => (b / 1e6).toFixed(1);
const CLEAN = ['event_id', 'occurred_at', 'account_id', 'user_id', 'event_name'];
console.log(
  '| period | usage queries, raw events (MB) | usage queries, rollups (MB) | small tables (MB) | report raw (MB) | report with rollups (MB) | share | billed raw (MB, queries) | billed with rollups (MB, queries) | billed share |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [kind, date] of [
  ['weekly', '2026-11-18'],
  ['monthly', '2026-10-15'],
] as const) {
  const period = periodContaining(kind as PeriodKind, date, 'UTC');
  const periods = reportCalendar(period, STORED_FROM_INDEX + 1);
  const t = trendDays(periods);
  const a = activityDays(periods);
  const trendRange = { fromDt: addDays(t.from, -1), toDt: addDays(t.to, 1) };
  const activityRange = { fromDt: addDays(a.from, -1), toDt: addDays(a.to, 1) };
  const dq = dtRangeOf(period);
  // The long-session check reads the boundary rows of every partition the report prepares.
  const prepared = {
    fromDt: [trendRange.fromDt, activityRange.fromDt, dq.fromDt].sort()[0] ?? dq.fromDt,
    toDt: [trendRange.toDt, activityRange.toDt, dq.toDt].sort()[2] ?? dq.toDt,
  };
  // One entry per query: usage_trend, usage_activity, the data-quality counts (and, on the
  // rollups, the long-session check).
  const rawScans = [
    scanned(usage, CLEAN, trendRange),
    scanned(usage, [...CLEAN, 'session_id'], activityRange) + smallRead('usage_activity'),
    scanned(usage, 'all', dq),
  ];
  const rolledScans = [
    scanned(userDays, ['local_day', 'user_id', 'events'], trendRange),
    // usage_activity_keys_rollup.sql names the user days four times, and Trino reads a WITH
    // query once per reference: the (account, day) and (account, user) keys; the features
    // OR-ed per user and account; the distinct feature lists twice (the features' numbering,
    // and each list's mask).
    smallRead('usage_activity') +
      scanned(userDays, ['local_day', 'account_id', 'user_id'], activityRange) +
      scanned(userDays, ['local_day', 'account_id', 'user_id', 'features'], activityRange) +
      2 * scanned(userDays, ['local_day', 'features'], activityRange) +
      scanned(
        sessions,
        ['local_day', 'session_id', 'sessions', 'session_ms', 'first_at', 'last_at'],
        activityRange,
      ),
    scanned(sessions, ['session_id', 'first_at', 'last_at'], prepared),
    scanned(quality, 'all', dq),
  ];
  const raw = rawScans.reduce((x, y) => x + y, 0);
  const rolled = rolledScans.reduce((x, y) => x + y, 0);
  const fixed = smallBytes + smallQuality;
  const rawBilled = rawScans.reduce((sum, b) => sum + billed(b), 0) + smallBilled;
  const rolledBilled = rolledScans.reduce((sum, b) => sum + billed(b), 0) + smallBilled;
  console.log(
    `| ${kind} | ${mb(raw)} | ${mb(rolled)} | ${mb(fixed)} | ${mb(raw + fixed)} | ${mb(rolled + fixed)} | ${(((rolled + fixed) / (raw + fixed)) * 100).toFixed(1)} % | ` +
      `${mb(rawBilled)} (${rawScans.length + smallQueries}) | ${mb(rolledBilled)} (${rolledScans.length + smallQueries}) | ${((rolledBilled / rawBilled) * 100).toFixed(1)} % |`,
  );
}
// The daily job on Athena (functions/adapters/rollups/athena.ts): three UNLOADs per day, each
// reading every column (the contract rules read them all): user days and data-quality counts
// the raw day, sessions the raw days d − 1, d and d + 1 (to tell the sessions of d alone from
// those that cross into a neighbour); Athena bills each query at least 10 MB.
const days = [...usage.keys()].sort();
const lastDay = days[days.length - 1] ?? '';
const dayRead = (dt: string): number => scanned(usage, 'all', { fromDt: dt, toDt: dt });
const aroundRead = (dt: string): number =>
  scanned(usage, 'all', { fromDt: addDays(dt, -1), toDt: addDays(dt, 1) });
const usageDayScan = (dt: string): number => 2 * dayRead(dt) + aroundRead(dt);
const usageDayBilled = (dt: string): number => 2 * billed(dayRead(dt)) + billed(aroundRead(dt));
// The day before the last: a whole day with both neighbours (the newest has no day after it yet).
const jobDay = days[days.length - 2] ?? lastDay;
console.log(
  `\nDaily rollup job (${jobDay}): the raw day is ${(dayRead(jobDay) / 1e6).toFixed(2)} MB, the three days ` +
    `the sessions UNLOAD reads ${(aroundRead(jobDay) / 1e6).toFixed(2)} MB; its 3 UNLOADs scan ` +
    `${(usageDayScan(jobDay) / 1e6).toFixed(2)} MB, billed ${(usageDayBilled(jobDay) / 1e6).toFixed(0)} MB`,
);
// The last complete month of the data: the month before the last day's.
const backfillMonth = addDays(`${lastDay.slice(0, 7)}-01`, -1).slice(0, 7);
const monthDays = days.filter((dt) => dt.slice(0, 7) === backfillMonth);
const monthRead = monthDays.reduce((sum, dt) => sum + usageDayScan(dt), 0);
const monthBilled = monthDays.reduce((sum, dt) => sum + usageDayBilled(dt), 0);
console.log(
  `Backfill of ${backfillMonth} (${monthDays.length} days): ${(monthRead / 1e6).toFixed(2)} MB scanned, ` +
    `billed ${(monthBilled / 1e6).toFixed(0)} MB`,
);

// The web rollups' job (ROLLUP_SETS.web_events): three UNLOADs per day as well, but web_sessions
// and web_pages each run rollup_web_days.sql, which reads the raw web partitions d − 1, d and
// d + 1 (a session across midnight is seen whole), and web_quality reads day d alone; every
// column (the contract rules read them all).
const web = await sizesOf(join(dataDir, 'web_events'));
const webDays = [...web.keys()].sort();
if (webDays.length >= 3) {
  const webRead = (dt: string): number => scanned(web, 'all', { fromDt: dt, toDt: dt });
  const around = (dt: string): number =>
    scanned(web, 'all', { fromDt: addDays(dt, -1), toDt: addDays(dt, 1) });
  const webDayScan = (dt: string): number => 2 * around(dt) + webRead(dt);
  const webDayBilled = (dt: string): number => 2 * billed(around(dt)) + billed(webRead(dt));
  // The day before the last: a whole day with both neighbours (the newest has no day after it yet).
  const webDay = webDays[webDays.length - 2] ?? '';
  console.log(
    `\nDaily web rollup job (${webDay}): the raw web day is ${(webRead(webDay) / 1e6).toFixed(2)} MB, ` +
      `the three days its pass reads ${(around(webDay) / 1e6).toFixed(2)} MB; its 3 UNLOADs scan ` +
      `${(webDayScan(webDay) / 1e6).toFixed(2)} MB, billed ${(webDayBilled(webDay) / 1e6).toFixed(0)} MB`,
  );
  const webMonth = webDays.filter((dt) => dt.slice(0, 7) === backfillMonth);
  console.log(
    `Web backfill of ${backfillMonth} (${webMonth.length} days): ` +
      `${(webMonth.reduce((sum, dt) => sum + webDayScan(dt), 0) / 1e6).toFixed(2)} MB scanned, ` +
      `billed ${(webMonth.reduce((sum, dt) => sum + webDayBilled(dt), 0) / 1e6).toFixed(0)} MB`,
  );
}
connection.closeSync();
instance.closeSync();
