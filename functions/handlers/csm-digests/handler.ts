/**
 * The CSM delivery Lambda: one SQS message, one batch of CSM digests, rendered from their
 * stored snapshots (S3) and sent by SES through the delivery ledger (docs/csm-digests.md#fan-out).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { awsAdapters } from '../aws-adapters.js';
import { createCsmDigestsHandler } from './runtime.js';

const aws = awsAdapters();

export const handler = createCsmDigestsHandler({
  env: process.env,
  logger: new Logger(),
  metrics: new Metrics(),
  createStore: aws.createStore,
  createMailer: aws.createMailer,
});
