/**
 * Entry point of `npm run report` (functions/cli/report-main.ts does the work).
 *
 * With no flags: the previous complete ISO week of the bundled sample data (generated on first
 * use), snapshot and digest under ./out. Problems with flags or input: one line, exit code 2.
 */
import { reportMain } from './report-main.js';

reportMain(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  now: new Date(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message}`);
    if (process.env.DEBUG) console.error(error);
    process.exitCode = 1;
  },
);
