/** The flags of `npm run rollup` (functions/cli/rollup.ts), validated. */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertTimeZone } from '../core/period.js';
import { isCalendarDate } from '../core/validators.js';
import { UsageError } from './usage-error.js';

export const ROLLUP_USAGE = `Usage: npm run rollup -- --data DIR [options]

  --data DIR                data folder with one sub-folder per table
  --rollups DIR             the rollups' folder (default: OUT/rollups, OUT = --out or ./out)
  --out DIR                 the report output folder the default rollups folder is in
  --timezone Area/City      the deployment's time zone, for a folder without rollups yet
                            (default UTC; a folder with rollups keeps its zone)
  --from YYYY-MM-DD         first raw dt partition to bring up to date (default: all)
  --to YYYY-MM-DD           last one (default: all)
  --help                    this text
`;

export interface RollupOptions {
  readonly help: boolean;
  readonly dataDir: string;
  readonly rollupDir: string;
  readonly timezone: string;
  readonly fromDt: string;
  readonly toDt: string;
}

export function parseRollupArgs(argv: readonly string[]): RollupOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        rollups: { type: 'string' },
        out: { type: 'string' },
        timezone: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const text = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const help = values.help === true;
  const data = text('data');
  if (!help && data === undefined) throw new UsageError('--data DIR is required');
  const dataDir = resolve(data ?? '.');
  if (!help && (!existsSync(dataDir) || !statSync(dataDir).isDirectory())) {
    throw new UsageError(`--data ${data ?? ''} is not a folder`);
  }
  const timezone = text('timezone') ?? 'UTC';
  try {
    assertTimeZone(timezone);
  } catch {
    throw new UsageError(`--timezone "${timezone}" is not an IANA time zone (e.g. UTC, Europe/Warsaw)`);
  }
  const day = (name: 'from' | 'to', fallback: string): string => {
    const v = text(name);
    if (v === undefined) return fallback;
    if (!isCalendarDate(v)) throw new UsageError(`--${name} "${v}" is not a date YYYY-MM-DD`);
    return v;
  };
  const fromDt = day('from', '0000-01-01');
  const toDt = day('to', '9999-12-31');
  if (fromDt > toDt) throw new UsageError('--from is after --to');
  const rollupDir = resolve(text('rollups') ?? join(text('out') ?? 'out', 'rollups'));
  return { help, dataDir, rollupDir, timezone, fromDt, toDt };
}
