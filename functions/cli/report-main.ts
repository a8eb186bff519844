/**
 * `npm run report`: the KPI report on the embedded engine.
 *
 * With no flags: the previous complete ISO week of the bundled sample data (generated on first
 * use), snapshot and digest under ./out. Problems with flags or input: one line, exit code 2.
 * functions/cli/report.ts is the entry point; this module does the work, with its streams passed in.
 */
import { resolve } from 'node:path';
import { parseCliArgs, USAGE, type CliOptions } from './options.js';
import { exitTwo, type CommandIo } from './usage-error.js';
import { openEngine } from './engine.js';
import { FileStore } from '../adapters/stores/file.js';
import { ensureWritableDir } from '../adapters/stores/writable-dir.js';
import { createMailer } from '../adapters/mailers/index.js';
import { runDigestJob } from '../app/job.js';
import { LocalUsageRollups } from '../adapters/rollups/local.js';
import { ensureSampleData } from '../sample/default-data.js';
import type { Mailer } from '../app/ports/mailer.js';
import { HEADLINE_KPIS } from '../core/snapshot.js';
import { formatShare } from '../core/exclusion-share.js';

function mailerFor(options: CliOptions): Mailer | null {
  if (options.dryRun) return null;
  switch (options.send) {
    case 'outbox':
      return createMailer({ transport: 'outbox', outDir: options.outDir });
    case 'smtp':
      return createMailer({ transport: 'smtp', ...options.smtp });
    case 'ses':
      return createMailer({ transport: 'ses' });
  }
}

/**
 * Runs the command; returns the exit code (2: bad flags or input, or a run that stops, one line
 * on stderr). Any other error is thrown, for the entry point to report.
 */
export async function reportMain(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    return await runReport(argv, io);
  } catch (error) {
    const code = exitTwo(error, io.stderr);
    if (code === null) throw error;
    return code;
  }
}

async function runReport(argv: readonly string[], io: CommandIo): Promise<number> {
  const now = io.now;
  const log = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  const options = parseCliArgs(argv, io.env, now);
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  // Before any work: a folder the snapshot cannot be written to fails now, in one line.
  await ensureWritableDir(options.outDir, `--out ${options.outDir}`);
  let dataDir = options.engine.kind === 'athena' ? options.engine.athena.database : options.dataDir;
  if (dataDir === null) {
    const sample = await ensureSampleData({ dir: resolve('sample-data'), today: now });
    dataDir = sample.dir;
    if (sample.generated) log(`Generated the sample dataset in ${sample.dir}`);
  }
  const engine = await openEngine(options.engine, { dataDir });
  try {
    const summary = await runDigestJob(
      {
        engine,
        store: new FileStore(options.outDir),
        mailer: mailerFor(options),
        ...(options.rollupDir !== null
          ? {
              usageRollups: new LocalUsageRollups({
                engine,
                rollupDir: options.rollupDir,
                timezone: options.period.timezone,
              }),
            }
          : {}),
      },
      {
        period: options.period,
        currency: options.currency,
        fxBase: options.fxBase,
        locale: options.locale,
        from: options.from,
        recipients: options.to,
        dryRun: options.dryRun,
        force: options.force,
        recomputeTrend: options.recomputeTrend,
        allowEmpty: options.allowEmpty,
        exclusionThresholds: options.exclusionThresholds,
        now,
        ...(options.csm
          ? {
              csm: {
                domains: options.csm.domains,
                skipEmpty: options.csm.skipEmpty,
                ...(options.csm.only === 'all' ? {} : { only: options.csm.only, teamDigest: false }),
              },
            }
          : {}),
      },
    );
    const snapshot = summary.snapshot;
    const p = snapshot.period;
    for (const w of snapshot.dataQuality.warnings ?? []) {
      log(
        `Warning: ${w.table}: ${formatShare(w.share)} of its rows were excluded (${w.rowsExcluded} of ${w.rowsRead}; warning above ${formatShare(w.threshold)}); see the snapshot's dataQuality`,
      );
    }
    log(
      `${p.kind} report ${p.key} (${p.firstDay} to ${p.lastDay}, ${p.timezone}), ${snapshot.currency}, data: ${dataDir}`,
    );
    for (const id of HEADLINE_KPIS) {
      const k = snapshot.kpis[id];
      const value = k.value === null ? `n/a (${k.reason ?? 'no value'})` : formatValue(k.value, k.unit);
      const delta = k.delta === null ? '' : ` (${k.delta >= 0 ? '+' : ''}${formatChange(k.delta, k.unit)})`;
      log(`  ${id.padEnd(26)} ${value}${delta}`);
    }
    const nulls = Object.values(snapshot.kpis).filter((k) => k.value === null).length;
    log(
      `  ${Object.keys(snapshot.kpis).length} KPIs, ${nulls} not available; ${plural(snapshot.dataQuality.totalExcluded, 'row', 'rows')} excluded by data-quality checks`,
    );
    log(`Snapshot: ${summary.snapshotUri}`);
    if (summary.dryRun) log('Dry run: no digest sent.');
    for (const r of summary.sent)
      log(`Digest sent to ${r}${summary.destination ? ` (${summary.destination})` : ''}`);
    for (const r of summary.skipped) log(`Digest already sent to ${r} (use --force to resend)`);
    if (summary.csm) {
      const c = summary.csm;
      log(`CSM snapshots: ${c.snapshots.length} written under ${options.outDir}/csm/`);
      for (const r of c.sent) log(`CSM digest sent to ${r}`);
      for (const r of c.skipped) log(`CSM digest already sent to ${r} (use --force to resend)`);
      if (c.empty.length > 0)
        log(
          `No CSM digest for ${plural(c.empty.length, 'book', 'books')} without activity (--csm-send-empty sends them)`,
        );
    }
    const rejected = snapshot.dataQuality.csmOwners ?? [];
    for (const r of rejected)
      log(
        `Owner "${r.owner}" receives no CSM digest: ${r.reason} (${plural(r.accounts, 'account', 'accounts')})`,
      );
    const storedFrom = snapshot.stats.trend?.storedFrom;
    if (storedFrom) {
      log(
        `Trend points before ${storedFrom}: as reported in its snapshot (--recompute-trend recomputes them)`,
      );
    }
    log(`${snapshot.stats.queries} queries in ${snapshot.stats.milliseconds} ms`);
    return 0;
  } finally {
    await engine.close();
  }
}

function fixedFigure(v: number): string {
  return Number.isInteger(v) || Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

function formatValue(v: number, unit: string): string {
  return unit === 'percent' ? `${fixedFigure(v)} %` : fixedFigure(v);
}

/** A change between two rates is in percentage points, never in per cent of the rate. */
function formatChange(delta: number, unit: string): string {
  return unit === 'percent' ? `${fixedFigure(delta)} pp` : fixedFigure(delta);
}

function plural(n: number, one: string, other: string): string {
  return `${n} ${n === 1 ? one : other}`;
}
