/**
 * `npm run bench`: times the weekly and monthly reports on generated data at two scales
 * (about 1M and 50M usage events) against one bare scan of the period's usage events.
 * Each figure is the median of RUNS runs (env BENCH_RUNS, default 3), each in a fresh process.
 * Data is generated once into bench-data/ (git-ignored) and reused.
 * Env: BENCH_SCALES=1m,50m (default both).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSampleData } from '../functions/sample/generate.js';

interface Scale {
  readonly name: string;
  readonly accounts: number;
  readonly usageEvents: number;
}
const SCALES: readonly Scale[] = [
  { name: '1m', accounts: 2_000, usageEvents: 1_000_000 },
  { name: '50m', accounts: 20_000, usageEvents: 50_000_000 },
];
const END_DATE = '2026-11-22';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const wanted = (process.env.BENCH_SCALES ?? '1m,50m').split(',');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function child(args: string[]): { ms: number; maxRssMb: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench-child.ts', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const last = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as { ms: number; maxRssMb: number };
}

async function ensureData(scale: Scale): Promise<string> {
  const dir = resolve('bench-data', scale.name);
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { endDate?: string };
    if (m.endDate === END_DATE) return dir;
  }
  console.error(`generating ${scale.name} (${scale.usageEvents} usage events) into ${dir} …`);
  const t = performance.now();
  await generateSampleData({
    outDir: dir,
    seed: 42,
    endDate: END_DATE,
    accounts: scale.accounts,
    usageEvents: scale.usageEvents,
  });
  console.error(`  generated in ${Math.round((performance.now() - t) / 1000)} s`);
  return dir;
}

const rows: string[] = [];
for (const scale of SCALES.filter((s) => wanted.includes(s.name))) {
  const dir = await ensureData(scale);
  for (const [kind, date] of [
    ['weekly', '2026-11-18'],
    ['monthly', '2026-10-15'],
  ] as const) {
    const scans: { ms: number; maxRssMb: number }[] = [];
    const reports: { ms: number; maxRssMb: number }[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      scans.push(child(['scan', dir, kind, date]));
      reports.push(child(['report', dir, kind, date]));
    }
    const scanMs = median(scans.map((s) => s.ms));
    const reportMs = median(reports.map((r) => r.ms));
    const ratio = median(reports.map((r, i) => r.ms / (scans[i]?.ms ?? r.ms)));
    rows.push(
      `| ${scale.name} | ${kind} | ${scanMs} | ${reportMs} | ${ratio.toFixed(2)}× | ${Math.max(...reports.map((r) => r.maxRssMb))} |`,
    );
    console.error(rows[rows.length - 1]);
  }
}
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; median of ${RUNS} runs each\n`,
);
console.log('| usage events | period | bare scan (ms) | report (ms) | report / scan | peak RSS (MB) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
