/**
 * Which days of the usage rollups must be built or removed (docs/rollups.md): pure, from the
 * rollups' manifest and the fingerprints of the raw dt partitions.
 *
 * A rollup day is the rollup of one raw dt partition (the UTC date of the events). It is current
 * while the partition's fingerprint (its files with their sizes and modification times, or
 * content digests) is the one recorded when it was built, and the manifest was written by this
 * rollup version for the same data and time zone. Otherwise it is stale and rebuilt; a day whose
 * partition is gone is removed.
 */
import { addDays, periodContaining, type Period } from './period.js';
import { isCalendarDate } from './validators.js';

/**
 * Bumped whenever the usage rollup SQL or layout changes: every day is then rebuilt. 2: the
 * sessions rollup holds per-day summaries and boundary rows, and a day reads its neighbours.
 * 3: the data-quality counts carry the span of the good rows (`span_from`, `span_to`).
 */
export const ROLLUP_VERSION = 3;
/** The web rollups' version (as ROLLUP_VERSION). 2: the data-quality counts carry their span. */
export const WEB_ROLLUP_VERSION = 2;

/** The usage rollup tables, each a folder of `dt=` partitions. */
export const ROLLUP_TABLES = ['usage_user_days', 'usage_sessions', 'usage_quality'] as const;
/** The web rollup tables (docs/rollups.md, "Web rollups"). */
export const WEB_ROLLUP_TABLES = ['web_sessions', 'web_pages', 'web_quality'] as const;
/** The usage rollup tables. */
export type UsageRollupTable = (typeof ROLLUP_TABLES)[number];
export type WebRollupTable = (typeof WEB_ROLLUP_TABLES)[number];
export type RollupTable = UsageRollupTable | WebRollupTable;

/** What the engine names each rollup table in SQL (the query files read these names). */
export const ROLLUP_RELATIONS: Readonly<Record<RollupTable, string>> = {
  usage_user_days: 'usage_rollup_user_days',
  usage_sessions: 'usage_rollup_sessions',
  usage_quality: 'usage_rollup_quality',
  web_sessions: 'web_rollup_sessions',
  web_pages: 'web_rollup_pages',
  web_quality: 'web_rollup_quality',
};

/** The raw event tables that have rollups. */
export type RolledUpTable = 'usage_events' | 'web_events';

/**
 * One raw table's rollups: its tables, the manifest that records their days, and how many raw
 * partitions either side a day's rollup reads (a change to any of them makes the day stale).
 */
export interface RollupSet {
  readonly raw: RolledUpTable;
  /** File name of the manifest in the rollups' folder. */
  readonly manifest: string;
  readonly version: number;
  readonly tables: readonly RollupTable[];
  readonly marginDays: number;
}

/**
 * Every rolled-up table. The rollups of day d read the raw partitions d − 1 and d + 1 too (the
 * usage sessions rollup to tell the sessions of d alone from those that cross into a neighbour;
 * the web rollups to see a session whole across midnight), so day d is rebuilt when either
 * neighbour changes.
 */
export const ROLLUP_SETS: Readonly<Record<RolledUpTable, RollupSet>> = {
  usage_events: {
    raw: 'usage_events',
    manifest: 'manifest.json',
    version: ROLLUP_VERSION,
    tables: ROLLUP_TABLES,
    marginDays: 1,
  },
  web_events: {
    raw: 'web_events',
    manifest: 'web_events.manifest.json',
    version: WEB_ROLLUP_VERSION,
    tables: WEB_ROLLUP_TABLES,
    marginDays: 1,
  },
};

export interface RollupDay {
  /** Digest of the raw partition when the day was built. */
  readonly fingerprint: string;
  readonly builtAt: string;
}

export interface RollupManifest {
  readonly version: number;
  /** The deployment's time zone: the local days of the rollups are days of this zone. */
  readonly timezone: string;
  /** The input data the rollups were built from (QueryEngine.dataSource). */
  readonly dataSource: string;
  /** Per raw dt partition (YYYY-MM-DD), the day's rollup. */
  readonly days: Readonly<Record<string, RollupDay>>;
}

export interface RawPartition {
  readonly dt: string;
  readonly fingerprint: string;
  /** Size of its files: batches are bounded by what the engine reads at once. */
  readonly bytes?: number;
}

export interface RollupPlan {
  /** Raw partitions to roll up (missing or stale), ascending. */
  readonly build: readonly RawPartition[];
  /** Days whose raw partition is gone: their rollup is removed. */
  readonly remove: readonly string[];
  /** Days already current. */
  readonly current: number;
}

/** The manifest to build on: the stored one when it fits this data and zone, else an empty one. */
export function baseManifest(
  stored: RollupManifest | null,
  dataSource: string,
  timezone: string,
  version = ROLLUP_VERSION,
): RollupManifest {
  if (
    stored &&
    stored.version === version &&
    stored.dataSource === dataSource &&
    stored.timezone === timezone
  ) {
    return stored;
  }
  return { version, timezone, dataSource, days: {} };
}

/**
 * The fingerprint each day's rollup depends on, when it reads `marginDays` raw partitions
 * either side of its own: its own fingerprint and its neighbours' (`-` for a neighbour that is
 * absent), so that a change to a neighbour makes the day stale. With no margin, the partition's
 * own fingerprint.
 */
export function withNeighbours(partitions: readonly RawPartition[], marginDays: number): RawPartition[] {
  if (marginDays === 0) return [...partitions];
  const byDt = new Map(partitions.map((p) => [p.dt, p.fingerprint]));
  return partitions.map((p) => {
    const parts: string[] = [];
    for (let k = -marginDays; k <= marginDays; k += 1) {
      parts.push(k === 0 ? p.fingerprint : (byDt.get(shiftDay(p.dt, k)) ?? '-'));
    }
    return { ...p, fingerprint: parts.join('+') };
  });
}

/**
 * The days of [fromDt, toDt] to build or remove. `raw` lists every raw partition in the range
 * with its current fingerprint.
 */
export function planRollups(
  manifest: RollupManifest,
  raw: readonly RawPartition[],
  range: { readonly fromDt: string; readonly toDt: string },
): RollupPlan {
  const inRange = (dt: string): boolean => dt >= range.fromDt && dt <= range.toDt;
  const partitions = raw
    .filter((p) => inRange(p.dt))
    .sort((a, b) => (a.dt < b.dt ? -1 : a.dt > b.dt ? 1 : 0));
  const present = new Set(partitions.map((p) => p.dt));
  const build = partitions.filter((p) => manifest.days[p.dt]?.fingerprint !== p.fingerprint);
  const remove = Object.keys(manifest.days)
    .filter((dt) => inRange(dt) && !present.has(dt))
    .sort();
  return { build, remove, current: partitions.length - build.length };
}

/**
 * Consecutive runs of at most `maxDays` partitions and `maxBytes` of raw files (a partition
 * larger than that is a batch of its own), so that one batch reads one dt range of a size the
 * engine rolls up without spilling, and small days are rolled up many at a time.
 */
export function batches(
  partitions: readonly RawPartition[],
  maxDays: number,
  maxBytes = Number.POSITIVE_INFINITY,
): RawPartition[][] {
  const out: RawPartition[][] = [];
  let batch: RawPartition[] = [];
  let bytes = 0;
  for (const p of partitions) {
    const last = batch[batch.length - 1];
    const size = p.bytes ?? 0;
    if (
      batch.length >= maxDays ||
      (batch.length > 0 && bytes + size > maxBytes) ||
      (last !== undefined && nextDay(last.dt) !== p.dt)
    ) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(p);
    bytes += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function nextDay(day: string): string {
  return shiftDay(day, 1);
}

/** The manifest after building `built` and removing `removed`. */
export function updatedManifest(
  manifest: RollupManifest,
  built: readonly RawPartition[],
  removed: readonly string[],
  now: Date,
): RollupManifest {
  const days: Record<string, RollupDay> = { ...manifest.days };
  for (const dt of removed) delete days[dt];
  for (const p of built) days[p.dt] = { fingerprint: p.fingerprint, builtAt: now.toISOString() };
  const sorted = Object.fromEntries(Object.entries(days).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ...manifest, days: sorted };
}

/** A manifest read from disk, or null when it is not one (then every day is rebuilt). */
export function parseManifest(value: unknown): RollupManifest | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (typeof m.version !== 'number' || typeof m.timezone !== 'string' || typeof m.dataSource !== 'string') {
    return null;
  }
  if (typeof m.days !== 'object' || m.days === null) return null;
  const days: Record<string, RollupDay> = {};
  for (const [dt, day] of Object.entries(m.days as Record<string, unknown>)) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(dt) || typeof day !== 'object' || day === null) return null;
    const d = day as Record<string, unknown>;
    if (typeof d.fingerprint !== 'string' || typeof d.builtAt !== 'string') return null;
    days[dt] = { fingerprint: d.fingerprint, builtAt: d.builtAt };
  }
  return { version: m.version, timezone: m.timezone, dataSource: m.dataSource, days };
}

/** Months around a batch of days: the zone's UTC offsets over them give each event its local day. */
export function rollupCalendar(fromDt: string, toDt: string, timezone: string): Period[] {
  return [periodContaining('monthly', toDt, timezone), periodContaining('monthly', fromDt, timezone)];
}

/** One column of a rollup table: its name, its Glue type and what it holds. */
export interface RollupColumn {
  readonly name: string;
  readonly glueType: string;
  readonly comment: string;
}

const QUALITY_ROLLUP_COLUMNS: readonly RollupColumn[] = [
  { name: 'reason', glueType: 'string', comment: 'First broken rule; NULL for good rows' },
  { name: 'row_count', glueType: 'bigint', comment: 'Rows' },
  { name: 'distinct_keys', glueType: 'bigint', comment: 'Distinct event ids among good rows' },
  { name: 'latest', glueType: 'string', comment: 'Latest occurred_at, as text' },
  { name: 'example', glueType: 'string', comment: 'First offending row (file, line, field, problem, key)' },
  { name: 'span_from', glueType: 'string', comment: 'Good rows: earliest occurred_at, as text' },
  { name: 'span_to', glueType: 'string', comment: 'Good rows: latest occurred_at, as text' },
];

/** The page-view figures of a web rollup row (rollup_web_days.sql). */
const WEB_VIEW_COLUMNS: readonly RollupColumn[] = [
  { name: 'views', glueType: 'bigint', comment: 'Page views' },
  { name: 'timed_views', glueType: 'bigint', comment: 'Page views followed by a page view of the session' },
  { name: 'time_on_page_ms', glueType: 'bigint', comment: 'Milliseconds to the next page view, summed' },
  { name: 'exits', glueType: 'bigint', comment: 'Page views that were the last of their session' },
  { name: 'scrolled_views', glueType: 'bigint', comment: 'Page views with a scroll event' },
  { name: 'scroll_pct_sum', glueType: 'bigint', comment: 'Maximum scroll depth of each view, summed' },
];

/**
 * The columns of each rollup table as the rollup SQL emits them (rollup_usage_days.sql,
 * rollup_web_days.sql and the raw tables' data-quality queries), without the `dt` partition,
 * with their Glue types: the local adapter's Parquet files, the Athena UNLOADs and the Glue
 * tables all have exactly these.
 */
export const ROLLUP_COLUMNS: Readonly<Record<RollupTable, readonly RollupColumn[]>> = {
  usage_user_days: [
    { name: 'local_day', glueType: 'date', comment: 'Local day of the deployment time zone' },
    { name: 'account_id', glueType: 'string', comment: 'Account of the events' },
    { name: 'user_id', glueType: 'string', comment: 'User of the events' },
    { name: 'events', glueType: 'bigint', comment: 'Distinct event ids of the user that day' },
    { name: 'features', glueType: 'array<string>', comment: 'Distinct event names, sorted' },
  ],
  usage_sessions: [
    {
      name: 'local_day',
      glueType: 'date',
      comment: 'Local day (deployment time zone) of the first event of the sessions',
    },
    {
      name: 'session_id',
      glueType: 'string',
      comment: 'A session with events in a neighbour partition too; NULL on a summary row',
    },
    { name: 'sessions', glueType: 'bigint', comment: 'Summary row: sessions of this partition alone' },
    {
      name: 'session_ms',
      glueType: 'bigint',
      comment: 'Summary row: their lengths, whole milliseconds, summed',
    },
    {
      name: 'first_at',
      glueType: 'timestamp',
      comment: 'Session row: its first event in this partition (UTC)',
    },
    {
      name: 'last_at',
      glueType: 'timestamp',
      comment: 'Session row: its last event in this partition (UTC)',
    },
  ],
  usage_quality: QUALITY_ROLLUP_COLUMNS,
  web_sessions: [
    { name: 'local_day', glueType: 'date', comment: 'Local day of the deployment time zone' },
    { name: 'session_id', glueType: 'string', comment: 'The session' },
    { name: 'visitor_id', glueType: 'string', comment: 'The visitor' },
    { name: 'known', glueType: 'int', comment: '1 when some event of the session carries an account_id' },
    { name: 'impressions', glueType: 'bigint', comment: 'Impression events' },
    { name: 'clicks', glueType: 'bigint', comment: 'Click events' },
    { name: 'sessions', glueType: 'bigint', comment: "1 when the session's first event is in the row" },
    { name: 'bounces', glueType: 'bigint', comment: "1 when that event is the session's only one" },
    ...WEB_VIEW_COLUMNS,
    { name: 'first_at', glueType: 'timestamp', comment: 'First event of the session that day (UTC)' },
    { name: 'last_at', glueType: 'timestamp', comment: 'Last event of the session that day (UTC)' },
  ],
  web_pages: [
    { name: 'local_day', glueType: 'date', comment: 'Local day of the deployment time zone' },
    { name: 'page', glueType: 'string', comment: 'The page viewed' },
    ...WEB_VIEW_COLUMNS,
  ],
  web_quality: QUALITY_ROLLUP_COLUMNS,
};

/**
 * The values of a raw table's pass over the dt partitions [fromDt, toDt] (rollup_usage_days.sql,
 * rollup_web_days.sql): the partitions read (a day either side for the sessions), then those
 * kept, and for usage the user days' partitions.
 */
export function rollupPassValues(raw: RolledUpTable, fromDt: string, toDt: string): string[] {
  const around = [addDays(fromDt, -1), addDays(toDt, 1), fromDt, toDt];
  return raw === 'usage_events' ? [...around, fromDt, toDt] : around;
}

/**
 * Which rows of a day's pass (rollup_usage_days.sql, rollup_web_days.sql) each rollup table
 * keeps, written with its ROLLUP_COLUMNS by both adapters; null: the table is the raw table's
 * data-quality query, kept whole.
 */
export const ROLLUP_KEPT_ROWS: Readonly<Record<RollupTable, string | null>> = {
  usage_user_days: "part = 'user_day'",
  usage_sessions: "part = 'session'",
  usage_quality: null,
  web_sessions: "part = 'session'",
  web_pages: "part = 'page' AND page IS NOT NULL",
  web_quality: null,
};

/**
 * The order each rollup table's rows are written in, within a day, by both adapters. Rows of
 * one user (one visitor, one page) sit together, so Parquet's dictionary and run-length
 * encodings store their ids once per run: with ZSTD, a month of usage_user_days is 57 % smaller
 * than unsorted with Snappy (docs/benchmarks.md), and Athena bills the compressed bytes read.
 * Only the size depends on it: no query relies on the order.
 */
export const ROLLUP_ROW_ORDER: Readonly<Record<RollupTable, string>> = {
  usage_user_days: 'user_id, local_day',
  usage_sessions: 'local_day, session_id',
  usage_quality: 'reason',
  web_sessions: 'visitor_id, session_id, local_day',
  web_pages: 'page, local_day',
  web_quality: 'reason',
};

/** The Parquet compression of the rollup files, on both adapters (ZSTD: smaller than Snappy). */
export const ROLLUP_COMPRESSION = 'zstd';

/** One object of a raw table folder as an S3 listing gives it. */
export interface ListedObject {
  /** The key relative to the table's folder, e.g. `dt=2026-11-22/part-0.parquet`. */
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** A raw partition's objects in a canonical text, to be digested into its fingerprint. */
export interface ListedPartition {
  readonly dt: string;
  /** One line per object (key, size, ETag), sorted: equal texts mean unchanged files. */
  readonly fingerprintText: string;
  readonly bytes: number;
}

const DT_SEGMENT = /^dt=(\d{4}-\d{2}-\d{2})$/;

/**
 * Groups a listing of a raw event table's folder (usage_events, web_events) by `dt=` partition. Objects the query engine
 * does not read are left out, as Athena leaves them out of the table: folder markers, names
 * starting with `_` or `.`, and objects outside a `dt=YYYY-MM-DD/` folder (the Glue table's
 * partition projection only reads those folders).
 */
export function partitionsFromListing(objects: readonly ListedObject[]): ListedPartition[] {
  const byDt = new Map<string, { lines: string[]; bytes: number }>();
  for (const object of objects) {
    const segments = object.key.split('/');
    const name = segments[segments.length - 1] ?? '';
    if (name === '' || name.startsWith('_') || name.startsWith('.')) continue;
    const m = DT_SEGMENT.exec(segments[0] ?? '');
    if (!m || segments.length < 2 || !isCalendarDate(m[1] as string)) continue;
    if (segments.slice(1, -1).some((s) => s.startsWith('_') || s.startsWith('.'))) continue;
    const dt = m[1] as string;
    const entry = byDt.get(dt) ?? { lines: [], bytes: 0 };
    entry.lines.push(`${object.key}\t${object.size}\t${object.etag}`);
    entry.bytes += object.size;
    byDt.set(dt, entry);
  }
  return [...byDt.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dt, { lines, bytes }]) => ({ dt, fingerprintText: `${lines.sort().join('\n')}\n`, bytes }));
}

/** The days a run builds now and those it leaves to the next run. */
export interface RunSelection {
  readonly now: readonly RawPartition[];
  readonly later: readonly RawPartition[];
}

/**
 * The days one run of the rollup job builds: newest first (the days the next reports read), at
 * most `maxDays`; the rest wait for the next run.
 */
export function selectForRun(build: readonly RawPartition[], maxDays: number): RunSelection {
  const newestFirst = [...build].sort((a, b) => (a.dt < b.dt ? 1 : a.dt > b.dt ? -1 : 0));
  return { now: newestFirst.slice(0, maxDays), later: newestFirst.slice(maxDays) };
}

/**
 * Whether a report builds the missing and stale days of its window itself (at most `maxDays`,
 * a few queries each) or reads the raw events: the reason when it does not.
 */
export function reportBuildRefusal(plan: RollupPlan, maxDays: number): string | null {
  if (plan.build.length <= maxDays) return null;
  return (
    `${plan.build.length} days of the report's window are not rolled up or are stale ` +
    `(a report builds at most ${maxDays}; the daily rollup job builds the rest)`
  );
}

/** A rollup day as it goes into an S3 location: a real calendar date written YYYY-MM-DD, or an error. */
export function assertRollupDay(dt: string): string {
  if (!isCalendarDate(dt)) throw new Error(`"${dt}" is not a rollup day (YYYY-MM-DD)`);
  return dt;
}
