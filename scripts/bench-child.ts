/**
 * One measured run, in its own process so that peak memory (max RSS) belongs to it alone.
 * Usage: tsx scripts/bench-child.ts MODE DATA_DIR weekly|monthly YYYY-MM-DD [FILE]
 *   scan     the bare scan: count(*) and count(DISTINCT user_id) over the period's partitions
 *   window   the clean usage rows of the days periods 0 and 1 need (their 30-day windows)
 *   report   the report; FILE: the previous period's stored snapshot, if any
 *   previous writes the previous period's snapshot (all trend points computed) to FILE
 *   webscan  the bare scan of web events: count(*) and count(DISTINCT visitor_id) over the
 *            period's partitions (± 1 day, as the usage scan)
 *   web      the web section's queries (web_engagement, social_engagement); FILE: `stored`
 *            (periods 0 and 1, as with trend points 2–11 stored) or `full` (all 12 periods)
 *   csm      the report with every CSM's book (FILE: the previous period's stored snapshot),
 *            then every CSM digest rendered and delivered into a scratch outbox and file store,
 *            as a scheduled run with CSM digests on (domain example.com)
 *   job      the scheduled weekly run as the CLI and the Lambda make it (runDigestJob): the
 *            report (FILE, the previous period's snapshot, is stored first so trend points 2–11
 *            are reused), its snapshot and latest.json written, the team digest rendered and
 *            delivered through the ledger, into a scratch file store and outbox
 *   job-csm  the same run with CSM digests on (domain example.com), as the report Lambda makes
 *            it: the report, the team digest, every CSM's book and snapshot, and the owners
 *            handed over in batches to a dispatcher that only records them (the queue's side)
 *   csm-deliver  the delivery side of those CSM digests: the run above is made first (not
 *            timed), then every batch is delivered with deliverCsmBatch (each digest rendered
 *            from its stored snapshot, sent through the ledger into the outbox), as the
 *            delivery Lambda's invocations do between them
 * Prints one JSON line: { ms, cpuMs, maxRssMb, queries, digests, batches }.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildReport, buildSnapshot, dtRangeOf } from '../functions/app/report.js';
import { DEFAULT_EXCLUSION_THRESHOLDS } from '../functions/core/exclusion-share.js';
import { deliverCsmBatch, deliverCsmDigests } from '../functions/app/csm-job.js';
import type { CsmBatch, CsmDispatcher } from '../functions/app/ports/csm-dispatcher.js';
import { runDigestJob, snapshotKey } from '../functions/app/job.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { OutboxMailer } from '../functions/adapters/mailers/outbox.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, periodContaining, previousPeriod, type PeriodKind } from '../functions/core/period.js';
import { reportCalendar } from '../functions/app/context.js';
import { activityDays } from '../functions/core/kpis/engagement.js';
import { isSnapshotLike } from '../functions/app/trend-history.js';
import { violationCase } from '../functions/sql/compose.js';
import { tableSpec } from '../functions/contract/contract.js';
import { createKpiContext } from '../functions/app/context.js';
import { webGroup } from '../functions/core/kpis/web.js';
import { STORED_FROM_INDEX } from '../functions/app/trend-history.js';
import type { Snapshot } from '../functions/core/snapshot.js';

/** The run guards of every CLI and Lambda run: the bench measures what a user runs. */
const guards = { allowEmpty: false, thresholds: DEFAULT_EXCLUSION_THRESHOLDS };

const [mode, dataDir, kind, date, file] = process.argv.slice(2);
if (!mode || !dataDir || !kind || !date) throw new Error('usage: bench-child MODE DATA kind date [FILE]');
const period = periodContaining(kind as PeriodKind, date, 'UTC');
const now = new Date();
const varchar = (value: string) => ({ type: 'varchar' as const, value });

if (mode === 'previous') {
  if (!file) throw new Error('previous needs an output FILE');
  const engine = await DuckDbEngine.open({ dataDir });
  const snapshot = await buildSnapshot(engine, { period: previousPeriod(period), currency: 'USD', now });
  await engine.close();
  writeFileSync(file, JSON.stringify(snapshot));
  console.log(
    JSON.stringify({ ms: snapshot.stats.milliseconds, maxRssMb: 0, queries: snapshot.stats.queries }),
  );
  process.exit(0);
}

let started = performance.now();
let cpuStarted = process.cpuUsage();
const engine = await DuckDbEngine.open({ dataDir });
let queries = 1;
let digests = 0;
let batchCount = 0;
if (mode === 'report') {
  let previous: Snapshot | null = null;
  if (file) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isSnapshotLike(parsed)) throw new Error(`${file} is not a snapshot`);
    previous = parsed;
  }
  const snapshot = await buildSnapshot(engine, { period, currency: 'USD', now, previous, guards });
  if (file && snapshot.stats.trend?.storedFrom === null) {
    throw new Error(`the stored snapshot was not used: ${snapshot.stats.trend.reason ?? ''}`);
  }
  queries = snapshot.stats.queries;
} else if (mode === 'csm') {
  if (!file) throw new Error('csm needs the previous snapshot FILE');
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isSnapshotLike(parsed)) throw new Error(`${file} is not a snapshot`);
  const { snapshot, csmBooks } = await buildReport(engine, {
    period,
    currency: 'USD',
    now,
    previous: parsed,
    guards,
    csm: { domains: ['example.com'] },
  });
  if (!csmBooks) throw new Error('no books');
  const scratch = mkdtempSync(join(tmpdir(), 'bench-csm-'));
  try {
    const summary = await deliverCsmDigests(
      { store: new FileStore(join(scratch, 'store')), mailer: new OutboxMailer(scratch) },
      {
        period,
        books: csmBooks,
        company: snapshot,
        companySnapshot: 'snapshots/bench.json',
        settings: { domains: ['example.com'] },
        locale: 'en',
        from: 'digest@example.com',
        dryRun: false,
        force: false,
      },
    );
    digests = summary.sent.length;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  queries = snapshot.stats.queries;
} else if (mode === 'job' || mode === 'job-csm' || mode === 'csm-deliver') {
  if (!file) throw new Error(`${mode} needs the previous snapshot FILE`);
  const scratch = mkdtempSync(join(tmpdir(), 'bench-job-'));
  try {
    const store = new FileStore(join(scratch, 'store'));
    const outbox = new OutboxMailer(scratch);
    // The previous period's snapshot, where a scheduled run finds it (not timed apart: a
    // copy of one file).
    await store.put(snapshotKey(previousPeriod(period)), readFileSync(file, 'utf8'), 'application/json');
    // The queue's side of the report Lambda: the batches are recorded, not delivered.
    const batches: CsmBatch[] = [];
    const recordingDispatcher: CsmDispatcher = {
      dispatch: async (handed) => {
        batches.push(...handed);
        return { mode: 'queued', messages: handed.length };
      },
    };
    const summary = await runDigestJob(
      { engine, store, mailer: outbox, ...(mode === 'job' ? {} : { csmDispatcher: recordingDispatcher }) },
      {
        period,
        currency: 'USD',
        locale: 'en',
        from: 'digest@example.com',
        recipients: ['cs-team@example.com'],
        dryRun: false,
        force: false,
        now,
        ...(mode === 'job' ? {} : { csm: { domains: ['example.com'] } }),
      },
    );
    if (summary.sent.length !== 1)
      throw new Error(`the team digest was not sent: ${JSON.stringify(summary.sent)}`);
    digests = summary.csm?.dispatched?.owners.length ?? 0;
    batchCount = batches.length;
    queries = summary.snapshot.stats.queries;
    if (summary.snapshot.stats.trend?.storedFrom === null)
      throw new Error('the stored snapshot was not used');
    if (mode === 'csm-deliver') {
      // Only the delivery side from here on.
      started = performance.now();
      cpuStarted = process.cpuUsage();
      digests = 0;
      for (const batch of batches) {
        const delivered = await deliverCsmBatch({ store, mailer: outbox }, batch, {
          domains: ['example.com'],
        });
        if (delivered.failed.length > 0 || delivered.inFlight.length > 0)
          throw new Error(`a batch was not delivered: ${JSON.stringify(delivered.failed)}`);
        digests += delivered.sent.length;
      }
      queries = 0;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
} else if (mode === 'scan') {
  // The bare scan: what any report must at least do with the period's usage events.
  const { fromDt, toDt } = dtRangeOf(period);
  await engine.query({
    name: 'bare_scan',
    sql: 'SELECT count(*) AS events, count(DISTINCT user_id) AS users FROM src_usage_events WHERE dt BETWEEN ? AND ?',
    params: [varchar(fromDt), varchar(toDt)],
  });
} else if (mode === 'window') {
  // The least a correct report reads of usage_events: the clean rows (every required field
  // present, every value readable) of the days the KPIs of periods 0 and 1 look at (their
  // 30-day MAU and health windows), counted the same way as the bare scan.
  const days = activityDays(reportCalendar(period, 3));
  const source = (await engine.sources()).find((s) => s.table === 'usage_events');
  if (!source?.relation) throw new Error(`no usage_events in ${dataDir}`);
  // The same rule check as the clean rows the report reads.
  const clean = violationCase(tableSpec('usage_events'), source);
  await engine.query({
    name: 'usage_window',
    sql: `SELECT count(*) AS events, count(DISTINCT user_id) AS users FROM ${source.relation}
          WHERE dt BETWEEN ? AND ? AND (${clean}) IS NULL`,
    params: [varchar(addDays(days.from, -1)), varchar(addDays(days.to, 1))],
  });
} else if (mode === 'webscan') {
  const { fromDt, toDt } = dtRangeOf(period);
  await engine.query({
    name: 'web_bare_scan',
    sql: 'SELECT count(*) AS events, count(DISTINCT visitor_id) AS visitors FROM src_web_events WHERE dt BETWEEN ? AND ?',
    params: [varchar(fromDt), varchar(toDt)],
  });
} else if (mode === 'web') {
  const runtime = await createKpiContext(engine, {
    period,
    currency: 'USD',
    ...(file === 'full' ? {} : { calendarLength: STORED_FROM_INDEX + 1 }),
  });
  await webGroup.compute(runtime.context);
  queries = runtime.stats.length;
  await runtime.release();
} else {
  throw new Error(`unknown mode ${mode}`);
}
await engine.close();
const ms = Math.round(performance.now() - started);
// CPU time of every thread of the process (DuckDB's too): on a shared machine it moves far
// less than the wall time, so the CSM figures also give their ratio.
const cpu = process.cpuUsage(cpuStarted);
const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
console.log(
  JSON.stringify({
    ms,
    cpuMs,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    queries,
    digests,
    batches: batchCount,
  }),
);
