/**
 * The CSM delivery function with its collaborators injected: handler.ts wires S3 and SES; the
 * tests wire a file store or a local S3 server and a mocked SES through the same code.
 *
 * One SQS message is one batch of owners (functions/core/csm-batch.ts). A message whose
 * digests did not all go out (a send failed, a claim is held by a live run, or the deadline
 * came) is reported as a batch item failure: SQS delivers it again after its visibility
 * timeout, the ledger skips the owners already sent, and after CSM_MAX_RECEIVE_COUNT
 * deliveries it lands in the dead-letter queue, whose alarm says a digest did not go out.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { jobLogger } from '../job-log.js';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { deliverCsmBatch, type RenderCsmDigestFn } from '../../app/csm-job.js';
import type { Mailer } from '../../app/ports/mailer.js';
import type { ObjectStore } from '../../app/ports/object-store.js';
import { parseCsmBatch } from '../../core/csm-batch.js';
import { LEASE_MS, SEND_TIMEOUT_MS } from '../../core/delivery-timing.js';
import { InputError } from '../../core/input-error.js';
import { loadConfig, type RuntimeConfig } from '../report/config.js';
import type { LambdaContext } from '../report/runtime.js';

/** The parts of an SQS event the function reads. */
export interface SqsEvent {
  readonly Records: readonly {
    readonly messageId: string;
    readonly body: string;
    readonly attributes?: { readonly ApproximateReceiveCount?: string };
  }[];
}

/** The partial batch response of an SQS event source with reportBatchItemFailures. */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export interface CsmDigestsHandlerDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  createStore(config: RuntimeConfig): ObjectStore;
  /** The mailer; `share` of the account's send rate is this invocation's. */
  createMailer(config: RuntimeConfig, share: number): Mailer | Promise<Mailer>;
  readonly clock?: () => Date;
  readonly renderCsmDigest?: RenderCsmDigestFn;
}

export type CsmDigestsHandler = (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse>;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function createCsmDigestsHandler(deps: CsmDigestsHandlerDeps): CsmDigestsHandler {
  const { logger, metrics } = deps;
  const clock = deps.clock ?? (() => new Date());
  let config: RuntimeConfig | null = null;
  let configError: Error | null = null;
  try {
    config = loadConfig(deps.env);
    if (config.csm.domains.length === 0) {
      throw new InputError('invalid environment: CSM_DOMAINS is empty: no CSM digest may be sent');
    }
  } catch (error) {
    config = null;
    configError = error instanceof Error ? error : new Error(String(error));
    logger.error('the function is misconfigured', configError);
  }
  let mailer: Mailer | null = null;

  return async (event, context) => {
    logger.addContext(context);
    try {
      if (!config) throw configError ?? new Error('no configuration');
      const log = jobLogger(logger);
      const store = deps.createStore(config);
      // Paced to this invocation's share, so the concurrent ones keep to the account's rate.
      mailer ??= await deps.createMailer(config, 1 / config.csmDelivery.concurrency);
      const failures: { itemIdentifier: string }[] = [];
      for (const record of event.Records) {
        let batch;
        try {
          batch = parseCsmBatch(record.body);
        } catch (error) {
          // Redelivered until the dead-letter queue keeps it for a look.
          logger.error('not a CSM batch message', { messageId: record.messageId, error: describe(error) });
          failures.push({ itemIdentifier: record.messageId });
          continue;
        }
        logger.appendKeys({ period: batch.period.key, periodKind: batch.period.kind });
        const remaining = context.getRemainingTimeInMillis?.();
        try {
          const summary = await deliverCsmBatch(
            {
              store,
              mailer,
              logger: log,
              clock,
              ...(deps.renderCsmDigest ? { renderCsmDigest: deps.renderCsmDigest } : {}),
            },
            batch,
            {
              domains: config.csm.domains,
              leaseMs: LEASE_MS,
              ...(remaining === undefined
                ? {}
                : { stopSendingAt: new Date(clock().getTime() + remaining - SEND_TIMEOUT_MS) }),
            },
          );
          metrics.addMetric('CsmDigestsSent', MetricUnit.Count, summary.sent.length);
          if (summary.failed.length > 0)
            metrics.addMetric('CsmDigestsFailed', MetricUnit.Count, summary.failed.length);
          const incomplete = summary.failed.length > 0 || summary.inFlight.length > 0;
          logger[incomplete ? 'error' : 'info']('CSM batch delivered', {
            messageId: record.messageId,
            receiveCount: record.attributes?.ApproximateReceiveCount,
            sent: summary.sent,
            skipped: summary.skipped,
            inFlight: summary.inFlight,
            failed: summary.failed,
          });
          if (incomplete) failures.push({ itemIdentifier: record.messageId });
        } catch (error) {
          // The store refused (or ignores conditional writes): nothing more was sent.
          logger.error('CSM batch failed', { messageId: record.messageId, error: describe(error) });
          failures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures: failures };
    } catch (error) {
      metrics.addMetric('CsmDeliveryFailed', MetricUnit.Count, 1);
      const failure = error instanceof Error ? error : new Error(String(error));
      logger.error('CSM delivery failed', failure);
      throw failure;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
