/**
 * The AWS adapters both Lambdas wire from the same configuration (functions/handlers/report/config.ts):
 * Athena for the queries, S3 for snapshots and state, SES for the mail. The clients are made
 * once per execution environment, so warm invocations reuse their connections.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaEngine, type AthenaEngineLogger } from '../adapters/engines/athena.js';
import type { Mailer } from '../app/ports/mailer.js';
import type { RuntimeConfig } from './report/config.js';
import { S3Store } from '../adapters/stores/s3.js';
import { ADAPTER_RETRIES_CLIENT_CONFIG } from '../adapters/aws/retry.js';
import { AthenaUsageRollups, type RollupLogger } from '../adapters/rollups/athena.js';
import { SqsCsmDispatcher, SqsJsonClient } from '../adapters/queues/sqs.js';

export interface AwsAdapters {
  readonly s3Client: S3Client;
  /** One engine per invocation: its scan totals are that run's cost. */
  createEngine(config: RuntimeConfig, timeoutMs: number, logger: AthenaEngineLogger): AthenaEngine;
  createStore(config: RuntimeConfig): S3Store;
  /**
   * The SES mailer; `share` of the account's send rate (default all of it): each of n
   * concurrent senders takes 1/n, so together they keep to the account's rate.
   */
  createMailer(config: RuntimeConfig, share?: number): Promise<Mailer>;
  /** The CSM delivery queue's dispatcher (SendMessageBatch, signed as the S3 client's role). */
  createCsmDispatcher(queueUrl: string): SqsCsmDispatcher;
  /** The usage (and web) rollups over this engine, when the stack deployed them (USAGE_ROLLUPS_LOCATION). */
  createUsageRollups(
    config: RuntimeConfig,
    engine: AthenaEngine,
    logger: RollupLogger,
  ): AthenaUsageRollups | undefined;
}

export function awsAdapters(): AwsAdapters {
  // The engine retries Athena calls itself; S3 keeps the SDK's standard retries (retry.ts).
  const athenaClient = new AthenaClient(ADAPTER_RETRIES_CLIENT_CONFIG);
  const s3Client = new S3Client({});
  return {
    s3Client,
    createEngine: (config, timeoutMs, logger) =>
      new AthenaEngine({
        client: athenaClient,
        workgroup: config.athena.workgroup,
        database: config.athena.database,
        tables: config.athena.tables,
        catalog: config.athena.catalog,
        maxConcurrent: config.athena.maxConcurrent,
        pricePerTbUsd: config.athena.pricePerTbUsd,
        timeoutMs,
        logger,
      }),
    createStore: (config) =>
      new S3Store({ client: s3Client, bucket: config.snapshots.bucket, prefix: config.snapshots.prefix }),
    createUsageRollups: (config, engine, logger) =>
      config.usageRollups === null
        ? undefined
        : new AthenaUsageRollups({
            runner: engine,
            s3: s3Client,
            rollups: config.usageRollups.rollups,
            rawUsage: config.usageRollups.rawUsage,
            ...(config.usageRollups.rawWeb ? { rawWeb: config.usageRollups.rawWeb } : {}),
            timezone: config.report.timezone,
            logger,
          }),
    createCsmDispatcher: (queueUrl) =>
      new SqsCsmDispatcher({
        queueUrl,
        // The S3 client's resolved region and credentials: the function's own role, by the standard chain.
        client: new SqsJsonClient({
          region: () => s3Client.config.region(),
          credentials: () => s3Client.config.credentials(),
        }),
      }),
    createMailer: async (config, share = 1) => {
      // Loaded on first use: a dry run never loads a transport.
      const mail = await import('../adapters/mailers/index.js');
      return mail.createMailer({
        transport: 'ses',
        ...(config.mail.configurationSet ? { configurationSet: config.mail.configurationSet } : {}),
        // Sends are paced to the account's rate instead of leaning on throttling retries.
        maxSendRate: config.mail.maxSendRate * share,
      });
    },
  };
}
