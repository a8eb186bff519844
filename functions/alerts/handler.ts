/**
 * The alert Lambda: daily, before the digests (docs/runtime.md#alerts). Athena for the queries,
 * S3 for snapshots and alert state, SES for the mail, SNS for chat tools.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaEngine } from '../engines/athena.js';
import { S3Store } from '../stores/s3.js';
import { createAlertHandler } from './runtime.js';
import { SnsPublisher } from './sns.js';
import { ADAPTER_RETRIES_CLIENT_CONFIG } from '../aws/retry.js';

// The engine retries Athena calls itself (functions/aws/retry.ts).
const athenaClient = new AthenaClient(ADAPTER_RETRIES_CLIENT_CONFIG);
const s3Client = new S3Client({});

export const handler = createAlertHandler({
  env: process.env,
  logger: new Logger(),
  metrics: new Metrics(),
  createEngine: (config, { logger }) =>
    new AthenaEngine({
      client: athenaClient,
      workgroup: config.athena.workgroup,
      database: config.athena.database,
      tables: config.athena.tables,
      catalog: config.athena.catalog,
      maxConcurrent: config.athena.maxConcurrent,
      pricePerTbUsd: config.athena.pricePerTbUsd,
      timeoutMs: config.athena.queryTimeoutMs,
      logger,
    }),
  createStore: (config) =>
    new S3Store({ client: s3Client, bucket: config.snapshots.bucket, prefix: config.snapshots.prefix }),
  createMailer: async (config) => {
    const mail = await import('../mail/index.js');
    return mail.createMailer({
      transport: 'ses',
      ...(config.mail.configurationSet ? { configurationSet: config.mail.configurationSet } : {}),
    });
  },
  // The S3 client's resolved region and credentials: the function's own role, by the standard chain.
  createPublisher: (topicArn) =>
    new SnsPublisher({
      topicArn,
      region: () => s3Client.config.region(),
      credentials: () => s3Client.config.credentials(),
    }),
});
