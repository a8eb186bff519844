/**
 * What the daily alert run would scan on Athena, per rule set: `npm run bench:alerts`.
 *
 * Runs the month-to-date alert snapshot on DuckDB over generated Parquet data (seed 42, 2,000
 * accounts, about 1M usage events, ending 2026-11-22, reused from bench-data/1m), with the
 * engine seen as Athena sees it (no kept clean tables: every query reads its tables itself).
 * For each query it adds up the Parquet bytes of the tables it reads (for usage_events, only
 * the `dt` partitions its parameters select), an upper bound of Athena's scan (Athena reads
 * only the columns it needs), and the bill: each query at least 10 MB, rounded up to a MB.
 * Prints a Markdown table for docs/benchmarks.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSampleData } from '../functions/sample/generate.js';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import type {
  QueryEngine,
  QueryRequest,
  QueryResult,
  TableSource,
} from '../functions/app/ports/query-engine.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodToDate } from '../functions/app/alerts.js';
import { parseAlertRules, kpisWatched } from '../functions/core/alert-rules.js';
import { groupsFor, tablesFor } from '../functions/app/alert-scope.js';
import { periodFromKey } from '../functions/core/period.js';
import { ATHENA_MIN_BILLED_BYTES } from '../functions/adapters/engines/athena-cost.js';
import { TABLE_NAMES, type TableName } from '../functions/contract/contract.js';

const END_DATE = '2026-11-22';
const dir = resolve('bench-data', '1m');

if (!existsSync(join(dir, 'manifest.json'))) {
  console.error(`generating 1m into ${dir} …`);
  await generateSampleData({
    outDir: dir,
    seed: 42,
    endDate: END_DATE,
    accounts: 2_000,
    usageEvents: 1_000_000,
  });
}
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { endDate?: string };
if (manifest.endDate !== END_DATE)
  throw new Error(`bench-data/1m ends ${manifest.endDate}, expected ${END_DATE}`);

function filesUnder(path: string): { path: string; bytes: number }[] {
  if (!existsSync(path)) return [];
  return readdirSync(path).flatMap((name) => {
    const p = join(path, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [{ path: p, bytes: statSync(p).size }];
  });
}

/** Bytes a query over `table` reads; usage_events only within [fromDt, toDt]. */
function tableBytes(table: TableName, fromDt: string | null, toDt: string | null): number {
  return filesUnder(join(dir, table))
    .filter((f) => {
      if (table !== 'usage_events' || fromDt === null || toDt === null) return true;
      const dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(f.path)?.[1];
      return dt === undefined || (dt >= fromDt && dt <= toDt);
    })
    .reduce((sum, f) => sum + f.bytes, 0);
}

/** The engine as Athena sees it: no kept tables, and a record of what each query reads. */
class ScanEstimate implements QueryEngine {
  readonly kind = 'duckdb' as const;
  readonly perQuery: { name: string; bytes: number }[] = [];
  #sources: readonly TableSource[] = [];
  constructor(private readonly inner: QueryEngine) {}
  get dataSource(): string {
    return this.inner.dataSource;
  }
  async sources(): Promise<readonly TableSource[]> {
    this.#sources = await this.inner.sources();
    return this.#sources;
  }
  async query(request: QueryRequest): Promise<QueryResult> {
    const days = request.params
      .map((p) => String(p.value))
      .filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v))
      .sort();
    let bytes = 0;
    for (const table of TABLE_NAMES) {
      const relation = this.#sources.find((s) => s.table === table)?.relation;
      if (relation && request.sql.includes(relation)) {
        bytes += tableBytes(table, days[0] ?? null, days[days.length - 1] ?? null);
      }
    }
    this.perQuery.push({ name: request.name, bytes });
    return this.inner.query(request);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const RULE_SETS: [string, unknown[] | null][] = [
  ['NPS below 20', [{ kpi: 'nps', below: 20 }]],
  ['MRR down 5 %', [{ kpi: 'mrr', changeBelowPct: -5 }]],
  ['churn ≥ 1,000', [{ account: 'churn', mrrAtLeast: 1000 }]],
  ['accounts at risk above 25', [{ kpi: 'accounts_at_risk', above: 25 }]],
  [
    'all five of the issue',
    [
      { kpi: 'nps', below: 20 },
      { kpi: 'mrr', changeBelowPct: -5 },
      { kpi: 'accounts_at_risk', above: 25 },
      { account: 'churn', mrrAtLeast: 1000 },
      { account: 'healthDrop', points: 20 },
    ],
  ],
  ['(every KPI, as an unscoped run would)', null],
];

const now = new Date('2026-11-19T06:00:00Z');
const period = periodToDate('monthly', now, 'UTC');
const base = await DuckDbEngine.open({ dataDir: dir });
const previous = await buildSnapshot(base, { period: periodFromKey('2026-10'), currency: 'USD', now });
console.log(
  `| rules | groups | tables read | queries | bytes read (MB) | billed (MB) | est. cost (USD, $5/TB) |`,
);
console.log(`|---|---|---|---|---|---|---|`);
for (const [name, raw] of RULE_SETS) {
  const engine = new ScanEstimate(base);
  const groups = raw === null ? undefined : groupsFor(kpisWatched(parseAlertRules(raw)));
  const readTables = groups === undefined ? undefined : tablesFor(groups);
  await buildSnapshot(engine, {
    period,
    currency: 'USD',
    now,
    previous,
    ...(groups ? { groups } : {}),
    ...(readTables ? { readTables } : {}),
  });
  const read = engine.perQuery.reduce((s, q) => s + q.bytes, 0);
  const billed = engine.perQuery.reduce(
    (s, q) => s + Math.max(ATHENA_MIN_BILLED_BYTES, Math.ceil(q.bytes / 1e6) * 1e6),
    0,
  );
  console.log(
    `| ${name} | ${groups?.map((g) => g.name).join(', ') ?? 'all'} | ${readTables?.join(', ') ?? 'all'} | ${engine.perQuery.length} | ${(read / 1e6).toFixed(1)} | ${(billed / 1e6).toFixed(0)} | ${((billed / 1e12) * 5).toFixed(5)} |`,
  );
}
await base.close();
