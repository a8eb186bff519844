/**
 * How the report Lambda is bundled. Shared by the NodejsFunction (report-function.ts) and by
 * scripts/bundle-size.ts, so the size it prints is the size that gets deployed.
 */
import { fileURLToPath } from 'node:url';

export const REPORT_HANDLER_ENTRY = fileURLToPath(new URL('../functions/report/handler.ts', import.meta.url));
export const REPORT_HANDLER_EXPORT = 'handler';
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const REPORT_BUNDLE = {
  target: 'node22',
  platform: 'node',
  format: 'esm',
  minify: true,
  sourceMap: true,
  /** Bundled CommonJS dependencies call require(); ESM output has none unless we make one. */
  banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  /** Prefer packages' ESM builds, which tree-shake better. */
  mainFields: ['module', 'main'],
  /**
   * Never part of the Lambda: DuckDB (native, local engine only) and the local-only tooling.
   * The AWS SDK is bundled rather than taken from the runtime so the deployed code runs the
   * exact SDK version it was tested with (S3 conditional writes need a recent one).
   */
  externalModules: ['@duckdb/node-api', '@duckdb/node-bindings', 'playwright-core', 'aws-cdk-lib', 'constructs'],
} as const;
