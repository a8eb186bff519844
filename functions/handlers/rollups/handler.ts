/**
 * The usage rollup Lambda (docs/rollups.md#portability-and-aws): daily, shortly after local
 * midnight, or by hand with `{"fromDt":"2026-11-01","toDt":"2026-11-30","dryRun":true}`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { awsAdapters } from '../aws-adapters.js';
import { createRollupHandler } from './runtime.js';

const aws = awsAdapters();

export const handler = createRollupHandler({
  env: process.env,
  logger: new Logger(),
  metrics: new Metrics(),
  createRollups: (config, { queryTimeoutMs, logger }) => {
    const engine = aws.createEngine(config, queryTimeoutMs, logger);
    const rollups = aws.createUsageRollups(config, engine, logger);
    if (!rollups) throw new Error('the usage rollups are not configured');
    return { rollups, close: () => engine.close() };
  },
});
