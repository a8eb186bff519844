/**
 * The alert Lambda: daily, before the digests (docs/runtime.md#alerts). Athena for the queries,
 * S3 for snapshots and alert state, SES for the mail, SNS for chat tools.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { awsAdapters } from '../aws-adapters.js';
import { createAlertHandler } from './runtime.js';
import { SnsPublisher } from './sns.js';

const aws = awsAdapters();

export const handler = createAlertHandler({
  env: process.env,
  logger: new Logger(),
  metrics: new Metrics(),
  createEngine: (config, { logger }) => aws.createEngine(config, config.athena.queryTimeoutMs, logger),
  createStore: aws.createStore,
  createMailer: aws.createMailer,
  // The S3 client's resolved region and credentials: the function's own role, by the standard chain.
  createPublisher: (topicArn) =>
    new SnsPublisher({
      topicArn,
      region: () => aws.s3Client.config.region(),
      credentials: () => aws.s3Client.config.credentials(),
    }),
});
