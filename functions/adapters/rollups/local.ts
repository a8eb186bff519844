/**
 * The usage rollups on the embedded engine (docs/rollups.md): Parquet files in a local folder,
 * `ROLLUPS/<table>/dt=YYYY-MM-DD/*.parquet`, with `ROLLUPS/manifest.json` recording the zone,
 * the data and each day's raw-partition fingerprint.
 *
 * A batch of consecutive raw partitions is read once into a temporary table; the rollup queries
 * (functions/sql/rollup_usage_*.sql, and the usage_events data-quality query of each day) read
 * that table, and each day is written to a staging folder and moved into place before the
 * manifest records it, so that an interrupted run leaves no day half written.
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
  ROLLUP_TABLES,
  baseManifest,
  batches,
  parseManifest,
  planRollups,
  rollupCalendar,
  updatedManifest,
  type RawPartition,
  type RollupManifest,
  type RollupTable,
} from '../../core/rollup-plan.js';
import { composeQuery, dataQualityQuery, type ComposeContext } from '../../sql/compose.js';
import type { QueryEngine, TableSource } from '../../app/ports/query-engine.js';
import type { RollupReadiness, RollupRequest, UsageRollups } from '../../app/ports/usage-rollups.js';

export const MANIFEST_NAME = 'manifest.json';
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

/** Empty relations with each rollup table's columns, for a folder without files yet. */
const EMPTY_COLUMNS: Readonly<Record<RollupTable, string>> = {
  usage_user_days:
    'CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS DATE) AS local_day, CAST(NULL AS VARCHAR) AS account_id, ' +
    'CAST(NULL AS VARCHAR) AS user_id, CAST(NULL AS BIGINT) AS events, CAST(NULL AS VARCHAR[]) AS features',
  usage_sessions:
    'CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS DATE) AS local_day, CAST(NULL AS VARCHAR) AS session_id, ' +
    'CAST(NULL AS TIMESTAMP) AS first_at, CAST(NULL AS TIMESTAMP) AS last_at',
  usage_quality:
    'CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS row_count, ' +
    'CAST(NULL AS BIGINT) AS distinct_keys, CAST(NULL AS VARCHAR) AS latest, CAST(NULL AS VARCHAR) AS example',
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

/** The raw partitions of usage_events with their fingerprints, or why there are none to roll up. */
export function rawPartitions(dataDir: string): { partitions: RawPartition[] } | { reason: string } {
  const tableDir = join(dataDir, 'usage_events');
  if (!existsSync(tableDir)) return { reason: 'no usage_events folder' };
  const files = dataFiles(tableDir);
  const byDt = new Map<string, string[]>();
  for (const file of files) {
    const first = relative(tableDir, file).split(sep)[0] ?? '';
    const m = DT_FOLDER.exec(first);
    // Rows outside dt= folders have no partition to roll up into: only the raw events are exact.
    if (!m) return { reason: `usage_events is not partitioned in dt= folders (${relative(dataDir, file)})` };
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

  /** The manifest on disk, or null (none yet, or unreadable: then every day is rebuilt). */
  readManifest(): RollupManifest | null {
    try {
      return parseManifest(JSON.parse(readFileSync(join(this.dir, MANIFEST_NAME), 'utf8')));
    } catch {
      return null;
    }
  }

  /** The zone of the rollups in the folder, or the one new rollups are built in. */
  zone(): string {
    return this.readManifest()?.timezone ?? this.timezone;
  }

  async prepare(request: RollupRequest): Promise<RollupReadiness> {
    const zone = this.zone();
    if (zone !== request.timezone) {
      return {
        usable: false,
        reason: `the usage rollups are in ${zone}, the report in ${request.timezone}`,
      };
    }
    return this.sync({ fromDt: request.fromDt, toDt: request.toDt });
  }

  /** Brings the rollups of the raw partitions in the range (default: all) up to date. */
  async sync(
    range: { fromDt: string; toDt: string } = { fromDt: '0000-01-01', toDt: '9999-12-31' },
  ): Promise<RollupReadiness> {
    const dataDir = this.engine.dataFolder;
    if (this.engine.kind !== 'duckdb' || !this.engine.materialize || dataDir === undefined) {
      return { usable: false, reason: 'local usage rollups need the embedded engine' };
    }
    const raw = rawPartitions(dataDir);
    if ('reason' in raw) return { usable: false, reason: raw.reason };
    const zone = this.zone();
    let manifest = baseManifest(this.readManifest(), this.engine.dataSource, zone);
    const plan = planRollups(manifest, raw.partitions, range);
    const sources = await this.engine.sources();
    const usage = sources.find((s) => s.table === 'usage_events');
    if (!usage || usage.relation === null) return { usable: false, reason: 'no usage_events table' };
    const staging = join(this.dir, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      try {
        mkdirSync(this.dir, { recursive: true });
        if (plan.build.length > 0 || plan.remove.length > 0) mkdirSync(staging, { recursive: true });
      } catch (error) {
        return {
          usable: false,
          reason: `the usage rollups cannot be written in ${this.dir}: ${firstLine(error)}`,
        };
      }
      for (const batch of batches(plan.build, this.batchDays, this.batchBytes)) {
        const written = await this.buildBatch(batch, sources, zone, staging);
        if (written !== null)
          return { usable: false, reason: `the usage rollups cannot be written: ${written}` };
        manifest = updatedManifest(manifest, batch, [], this.now());
        this.writeManifest(manifest);
      }
      if (plan.remove.length > 0) {
        for (const dt of plan.remove) {
          for (const table of ROLLUP_TABLES)
            rmSync(join(this.dir, table, `dt=${dt}`), { recursive: true, force: true });
        }
        manifest = updatedManifest(manifest, [], plan.remove, this.now());
        this.writeManifest(manifest);
      } else if (plan.build.length === 0 && !existsSync(join(this.dir, MANIFEST_NAME))) {
        this.writeManifest(manifest);
      }
    } catch (error) {
      if (isWriteError(error)) {
        return {
          usable: false,
          reason: `the usage rollups cannot be written in ${this.dir}: ${firstLine(error)}`,
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
    await this.attachViews();
    return { usable: true, timezone: zone, built: plan.build.map((p) => p.dt), removed: plan.remove };
  }

  /** Rolls up one batch of consecutive partitions; the reason when it could not be written. */
  private async buildBatch(
    batch: readonly RawPartition[],
    sources: readonly TableSource[],
    zone: string,
    staging: string,
  ): Promise<string | null> {
    const engine = this.engine;
    const materialize = engine.materialize?.bind(engine);
    if (!materialize) return 'the engine cannot keep a table';
    const fromDt = (batch[0] as RawPartition).dt;
    const toDt = (batch[batch.length - 1] as RawPartition).dt;
    const range = [
      { type: 'varchar' as const, value: fromDt },
      { type: 'varchar' as const, value: toDt },
    ];
    const kept: string[] = [];
    try {
      const ctx: ComposeContext = {
        sources,
        currency: 'USD',
        periods: rollupCalendar(fromDt, toDt, zone),
      };
      const written: Record<RollupTable, string> = {
        usage_user_days: join(staging, 'usage_user_days'),
        usage_sessions: join(staging, 'usage_sessions'),
        usage_quality: join(staging, 'usage_quality'),
      };
      // User days and sessions in one pass over the batch's events, kept, then written apart.
      const days = await materialize(composeQuery('rollup_usage_days', range, ctx));
      kept.push(days.relation);
      await this.copy(
        `SELECT dt, local_day, account_id, user_id, events, features FROM ${days.relation} WHERE part = 'user_day'`,
        written.usage_user_days,
      );
      await this.copy(
        `SELECT dt, local_day, session_id, first_at, last_at FROM ${days.relation} WHERE part = 'session' AND session_id IS NOT NULL`,
        written.usage_sessions,
      );
      // The data-quality counts of each day of the batch, in one statement.
      const dq = dataQualityQuery('usage_events', ctx, { fromDt, toDt }, { byPartition: true });
      if (dq !== null) {
        const counts = await materialize({ ...dq, name: 'rollup_usage_quality' });
        kept.push(counts.relation);
        await this.copy(`SELECT * FROM ${counts.relation}`, written.usage_quality);
      }
      // Each day into place: the old day goes, the new one (if it has rows) takes its place.
      try {
        for (const { dt } of batch) {
          for (const table of ROLLUP_TABLES) {
            const target = join(this.dir, table, `dt=${dt}`);
            rmSync(target, { recursive: true, force: true });
            const source = join(written[table], `dt=${dt}`);
            if (existsSync(source)) {
              mkdirSync(join(this.dir, table), { recursive: true });
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
      sql: `COPY (${select}) TO ${pathLiteral(folder)} (FORMAT parquet, PARTITION_BY (dt))`,
      params: [],
    });
  }

  private writeManifest(manifest: RollupManifest): void {
    const path = join(this.dir, MANIFEST_NAME);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(temp, path);
  }

  /** Names the rollup folders in SQL (ROLLUP_RELATIONS), for the report's queries. */
  private async attachViews(): Promise<void> {
    for (const table of ROLLUP_TABLES) {
      const folder = join(this.dir, table);
      const hasFiles = existsSync(folder) && dataFiles(folder).length > 0;
      const from = hasFiles
        ? `SELECT * FROM read_parquet(${pathLiteral(join(folder, '*', '*.parquet'))}, hive_partitioning = true, hive_types = {'dt': VARCHAR})`
        : `SELECT ${EMPTY_COLUMNS[table]} WHERE 1 = 0`;
      await this.engine.query({
        name: 'rollup_attach',
        sql: `CREATE OR REPLACE VIEW ${ROLLUP_RELATIONS[table]} AS ${from}`,
        params: [],
      });
    }
  }
}

/** A failure to write the rollups' files (not of reading the input). */
function isWriteError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(EACCES|EPERM|ENOTDIR|EROFS|ENOSPC|EEXIST|EISDIR)$/.test(code);
}
