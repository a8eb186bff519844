/**
 * `npm run sample -- --out DIR [--seed N] [--end YYYY-MM-DD] [--months N] [--accounts N]
 * [--events N] [--csms N] [--no-bad-rows]`: writes a generated dataset as Parquet, one folder per table.
 */
import { parseArgs } from 'node:util';
import { DEFAULTS, type GenerateOptions, SampleOptionsError, generateSampleData } from './generate.js';

const USAGE =
  'usage: npm run sample -- --out DIR [--seed N] [--end YYYY-MM-DD] [--months N] [--accounts N] [--events N] [--csms N] [--no-bad-rows]';

class UsageError extends Error {}

const FLAGS: Record<keyof GenerateOptions, string> = {
  outDir: '--out',
  seed: '--seed',
  endDate: '--end',
  months: '--months',
  accounts: '--accounts',
  usageEvents: '--events',
  includeBadRows: '--no-bad-rows',
  csms: '--csms',
};

function integerFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.replace(/_/g, '')))
    throw new UsageError(`--${name} must be a whole number, got "${text}"`);
  return Number(text.replace(/_/g, ''));
}

function parseCliArgs(argv: readonly string[], now: Date): GenerateOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        seed: { type: 'string' },
        end: { type: 'string' },
        months: { type: 'string' },
        accounts: { type: 'string' },
        events: { type: 'string' },
        csms: { type: 'string' },
        'no-bad-rows': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) throw new UsageError(USAGE);
  if (values.out === undefined || values.out === '') throw new UsageError('--out DIR is required');
  return {
    outDir: values.out,
    seed: integerFlag('seed', values.seed) ?? 42,
    endDate: values.end ?? now.toISOString().slice(0, 10),
    months: integerFlag('months', values.months) ?? DEFAULTS.months,
    accounts: integerFlag('accounts', values.accounts) ?? DEFAULTS.accounts,
    usageEvents: integerFlag('events', values.events) ?? DEFAULTS.usageEvents,
    includeBadRows: !values['no-bad-rows'],
    ...(values.csms !== undefined ? { csms: integerFlag('csms', values.csms) ?? 0 } : {}),
  };
}

async function main(): Promise<number> {
  let options: GenerateOptions;
  try {
    options = parseCliArgs(process.argv.slice(2), new Date());
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`sample: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const started = performance.now();
  try {
    const result = await generateSampleData(options);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `Wrote ${result.startDate} .. ${result.endDate} (seed ${result.seed}) to ${result.outDir} in ${seconds} s`,
    );
    for (const table of result.tables) {
      console.log(
        `  ${table.table.padEnd(17)} ${String(table.rows).padStart(11)} rows  ${table.files.length} file(s)`,
      );
    }
    const bad = result.badRows.reduce((sum, b) => sum + b.rows, 0);
    console.log(
      bad === 0 ? '  no contract-breaking rows' : `  ${bad} contract-breaking rows (see manifest.json)`,
    );
    return 0;
  } catch (error) {
    if (error instanceof SampleOptionsError) {
      console.error(`sample: ${FLAGS[error.option]} ${error.problem}`);
      return 2;
    }
    console.error(`sample: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
