/**
 * The usage and web rollups on the embedded engine (docs/rollups.md): Parquet files in a local
 * folder, `ROLLUPS/<table>/dt=YYYY-MM-DD/*.parquet`, with one manifest per rolled-up raw table
 * (`ROLLUPS/manifest.json` for usage_events, `ROLLUPS/web_events.manifest.json` for web_events:
 * ROLLUP_SETS) recording the zone, the data and each day's raw-partition fingerprint.
 *
 * A batch of consecutive raw partitions is rolled up by one query (rollup_usage_days.sql or
 * rollup_web_days.sql) whose rows the engine keeps, and by the raw table's data-quality query of
 * each day; each day is written to a staging folder and moved into place before the manifest
 * records it, so that an interrupted run leaves no day half written.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import {
  ROLLUP_RELATIONS,
  ROLLUP_COLUMNS,
  ROLLUP_KEPT_ROWS,
  ROLLUP_ROW_ORDER,
  ROLLUP_COMPRESSION,
  ROLLUP_SETS,
  rollupPassValues,
  baseManifest,
  batches,
  parseManifest,
  planRollups,
  rollupCalendar,
  updatedManifest,
  withNeighbours,
  type RawPartition,
  type RolledUpTable,
  type RollupManifest,
  type RollupSet,
  type RollupTable,
} from '../../core/rollup-plan.js';
import { composeQuery, dataQualityQuery, type ComposeContext } from '../../sql/compose.js';
import { longSessionsQuery, longSessionsReason } from './session-check.js';
import { addDays } from '../../core/period.js';
import type { QueryEngine, TableSource } from '../../app/ports/query-engine.js';
import type { RollupReadiness, RollupRequest, UsageRollups } from '../../app/ports/usage-rollups.js';

/** The usage rollups' manifest (each set's is ROLLUP_SETS[raw].manifest). */
export const MANIFEST_NAME = ROLLUP_SETS.usage_events.manifest;
const DT_FOLDER = /^dt=(\d{4}-\d{2}-\d{2})$/;
const DATA_FILE = /\.(parquet|json|jsonl|ndjson|csv)$/i;
/**
 * What one query rolls up: at most 92 days and 12 MB of raw files. 12 MB is about a week at 50M
 * events a year and a half (~1.4M events), which the engine rolls up within its memory limit; a
 * month of them (~6M events) spills and takes 4× as long. Small data goes a quarter at a time.
 */
const BATCH_DAYS = 92;
const BATCH_BYTES = 12_000_000;

export interface LocalRollupOptions {
  readonly engine: QueryEngine;
  /** The rollups' folder (created when missing). */
  readonly rollupDir: string;
  /** The zone new rollups are built in (a folder that has rollups keeps its own). */
  readonly timezone: string;
  readonly now?: () => Date;
  readonly batchDays?: number;
  readonly batchBytes?: number;
}

/** DuckDB's type for each Glue type of ROLLUP_COLUMNS. */
const DUCKDB_TYPES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  'array<string>': 'VARCHAR[]',
};

/** An empty relation with a rollup table's columns (ROLLUP_COLUMNS), for a folder without files yet. */
function emptyRollup(table: RollupTable): string {
  const columns = ROLLUP_COLUMNS[table].map((c) => {
    const type = DUCKDB_TYPES[c.glueType];
    if (type === undefined) throw new Error(`no DuckDB type for ${c.glueType}`);
    return `CAST(NULL AS ${type}) AS ${c.name}`;
  });
  return `SELECT CAST(NULL AS VARCHAR) AS dt, ${columns.join(', ')} WHERE 1 = 0`;
}

/** The rows of a batch's kept pass a rollup table gets (ROLLUP_KEPT_ROWS), with its columns. */
function keptRowsOf(table: RollupTable, kept: string): string | null {
  const filter = ROLLUP_KEPT_ROWS[table];
  if (filter === null) return null;
  return `SELECT dt, ${ROLLUP_COLUMNS[table].map((c) => c.name).join(', ')} FROM ${kept} WHERE ${filter} ORDER BY dt, ${ROLLUP_ROW_ORDER[table]}`;
}

/**
 * How a batch of one raw table's days is rolled up: the query whose rows the engine keeps (its
 * values rollupPassValues of the batch's first and last dt; each rollup table gets its ROLLUP_KEPT_ROWS of
 * them), and the table whose data-quality counts of each day are kept.
 */
interface RollupBuild {
  readonly query: string;
  readonly quality: RollupTable;
}

const ROLLUP_BUILDS: Readonly<Record<RolledUpTable, RollupBuild>> = {
  usage_events: {
    query: 'rollup_usage_days',
    quality: 'usage_quality',
  },
  web_events: {
    query: 'rollup_web_days',
    quality: 'web_quality',
  },
};

/** A SQL string literal for a local path (the adapter's only spliced text, as in duckdb.ts). */
function pathLiteral(path: string): string {
  if ([...path].some((ch) => ch.charCodeAt(0) < 0x20))
    throw new Error(`path has control characters: ${path}`);
  return `'${path.replace(/'/g, "''")}'`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** Data files under `dir`, skipping hidden and `_` entries as the engine does. */
function dataFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...dataFiles(path));
    else if (entry.isFile() && DATA_FILE.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** The raw partitions of a table with their fingerprints, or why there are none to roll up. */
export function rawPartitions(
  dataDir: string,
  table: RolledUpTable = 'usage_events',
  /** Only the dt folders of these days are read (default: all). */
  within?: { readonly fromDt: string; readonly toDt: string },
): { partitions: RawPartition[] } | { reason: string } {
  const tableDir = join(dataDir, table);
  if (!existsSync(tableDir)) return { reason: `no ${table} folder` };
  const files: string[] = [];
  for (const entry of readdirSync(tableDir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const day = DT_FOLDER.exec(entry.name)?.[1];
    if (entry.isDirectory() && day !== undefined && within && (day < within.fromDt || day > within.toDt))
      continue;
    const path = join(tableDir, entry.name);
    if (entry.isDirectory()) files.push(...dataFiles(path));
    else if (entry.isFile() && DATA_FILE.test(entry.name)) files.push(path);
  }
  files.sort();
  const byDt = new Map<string, string[]>();
  for (const file of files) {
    const first = relative(tableDir, file).split(sep)[0] ?? '';
    const m = DT_FOLDER.exec(first);
    // Rows outside dt= folders have no partition to roll up into: only the raw events are exact.
    if (!m) return { reason: `${table} is not partitioned in dt= folders (${relative(dataDir, file)})` };
    const day = m[1] as string;
    byDt.set(day, [...(byDt.get(day) ?? []), file]);
  }
  const partitions = [...byDt.entries()].map(([dt, dayFiles]) => {
    const hash = createHash('sha256');
    let bytes = 0;
    for (const file of dayFiles) {
      const s = statSync(file);
      bytes += s.size;
      hash.update(`${relative(tableDir, file).split(sep).join('/')}\t${s.size}\t${s.mtimeMs}\n`);
    }
    return { dt, fingerprint: hash.digest('hex').slice(0, 32), bytes };
  });
  partitions.sort((a, b) => (a.dt < b.dt ? -1 : 1));
  return { partitions };
}

export class LocalUsageRollups implements UsageRollups {
  private readonly engine: QueryEngine;
  private readonly dir: string;
  private readonly timezone: string;
  private readonly now: () => Date;
  private readonly batchDays: number;
  private readonly batchBytes: number;

  constructor(options: LocalRollupOptions) {
    this.engine = options.engine;
    this.dir = resolve(options.rollupDir);
    this.timezone = options.timezone;
    this.now = options.now ?? (() => new Date());
    this.batchDays = options.batchDays ?? BATCH_DAYS;
    this.batchBytes = options.batchBytes ?? BATCH_BYTES;
  }

  /** A table's manifest on disk, or null (none yet, or unreadable: then every day is rebuilt). */
  readManifest(table: RolledUpTable = 'usage_events'): RollupManifest | null {
    try {
      return parseManifest(JSON.parse(readFileSync(join(this.dir, ROLLUP_SETS[table].manifest), 'utf8')));
    } catch {
      return null;
    }
  }

  /** The zone of the rollups in the folder (any table's), or the one new rollups are built in. */
  zone(): string {
    for (const table of Object.keys(ROLLUP_SETS) as RolledUpTable[]) {
      const zone = this.readManifest(table)?.timezone;
      if (zone !== undefined) return zone;
    }
    return this.timezone;
  }

  async prepare(request: RollupRequest): Promise<RollupReadiness> {
    const table = request.table ?? 'usage_events';
    const noun = table === 'usage_events' ? 'usage' : 'web';
    const zone = this.zone();
    if (zone !== request.timezone) {
      return {
        usable: false,
        reason: `the ${noun} rollups are in ${zone}, the report in ${request.timezone}`,
      };
    }
    const range = { fromDt: request.fromDt, toDt: request.toDt };
    const ready = await this.sync(range, table);
    if (!ready.usable) return ready;
    const result = await this.engine.query(
      longSessionsQuery(table, await this.engine.sources(), range, this.zone()),
    );
    const reason = longSessionsReason(table, result.rows);
    return reason === null ? ready : { usable: false, reason };
  }

  /** Brings the rollups of a table's raw partitions in the range (default: all) up to date. */
  async sync(
    range: { fromDt: string; toDt: string } = { fromDt: '0000-01-01', toDt: '9999-12-31' },
    table: RolledUpTable = 'usage_events',
  ): Promise<RollupReadiness> {
    const set = ROLLUP_SETS[table];
    const noun = table === 'usage_events' ? 'usage' : 'web';
    const dataDir = this.engine.dataFolder;
    if (this.engine.kind !== 'duckdb' || !this.engine.materialize || dataDir === undefined) {
      return { usable: false, reason: `local ${noun} rollups need the embedded engine` };
    }
    // The days of the range and those their rollups read beside them.
    const raw = rawPartitions(dataDir, table, {
      fromDt: shiftWithin(range.fromDt, -set.marginDays),
      toDt: shiftWithin(range.toDt, set.marginDays),
    });
    if ('reason' in raw) return { usable: false, reason: raw.reason };
    const zone = this.zone();
    let manifest = baseManifest(this.readManifest(table), this.engine.dataSource, zone, set.version);
    // A day is current while its own partition and those its rollup reads beside it are unchanged.
    const plan = planRollups(manifest, withNeighbours(raw.partitions, set.marginDays), range);
    const sources = await this.engine.sources();
    const source = sources.find((s) => s.table === table);
    if (!source || source.relation === null) return { usable: false, reason: `no ${table} table` };
    const staging = join(this.dir, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      try {
        mkdirSync(this.dir, { recursive: true });
        if (plan.build.length > 0 || plan.remove.length > 0) mkdirSync(staging, { recursive: true });
      } catch (error) {
        return {
          usable: false,
          reason: `the ${noun} rollups cannot be written in ${this.dir}: ${firstLine(error)}`,
        };
      }
      for (const batch of batches(plan.build, this.batchDays, this.batchBytes)) {
        const written = await this.buildBatch(set, batch, sources, zone, staging);
        if (written !== null)
          return { usable: false, reason: `the ${noun} rollups cannot be written: ${written}` };
        manifest = updatedManifest(manifest, batch, [], this.now());
        this.writeManifest(set, manifest);
      }
      if (plan.remove.length > 0) {
        for (const dt of plan.remove) {
          for (const rollup of set.tables)
            rmSync(join(this.dir, rollup, `dt=${dt}`), { recursive: true, force: true });
        }
        manifest = updatedManifest(manifest, [], plan.remove, this.now());
        this.writeManifest(set, manifest);
      } else if (plan.build.length === 0 && !existsSync(join(this.dir, set.manifest))) {
        this.writeManifest(set, manifest);
      }
    } catch (error) {
      if (isWriteError(error)) {
        return {
          usable: false,
          reason: `the ${noun} rollups cannot be written in ${this.dir}: ${firstLine(error)}`,
        };
      }
      throw error;
    } finally {
      try {
        rmSync(staging, { recursive: true, force: true });
      } catch {
        // Nothing was staged where nothing can be written.
      }
    }
    await this.attachViews(set, range);
    return { usable: true, timezone: zone, built: plan.build.map((p) => p.dt), removed: plan.remove };
  }

  /** Rolls up one batch of consecutive partitions; the reason when it could not be written. */
  private async buildBatch(
    set: RollupSet,
    batch: readonly RawPartition[],
    sources: readonly TableSource[],
    zone: string,
    staging: string,
  ): Promise<string | null> {
    const engine = this.engine;
    const materialize = engine.materialize?.bind(engine);
    if (!materialize) return 'the engine cannot keep a table';
    const build = ROLLUP_BUILDS[set.raw];
    const fromDt = (batch[0] as RawPartition).dt;
    const toDt = (batch[batch.length - 1] as RawPartition).dt;
    const kept: string[] = [];
    try {
      const ctx: ComposeContext = {
        sources,
        currency: 'USD',
        periods: rollupCalendar(addDays(fromDt, -set.marginDays), addDays(toDt, set.marginDays), zone),
      };
      const written = Object.fromEntries(set.tables.map((t) => [t, join(staging, t)])) as Record<
        RollupTable,
        string
      >;
      // Every rollup table but the quality counts from one pass over the batch's events, kept,
      // then written apart.
      const params = rollupPassValues(set.raw, fromDt, toDt).map((value) => ({
        type: 'varchar' as const,
        value,
      }));
      const days = await materialize(composeQuery(build.query, params, ctx));
      kept.push(days.relation);
      for (const rollup of set.tables) {
        const select = keptRowsOf(rollup, days.relation);
        if (select !== null) await this.copy(select, written[rollup]);
      }
      // The data-quality counts of each day of the batch, in one statement.
      const dq = dataQualityQuery(set.raw, ctx, { fromDt, toDt }, { byPartition: true });
      if (dq !== null) {
        const counts = await materialize({ ...dq, name: `rollup_${set.raw.replace('_events', '')}_quality` });
        kept.push(counts.relation);
        await this.copy(
          `SELECT * FROM ${counts.relation} ORDER BY dt, ${ROLLUP_ROW_ORDER[build.quality]}`,
          written[build.quality],
        );
      }
      // Each day into place: the old day goes, the new one (if it has rows) takes its place.
      try {
        for (const { dt } of batch) {
          for (const rollup of set.tables) {
            const target = join(this.dir, rollup, `dt=${dt}`);
            rmSync(target, { recursive: true, force: true });
            const source = join(written[rollup], `dt=${dt}`);
            if (existsSync(source)) {
              mkdirSync(join(this.dir, rollup), { recursive: true });
              renameSync(source, target);
            }
          }
        }
      } catch (error) {
        return firstLine(error);
      }
      return null;
    } finally {
      for (const relation of kept) await engine.release?.(relation);
    }
  }

  /** Writes the rows of a kept relation as Parquet, one `dt=` folder per day. */
  private async copy(select: string, folder: string): Promise<void> {
    await this.engine.query({
      name: 'rollup_write',
      sql: `COPY (${select}) TO ${pathLiteral(folder)} (FORMAT parquet, PARTITION_BY (dt), COMPRESSION ${ROLLUP_COMPRESSION})`,
      params: [],
    });
  }

  private writeManifest(set: RollupSet, manifest: RollupManifest): void {
    const path = join(this.dir, set.manifest);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(temp, path);
  }

  /**
   * Names a set's rollup folders in SQL (ROLLUP_RELATIONS), for the report's queries: the relations over the days of `range` only, the files by name, not a glob. DuckDB
   * lists and binds every file a view names each time a query names it (about 15 ms a
   * reference at 550 days); a report asks for the days its queries read (report.ts
   * prepareRollups), and the view is made again after every sync.
   */
  private async attachViews(set: RollupSet, range: { fromDt: string; toDt: string }): Promise<void> {
    for (const table of set.tables) {
      const folder = join(this.dir, table);
      const files = existsSync(folder)
        ? readdirSync(folder)
            .filter((name) => {
              const day = DT_FOLDER.exec(name)?.[1];
              return day !== undefined && day >= range.fromDt && day <= range.toDt;
            })
            .flatMap((name) =>
              readdirSync(join(folder, name))
                .filter((file) => file.endsWith('.parquet'))
                .map((file) => join(folder, name, file)),
            )
            .sort()
        : [];
      const from =
        files.length > 0
          ? `SELECT * FROM read_parquet([${files.map(pathLiteral).join(', ')}], hive_partitioning = true, hive_types = {'dt': VARCHAR})`
          : emptyRollup(table);
      await this.engine.query({
        name: 'rollup_attach',
        sql: `CREATE OR REPLACE VIEW ${ROLLUP_RELATIONS[table]} AS ${from}`,
        params: [],
      });
    }
  }
}

/** The same adapter by a name that fits both tables. */
export { LocalUsageRollups as LocalRollups };

/** `day` moved by `days`, except the open ends of an unbounded range. */
function shiftWithin(day: string, days: number): string {
  return day <= '0001-01-01' || day >= '9999-01-01' ? day : addDays(day, days);
}

/** A failure to write the rollups' files (not of reading the input). */
function isWriteError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(EACCES|EPERM|ENOTDIR|EROFS|ENOSPC|EEXIST|EISDIR)$/.test(code);
}
