/**
 * The alert function with its collaborators injected (handler.ts wires Athena, S3, SES, SNS).
 * Invoked daily by EventBridge Scheduler: `{"source":"alert-schedule","scheduledTime":…}`; the
 * scheduled time, not the clock, fixes the day evaluated, so a late retry evaluates the same day.
 * By hand: `{"dryRun": true}` evaluates without claiming or sending.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { jobLogger } from '../job-log.js';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import {
  runAlertJob,
  type AlertJobSummary,
  type AlertPublisher,
  type AlertSnapshotFn,
} from '../../app/alerts.js';
import type { JobLogger } from '../../app/job.js';
import { InputError } from '../../core/input-error.js';
import { type QueryEngine } from '../../app/ports/query-engine.js';
import type { Mailer } from '../../app/ports/mailer.js';
import type { ObjectStore } from '../../app/ports/object-store.js';
import type { RuntimeConfig } from '../report/config.js';
import type { LambdaContext } from '../report/runtime.js';
import { loadAlertConfig, type AlertConfig } from './config.js';

const eventSchema = z.union([
  z.strictObject({ source: z.literal('alert-schedule'), scheduledTime: z.iso.datetime({ offset: true }) }),
  z.strictObject({ dryRun: z.boolean().optional() }),
]);

export interface AlertHandlerDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  createEngine(
    config: RuntimeConfig,
    options: { readonly logger: JobLogger },
  ): QueryEngine | Promise<QueryEngine>;
  createStore(config: RuntimeConfig): ObjectStore;
  createMailer(config: RuntimeConfig): Mailer | Promise<Mailer>;
  createPublisher(topicArn: string): AlertPublisher;
  readonly clock?: () => Date;
  readonly buildSnapshot?: AlertSnapshotFn;
}

export interface AlertResponse {
  readonly ok: true;
  readonly requestId: string;
  readonly periods: AlertJobSummary['periods'];
  readonly fired: number;
  readonly sent: readonly string[];
  readonly published: boolean;
  readonly bytesScanned: number;
  readonly dryRun: boolean;
}

export type AlertHandler = (event: unknown, context: LambdaContext) => Promise<AlertResponse>;

export function createAlertHandler(deps: AlertHandlerDeps): AlertHandler {
  const { logger, metrics } = deps;
  const clock = deps.clock ?? (() => new Date());
  let config: AlertConfig | null = null;
  let configError: Error | null = null;
  try {
    config = loadAlertConfig(deps.env);
  } catch (error) {
    configError = error instanceof Error ? error : new Error(String(error));
    logger.error('the alert function is misconfigured', configError);
  }
  const log = jobLogger(logger);

  return async (event, context) => {
    logger.addContext(context);
    try {
      if (!config) throw configError ?? new Error('no configuration');
      const parsed = eventSchema.safeParse(event);
      if (!parsed.success) {
        throw new InputError(
          'invalid payload: expected the schedule\'s {"source":"alert-schedule","scheduledTime":…} or {"dryRun":true}',
        );
      }
      const now = 'scheduledTime' in parsed.data ? new Date(parsed.data.scheduledTime) : clock();
      const dryRun = 'dryRun' in parsed.data ? (parsed.data.dryRun ?? false) : false;
      const engine = await deps.createEngine(config, { logger: log });
      try {
        const summary = await runAlertJob(
          {
            engine,
            store: deps.createStore(config),
            mailer: dryRun || config.alerts.recipients.length === 0 ? null : await deps.createMailer(config),
            publisher:
              dryRun || config.alerts.topicArn === null ? null : deps.createPublisher(config.alerts.topicArn),
            logger: log,
            metrics: { addMetric: (name, unit, value) => metrics.addMetric(name, MetricUnit[unit], value) },
            ...(deps.buildSnapshot ? { buildSnapshot: deps.buildSnapshot } : {}),
          },
          {
            rules: config.alerts.rules,
            now,
            timezone: config.report.timezone,
            currency: config.report.currency,
            locale: config.report.locale,
            from: config.mail.sender,
            recipients: config.alerts.recipients,
            dryRun,
          },
        );
        return {
          ok: true,
          requestId: context.awsRequestId,
          periods: summary.periods,
          fired: summary.fired.length,
          sent: summary.sent,
          published: summary.published,
          bytesScanned: summary.bytesScanned,
          dryRun,
        };
      } finally {
        await engine.close();
      }
    } catch (error) {
      metrics.addMetric('AlertRunFailed', MetricUnit.Count, 1);
      logger.error('alert run failed', error instanceof Error ? error : new Error(String(error)));
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
