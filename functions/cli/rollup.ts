/**
 * `npm run rollup -- --data DIR [--rollups DIR] [--timezone Area/City] [--from DAY --to DAY]`:
 * brings the usage rollups of a local data folder up to date (docs/rollups.md), as a report
 * does for the days it reads. Problems with flags or input: one line, exit code 2.
 */
import { DuckDbEngine } from '../adapters/engines/duckdb.js';
import { InputError } from '../core/input-error.js';
import { LocalUsageRollups } from '../adapters/rollups/local.js';
import { UsageError } from './usage-error.js';
import { parseRollupArgs, ROLLUP_USAGE } from './rollup-options.js';

async function main(argv: readonly string[]): Promise<number> {
  const options = parseRollupArgs(argv);
  if (options.help) {
    process.stdout.write(ROLLUP_USAGE);
    return 0;
  }
  const started = performance.now();
  const engine = await DuckDbEngine.open({ dataDir: options.dataDir });
  try {
    const rollups = new LocalUsageRollups({
      engine,
      rollupDir: options.rollupDir,
      timezone: options.timezone,
    });
    const result = await rollups.sync({ fromDt: options.fromDt, toDt: options.toDt });
    if (!result.usable) throw new InputError(`no usage rollups: ${result.reason}`);
    console.log(
      `Usage rollups in ${options.rollupDir} (${result.timezone}): ${result.built.length} days built, ` +
        `${result.removed.length} removed, in ${Math.round(performance.now() - started)} ms`,
    );
    // The web rollups too, when the data has web events (the table is optional).
    if ((await engine.sources()).some((s) => s.table === 'web_events' && s.relation !== null)) {
      const webStarted = performance.now();
      const web = await rollups.sync({ fromDt: options.fromDt, toDt: options.toDt }, 'web_events');
      if (!web.usable) throw new InputError(`no web rollups: ${web.reason}`);
      console.log(
        `Web rollups in ${options.rollupDir} (${web.timezone}): ${web.built.length} days built, ` +
          `${web.removed.length} removed, in ${Math.round(performance.now() - webStarted)} ms`,
      );
    }
    return 0;
  } finally {
    await engine.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message}`);
    process.exitCode = error instanceof UsageError || error instanceof InputError ? 2 : 1;
  },
);
