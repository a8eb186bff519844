/**
 * The report Lambda: Athena for queries, S3 for snapshots and the delivery ledger, SES for
 * mail. Invoked weekly and monthly by EventBridge Scheduler, or by hand (docs/runtime.md):
 *
 *   aws lambda invoke --function-name <name> --cli-binary-format raw-in-base64-out \
 *     --payload '{"period":"monthly","date":"2026-10-15","dryRun":true}' out.json
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { ADAPTER_RETRIES_CLIENT_CONFIG } from '../aws/retry.js';
import { AthenaEngine } from '../engines/athena.js';
import { S3Store } from '../stores/s3.js';
import { createReportHandler } from './runtime.js';

// Clients live for the whole execution environment, so warm invocations reuse connections.
// The engine retries Athena calls itself; S3 keeps the SDK's standard retries (functions/aws/retry.ts).
const athenaClient = new AthenaClient(ADAPTER_RETRIES_CLIENT_CONFIG);
const s3Client = new S3Client({});

export const handler = createReportHandler({
  env: process.env,
  logger: new Logger(),
  metrics: new Metrics(),
  createEngine: (config, { queryTimeoutMs, logger }) =>
    // One engine per invocation: its scan totals are this report's cost.
    new AthenaEngine({
      client: athenaClient,
      workgroup: config.athena.workgroup,
      database: config.athena.database,
      tables: config.athena.tables,
      catalog: config.athena.catalog,
      maxConcurrent: config.athena.maxConcurrent,
      pricePerTbUsd: config.athena.pricePerTbUsd,
      timeoutMs: queryTimeoutMs,
      logger,
    }),
  createStore: (config) =>
    new S3Store({ client: s3Client, bucket: config.snapshots.bucket, prefix: config.snapshots.prefix }),
  createMailer: async (config) => {
    // Loaded on first use: a dry run never loads the mail stack.
    const mail = await import('../mail/index.js');
    return mail.createMailer({
      transport: 'ses',
      ...(config.mail.configurationSet ? { configurationSet: config.mail.configurationSet } : {}),
    });
  },
});
