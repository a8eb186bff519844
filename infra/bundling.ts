/**
 * How the report Lambda is bundled. Shared by the NodejsFunction (report-function.ts) and by
 * scripts/bundle-size.ts, so the size it prints is the size that gets deployed.
 */
import { fileURLToPath } from 'node:url';

export const REPORT_HANDLER_ENTRY = fileURLToPath(
  new URL('../functions/handlers/report/handler.ts', import.meta.url),
);
export const REPORT_HANDLER_EXPORT = 'handler';
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const REPORT_BUNDLE = {
  target: 'node22',
  platform: 'node',
  format: 'esm',
  minify: true,
  sourceMap: true,
  /** Bundled CommonJS dependencies call require(); ESM output has none unless we make one. */
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  /** Prefer packages' ESM builds, which tree-shake better. */
  mainFields: ['module', 'main'],
  /**
   * Never part of the Lambda: DuckDB (native, local engine only) and the local-only tooling.
   * The AWS SDK is bundled rather than taken from the runtime so the deployed code runs the
   * exact SDK version it was tested with (S3 conditional writes need a recent one).
   * `typescript` (3.5 MB) is reachable only through cosmiconfig's loader for TypeScript config
   * files, which it requires lazily and the Lambda never reads.
   */
  externalModules: [
    '@duckdb/node-api',
    '@duckdb/node-bindings',
    'playwright-core',
    'aws-cdk-lib',
    'constructs',
    'typescript',
  ],
} as const;

/** Where the Lambda runtime unpacks the code. */
export const LAMBDA_TASK_ROOT = '/var/task';

/**
 * Files the code reads at run time rather than imports: copied next to the bundle, and their
 * folder passed in an environment variable. The query files are read by functions/sql/compose.ts.
 */
export const REPORT_BUNDLE_FILES = [
  { from: 'functions/sql', to: 'sql', extension: '.sql', envVar: 'SQL_DIR' },
] as const;

/**
 * A shell command that copies the files of `extension` under `from` into `to`, keeping the
 * folder structure. Node's fs.cpSync keeps it portable between Linux and macOS shells.
 */
export function copyFilesCommand(from: string, to: string, extension: string): string {
  const script =
    'const fs = require("node:fs");' +
    `fs.cpSync(${JSON.stringify(from)}, ${JSON.stringify(to)}, { recursive: true, ` +
    `filter: (p) => fs.statSync(p).isDirectory() || p.endsWith(${JSON.stringify(extension)}) });`;
  return `node -e '${script}'`;
}
