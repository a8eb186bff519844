/**
 * The report function with its collaborators injected: the Lambda entry point (handler.ts)
 * wires Athena, S3 and SES; the local end-to-end test wires DuckDB, a local S3 server and a
 * mocked SES with the very same code path.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { jobLogger } from '../job-log.js';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import {
  DeliveryIncompleteError,
  runDigestJob,
  type BuildSnapshotFn,
  type JobLogger,
  type JobMetrics,
  type JobRequest,
  type JobSummary,
  type RenderDigestFn,
} from '../../app/job.js';
import { LEASE_MS, SEND_TIMEOUT_MS } from '../../core/delivery-timing.js';
import { InputError } from '../../core/input-error.js';
import { type QueryEngine } from '../../app/ports/query-engine.js';
import { validateThresholds } from '../../core/exclusion-share.js';
import { ReportStoppedError } from '../../core/run-guards.js';
import type { Snapshot } from '../../core/snapshot.js';
import type { ObjectStore } from '../../app/ports/object-store.js';
import type { Mailer } from '../../app/ports/mailer.js';
import type { CsmDispatcher } from '../../app/ports/csm-dispatcher.js';
import type { UsageRollups } from '../../app/ports/usage-rollups.js';
import { loadConfig, type RuntimeConfig } from './config.js';
import { resolveRequest } from './payload.js';

/** The parts of the Lambda context the handler reads. */
export interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName?: string;
  readonly functionVersion?: string;
  readonly invokedFunctionArn?: string;
  readonly memoryLimitInMB?: string;
  getRemainingTimeInMillis?(): number;
}

/** What an invocation returns: the job's summary without the snapshot itself. */
export interface ReportResponse extends Pick<
  JobSummary,
  | 'snapshotUri'
  | 'latestUri'
  | 'kpiCount'
  | 'nullKpis'
  | 'rowsExcluded'
  | 'bytesScanned'
  | 'estimatedCostUsd'
  | 'dryRun'
  | 'sent'
  | 'skipped'
  | 'durationMs'
  | 'csm'
> {
  readonly ok: true;
  readonly trigger: 'schedule' | 'manual';
  readonly requestId: string;
  readonly period: Snapshot['period'];
  readonly messagesSent: number;
}

export interface ReportHandlerDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  createEngine(
    config: RuntimeConfig,
    options: { readonly queryTimeoutMs: number; readonly logger: JobLogger },
  ): QueryEngine | Promise<QueryEngine>;
  createStore(config: RuntimeConfig): ObjectStore;
  createMailer(config: RuntimeConfig): Mailer | Promise<Mailer>;
  /**
   * The usage rollups the report keeps current and reads (docs/rollups.md); absent or
   * undefined: the report reads the raw usage events.
   */
  createUsageRollups?(
    config: RuntimeConfig,
    engine: QueryEngine,
    logger: JobLogger,
  ): UsageRollups | undefined;
  /**
   * The queue the CSM digests of a scheduled run are handed to (CSM_QUEUE_URL set); absent, or
   * no queue configured: this invocation delivers them itself.
   */
  createCsmDispatcher?(queueUrl: string): CsmDispatcher;
  /** Wall clock (default: the real one). */
  readonly clock?: () => Date;
  readonly buildSnapshot?: BuildSnapshotFn;
  readonly renderDigest?: RenderDigestFn;
}

export type ReportHandler = (event: unknown, context: LambdaContext) => Promise<ReportResponse>;

/** Time kept back from the invocation's deadline so a stuck query is stopped before the function is. */
const DEADLINE_MARGIN_MS = 20_000;
const MIN_QUERY_TIMEOUT_MS = 10_000;

function jobMetrics(metrics: Metrics): JobMetrics {
  return { addMetric: (name, unit, value) => metrics.addMetric(name, MetricUnit[unit], value) };
}

function toResponse(
  summary: JobSummary,
  trigger: ReportResponse['trigger'],
  requestId: string,
): ReportResponse {
  const p = summary.snapshot.period;
  return {
    ok: true,
    trigger,
    requestId,
    period: { kind: p.kind, key: p.key, firstDay: p.firstDay, lastDay: p.lastDay, timezone: p.timezone },
    snapshotUri: summary.snapshotUri,
    latestUri: summary.latestUri,
    kpiCount: summary.kpiCount,
    nullKpis: summary.nullKpis,
    rowsExcluded: summary.rowsExcluded,
    bytesScanned: summary.bytesScanned,
    estimatedCostUsd: summary.estimatedCostUsd,
    dryRun: summary.dryRun,
    messagesSent: summary.sent.length,
    sent: summary.sent,
    skipped: summary.skipped,
    durationMs: summary.durationMs,
    ...(summary.csm ? { csm: summary.csm } : {}),
  };
}

/**
 * CSM digests of this invocation: a payload's "csm" (one CSM by hand, or all), else every CSM
 * when CSM_DIGESTS is on; none otherwise.
 */
function csmRequest(config: RuntimeConfig, asked: string | undefined): { csm?: JobRequest['csm'] } {
  const { domains, skipEmpty, enabled } = config.csm;
  if (asked !== undefined) {
    if (domains.length === 0)
      throw new InputError('invalid payload: csm: CSM digests need CSM_DOMAINS, the domains they may go to');
    return { csm: { domains, skipEmpty, ...(asked === 'all' ? {} : { only: asked, teamDigest: false }) } };
  }
  return enabled ? { csm: { domains, skipEmpty } } : {};
}

/**
 * The queue dispatcher when this run's CSM digests go to the delivery function: every CSM's
 * (scheduled, or `"csm": "all"`), with a queue configured. One CSM asked for by hand is
 * delivered by this invocation, so its answer says whether it went out.
 */
function csmDispatcher(
  deps: ReportHandlerDeps,
  config: RuntimeConfig,
  csm: JobRequest['csm'],
): { csmDispatcher?: CsmDispatcher } {
  const queueUrl = config.csmDelivery.queueUrl;
  if (!csm || csm.only !== undefined || queueUrl === null || !deps.createCsmDispatcher) return {};
  return { csmDispatcher: deps.createCsmDispatcher(queueUrl) };
}

export function createReportHandler(deps: ReportHandlerDeps): ReportHandler {
  const { logger, metrics } = deps;
  const clock = deps.clock ?? (() => new Date());
  // Validated once, at cold start; a bad environment fails every invocation with the same clear message.
  let config: RuntimeConfig | null = null;
  let configError: Error | null = null;
  try {
    config = loadConfig(deps.env);
  } catch (error) {
    configError = error instanceof Error ? error : new Error(String(error));
    logger.error('the function is misconfigured', configError);
  }

  return async (event, context) => {
    logger.addContext(context);
    try {
      if (!config) throw configError ?? new Error('no configuration');
      const now = clock();
      const request = resolveRequest(
        event,
        {
          timezone: config.report.timezone,
          locale: config.report.locale,
          recipients: config.mail.recipients,
        },
        now,
      );
      const { period } = request;
      logger.appendKeys({ period: period.key, periodKind: period.kind, trigger: request.trigger });
      metrics.addDimension('periodKind', period.kind);
      logger.info('report requested', {
        firstDay: period.firstDay,
        lastDay: period.lastDay,
        timezone: period.timezone,
        dryRun: request.dryRun,
        force: request.force,
        recomputeTrend: request.recomputeTrend,
        recipients: request.recipients.length,
      });

      // The payload may override either threshold; the pair must still make sense.
      const thresholds = { ...config.report.exclusionThresholds, ...request.exclusionThresholds };
      const thresholdProblem = validateThresholds(
        thresholds,
        'invalid payload: excludedWarnPercent/excludedStopPercent',
      );
      if (thresholdProblem) throw new InputError(thresholdProblem);

      const remaining = context.getRemainingTimeInMillis?.();
      const queryTimeoutMs =
        remaining === undefined
          ? config.athena.queryTimeoutMs
          : Math.min(
              config.athena.queryTimeoutMs,
              Math.max(MIN_QUERY_TIMEOUT_MS, remaining - DEADLINE_MARGIN_MS),
            );
      const log = jobLogger(logger);
      const csm = csmRequest(config, request.csm);
      const engine = await deps.createEngine(config, { queryTimeoutMs, logger: log });
      try {
        const usageRollups = deps.createUsageRollups?.(config, engine, log);
        const summary = await runDigestJob(
          {
            engine,
            ...(usageRollups ? { usageRollups } : {}),
            store: deps.createStore(config),
            mailer: request.dryRun ? null : await deps.createMailer(config),
            logger: log,
            metrics: jobMetrics(metrics),
            clock,
            ...(deps.buildSnapshot ? { buildSnapshot: deps.buildSnapshot } : {}),
            ...(deps.renderDigest ? { renderDigest: deps.renderDigest } : {}),
            ...csmDispatcher(deps, config, csm.csm),
          },
          {
            period,
            currency: config.report.currency,
            fxBase: config.report.fxBase,
            locale: request.locale,
            from: config.mail.sender,
            recipients: request.recipients,
            dryRun: request.dryRun,
            force: request.force,
            recomputeTrend: request.recomputeTrend,
            allowEmpty: request.allowEmpty,
            exclusionThresholds: thresholds,
            now,
            runId: context.awsRequestId,
            // One send's lease, shorter than the first retry's delay (functions/core/delivery-timing.ts).
            leaseMs: LEASE_MS,
            ...(remaining === undefined
              ? {}
              : { stopSendingAt: new Date(clock().getTime() + remaining - SEND_TIMEOUT_MS) }),
            configured: { timezone: config.report.timezone, currency: config.report.currency },
            ...csm,
          },
        );
        const response = toResponse(summary, request.trigger, context.awsRequestId);
        logger.info('report done', { summary: response });
        return response;
      } finally {
        await engine.close();
      }
    } catch (error) {
      metrics.addMetric('ReportFailed', MetricUnit.Count, 1);
      // An empty run or a mostly excluded table: the input needs a look, not a retry.
      if (error instanceof ReportStoppedError) metrics.addMetric('ReportStopped', MetricUnit.Count, 1);
      const failure = error instanceof Error ? error : new Error(String(error));
      if (error instanceof DeliveryIncompleteError) {
        logger.error('report written but delivery incomplete; a retry finishes it', {
          error: failure,
          sent: error.summary.sent,
          failed: error.summary.failed,
          inFlight: error.summary.inFlight,
        });
      } else {
        logger.error('report failed', failure);
      }
      throw failure;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
