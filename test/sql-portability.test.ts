/**
 * Every SQL text the report runs must be portable: parsed by a Trino grammar (Athena engine v3)
 * and executed by DuckDB. The report runs over generated sample data through a recording engine,
 * so the check covers the composed text exactly as an engine receives it. A third report reads
 * usage rollups (docs/rollups.md) it builds first, so the rollup queries are covered too; the
 * local adapter's own statements that write and name the Parquet files are DuckDB's (on Athena
 * the job UNLOADs the same rollup queries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildReport, buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import { generateSampleData } from '../functions/sample/generate.js';
import { sqlDir } from '../functions/sql/compose.js';
import { DEFAULT_EXCLUSION_THRESHOLDS } from '../functions/core/exclusion-share.js';
import { RecordingEngine } from './helpers/recording-engine.js';
import { LocalUsageRollups } from '../functions/adapters/rollups/local.js';
import type { QueryRequest, QueryStats } from '../functions/app/ports/query-engine.js';

/** Records what it keeps too, and gives the data folder: what the local rollups need. */
class RecordingRollupEngine extends RecordingEngine {
  constructor(private readonly duck: DuckDbEngine) {
    super(duck);
  }
  get dataFolder(): string {
    return this.duck.dataFolder;
  }
  async materialize(request: QueryRequest): Promise<{ relation: string; stats: QueryStats }> {
    this.requests.push(request);
    return this.duck.materialize(request);
  }
  release(relation: string): Promise<void> {
    return this.duck.release(relation);
  }
}

/** The local rollup adapter's DuckDB statements (COPY to Parquet, views over the files, drops). */
const LOCAL_ONLY = /^(rollup_write|rollup_attach|release_)/;

const dir = mkdtempSync(join(tmpdir(), 'sql-portability-'));
let plainEngine: RecordingEngine;
let rollupEngine: RecordingRollupEngine;
const engine = {
  get requests(): QueryRequest[] {
    return [...plainEngine.requests, ...rollupEngine.requests].filter((r) => !LOCAL_ONLY.test(r.name));
  },
};

beforeAll(async () => {
  await generateSampleData({
    outDir: dir,
    seed: 7,
    endDate: '2026-11-22',
    months: 14,
    accounts: 120,
    usageEvents: 40_000,
  });
  plainEngine = new RecordingEngine(await DuckDbEngine.open({ dataDir: dir }));
  const now = new Date('2026-11-23T08:00:00Z');
  await buildReport(plainEngine, {
    period: periodFromKey('2026-W47', 'Europe/Warsaw'),
    currency: 'USD',
    now,
    // Every CLI and Lambda run has the run guards (they read the data-quality counts).
    guards: { allowEmpty: false, thresholds: DEFAULT_EXCLUSION_THRESHOLDS },
    // The CSM books' queries run with the report when CSM digests are on.
    csm: { domains: ['example.com'] },
  });
  await buildSnapshot(plainEngine, { period: periodFromKey('2026-10', 'UTC'), currency: 'EUR', now });
  rollupEngine = new RecordingRollupEngine(await DuckDbEngine.open({ dataDir: dir }));
  const usageRollups = new LocalUsageRollups({
    engine: rollupEngine,
    rollupDir: join(dir, 'rollups'),
    timezone: 'Europe/Warsaw',
  });
  const rolled = await buildSnapshot(rollupEngine, {
    period: periodFromKey('2026-W47', 'Europe/Warsaw'),
    currency: 'USD',
    now,
    usageRollups,
  });
  expect(rolled.stats.usage?.source).toBe('rollups');
});

afterAll(async () => {
  await plainEngine?.close();
  await rollupEngine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const queryFiles = readdirSync(sqlDir())
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.slice(0, -4));
const relationFiles = readdirSync(join(sqlDir(), 'relations'))
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.slice(0, -4));

describe('SQL portability', () => {
  it('runs every query file and every shared relation at least once', () => {
    const names = new Set(engine.requests.map((r) => r.name));
    for (const file of queryFiles) expect(names, `query ${file}.sql was never run`).toContain(file);
    for (const rel of relationFiles) {
      const used = engine.requests.some((r) => r.sql.includes(`${rel} AS (`));
      expect(used, `relation ${rel}.sql was never used`).toBe(true);
    }
  });

  it('parses every composed query with the Trino grammar', () => {
    const parser = new TrinoSQL();
    const failures = engine.requests
      .map((r) => ({ name: r.name, errors: parser.validate(r.sql) }))
      .filter((f) => f.errors.length > 0)
      .map((f) => `${f.name}: ${f.errors.map((e) => `${e.message} (line ${e.startLine})`).join('; ')}`);
    expect(failures).toEqual([]);
  });

  it('binds every ? placeholder to exactly one typed parameter', () => {
    for (const r of engine.requests) {
      const code = r.sql
        .replace(/--[^\n]*/g, ' ')
        .replace(/\/\*[\s\S]*?\*\//g, ' ')
        .replace(/'(?:[^']|'')*'/g, "''");
      const placeholders = (code.match(/\?/g) ?? []).length;
      expect(placeholders, r.name).toBe(r.params.length);
    }
  });

  it.each(queryFiles.concat(relationFiles.map((r) => `relations/${r}`)))(
    '%s.sql avoids DuckDB-only and Trino-only spellings',
    (name) => {
      const text = readFileSync(join(sqlDir(), `${name}.sql`), 'utf8')
        .replace(/--[^\n]*/g, '')
        .replace(/'(?:[^']|'')*'/g, "''");
      const forbidden: [RegExp, string][] = [
        [/::/, 'cast with ::'],
        [/\bstrftime\s*\(|\bdate_format\s*\(/i, 'date formatting (format in TypeScript)'],
        [/\bepoch\s*\(/i, 'epoch() (use to_unixtime)'],
        [/\bqualify\b/i, 'QUALIFY'],
        [/\/\//, 'integer division //'],
        [/\bapprox_\w+\s*\(/i, 'approximate aggregates'],
        [/\bdate_add\s*\(/i, 'date_add (use d - INTERVAL)'],
        [/\bilike\b/i, 'ILIKE'],
        [/\blist_\w+\s*\(|\bstruct_\w+\s*\(/i, 'DuckDB nested-type functions'],
        [/\bbit_(or|and|xor)\s*\(/i, 'DuckDB bit aggregates (use bitwise_or_agg)'],
        [/&|\|(?!\|)(?<!\|\|)/, 'a bitwise operator (use bitwise_and)'],
        [/\bAT\s+TIME\s+ZONE\b/i, 'time-zone conversion in SQL (use the calendar relations)'],
        [/;\s*\S/, 'more than one statement'],
      ];
      for (const [re, what] of forbidden) expect(re.test(text), `${name}.sql uses ${what}`).toBe(false);
    },
  );
});
