/**
 * One measured run with usage rollups (docs/rollups.md), in its own process for its peak memory.
 * Usage: tsx scripts/bench-rollups-child.ts MODE DATA_DIR ROLLUP_DIR ARG1 ARG2 [FILE]
 *   report   ARG1 weekly|monthly, ARG2 YYYY-MM-DD, FILE the previous period's stored snapshot:
 *            the report reading the rollups (which must be current: the run fails if it built any)
 *   previous ARG1, ARG2 as `report`: writes the previous period's snapshot (all trend points
 *            computed, from the rollups) to FILE, for a scale too large to compute it from raw events
 *   update   ARG1 … ARG2 (dt partitions): drops those days from the rollups (not timed), then times
 *            opening the engine and rolling them up again, as the daily job or a backfill does
 *   scan     ARG1 … ARG2: the bare scan of those dt partitions (count(*), count(DISTINCT user_id))
 *   scanall  ARG1 … ARG2: the bare scan, reading every column a rollup reads as well (the least any
 *            rollup of those days must read), from one day before ARG1 to one after ARG2 as the
 *            sessions rollup does
 *   web      ARG1 weekly|monthly, ARG2 YYYY-MM-DD, FILE `stored` (periods 0 and 1) or `full` (all
 *            12): the web section's queries reading the web rollups, including the step that
 *            checks them current (which must find them so) and the check for long sessions
 *   webupdate ARG1 … ARG2: as `update`, for the web rollups (the days either side are read too)
 *   webbuild  rolls up every day of web_events into an empty ROLLUP_DIR (the whole dataset)
 *   webscan  ARG1 … ARG2: the bare scan of those web_events partitions (count(DISTINCT visitor_id))
 * Prints one JSON line: { ms, maxRssMb, queries }.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { DEFAULT_EXCLUSION_THRESHOLDS } from '../functions/core/exclusion-share.js';
import { periodContaining, previousPeriod, type PeriodKind } from '../functions/core/period.js';
import { isSnapshotLike } from '../functions/app/trend-history.js';
import { LocalUsageRollups, MANIFEST_NAME } from '../functions/adapters/rollups/local.js';
import {
  parseManifest,
  ROLLUP_SETS,
  ROLLUP_TABLES,
  type RolledUpTable,
} from '../functions/core/rollup-plan.js';
import { createKpiContext } from '../functions/app/context.js';
import { webDtRange, webGroup } from '../functions/core/kpis/web.js';
import { reportCalendar } from '../functions/app/context.js';
import { STORED_FROM_INDEX } from '../functions/app/trend-history.js';
import { addDays } from '../functions/core/period.js';

/** The run guards of every CLI and Lambda run: the bench measures what a user runs. */
const guards = { allowEmpty: false, thresholds: DEFAULT_EXCLUSION_THRESHOLDS };

const [mode, dataDir, rollupDir, arg1, arg2, file] = process.argv.slice(2);
if (!mode || !dataDir || !rollupDir || !arg1 || !arg2) {
  throw new Error('usage: bench-rollups-child MODE DATA ROLLUPS ARG1 ARG2 [FILE]');
}
const varchar = (value: string) => ({ type: 'varchar' as const, value });

if (mode === 'update' || mode === 'webupdate') {
  // Not timed: the days are taken out of the rollups as if they had never been built.
  const raw: RolledUpTable = mode === 'update' ? 'usage_events' : 'web_events';
  const set = ROLLUP_SETS[raw];
  const manifestPath = join(rollupDir, raw === 'usage_events' ? MANIFEST_NAME : set.manifest);
  const manifest = parseManifest(JSON.parse(readFileSync(manifestPath, 'utf8')));
  if (!manifest) throw new Error(`no rollup manifest in ${rollupDir}`);
  const days = Object.fromEntries(Object.entries(manifest.days).filter(([dt]) => dt < arg1 || dt > arg2));
  for (const dt of Object.keys(manifest.days).filter((d) => d >= arg1 && d <= arg2)) {
    for (const table of raw === 'usage_events' ? ROLLUP_TABLES : set.tables)
      rmSync(join(rollupDir, table, `dt=${dt}`), { recursive: true, force: true });
  }
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, days }));
}

const started = performance.now();
const engine = await DuckDbEngine.open({ dataDir });
let queries = 1;
if (mode === 'previous') {
  if (!file) throw new Error('previous needs an output FILE');
  const period = previousPeriod(periodContaining(arg1 as PeriodKind, arg2, 'UTC'));
  const usageRollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
  const snapshot = await buildSnapshot(engine, { period, currency: 'USD', now: new Date(), usageRollups });
  writeFileSync(file, JSON.stringify(snapshot));
  queries = snapshot.stats.queries;
} else if (mode === 'report') {
  const period = periodContaining(arg1 as PeriodKind, arg2, 'UTC');
  let previous = null;
  if (file) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isSnapshotLike(parsed)) throw new Error(`${file} is not a snapshot`);
    previous = parsed;
  }
  const usageRollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
  const snapshot = await buildSnapshot(engine, {
    period,
    currency: 'USD',
    now: new Date(),
    previous,
    usageRollups,
    guards,
  });
  const usage = snapshot.stats.usage;
  if (usage?.source !== 'rollups' || usage.daysBuilt > 0) {
    throw new Error(`the rollups were not current: ${JSON.stringify(usage)}`);
  }
  if (file && snapshot.stats.trend?.storedFrom === null) throw new Error('the stored snapshot was not used');
  queries = snapshot.stats.queries;
} else if (mode === 'update') {
  const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
  const result = await rollups.sync({ fromDt: arg1, toDt: arg2 });
  if (!result.usable || result.built.length === 0)
    throw new Error(`nothing rolled up: ${JSON.stringify(result)}`);
} else if (mode === 'web') {
  const period = periodContaining(arg1 as PeriodKind, arg2, 'UTC');
  const calendarLength = file === 'full' ? undefined : STORED_FROM_INDEX + 1;
  // As the report prepares them: the web queries' partitions and one more either side.
  const range = webDtRange(reportCalendar(period, calendarLength));
  const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
  const ready = await rollups.prepare({
    table: 'web_events',
    timezone: 'UTC',
    fromDt: addDays(range.fromDt, -1),
    toDt: addDays(range.toDt, 1),
  });
  if (!ready.usable || ready.built.length > 0) {
    throw new Error(`the web rollups were not current: ${JSON.stringify(ready)}`);
  }
  const runtime = await createKpiContext(engine, {
    period,
    currency: 'USD',
    webFromRollups: true,
    ...(calendarLength !== undefined ? { calendarLength } : {}),
  });
  await webGroup.compute(runtime.context);
  queries = runtime.stats.length + 1;
  await runtime.release();
} else if (mode === 'webupdate' || mode === 'webbuild') {
  const rollups = new LocalUsageRollups({ engine, rollupDir, timezone: 'UTC' });
  const result = await rollups.sync(
    mode === 'webbuild' ? undefined : { fromDt: arg1, toDt: arg2 },
    'web_events',
  );
  if (!result.usable || result.built.length === 0)
    throw new Error(`nothing rolled up: ${JSON.stringify(result)}`);
  queries = result.built.length;
} else if (mode === 'webscan') {
  await engine.query({
    name: 'web_bare_scan',
    sql: 'SELECT count(*) AS events, count(DISTINCT visitor_id) AS visitors FROM src_web_events WHERE dt BETWEEN ? AND ?',
    params: [varchar(arg1), varchar(arg2)],
  });
} else if (mode === 'scan') {
  await engine.query({
    name: 'bare_scan',
    sql: 'SELECT count(*) AS events, count(DISTINCT user_id) AS users FROM src_usage_events WHERE dt BETWEEN ? AND ?',
    params: [varchar(arg1), varchar(arg2)],
  });
} else if (mode === 'scanall') {
  // max() of each column makes the engine read and decode it, with no grouping beyond the scan's.
  await engine.query({
    name: 'bare_scan_all_columns',
    sql: `SELECT count(*) AS events, count(DISTINCT user_id) AS users, max(event_id) AS event_id,
            max(account_id) AS account_id, max(event_name) AS event_name, max(session_id) AS session_id,
            max(occurred_at) AS occurred_at
          FROM src_usage_events WHERE dt BETWEEN ? AND ?`,
    params: [varchar(addDays(arg1, -1)), varchar(addDays(arg2, 1))],
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
await engine.close();
const ms = Math.round(performance.now() - started);
console.log(JSON.stringify({ ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), queries }));
