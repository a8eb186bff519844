/**
 * The digest job: the one orchestration behind both the CLI and the Lambda handler.
 *
 * 1. build the period's snapshot;
 * 2. write `snapshots/<kind>/<key>.json` and, when this period is the newest, `latest.json`;
 * 3. unless it is a dry run: render the digest once and send it to each recipient exactly
 *    once, through the delivery ledger (functions/app/delivery-ledger.ts).
 *
 * The snapshot is always written before any e-mail is sent, so a failure while sending
 * leaves it in place and a retry only has to finish the deliveries.
 */
import { createHash, randomUUID } from 'node:crypto';
import { assertConditionalWrites, DEFAULT_LEASE_MS, DeliveryLedger } from './delivery-ledger.js';
import { SEND_TIMEOUT_MS } from '../core/delivery-timing.js';
import { isComplete, previousPeriod, type Period } from '../core/period.js';
import { isSnapshotLike } from './trend-history.js';
import type { Snapshot } from '../core/snapshot.js';
import { InputError } from '../core/input-error.js';
import { type QueryEngine } from './ports/query-engine.js';
import type { ObjectStore } from './ports/object-store.js';
import type { UsageRollups } from './ports/usage-rollups.js';
import type { DigestMessage, Mailer } from './ports/mailer.js';
import {
  DEFAULT_EXCLUSION_THRESHOLDS,
  formatShare,
  type ExclusionThresholds,
} from '../core/exclusion-share.js';
import type { ReportGuards } from '../core/run-guards.js';
import type { AlertRecord } from '../core/alert-eval.js';
import type { CsmBooks } from '../core/csm-books.js';
import {
  assertSendableOwner,
  deliverCsmDigests,
  type CsmDeliverySummary,
  type CsmSettings,
  type RenderCsmDigestFn,
} from './csm-job.js';
import type { CsmDispatcher } from './ports/csm-dispatcher.js';
import { EXPECTED, isEmailAddress, notA, problem } from '../core/validators.js';

export type Locale = 'en' | 'id' | 'pl';

export interface JobLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** The units the job reports in (a subset of CloudWatch's). */
export type JobMetricUnit = 'Milliseconds' | 'Bytes' | 'Count';

export interface JobMetrics {
  addMetric(name: string, unit: JobMetricUnit, value: number): void;
}

export interface BuildSnapshotOptions {
  readonly period: Period;
  readonly currency: string;
  /** Base currency of fx_rates rows without a base_currency (default USD). */
  readonly fxBase?: string;
  readonly now: Date;
  /** The previous period's stored snapshot (null: there is none; absent: not looked up). */
  readonly previous?: Snapshot | null;
  /** Stops for empty runs and mostly excluded tables (functions/core/run-guards.ts). */
  readonly guards?: ReportGuards;
  /** Usage rollups the report keeps current and reads instead of the raw events (docs/rollups.md). */
  readonly usageRollups?: UsageRollups;
}

export type BuildSnapshotFn = (engine: QueryEngine, options: BuildSnapshotOptions) => Promise<Snapshot>;

/** Builds the snapshot and every CSM's book (functions/app/report.ts buildReport). */
export type BuildReportFn = (
  engine: QueryEngine,
  options: BuildSnapshotOptions & { readonly csm: { readonly domains: readonly string[] } },
) => Promise<{ readonly snapshot: Snapshot; readonly csmBooks: CsmBooks | null }>;

export type RenderDigestFn = (
  snapshot: Snapshot,
  options: { locale: Locale; from: string; to: readonly string[]; alerts?: readonly AlertRecord[] },
) => DigestMessage | Promise<DigestMessage>;

/** Engines that know what their queries cost (Athena). */
export interface ScanTotalsSource {
  totals(): { readonly bytesScanned: number; readonly estimatedCostUsd: number };
}

export interface JobDeps {
  readonly engine: QueryEngine;
  readonly store: ObjectStore;
  readonly mailer: Mailer | null;
  readonly logger?: JobLogger;
  readonly metrics?: JobMetrics;
  /** Injectable for tests; default: functions/app/report.ts. */
  readonly buildSnapshot?: BuildSnapshotFn;
  /** Usage rollups for the report (local: functions/adapters/rollups/local.ts); absent: raw events. */
  readonly usageRollups?: UsageRollups;
  /** Injectable for tests; default: functions/digest/index.ts. */
  readonly renderDigest?: RenderDigestFn;
  /** Injectable for tests; default: functions/app/report.ts buildReport (runs with `csm` only). */
  readonly buildReport?: BuildReportFn;
  /** Injectable for tests; default: functions/digest/render-csm.ts. */
  readonly renderCsmDigest?: RenderCsmDigestFn;
  /** Wall clock for delivery leases (not the report's `now`). */
  readonly clock?: () => Date;
  /**
   * Where the CSM digests go once their snapshots are stored (the report Lambda: a queue whose
   * consumers deliver them). Default: delivered in this run (functions/app/csm-job.ts).
   */
  readonly csmDispatcher?: CsmDispatcher;
}

export interface JobRequest {
  readonly period: Period;
  readonly currency: string;
  /** Base currency of fx_rates rows without a base_currency (default USD). */
  readonly fxBase?: string;
  readonly locale: Locale;
  readonly from: string;
  readonly recipients: readonly string[];
  readonly dryRun: boolean;
  readonly force: boolean;
  /**
   * Compute every trend point instead of taking points 2 … 11 from the previous period's stored
   * snapshot (e.g. after input data of earlier periods was corrected).
   */
  readonly recomputeTrend?: boolean;
  /** Report even when there is no data for the period (every KPI n/a); default false. */
  readonly allowEmpty?: boolean;
  /** Shares of a table's rows excluded above which the digest warns and the run stops. */
  readonly exclusionThresholds?: ExclusionThresholds;
  /** The instant the report is made at (its `generatedAt`). */
  readonly now: Date;
  /** Identifies this run in the delivery ledger: the Lambda request id, kept by its retries. */
  readonly runId?: string;
  /** How long a delivery claim protects a send in progress (default: functions/core/delivery-timing.ts). */
  readonly leaseMs?: number;
  /**
   * No send is started after this instant (the invocation's deadline less one send): the
   * recipients left are reported in flight and a retry sends to them.
   */
  readonly stopSendingAt?: Date;
  /**
   * The deployment's own settings. A run with another time zone or currency keeps its
   * snapshots, latest.json and deliveries apart (functions/app/job.ts `settingsVariant`), so it
   * never overwrites, or is blocked by, the configured ones. Absent: every run is the configured one.
   */
  readonly configured?: { readonly timezone: string; readonly currency: string };
  /**
   * CSM digests (docs/csm-digests.md): every CSM's book is computed with the report, stored
   * under csm/ and sent to each allowed CSM exactly once. Absent: none (today's behaviour).
   */
  readonly csm?: CsmSettings & {
    /** Send the team digest too (default true; false for one CSM's digest sent by hand). */
    readonly teamDigest?: boolean;
  };
}

export interface JobSummary {
  readonly snapshotUri: string;
  readonly latestUri: string | null;
  readonly period: { readonly kind: Period['kind']; readonly key: string; readonly timezone: string };
  readonly kpiCount: number;
  readonly nullKpis: number;
  readonly rowsExcluded: number;
  readonly bytesScanned: number;
  readonly estimatedCostUsd: number;
  readonly dryRun: boolean;
  /** Recipients this run sent the digest to. */
  readonly sent: readonly string[];
  /** Recipients skipped because the digest was already sent to them. */
  readonly skipped: readonly string[];
  /** Recipients another run is sending to right now. */
  readonly inFlight: readonly string[];
  /** Recipients the send failed for (a retry sends to them). */
  readonly failed: readonly { readonly recipient: string; readonly error: string }[];
  /** Where the last message went (outbox folder, SMTP host, SES region). */
  readonly destination?: string;
  readonly durationMs: number;
  readonly snapshot: Snapshot;
  /** The CSM digests of the run, when they are on. */
  readonly csm?: CsmDeliverySummary;
}

/** Some deliveries did not complete: the snapshot is written, a retry finishes the sending. */
export class DeliveryIncompleteError extends Error {
  override readonly name = 'DeliveryIncompleteError';
  constructor(readonly summary: JobSummary) {
    const failed = [...summary.failed, ...(summary.csm?.failed ?? [])];
    const inFlight = [...summary.inFlight, ...(summary.csm?.inFlight ?? [])];
    const parts = [
      failed.length > 0 ? `failed for ${failed.map((f) => `${f.recipient} (${f.error})`).join(', ')}` : '',
      inFlight.length > 0 ? `still in progress in another run for ${inFlight.join(', ')}` : '',
    ].filter((p) => p !== '');
    super(
      `digest ${summary.period.kind} ${summary.period.key}: delivery ${parts.join('; ')}; ` +
        `the snapshot is written, a retry sends only what is missing`,
    );
  }
}

const JSON_TYPE = 'application/json';

/**
 * The key segment of a report made with other settings than the configured ones, e.g.
 * `Pacific+Kiritimati.EUR`; null for the configured settings (their keys stay as they were).
 */
export function settingsVariant(
  settings: { readonly timezone: string; readonly currency: string },
  configured: { readonly timezone: string; readonly currency: string } | undefined,
): string | null {
  if (!configured) return null;
  if (settings.timezone === configured.timezone && settings.currency === configured.currency) return null;
  return `${settings.timezone.replaceAll('/', '+')}.${settings.currency}`;
}

export function snapshotKey(period: Pick<Period, 'kind' | 'key'>, variant: string | null = null): string {
  return `snapshots/${period.kind}/${variant ? `${variant}/` : ''}${period.key}.json`;
}

export function latestKey(kind: Period['kind'], variant: string | null = null): string {
  return `snapshots/${kind}/${variant ? `${variant}/` : ''}latest.json`;
}

function hasScanTotals(engine: QueryEngine): engine is QueryEngine & ScanTotalsSource {
  return typeof (engine as Partial<ScanTotalsSource>).totals === 'function';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function defaultBuildReport(
  engine: QueryEngine,
  options: Parameters<BuildReportFn>[1],
): ReturnType<BuildReportFn> {
  const report = await import('./report.js');
  return report.buildReport(engine, options);
}

async function defaultBuildSnapshot(engine: QueryEngine, options: BuildSnapshotOptions): Promise<Snapshot> {
  const report = await import('./report.js');
  return report.buildSnapshot(engine, options);
}

async function defaultRenderDigest(
  snapshot: Snapshot,
  options: { locale: Locale; from: string; to: readonly string[]; alerts?: readonly AlertRecord[] },
): Promise<DigestMessage> {
  // Loaded on first use: a dry run never pays for the MJML renderer.
  const mail = await import('../digest/index.js');
  return mail.renderDigest(snapshot, options);
}

/** Validates and de-duplicates (case-insensitively) the recipients, keeping their order. */
export function normaliseRecipients(recipients: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of recipients) {
    const address = raw.trim();
    if (!isEmailAddress(address)) throw new InputError(problem('recipient', notA(raw, EXPECTED.email)));
    if (seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    out.push(address);
  }
  return out;
}

/** The stored snapshot of a period, or null when there is none or it cannot be read as one. */
export async function readStoredSnapshot(
  store: ObjectStore,
  period: Period,
  logger?: JobLogger,
  variant: string | null = null,
): Promise<Snapshot | null> {
  const key = snapshotKey(period, variant);
  const body = await store.get(key);
  if (body === null) return null;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isSnapshotLike(parsed)) return parsed;
  } catch {
    // Reported below like any other unreadable snapshot.
  }
  logger?.warn('stored snapshot is not readable; computing the whole trend', { key });
  return null;
}

/** Writes latest.json unless it already holds a newer period. */
async function writeLatest(
  store: ObjectStore,
  kind: Period['kind'],
  snapshot: Snapshot,
  body: string,
  variant: string | null,
): Promise<string | null> {
  const key = latestKey(kind, variant);
  const current = await store.get(key);
  if (current !== null) {
    try {
      const held = JSON.parse(current) as { period?: { firstDay?: unknown } };
      const heldFirstDay = held.period?.firstDay;
      if (typeof heldFirstDay === 'string' && heldFirstDay > snapshot.period.firstDay) return null;
    } catch {
      // An unreadable latest.json is replaced.
    }
  }
  return store.put(key, body, JSON_TYPE);
}

/** The alerts fired during the period (listed at the digest's top); none if they cannot be read. */
async function periodAlerts(store: ObjectStore, period: Period, logger?: JobLogger): Promise<AlertRecord[]> {
  try {
    const { readPeriodAlerts } = await import('./alerts.js');
    return await readPeriodAlerts(store, period);
  } catch (error) {
    // The digest goes out without them rather than not at all.
    logger?.warn("the period's alerts could not be read; the digest lists none", { error: describe(error) });
    return [];
  }
}

export async function runDigestJob(deps: JobDeps, request: JobRequest): Promise<JobSummary> {
  const started = Date.now();
  const { engine, store, mailer, logger, metrics } = deps;
  const period = request.period;
  const recipients = normaliseRecipients(request.recipients);
  // Whatever the trigger: a period that has not ended would be reported (and sent) incomplete.
  if (!isComplete(period, request.now)) {
    throw new InputError(
      `period ${period.kind} ${period.key} has not ended yet (it ends ${period.endUtc}); only ended periods are reported`,
    );
  }
  const variant = settingsVariant(
    { timezone: period.timezone, currency: request.currency },
    request.configured,
  );
  const sendsTeamDigest = request.csm?.teamDigest ?? true;
  if (request.csm) assertSendableOwner(request.csm.only, request.csm.domains);
  if (!request.dryRun) {
    if (!mailer)
      throw new InputError('no mail transport is configured (use a dry run to only write the snapshot)');
    if (recipients.length === 0 && sendsTeamDigest)
      throw new InputError('no recipients: name at least one, or use a dry run');
    if (!isEmailAddress(request.from.trim()))
      throw new InputError(problem('sender', notA(request.from, EXPECTED.email)));
  }

  // Trend points 2 … 11 come from the previous period's snapshot unless a recomputation is asked for.
  const previous = request.recomputeTrend
    ? undefined
    : await readStoredSnapshot(store, previousPeriod(period), logger, variant);
  logger?.info('building snapshot', {
    period: period.key,
    periodKind: period.kind,
    engine: engine.kind,
    previousSnapshot: previous !== null && previous !== undefined,
  });
  const buildOptions: BuildSnapshotOptions = {
    period,
    currency: request.currency,
    ...(request.fxBase !== undefined ? { fxBase: request.fxBase } : {}),
    now: request.now,
    ...(previous === undefined ? {} : { previous }),
    ...(deps.usageRollups ? { usageRollups: deps.usageRollups } : {}),
    guards: {
      allowEmpty: request.allowEmpty ?? false,
      thresholds: request.exclusionThresholds ?? DEFAULT_EXCLUSION_THRESHOLDS,
    },
  };
  let csmBooks: CsmBooks | null = null;
  let built: Snapshot;
  if (request.csm) {
    const report = await (deps.buildReport ?? defaultBuildReport)(engine, {
      ...buildOptions,
      csm: { domains: request.csm.domains },
    });
    built = report.snapshot;
    csmBooks = report.csmBooks;
  } else {
    built = await (deps.buildSnapshot ?? defaultBuildSnapshot)(engine, buildOptions);
  }
  // The engine knows its price and billing rules; its totals are the report's cost.
  const totals = hasScanTotals(engine) ? engine.totals() : null;
  const snapshot: Snapshot = totals
    ? {
        ...built,
        stats: {
          ...built.stats,
          bytesScanned: totals.bytesScanned,
          estimatedCostUsd: totals.estimatedCostUsd,
        },
      }
    : built;
  const bytesScanned = snapshot.stats.bytesScanned ?? 0;
  const estimatedCostUsd = snapshot.stats.estimatedCostUsd ?? 0;

  const warnings = snapshot.dataQuality.warnings ?? [];
  for (const w of warnings) {
    logger?.warn('many rows of a table were excluded', {
      table: w.table,
      share: formatShare(w.share),
      rowsExcluded: w.rowsExcluded,
      rowsRead: w.rowsRead,
      threshold: formatShare(w.threshold),
    });
  }

  const body = `${JSON.stringify(snapshot, null, 2)}\n`;
  const snapshotUri = await store.put(snapshotKey(period, variant), body, JSON_TYPE);
  const latestUri = await writeLatest(store, period.kind, snapshot, body, variant);
  const kpis = Object.values(snapshot.kpis);
  const nullKpis = kpis.filter((k) => k.value === null).length;
  logger?.info('snapshot written', {
    period: period.key,
    snapshotUri,
    latestUpdated: latestUri !== null,
    kpis: kpis.length,
    nullKpis,
    rowsExcluded: snapshot.dataQuality.totalExcluded,
    queries: snapshot.stats.queries,
    bytesScanned,
    estimatedCostUsd,
  });

  const sent: string[] = [];
  const skipped: string[] = [];
  const inFlight: string[] = [];
  const failed: { recipient: string; error: string }[] = [];
  let destination: string | undefined;

  if (!request.dryRun && mailer && sendsTeamDigest) {
    const alerts = await periodAlerts(store, period, logger);
    const message = await (deps.renderDigest ?? defaultRenderDigest)(snapshot, {
      locale: request.locale,
      from: request.from.trim(),
      to: recipients,
      ...(alerts.length > 0 ? { alerts } : {}),
    });
    const snapshotSha256 = createHash('sha256').update(body).digest('hex');
    // Exactly-once rests on conditional writes: a store that ignores them is refused before any send.
    await assertConditionalWrites(store);
    const ledger = new DeliveryLedger(store, {
      period: { kind: period.kind, key: period.key },
      transport: mailer.transport,
      variant,
      runId: request.runId ?? randomUUID(),
      leaseMs: request.leaseMs ?? DEFAULT_LEASE_MS,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
    const clock = deps.clock ?? (() => new Date());
    for (const recipient of recipients) {
      if (request.stopSendingAt && clock().getTime() + SEND_TIMEOUT_MS > request.stopSendingAt.getTime()) {
        // Too close to the deadline to finish a send: leave it to the retry rather than be killed mid-send.
        inFlight.push(recipient);
        logger?.warn('no time left for another send; a retry sends it', { period: period.key, recipient });
        continue;
      }
      const claim = await ledger.claim(recipient, request.force);
      if (claim.outcome === 'sent') {
        skipped.push(recipient);
        logger?.info('digest already sent; skipped', {
          period: period.key,
          recipient,
          sentAt: claim.record.sentAt,
        });
        continue;
      }
      if (claim.outcome === 'in_flight') {
        inFlight.push(recipient);
        logger?.warn('another run is sending this digest', {
          period: period.key,
          recipient,
          leaseUntil: claim.record.leaseUntil,
        });
        continue;
      }
      let result;
      try {
        result = await mailer.send({
          ...message,
          to: [recipient],
          // The same id on every copy lets a receiving system drop a duplicate (docs/runtime.md).
          headers: { 'X-Digest-Id': `${period.kind}/${period.key}`, ...message.headers },
        });
      } catch (error) {
        failed.push({ recipient, error: describe(error) });
        logger?.error('sending the digest failed', { period: period.key, recipient, error: describe(error) });
        await ledger
          .markFailed(claim, describe(error))
          .then((written) => {
            // A newer attempt owns the record (this run's lease ran out): it is left as it is.
            if (!written) logger?.warn('delivery claim lost; the failure is not recorded', { recipient });
          })
          .catch((markError: unknown) => {
            // The claim then expires with its lease and a later run resends.
            logger?.error('could not record the failed delivery', { recipient, error: describe(markError) });
          });
        continue;
      }
      sent.push(recipient);
      destination = result.destination;
      logger?.info('digest sent', { period: period.key, recipient, messageId: result.messageId });
      try {
        const written = await ledger.markSent(claim, {
          messageId: result.messageId,
          transport: result.transport,
          destination: result.destination,
          snapshotSha256,
        });
        if (!written) {
          logger?.error('digest sent but a newer delivery attempt owns the record', {
            period: period.key,
            recipient,
          });
        }
      } catch (error) {
        // The message is out; failing the run would only make a retry resend it later.
        logger?.error('digest sent but the delivery record could not be updated', {
          period: period.key,
          recipient,
          error: describe(error),
        });
      }
    }
  }

  let csm: CsmDeliverySummary | undefined;
  if (request.csm && csmBooks) {
    csm = await deliverCsmDigests(
      {
        store,
        mailer,
        ...(logger ? { logger } : {}),
        ...(deps.clock ? { clock: deps.clock } : {}),
        ...(deps.renderCsmDigest ? { renderCsmDigest: deps.renderCsmDigest } : {}),
        ...(deps.csmDispatcher ? { dispatcher: deps.csmDispatcher } : {}),
      },
      {
        period,
        books: csmBooks,
        company: snapshot,
        companySnapshot: snapshotKey(period, variant),
        settings: request.csm,
        locale: request.locale,
        from: request.from.trim(),
        dryRun: request.dryRun,
        force: request.force,
        ...(request.runId !== undefined ? { runId: request.runId } : {}),
        ...(request.leaseMs !== undefined ? { leaseMs: request.leaseMs } : {}),
        ...(request.stopSendingAt ? { stopSendingAt: request.stopSendingAt } : {}),
        variant,
      },
    );
    metrics?.addMetric('CsmDigestsSent', 'Count', csm.sent.length);
    if (csm.dispatched) metrics?.addMetric('CsmDigestsQueued', 'Count', csm.dispatched.owners.length);
    if (csm.failed.length > 0) metrics?.addMetric('CsmDigestsFailed', 'Count', csm.failed.length);
  }

  const durationMs = Date.now() - started;
  metrics?.addMetric('ReportDuration', 'Milliseconds', durationMs);
  metrics?.addMetric('BytesScanned', 'Bytes', bytesScanned);
  metrics?.addMetric('KpisNull', 'Count', nullKpis);
  metrics?.addMetric('RowsExcluded', 'Count', snapshot.dataQuality.totalExcluded);
  // Tables above the warning share of excluded rows (an alarm can watch it).
  if (warnings.length > 0) metrics?.addMetric('TablesOverExclusionWarning', 'Count', warnings.length);
  metrics?.addMetric('EmailsSent', 'Count', sent.length);
  if (failed.length > 0) metrics?.addMetric('EmailsFailed', 'Count', failed.length);

  const summary: JobSummary = {
    snapshotUri,
    latestUri,
    period: { kind: period.kind, key: period.key, timezone: period.timezone },
    kpiCount: kpis.length,
    nullKpis,
    rowsExcluded: snapshot.dataQuality.totalExcluded,
    bytesScanned,
    estimatedCostUsd,
    dryRun: request.dryRun,
    sent,
    skipped,
    inFlight,
    failed,
    ...(destination !== undefined ? { destination } : {}),
    durationMs,
    snapshot,
    ...(csm ? { csm } : {}),
  };
  logger?.info('report finished', {
    period: period.key,
    sent: sent.length,
    skipped: skipped.length,
    inFlight: inFlight.length,
    failed: failed.length,
    durationMs,
  });
  const csmIncomplete = csm !== undefined && (csm.failed.length > 0 || csm.inFlight.length > 0);
  if (failed.length > 0 || inFlight.length > 0 || csmIncomplete) throw new DeliveryIncompleteError(summary);
  return summary;
}
