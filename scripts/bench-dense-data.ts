/**
 * `tsx scripts/bench-dense-data.ts SOURCE_DIR TARGET_DIR [COPIES]`: benchmark data with COPIES
 * (default 10) times the usage events of SOURCE_DIR on the same users and days. Every event of
 * SOURCE_DIR's `usage_events` is written COPIES times into its own dt partition: copy k keeps its
 * account, user, event name and session, its event id gains `~k` (copy 0 keeps its id, a missing
 * id stays missing) and its instant moves k milliseconds within its UTC day (back instead of
 * forward where forward would leave it). The other tables are copied as they are.
 *
 * The sample generator, at a fixed number of accounts, gives more events as more users active on
 * more days, so its user-day rows grow with the events (docs/benchmarks.md). This data keeps the
 * users × days of SOURCE_DIR and multiplies only the events: what the rollups' claim, that the
 * report's cost follows users × days and not events, is measured on. Dirty rows stay dirty (a
 * duplicated id is duplicated in each copy). Reruns skip the days already written.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [source, target, copiesText = '10'] = process.argv.slice(2);
if (!source || !target) throw new Error('usage: bench-dense-data SOURCE_DIR TARGET_DIR [COPIES]');
const copies = Number(copiesText);
if (!Number.isInteger(copies) || copies < 1 || copies > 100) throw new Error('COPIES must be 1–100');

const quoted = (path: string): string => `'${path.replace(/'/g, "''")}'`;

for (const entry of readdirSync(source, { withFileTypes: true })) {
  if (entry.name === 'usage_events') continue;
  const to = join(target, entry.name);
  if (!existsSync(to)) cpSync(join(source, entry.name), to, { recursive: true });
}

const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '8GB' });
const connection = await instance.connect();
const days = readdirSync(join(source, 'usage_events'))
  .filter((d) => /^dt=\d{4}-\d{2}-\d{2}$/.test(d))
  .sort();
const started = Date.now();
for (const day of days) {
  const out = join(target, 'usage_events', day);
  if (existsSync(join(out, 'part-0.parquet'))) continue;
  mkdirSync(out, { recursive: true });
  const files = readdirSync(join(source, 'usage_events', day))
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => quoted(join(source, 'usage_events', day, f)));
  const shifted = 'occurred_at + r.k * INTERVAL 1 MILLISECOND';
  await connection.run(`COPY (
    SELECT
      CASE WHEN r.k = 0 OR event_id IS NULL THEN event_id ELSE event_id || '~' || CAST(r.k AS VARCHAR) END AS event_id,
      CASE
        WHEN CAST(${shifted} AS DATE) = CAST(occurred_at AS DATE) THEN ${shifted}
        ELSE occurred_at - r.k * INTERVAL 1 MILLISECOND
      END AS occurred_at,
      account_id, user_id, event_name, session_id
    FROM read_parquet([${files.join(', ')}], hive_partitioning = false) AS e, range(${copies}) AS r(k)
  ) TO ${quoted(join(out, 'part-0.parquet.tmp'))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`);
  // A day is in place only once written whole: an interrupted run redoes it.
  renameSync(join(out, 'part-0.parquet.tmp'), join(out, 'part-0.parquet'));
}
connection.closeSync();
instance.closeSync();
console.log(`${days.length} days of ${copies}× usage events in ${target} (${Date.now() - started} ms)`);
