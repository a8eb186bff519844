/**
 * The usage and web rollups on AWS (docs/rollups.md#portability-and-aws): Parquet under
 * `s3://<rollup bucket>/<prefix>/<table>/dt=YYYY-MM-DD/`, written by Athena `UNLOAD`s of the very
 * SQL the local adapter runs, read through Glue tables with partition projection, and one
 * manifest per raw table (`<prefix>/manifest.json`, `<prefix>/web_events.manifest.json`:
 * ROLLUP_SETS) recording the deployment's zone and each day's raw-partition fingerprint (the
 * keys, sizes and ETags of its objects, from ListObjectsV2; a web day's includes its neighbour
 * days', whose events its rollup reads).
 *
 * A day is rebuilt by emptying its three `dt=` prefixes (UNLOAD refuses a location that holds
 * data, and a rerun must not add a second copy) and unloading the three rollup queries into
 * them; the manifest records the day only once all three succeeded. The same code serves the
 * daily job (sync) and the report (prepare), which builds the few missing or stale days of its
 * window itself.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  ROLLUP_COLUMNS,
  ROLLUP_KEPT_ROWS,
  ROLLUP_ROW_ORDER,
  ROLLUP_COMPRESSION,
  rollupPassValues,
  ROLLUP_SETS,
  assertRollupDay,
  baseManifest,
  parseManifest,
  partitionsFromListing,
  planRollups,
  reportBuildRefusal,
  rollupCalendar,
  selectForRun,
  updatedManifest,
  type ListedObject,
  type RawPartition,
  type RollupManifest,
  type RollupPlan,
  type RollupSet,
  type RollupTable,
  type RolledUpTable,
  withNeighbours,
} from '../../core/rollup-plan.js';
import { addDays } from '../../core/period.js';
import { isBucketName } from '../../core/validators.js';
import { composeQuery, dataQualityQuery, type ComposeContext } from '../../sql/compose.js';
import { longSessionsQuery, longSessionsReason } from './session-check.js';
import type { QueryRequest, QueryResult, QueryStats, TableSource } from '../../app/ports/query-engine.js';
import type { ObjectStore } from '../../app/ports/object-store.js';
import type {
  MaintainedUsageRollups,
  RollupReadiness,
  RollupRequest,
  RollupSyncRequest,
  RollupSyncResult,
} from '../../app/ports/usage-rollups.js';
import { S3Store } from '../stores/s3.js';

/** An S3 folder: a bucket and a key prefix without leading or trailing slashes ('' = the bucket). */
export interface S3Folder {
  readonly bucket: string;
  readonly prefix: string;
}

/** What runs the UNLOADs and the web check: the Athena engine (functions/adapters/engines/athena.ts). */
export interface RollupStatementRunner {
  readonly dataSource: string;
  sources(): Promise<readonly TableSource[]>;
  execute(request: QueryRequest): Promise<QueryStats>;
  query(request: QueryRequest): Promise<QueryResult>;
}

export interface RollupLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
}

export interface AthenaRollupOptions {
  readonly runner: RollupStatementRunner;
  readonly s3: S3Client;
  /** The raw usage_events table's folder (its Glue table's location). */
  readonly rawUsage: S3Folder;
  /**
   * The raw web_events table's folder: given, the web rollups are built and served too
   * (ROLLUP_SETS.web_events, beside the usage ones in the same rollup folder).
   */
  readonly rawWeb?: S3Folder;
  /** Where the rollup tables and the manifest live. */
  readonly rollups: S3Folder;
  /** The deployment's time zone: the rollups' local days are its days. */
  readonly timezone: string;
  /** At most this many days a report builds itself before it reads the raw events (default 7). */
  readonly maxReportDays?: number;
  readonly now?: () => Date;
  readonly logger?: RollupLogger;
}

/** The usage rollups' manifest in the rollup folder. */
export const MANIFEST_KEY = ROLLUP_SETS.usage_events.manifest;
/** The web rollups' manifest, beside it. */
export const WEB_MANIFEST_KEY = ROLLUP_SETS.web_events.manifest;
/** The days a report builds itself: a week of days is about 21 UNLOADs, well inside its timeout. */
export const MAX_REPORT_BUILD_DAYS = 7;
const UNLOAD_FORMAT = `WITH (format = 'PARQUET', compression = '${ROLLUP_COMPRESSION.toUpperCase()}')`;
/** Rollup prefixes are spliced into the UNLOAD's TO literal: plain segments, never a quote. */
const ROLLUP_PREFIX = /^[A-Za-z0-9_.=-]+(\/[A-Za-z0-9_.=-]+)*$/;
/** Raw prefixes are only listed: the plain S3 key characters the stack's configuration allows. */
const RAW_PREFIX = /^[A-Za-z0-9!_.'()=-]+(\/[A-Za-z0-9!_.'()=-]+)*$/;

/** `s3://bucket/prefix/` as a folder, or null when it is not a plain S3 folder URI. */
export function parseS3Folder(uri: string, strict = false): S3Folder | null {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri.trim());
  if (!m) return null;
  const bucket = m[1] ?? '';
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (!isBucketName(bucket)) return null;
  if (prefix !== '' && !(strict ? ROLLUP_PREFIX : RAW_PREFIX).test(prefix)) return null;
  return { bucket, prefix };
}

function keyIn(folder: S3Folder, rest: string): string {
  return folder.prefix === '' ? rest : `${folder.prefix}/${rest}`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** The SQL a day's rollup of one table is, as the Athena adapter sends it. */
export interface UnloadStatement extends QueryRequest {
  readonly table: RollupTable;
  /** The `dt=` prefix it writes into (the TO location), s3://…/<table>/dt=YYYY-MM-DD/. */
  readonly location: string;
}

/** The query file of each raw table's one pass over a batch of days (as local.ts runs it). */
const ROLLUP_QUERIES: Readonly<Record<RolledUpTable, string>> = {
  usage_events: 'rollup_usage_days',
  web_events: 'rollup_web_days',
};

/**
 * The values of a day's pass for the table it feeds: the local batch of that one day's
 * (rollupPassValues), except that the usage_user_days UNLOAD gives the session part the day
 * alone, so that it reads one raw day (those rows are not kept).
 */
function passValues(raw: RolledUpTable, table: RollupTable, day: string): string[] {
  const values = rollupPassValues(raw, day, day);
  return table === 'usage_user_days' ? values.map(() => day) : values;
}

/**
 * The three UNLOADs of one day of a raw table's rollups: the composed query files
 * (rollup_usage_days.sql or rollup_web_days.sql, and the table's data-quality query, the same
 * text DuckDB runs) inside an UNLOAD that keeps one kind of row and the table's columns, to the
 * day's prefix. A web day's pass reads the raw partitions d − 1 to d + 1 and keeps the rows of
 * d (its last two values), as the local batch of one day does; so does the session part of a
 * usage day's pass for usage_sessions, while the usage_user_days UNLOAD gives its session part
 * the day alone (those rows are not kept: it reads one raw day). The location comes only from
 * the validated folder, the fixed table name and the validated day; the values stay parameters.
 */
export function unloadStatements(
  dt: string,
  rollups: S3Folder,
  sources: readonly TableSource[],
  timezone: string,
  raw: RolledUpTable = 'usage_events',
): UnloadStatement[] {
  const day = assertRollupDay(dt);
  if (!isBucketName(rollups.bucket) || (rollups.prefix !== '' && !ROLLUP_PREFIX.test(rollups.prefix))) {
    throw new Error(`s3://${rollups.bucket}/${rollups.prefix} is not a rollup folder`);
  }
  const set = ROLLUP_SETS[raw];
  const first = addDays(day, -set.marginDays);
  const last = addDays(day, set.marginDays);
  const ctx: ComposeContext = { sources, currency: 'USD', periods: rollupCalendar(first, last, timezone) };
  const varchar = (value: string) => ({ type: 'varchar' as const, value });
  const pass = (table: RollupTable) =>
    composeQuery(ROLLUP_QUERIES[raw], passValues(raw, table, day).map(varchar), ctx);
  const quality = dataQualityQuery(raw, ctx, { fromDt: day, toDt: day }, { byPartition: true });
  if (quality === null) throw new Error(`${raw} is not configured`);
  const location = (table: RollupTable): string =>
    `s3://${rollups.bucket}/${keyIn(rollups, `${table}/dt=${day}/`)}`;
  const columns = (table: RollupTable): string => ROLLUP_COLUMNS[table].map((c) => c.name).join(', ');
  return set.tables.map((table): UnloadStatement => {
    const keep = ROLLUP_KEPT_ROWS[table];
    const inner = keep === null ? quality : pass(table);
    return {
      table,
      location: location(table),
      name: `rollup_${table}`,
      sql: [
        `UNLOAD (SELECT ${columns(table)} FROM (`,
        inner.sql,
        `) AS day_rows${keep === null ? '' : ` WHERE ${keep}`}`,
        // Each file Athena writes is in this order (the files are not, among themselves).
        `ORDER BY ${ROLLUP_ROW_ORDER[table]})`,
        `TO '${location(table)}'`,
        UNLOAD_FORMAT,
      ].join('\n'),
      params: inner.params,
    };
  });
}

/** One raw table's rollups on S3: its set (tables, manifest, margin) and its raw folder. */
interface AthenaRollupSet {
  readonly set: RollupSet;
  readonly raw: S3Folder;
  /** How messages name them: "usage" or "web". */
  readonly noun: string;
}

export class AthenaUsageRollups implements MaintainedUsageRollups {
  readonly #runner: RollupStatementRunner;
  readonly #s3: S3Client;
  readonly #sets: ReadonlyMap<RolledUpTable, AthenaRollupSet>;
  readonly #rollups: S3Folder;
  readonly #timezone: string;
  readonly #maxReportDays: number;
  readonly #now: () => Date;
  readonly #logger: RollupLogger | undefined;
  readonly #manifests: ObjectStore;
  readonly tables: readonly RolledUpTable[];

  constructor(options: AthenaRollupOptions) {
    const checkFolder = (folder: S3Folder, pattern: RegExp, what: string): void => {
      if (!isBucketName(folder.bucket) || (folder.prefix !== '' && !pattern.test(folder.prefix))) {
        throw new Error(`${what} s3://${folder.bucket}/${folder.prefix} is not a plain S3 folder`);
      }
    };
    checkFolder(options.rawUsage, RAW_PREFIX, 'the usage_events folder');
    if (options.rawWeb) checkFolder(options.rawWeb, RAW_PREFIX, 'the web_events folder');
    checkFolder(options.rollups, ROLLUP_PREFIX, 'the rollup folder');
    this.#runner = options.runner;
    this.#s3 = options.s3;
    const sets = new Map<RolledUpTable, AthenaRollupSet>([
      ['usage_events', { set: ROLLUP_SETS.usage_events, raw: options.rawUsage, noun: 'usage' }],
    ]);
    if (options.rawWeb)
      sets.set('web_events', { set: ROLLUP_SETS.web_events, raw: options.rawWeb, noun: 'web' });
    this.#sets = sets;
    this.tables = [...sets.keys()];
    this.#rollups = options.rollups;
    this.#timezone = options.timezone;
    this.#maxReportDays = options.maxReportDays ?? MAX_REPORT_BUILD_DAYS;
    this.#now = options.now ?? (() => new Date());
    this.#logger = options.logger;
    this.#manifests = new S3Store({
      client: options.s3,
      bucket: options.rollups.bucket,
      prefix: options.rollups.prefix,
    });
  }

  /** A table's stored manifest, or null (none yet, or not one: then every day is rebuilt). */
  async readManifest(table: RolledUpTable = 'usage_events'): Promise<RollupManifest | null> {
    const text = await this.#manifests.get(ROLLUP_SETS[table].manifest);
    if (text === null) return null;
    try {
      return parseManifest(JSON.parse(text));
    } catch {
      return null;
    }
  }

  async prepare(request: RollupRequest): Promise<RollupReadiness> {
    const table = request.table ?? 'usage_events';
    const rolled = this.#sets.get(table);
    if (rolled === undefined) {
      // The stack builds web rollups only where web_events is one of its tables (WEB_EVENTS_LOCATION).
      return { usable: false, reason: `no ${table} rollups are deployed` };
    }
    const { noun } = rolled;
    if (request.timezone !== this.#timezone) {
      return {
        usable: false,
        reason: `the ${noun} rollups are in ${this.#timezone}, the report in ${request.timezone}`,
      };
    }
    const range = { fromDt: request.fromDt, toDt: request.toDt };
    let plan: RollupPlan;
    try {
      plan = await this.#plan(rolled, range);
    } catch (error) {
      if (error instanceof RawListingError) throw error;
      return { usable: false, reason: `the ${noun} rollups cannot be read: ${firstLine(error)}` };
    }
    const refusal = reportBuildRefusal(plan, this.#maxReportDays);
    if (refusal !== null) return { usable: false, reason: refusal };
    const result = await this.#apply(rolled, plan, selectForRun(plan.build, this.#maxReportDays).now, []);
    if (result.failed !== null) {
      return {
        usable: false,
        reason: `the ${noun} rollups cannot be written: ${result.failed.dt}: ${result.failed.reason}`,
      };
    }
    let reason: string | null;
    try {
      const check = await this.#runner.query(
        longSessionsQuery(table, await this.#runner.sources(), range, this.#timezone),
      );
      reason = longSessionsReason(table, check.rows);
    } catch (error) {
      return { usable: false, reason: `the ${noun} rollups cannot be read: ${firstLine(error)}` };
    }
    if (reason !== null) return { usable: false, reason };
    return { usable: true, timezone: this.#timezone, built: result.built, removed: result.removed };
  }

  async sync(request: RollupSyncRequest): Promise<RollupSyncResult> {
    const table = request.table ?? 'usage_events';
    const rolled = this.#sets.get(table);
    if (rolled === undefined) throw new Error(`no ${table} rollups are deployed`);
    const range = { fromDt: request.fromDt ?? '0000-01-01', toDt: request.toDt ?? '9999-12-31' };
    const plan = await this.#plan(rolled, range);
    const selection = selectForRun(plan.build, request.maxDays ?? Number.POSITIVE_INFINITY);
    if (request.dryRun) {
      return {
        timezone: this.#timezone,
        built: selection.now.map((p) => p.dt),
        removed: plan.remove,
        pending: selection.later.map((p) => p.dt),
        current: plan.current,
        failed: null,
        bytesScanned: 0,
      };
    }
    const result = await this.#apply(rolled, plan, selection.now, selection.later, request.startNoDayAfter);
    return { ...result, current: plan.current };
  }

  /**
   * The manifest against the raw partitions of the range: what to build and remove. A set whose
   * day reads its neighbours lists them too, and a day's fingerprint includes theirs.
   */
  async #plan(rolled: AthenaRollupSet, range: { fromDt: string; toDt: string }): Promise<RollupPlan> {
    const margin = rolled.set.marginDays;
    const listed = await this.#rawPartitions(rolled, {
      fromDt: shiftWithin(range.fromDt, -margin),
      toDt: shiftWithin(range.toDt, margin),
    });
    const manifest = baseManifest(
      await this.readManifest(rolled.set.raw),
      this.#runner.dataSource,
      this.#timezone,
      rolled.set.version,
    );
    return planRollups(manifest, withNeighbours(listed, margin), range);
  }

  async #apply(
    rolled: AthenaRollupSet,
    plan: RollupPlan,
    build: readonly RawPartition[],
    later: readonly RawPartition[],
    startNoDayAfter?: Date,
  ): Promise<Omit<RollupSyncResult, 'current'>> {
    const built: string[] = [];
    const pending = later.map((p) => p.dt);
    let failed: RollupSyncResult['failed'] = null;
    let bytesScanned = 0;
    const sources = build.length > 0 ? await this.#runner.sources() : [];
    for (const [i, partition] of build.entries()) {
      if (startNoDayAfter !== undefined && this.#now() > startNoDayAfter) {
        pending.unshift(...build.slice(i).map((p) => p.dt));
        break;
      }
      try {
        bytesScanned += await this.#buildDay(rolled, partition.dt, sources);
        await this.#record(rolled.set, (m) => updatedManifest(m, [partition], [], this.#now()));
        built.push(partition.dt);
        this.#logger?.info(`${rolled.noun} rollup day built`, { dt: partition.dt });
      } catch (error) {
        failed = { dt: partition.dt, reason: firstLine(error) };
        this.#logger?.warn(`${rolled.noun} rollup day failed`, { dt: partition.dt, reason: failed.reason });
        pending.unshift(...build.slice(i + 1).map((p) => p.dt));
        break;
      }
    }
    const removed: string[] = [];
    if (failed === null) {
      for (const dt of plan.remove) {
        // Files first: a day the manifest still lists is retried, leftover files would be read.
        await Promise.all(rolled.set.tables.map((table) => this.#emptyPrefix(table, dt)));
        await this.#record(rolled.set, (m) => updatedManifest(m, [], [dt], this.#now()));
        removed.push(dt);
      }
    }
    return { timezone: this.#timezone, built, removed, pending, failed, bytesScanned };
  }

  /** Empties the day's three prefixes, then unloads its three rollups into them. */
  async #buildDay(rolled: AthenaRollupSet, dt: string, sources: readonly TableSource[]): Promise<number> {
    const raw = rolled.set.raw;
    const source = sources.find((s) => s.table === raw);
    if (!source || source.relation === null) throw new Error(`${raw} is not configured`);
    const statements = unloadStatements(dt, this.#rollups, sources, this.#timezone, raw);
    await Promise.all(rolled.set.tables.map((table) => this.#emptyPrefix(table, dt)));
    const outcomes = await Promise.allSettled(statements.map((s) => this.#runner.execute(s)));
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
    return outcomes.reduce((sum, o) => sum + (o.status === 'fulfilled' ? (o.value.bytesScanned ?? 0) : 0), 0);
  }

  /** Deletes every object under the day's prefix of one rollup table. */
  async #emptyPrefix(table: RollupTable, dt: string): Promise<void> {
    const prefix = keyIn(this.#rollups, `${table}/dt=${assertRollupDay(dt)}/`);
    for (;;) {
      const listing = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.#rollups.bucket, Prefix: prefix }),
      );
      const keys = (listing.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      if (keys.length === 0) return;
      const out = await this.#s3.send(
        new DeleteObjectsCommand({
          Bucket: this.#rollups.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const errors = out.Errors ?? [];
      if (errors.length > 0) {
        const e = errors[0];
        throw new Error(
          `could not empty s3://${this.#rollups.bucket}/${prefix}: ${e?.Key ?? ''} ${e?.Code ?? ''} ${e?.Message ?? ''}`.trim(),
        );
      }
      // Listed again until empty: a listing holds at most 1,000 keys, a delete at most 1,000.
    }
  }

  /** Applies a change to a set's stored manifest, conditionally, so a concurrent run's days are kept. */
  async #record(set: RollupSet, change: (manifest: RollupManifest) => RollupManifest): Promise<void> {
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const stored = await this.#manifests.getVersioned(set.manifest);
      let parsed: RollupManifest | null = null;
      if (stored !== null) {
        try {
          parsed = parseManifest(JSON.parse(stored.body));
        } catch {
          parsed = null;
        }
      }
      const next = change(baseManifest(parsed, this.#runner.dataSource, this.#timezone, set.version));
      const body = `${JSON.stringify(next, null, 2)}\n`;
      const written =
        stored === null
          ? await this.#manifests.putIfAbsent(set.manifest, body, 'application/json')
          : await this.#manifests.putIfVersion(set.manifest, body, 'application/json', stored.version);
      if (written !== null) return;
    }
    throw new Error('the rollup manifest kept changing under concurrent writers');
  }

  /** The raw partitions of a set's raw table in the range, with fingerprints from their listing. */
  async #rawPartitions(
    rolled: AthenaRollupSet,
    range: { fromDt: string; toDt: string },
  ): Promise<RawPartition[]> {
    const rawFolder = rolled.raw;
    const folder = rawFolder.prefix === '' ? '' : `${rawFolder.prefix}/`;
    const objects: ListedObject[] = [];
    // Keys are listed in UTF-8 order, which for dt=YYYY-MM-DD is date order: start at the range.
    const startAfter = range.fromDt > '0000-01-01' ? `${folder}dt=${range.fromDt}` : undefined;
    const endAfter = `${folder}dt=${range.toDt}/\uffff`;
    let token: string | undefined;
    let done = false;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.#s3.send(
          new ListObjectsV2Command({
            Bucket: rawFolder.bucket,
            Prefix: folder,
            ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
          }),
        );
      } catch (error) {
        throw new RawListingError(
          `the ${rolled.set.raw} files in s3://${rawFolder.bucket}/${folder} cannot be listed: ${firstLine(error)}`,
        );
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        if (o.Key > endAfter) {
          done = true;
          break;
        }
        objects.push({ key: o.Key.slice(folder.length), etag: o.ETag ?? '', size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token && !done);
    return partitionsFromListing(objects)
      .filter((p) => p.dt >= range.fromDt && p.dt <= range.toDt)
      .map((p) => ({
        dt: p.dt,
        fingerprint: createHash('sha256').update(p.fingerprintText).digest('hex').slice(0, 32),
        bytes: p.bytes,
      }));
  }
}

/** The raw event files cannot be listed: the report cannot know which days are current. */
export class RawListingError extends Error {
  override readonly name = 'RawListingError';
}

/** `day` moved by `days`, except the open ends of an unbounded range. */
function shiftWithin(day: string, days: number): string {
  return day <= '0001-01-01' || day >= '9999-01-01' ? day : addDays(day, days);
}
