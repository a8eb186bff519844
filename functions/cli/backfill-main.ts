/**
 * `npm run backfill -- --period monthly --from 2025-12 --to 2026-10`: the snapshots of a range
 * of complete periods, oldest first, into the snapshot store (a folder, or s3://bucket/prefix
 * for a deployment's store), sending nothing. Stored periods are skipped (`--force` recomputes),
 * so running it again after an interruption goes on where it stopped.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { PERIOD_KINDS, type PeriodKind } from '../core/period.js';
import { backfillPeriods, runBackfill, type BackfillSummary } from '../app/backfill.js';
import { currencySchema, oneOfSchema, timeZoneSchema } from '../core/validators.js';
import { openStore } from '../adapters/stores/index.js';
import { ensureSampleData } from '../sample/default-data.js';
import { checkFlag, exitTwo, UsageError, type CommandIo } from './usage-error.js';
import { ENGINE_USAGE, openEngine, parseEngineFlags, type EngineChoice } from './engine.js';
import { createProgress } from './progress.js';

export const BACKFILL_USAGE = `Usage: npm run backfill -- --from KEY --to KEY [options]

  --period weekly|monthly   period kind (default weekly)
  --from KEY, --to KEY      first and last period, e.g. 2025-12 or 2026-W05 (both complete periods)
  --data DIR                data folder (--engine duckdb; default: bundled sample data)
  --store DIR|s3://b/p      snapshot store (default: the --out folder)
  --out DIR                 output folder (default ./out)
  --timezone Area/City      IANA time zone of the periods (default UTC)
  --currency CODE           reporting currency, ISO 4217 (default USD)
  --force                   recompute periods already stored
  --allow-empty             keep going through periods with no data (by default such a period stops the run)
${ENGINE_USAGE}  --help                    this text

Nothing is sent. Progress goes to stderr: a bar on a terminal, one line per period otherwise.
`;

export interface BackfillOptions {
  readonly help: boolean;
  readonly kind: PeriodKind;
  readonly from: string;
  readonly to: string;
  readonly dataDir: string | null;
  readonly store: string;
  readonly timezone: string;
  readonly currency: string;
  readonly force: boolean;
  readonly allowEmpty: boolean;
  readonly engine: EngineChoice;
}

export function parseBackfillArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BackfillOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        period: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        data: { type: 'string' },
        store: { type: 'string' },
        out: { type: 'string' },
        timezone: { type: 'string' },
        currency: { type: 'string' },
        force: { type: 'boolean' },
        'allow-empty': { type: 'boolean' },
        engine: { type: 'string' },
        workgroup: { type: 'string' },
        database: { type: 'string' },
        tables: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${message} (see --help)`);
  }
  const help = values.help ?? false;
  const kind: PeriodKind = checkFlag(oneOfSchema(PERIOD_KINDS), '--period', values.period ?? 'weekly');
  if (!help && (values.from === undefined || values.to === undefined)) {
    throw new UsageError('--from and --to are required, e.g. --from 2025-12 --to 2026-10 (see --help)');
  }
  const timezone = checkFlag(timeZoneSchema, '--timezone', values.timezone ?? 'UTC');
  const currency = checkFlag(currencySchema, '--currency', values.currency ?? 'USD');
  const engine = parseEngineFlags(values, env);
  let dataDir: string | null = null;
  if (values.data !== undefined) {
    if (engine.kind === 'athena') throw new UsageError('--data applies to --engine duckdb only');
    dataDir = resolve(values.data);
    if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
      throw new UsageError(`--data folder ${values.data} does not exist`);
    }
  }
  return {
    help,
    kind,
    from: values.from ?? '',
    to: values.to ?? '',
    dataDir,
    store: values.store ?? resolve(values.out ?? 'out'),
    timezone,
    currency,
    force: values.force ?? false,
    allowEmpty: values['allow-empty'] ?? false,
    engine,
  };
}

export interface BackfillIo extends CommandIo {
  /** Injectable for tests (aws-sdk-client-mock); default the standard chain. */
  readonly athenaClient?: AthenaClient;
}

/** Runs the command; returns the exit code (2: bad flags or input, one line on stderr). */
export async function backfillMain(argv: readonly string[], io: BackfillIo): Promise<number> {
  let summary: BackfillSummary;
  try {
    const options = parseBackfillArgs(argv, io.env);
    if (options.help) {
      io.stdout.write(BACKFILL_USAGE);
      return 0;
    }
    const periods = backfillPeriods(options.kind, options.from, options.to, options.timezone, io.now);
    let dataDir = options.dataDir ?? '';
    if (options.engine.kind === 'duckdb' && options.dataDir === null) {
      dataDir = (await ensureSampleData({ dir: resolve('sample-data'), today: io.now })).dir;
    }
    const store = openStore(options.store);
    io.stdout.write(
      `Backfill of ${periods.length} ${options.kind} periods, ${periods[0]?.key} to ${periods.at(-1)?.key}` +
        ` (${options.timezone}, ${options.currency}) on ${options.engine.kind} into ${store.location}\n`,
    );
    const open = () =>
      openEngine(options.engine, { dataDir, ...(io.athenaClient ? { athenaClient: io.athenaClient } : {}) });
    // DuckDB is opened once; Athena once per period, so each snapshot records its own scan cost.
    const shared = options.engine.kind === 'duckdb' ? await open() : null;
    try {
      summary = await runBackfill(
        { engine: shared ?? open, store, onEvent: createProgress(io.stderr) },
        {
          periods,
          currency: options.currency,
          force: options.force,
          allowEmpty: options.allowEmpty,
          now: io.now,
        },
      );
    } finally {
      await shared?.close();
    }
  } catch (error) {
    // A period that stops (no data, most rows excluded, no rate for the reporting currency)
    // stops the backfill there, in one line; the periods before it stay stored, so a rerun
    // goes on from it.
    const code = exitTwo(error, io.stderr);
    if (code === null) throw error;
    return code;
  }
  io.stdout.write(
    `${summary.computed.length} computed, ${summary.skipped.length} already stored` +
      (summary.skipped.length > 0 ? ' (--force recomputes them)' : '') +
      (summary.bytesScanned > 0
        ? `; Athena scanned ${summary.bytesScanned} bytes (about ${summary.estimatedCostUsd.toFixed(4)} USD)`
        : '') +
      '\n',
  );
  return 0;
}
