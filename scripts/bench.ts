/**
 * `npm run bench`: times the weekly and monthly reports on generated data at two scales
 * (about 1M and 50M usage events) against one bare scan of the period's usage events: once
 * computing every trend point, once with trend points 2–11 from the previous period's stored
 * snapshot (as a scheduled deployment runs after its first report). Also timed: the least a
 * report must read of usage_events (the clean rows of the 30-day windows of periods 0 and 1).
 * Each figure is the median of RUNS runs (env BENCH_RUNS, default 3), each in a fresh process.
 * Data is generated once into bench-data/ (git-ignored) and reused.
 * The web scale (`web20m`: 20M web events, 18 months, generated in SQL by
 * scripts/bench-web-data.ts) times the web section's queries against a bare scan of the
 * period's web events, with periods 0 and 1 computed (trend points 2–11 stored) and with all 12;
 * then the same web queries reading the web rollups (docs/rollups.md; env BENCH_ROLLUPS=0 skips
 * them), and the web rollups' build of the whole dataset, one day and a month.
 * CSM digests (`csm20k`: 20,000 accounts over 200 CSMs, 2M usage events; and every usage
 * scale run, whose owners are spread over 200 CSMs too): the scheduled weekly run with trend
 * points 2–11 stored, alone and as the report Lambda makes it with CSM digests on (every CSM's
 * book and snapshot, the owners handed over in batches), the time that adds, and apart the
 * delivery side (every batch's digests rendered from their snapshots and delivered into a
 * scratch outbox), which the delivery Lambda's own invocations do.
 * Env: BENCH_SCALES=1m,50m,web20m,csm20k (default all four; `200m` and `500m` on request: rollup cases only).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSampleData } from '../functions/sample/generate.js';
import { ensureWebBenchData } from './bench-web-data.js';

interface Scale {
  readonly name: string;
  readonly accounts: number;
  readonly usageEvents: number;
  /** Only the CSM case runs on it. */
  readonly csmOnly?: boolean;
  /** Only the rollup cases run on it (raw reports would take many minutes each). */
  readonly rollupsOnly?: boolean;
}
/** Owners are spread over this many CSMs at every scale (the sample's ten named ones otherwise). */
const CSMS = 200;
const SCALES: readonly Scale[] = [
  { name: '1m', accounts: 2_000, usageEvents: 1_000_000 },
  { name: '50m', accounts: 20_000, usageEvents: 50_000_000 },
  { name: 'csm20k', accounts: 20_000, usageEvents: 2_000_000, csmOnly: true },
  // Not in the default set (rollup cases only): the report's growth with the events at the same
  // 20,000 accounts. Generating 200M events needs a 13 GB scratch database; 500M took 70 min,
  // a 20 GB scratch database with up to 38 GB of spill files beside it and 22 GB of memory.
  { name: '200m', accounts: 20_000, usageEvents: 200_000_000, rollupsOnly: true },
  { name: '500m', accounts: 20_000, usageEvents: 500_000_000, rollupsOnly: true },
];
const END_DATE = '2026-11-22';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const wanted = (process.env.BENCH_SCALES ?? '1m,50m,web20m,csm20k').split(',');
const WEB_SCALE = { name: 'web20m', webEvents: 20_000_000 } as const;

/** A share as a signed percentage: +15 %, −11 %. */
function signedPercent(share: number): string {
  const rounded = Math.round(share * 100);
  return `${rounded < 0 ? '−' : '+'}${Math.abs(rounded)} %`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** One measured run of a child script in a fresh process: the JSON line it prints last. */
function runScript(script: string, args: readonly string[]): Run {
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const last = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as Run;
}

const child = (args: readonly string[]): Run => runScript('scripts/bench-child.ts', args);
const rollupChild = (args: readonly string[]): Run => runScript('scripts/bench-rollups-child.ts', args);

/**
 * The rollup update of one day and of a month, each against a bare scan of the same
 * partitions (`scanMode` / `updateMode` of bench-rollups-child.ts), alternating RUNS times: the
 * table cells after the first column. With `floorMode`, also against the least any rollup of
 * those days must read (every column it reads, the days either side too; no grouping).
 */
function timeRollupUpdates(
  scanMode: string,
  updateMode: string,
  dataDir: string,
  rollups: string,
  floorMode?: string,
): { what: string; cells: string }[] {
  const rows: { what: string; cells: string }[] = [];
  for (const [what, from, to] of [
    ['one day', '2026-11-22', '2026-11-22'],
    ['a month', '2026-10-01', '2026-10-31'],
  ] as const) {
    const scans: Run[] = [];
    const floors: Run[] = [];
    const updates: Run[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      scans.push(rollupChild([scanMode, dataDir, rollups, from, to]));
      if (floorMode) floors.push(rollupChild([floorMode, dataDir, rollups, from, to]));
      updates.push(rollupChild([updateMode, dataDir, rollups, from, to]));
    }
    const ratio = (base: readonly Run[]): string =>
      `${median(updates.map((r, i) => r.ms / (base[i]?.ms ?? r.ms))).toFixed(2)}×`;
    const floor = floorMode
      ? ` ${median(floors.map((r) => r.ms))} (${median(floors.map((r, i) => r.ms / (scans[i]?.ms ?? r.ms))).toFixed(2)}× scan) |`
      : '';
    const update = `${median(updates.map((r) => r.ms))} (${ratio(scans)}${floorMode ? `; ${ratio(floors)} the columns' scan` : ''})`;
    rows.push({
      what: `${what} (${from} … ${to})`,
      cells: `${median(scans.map((r) => r.ms))} |${floor} ${update} | ${Math.max(...updates.map((r) => r.maxRssMb))} |`,
    });
  }
  return rows;
}

async function ensureData(scale: Scale): Promise<string> {
  const dir = resolve('bench-data', scale.name);
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { endDate?: string; csms?: number };
    if (m.endDate === END_DATE && m.csms === CSMS) return dir;
  }
  console.error(`generating ${scale.name} (${scale.usageEvents} usage events) into ${dir} …`);
  const t = performance.now();
  await generateSampleData({
    outDir: dir,
    seed: 42,
    endDate: END_DATE,
    accounts: scale.accounts,
    usageEvents: scale.usageEvents,
    csms: CSMS,
  });
  console.error(`  generated in ${Math.round((performance.now() - t) / 1000)} s`);
  return dir;
}

interface Run {
  readonly ms: number;
  readonly cpuMs?: number;
  readonly maxRssMb: number;
  readonly digests?: number;
  readonly batches?: number;
}

const rows: string[] = [];
const csmRows: string[] = [];
for (const scale of SCALES.filter((s) => wanted.includes(s.name) && !s.rollupsOnly)) {
  const dir = await ensureData(scale);
  {
    // CSM digests on top of the weekly report (trend points 2–11 stored, as scheduled runs are).
    const previous = resolve('bench-data', `${scale.name}-previous-weekly.json`);
    child(['previous', dir, 'weekly', '2026-11-18', previous]);
    const report: Run[] = [];
    const csm: Run[] = [];
    const delivery: Run[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      // The scheduled weekly run (report, snapshot, team digest), without and with CSM digests
      // (their report side), then the CSM digests' delivery side on its own.
      report.push(child(['job', dir, 'weekly', '2026-11-18', previous]));
      csm.push(child(['job-csm', dir, 'weekly', '2026-11-18', previous]));
      delivery.push(child(['csm-deliver', dir, 'weekly', '2026-11-18', previous]));
    }
    const ms = (runs: readonly Run[]): number => median(runs.map((r) => r.ms));
    const added = median(csm.map((r, i) => (r.ms - (report[i]?.ms ?? r.ms)) / (report[i]?.ms ?? r.ms)));
    const cpu = (r: Run | undefined): number => r?.cpuMs ?? 0;
    const cpuAdded = median(csm.map((r, i) => (cpu(r) - cpu(report[i])) / (cpu(report[i]) || 1)));
    csmRows.push(
      `| ${scale.name} | ${scale.accounts.toLocaleString('en-US')} | ${CSMS} | ${csm[0]?.digests ?? 0} | ${csm[0]?.batches ?? 0} | ${ms(report)} | ${ms(csm)} | ${signedPercent(added)} | ${signedPercent(cpuAdded)} | ${Math.max(...csm.map((r) => r.maxRssMb))} | ${ms(delivery)} (${delivery[0]?.digests ?? 0} digests) | ${Math.round(ms(delivery) / Math.max(1, csm[0]?.batches ?? 1))} | ${Math.max(...delivery.map((r) => r.maxRssMb))} |`,
    );
    console.error(csmRows[csmRows.length - 1]);
  }
  if (scale.csmOnly) continue;
  for (const [kind, date] of [
    ['weekly', '2026-11-18'],
    ['monthly', '2026-10-15'],
  ] as const) {
    // The previous period's snapshot, as the scheduled job would have stored it (not timed).
    const previous = resolve('bench-data', `${scale.name}-previous-${kind}.json`);
    child(['previous', dir, kind, date, previous]);
    const scans: Run[] = [];
    const windows: Run[] = [];
    const cold: Run[] = [];
    const warm: Run[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      scans.push(child(['scan', dir, kind, date]));
      windows.push(child(['window', dir, kind, date]));
      cold.push(child(['report', dir, kind, date]));
      warm.push(child(['report', dir, kind, date, previous]));
    }
    const ratio = (runs: readonly Run[]): string =>
      `${median(runs.map((r, i) => r.ms / (scans[i]?.ms ?? r.ms))).toFixed(2)}×`;
    const ms = (runs: readonly Run[]): number => median(runs.map((r) => r.ms));
    rows.push(
      `| ${scale.name} | ${kind} | ${ms(scans)} | ${ms(windows)} (${ratio(windows)}) | ${ms(cold)} (${ratio(cold)}) | ${ms(warm)} (${ratio(warm)}) | ${Math.max(...cold.map((r) => r.maxRssMb), ...warm.map((r) => r.maxRssMb))} |`,
    );
    console.error(rows[rows.length - 1]);
  }
}
// With usage rollups (docs/rollups.md): the rollups are brought up to date once (not timed), then
// the reports read them (trend points 2–11 stored), and the daily update of one day and the
// backfill of a month are timed against a bare scan of the same partitions.
const rollupRows: string[] = [];
const updateRows: string[] = [];
if (process.env.BENCH_ROLLUPS !== '0') {
  for (const scale of SCALES.filter((s) => wanted.includes(s.name))) {
    const dir = await ensureData(scale);
    const rollups = resolve('bench-data', `${scale.name}-rollups`);
    const t = performance.now();
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'functions/cli/rollup.ts', '--data', dir, '--rollups', rollups],
      {
        stdio: 'inherit',
      },
    );
    console.error(`  rollups of ${scale.name} current in ${Math.round((performance.now() - t) / 1000)} s`);
    for (const [kind, date] of [
      ['weekly', '2026-11-18'],
      ['monthly', '2026-10-15'],
    ] as const) {
      const previous = resolve('bench-data', `${scale.name}-previous-${kind}.json`);
      if (!existsSync(previous)) {
        if (scale.rollupsOnly) rollupChild(['previous', dir, rollups, kind, date, previous]);
        else child(['previous', dir, kind, date, previous]);
      }
      const scans: Run[] = [];
      const reports: Run[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        scans.push(child(['scan', dir, kind, date]));
        reports.push(rollupChild(['report', dir, rollups, kind, date, previous]));
      }
      const ratio = (runs: readonly Run[]): string =>
        `${median(runs.map((r, i) => r.ms / (scans[i]?.ms ?? r.ms))).toFixed(2)}×`;
      const ms = (runs: readonly Run[]): number => median(runs.map((r) => r.ms));
      rollupRows.push(
        `| ${scale.name} | ${kind} | ${ms(scans)} | ${ms(reports)} (${ratio(reports)}) | ${Math.max(...reports.map((r) => r.maxRssMb))} |`,
      );
      console.error(rollupRows[rollupRows.length - 1]);
    }
    for (const row of timeRollupUpdates('scan', 'update', dir, rollups, 'scanall')) {
      updateRows.push(`| ${scale.name} | ${row.what} | ${row.cells}`);
      console.error(updateRows[updateRows.length - 1]);
    }
  }
}
const webRows: string[] = [];
const webRollupRows: string[] = [];
const webUpdateRows: string[] = [];
if (wanted.includes(WEB_SCALE.name)) {
  const started = performance.now();
  const data = await ensureWebBenchData(resolve('bench-data', WEB_SCALE.name), WEB_SCALE.webEvents, END_DATE);
  console.error(
    `web data: ${data.webEvents} web events in ${data.partitions} partitions (${Math.round((performance.now() - started) / 1000)} s)`,
  );
  for (const [kind, date] of [
    ['weekly', '2026-11-18'],
    ['monthly', '2026-10-15'],
  ] as const) {
    const scans: Run[] = [];
    const stored: Run[] = [];
    const full: Run[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      scans.push(child(['webscan', data.dir, kind, date]));
      stored.push(child(['web', data.dir, kind, date, 'stored']));
      full.push(child(['web', data.dir, kind, date, 'full']));
    }
    const ratio = (runs: readonly Run[]): string =>
      `${median(runs.map((r, i) => r.ms / (scans[i]?.ms ?? r.ms))).toFixed(2)}×`;
    const ms = (runs: readonly Run[]): number => median(runs.map((r) => r.ms));
    webRows.push(
      `| ${data.webEvents.toLocaleString('en-US')} | ${kind} | ${ms(scans)} | ${ms(stored)} (${ratio(stored)}) | ${ms(full)} (${ratio(full)}) | ${Math.max(...stored.map((r) => r.maxRssMb), ...full.map((r) => r.maxRssMb))} |`,
    );
    console.error(webRows[webRows.length - 1]);
  }
  // With the web rollups (docs/rollups.md): built once for the whole dataset (timed when the
  // folder is new), then the web queries read them against the same bare scan, and the update
  // of one day and of a month are timed against a bare scan of the same partitions.
  if (process.env.BENCH_ROLLUPS !== '0') {
    const rollups = resolve('bench-data', `${WEB_SCALE.name}-rollups`);
    if (!existsSync(join(rollups, 'web_events.manifest.json'))) {
      const built = rollupChild(['webbuild', data.dir, rollups, '-', '-']);
      webUpdateRows.push(`| whole dataset (${data.partitions} days) | — | ${built.ms} | ${built.maxRssMb} |`);
    }
    for (const [kind, date] of [
      ['weekly', '2026-11-18'],
      ['monthly', '2026-10-15'],
    ] as const) {
      const scans: Run[] = [];
      const rolled: Run[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        scans.push(child(['webscan', data.dir, kind, date]));
        rolled.push(rollupChild(['web', data.dir, rollups, kind, date, 'stored']));
      }
      const ratio = `${median(rolled.map((r, i) => r.ms / (scans[i]?.ms ?? r.ms))).toFixed(2)}×`;
      webRollupRows.push(
        `| ${data.webEvents.toLocaleString('en-US')} | ${kind} | ${median(scans.map((r) => r.ms))} | ${median(rolled.map((r) => r.ms))} (${ratio}) | ${Math.max(...rolled.map((r) => r.maxRssMb))} |`,
      );
      console.error(webRollupRows[webRollupRows.length - 1]);
    }
    for (const row of timeRollupUpdates('webscan', 'webupdate', data.dir, rollups)) {
      webUpdateRows.push(`| ${row.what} | ${row.cells}`);
      console.error(webUpdateRows[webUpdateRows.length - 1]);
    }
  }
}

console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; median of ${RUNS} runs each\n`,
);
/** A Markdown table: a blank line before it (but the first), its header, its rows. */
function printTable(columns: readonly string[], body: readonly string[], blankBefore = true): void {
  console.log(`${blankBefore ? '\n' : ''}| ${columns.join(' | ')} |`);
  console.log(`|${columns.map(() => '---|').join('')}`);
  for (const r of body) console.log(r);
}

if (rows.length > 0) {
  printTable(
    [
      'usage events',
      'period',
      'bare scan (ms)',
      'usage window (ms, × scan)',
      'report, all trend points computed (ms, × scan)',
      'report, trend points 2–11 stored (ms, × scan)',
      'peak RSS (MB)',
    ],
    rows,
    false,
  );
}
if (rollupRows.length > 0) {
  printTable(
    [
      'usage events',
      'period',
      'bare scan (ms)',
      'report with current rollups, trend points 2–11 stored (ms, × scan)',
      'peak RSS (MB)',
    ],
    rollupRows,
  );
  printTable(
    [
      'usage events',
      'rollup update',
      'bare scan of the days (ms)',
      'scan of every column a rollup reads, the days either side too (ms, × scan)',
      "rollup update (ms, × scan; × the columns' scan)",
      'peak RSS (MB)',
    ],
    updateRows,
  );
}
if (csmRows.length > 0) {
  // SES against the account's rate, paced and unpaced (scripts/bench-ses-rate.ts, a mocked SES).
  console.log(
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench-ses-rate.ts'], {
      encoding: 'utf8',
    }).trim(),
  );
  printTable(
    [
      'scale',
      'accounts',
      'CSMs',
      'CSM digests handed over',
      'batches',
      'weekly run (ms)',
      'with CSM digests, report side (ms)',
      'added (wall)',
      'added (CPU time)',
      'peak RSS (MB)',
      'delivery side, all batches (ms)',
      'per batch (ms)',
      'delivery peak RSS (MB)',
    ],
    csmRows,
  );
}
if (webRows.length > 0) {
  printTable(
    [
      'web events',
      'period',
      'bare scan (ms)',
      'web queries, periods 0 and 1 (ms, × scan)',
      'web queries, 12 periods (ms, × scan)',
      'peak RSS (MB)',
    ],
    webRows,
  );
}
if (webRollupRows.length > 0) {
  printTable(
    [
      'web events',
      'period',
      'bare scan (ms)',
      'web queries with current web rollups, periods 0 and 1 (ms, × scan)',
      'peak RSS (MB)',
    ],
    webRollupRows,
  );
  printTable(
    ['web rollup update', 'bare scan of the days (ms)', 'rollup update (ms, × scan)', 'peak RSS (MB)'],
    webUpdateRows,
  );
}
