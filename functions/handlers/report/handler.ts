/**
 * The report Lambda: Athena for queries, S3 for snapshots and the delivery ledger, SES for
 * mail. Invoked weekly and monthly by EventBridge Scheduler, or by hand (docs/runtime.md):
 *
 *   aws lambda invoke --function-name <name> --cli-binary-format raw-in-base64-out \
 *     --payload '{"period":"monthly","date":"2026-10-15","dryRun":true}' out.json
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AthenaEngine } from '../../adapters/engines/athena.js';
import { awsAdapters } from '../aws-adapters.js';
import { createReportHandler } from './runtime.js';

const aws = awsAdapters();

export const handler = createReportHandler({
  env: process.env,
  logger: new Logger(),
  metrics: new Metrics(),
  createEngine: (config, { queryTimeoutMs, logger }) => aws.createEngine(config, queryTimeoutMs, logger),
  createStore: aws.createStore,
  createMailer: (config) => aws.createMailer(config),
  // Scheduled CSM digests go to the delivery queue when the stack deployed one (CSM_QUEUE_URL).
  createCsmDispatcher: aws.createCsmDispatcher,
  createUsageRollups: (config, engine, logger) =>
    engine instanceof AthenaEngine ? aws.createUsageRollups(config, engine, logger) : undefined,
});
