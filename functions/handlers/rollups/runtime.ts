/**
 * The rollup function (usage, and web where deployed) with its collaborators injected (handler.ts wires Athena and S3):
 * reads the event, runs the rollup job (functions/app/rollup-job.ts) and returns its summary.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { jobLogger } from '../job-log.js';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { InputError } from '../../core/input-error.js';
import type { MaintainedUsageRollups } from '../../app/ports/usage-rollups.js';
import { parseRollupEvent, runRollupJob, type RollupJobSummary } from '../../app/rollup-job.js';
import { loadConfig, type RuntimeConfig } from '../report/config.js';
import type { LambdaContext } from '../report/runtime.js';

export interface RollupHandlerDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The rollups over a fresh engine whose queries stop within `queryTimeoutMs`. */
  createRollups(
    config: RuntimeConfig,
    options: {
      readonly queryTimeoutMs: number;
      readonly logger: StructuredLog;
      /** The clock the deadline is set by: the rollups must read the same one. */
      readonly clock: () => Date;
    },
  ): { readonly rollups: MaintainedUsageRollups; close(): Promise<void> };
  readonly clock?: () => Date;
}

/** What the engine, the adapter and the job log through. */
export interface StructuredLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export type RollupResponse = RollupJobSummary & { readonly ok: true; readonly requestId: string };

/** Kept back from the deadline: no day starts later, so a started day's UNLOADs can finish. */
const DAY_MARGIN_MS = 90_000;

export function createRollupHandler(
  deps: RollupHandlerDeps,
): (event: unknown, context: LambdaContext) => Promise<RollupResponse> {
  const clock = deps.clock ?? (() => new Date());
  const log = jobLogger(deps.logger);
  let config: RuntimeConfig | null = null;
  let configError: Error | null = null;
  try {
    config = loadConfig(deps.env);
    if (config.usageRollups === null) {
      throw new InputError(
        'invalid environment: USAGE_ROLLUPS_LOCATION and USAGE_EVENTS_LOCATION are not set',
      );
    }
  } catch (error) {
    configError = error instanceof Error ? error : new Error(String(error));
    deps.logger.error('the function is misconfigured', configError);
  }
  return async (event, context) => {
    deps.logger.addContext(context);
    try {
      if (!config) throw configError ?? new Error('no configuration');
      const request = parseRollupEvent(event);
      const remaining = context.getRemainingTimeInMillis?.();
      const queryTimeoutMs =
        remaining === undefined
          ? config.athena.queryTimeoutMs
          : Math.min(config.athena.queryTimeoutMs, remaining);
      const { rollups, close } = deps.createRollups(config, { queryTimeoutMs, logger: log, clock });
      try {
        const summary = await runRollupJob(
          {
            rollups,
            logger: log,
            ...(remaining === undefined
              ? {}
              : { startNoDayAfter: new Date(clock().getTime() + remaining - DAY_MARGIN_MS) }),
          },
          request,
        );
        // Both sets together: the alarm and the dashboard watch the job, not a table.
        const web = summary.web;
        deps.metrics.addMetric(
          'RollupDaysBuilt',
          MetricUnit.Count,
          summary.built.length + (web?.built.length ?? 0),
        );
        deps.metrics.addMetric(
          'RollupDaysPending',
          MetricUnit.Count,
          summary.pending.length + (web?.pending.length ?? 0),
        );
        deps.metrics.addMetric(
          'BytesScanned',
          MetricUnit.Bytes,
          summary.bytesScanned + (web?.bytesScanned ?? 0),
        );
        return { ok: true, requestId: context.awsRequestId, ...summary };
      } finally {
        await close();
      }
    } catch (error) {
      deps.metrics.addMetric('RollupFailed', MetricUnit.Count, 1);
      const failure = error instanceof Error ? error : new Error(String(error));
      deps.logger.error('rollup run failed', failure);
      throw failure;
    } finally {
      deps.metrics.publishStoredMetrics();
    }
  };
}
