/**
 * One measured run, in its own process so that peak memory (max RSS) belongs to it alone.
 * Usage: tsx scripts/bench-child.ts report|scan DATA_DIR weekly|monthly YYYY-MM-DD
 * Prints one JSON line: { ms, maxRssMb, queries? }.
 */
import { DuckDbEngine } from '../functions/engines/duckdb.js';
import { buildSnapshot, dtRangeOf } from '../functions/core/report.js';
import { periodContaining, type PeriodKind } from '../functions/core/period.js';

const [mode, dataDir, kind, date] = process.argv.slice(2);
if (!mode || !dataDir || !kind || !date) throw new Error('usage: bench-child report|scan DATA kind date');
const period = periodContaining(kind as PeriodKind, date, 'UTC');
const started = performance.now();
const engine = await DuckDbEngine.open({ dataDir });
let queries: number;
if (mode === 'report') {
  const snapshot = await buildSnapshot(engine, { period, currency: 'USD', now: new Date() });
  queries = snapshot.stats.queries;
} else {
  // The bare scan: what any report must at least do with the period's usage events.
  const { fromDt, toDt } = dtRangeOf(period);
  await engine.query({
    name: 'bare_scan',
    sql: 'SELECT count(*) AS events, count(DISTINCT user_id) AS users FROM src_usage_events WHERE dt BETWEEN ? AND ?',
    params: [
      { type: 'varchar', value: fromDt },
      { type: 'varchar', value: toDt },
    ],
  });
  queries = 1;
}
await engine.close();
const ms = Math.round(performance.now() - started);
console.log(JSON.stringify({ ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), queries }));
