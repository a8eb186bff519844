/**
 * The daily rollup job (docs/rollups.md#portability-and-aws): brings the rollups of every raw
 * usage_events partition, then of every web_events partition where the deployment has web
 * rollups, up to date (missing days, days whose files changed, days whose files are gone),
 * newest first and bounded per run, and fails loudly when a day could not be built so that the
 * function's error alarm fires. The days it did build stay recorded.
 */
import { z } from 'zod';
import { InputError } from '../core/input-error.js';
import { calendarDateSchema, problem } from '../core/validators.js';
import type { MaintainedUsageRollups, RolledUpEvents, RollupSyncResult } from './ports/usage-rollups.js';

/** Days one run builds at most: a first run over a long history continues on the next days. */
export const JOB_MAX_DAYS_PER_RUN = 62;

export interface RollupJobRequest {
  readonly fromDt?: string;
  readonly toDt?: string;
  readonly dryRun: boolean;
}

const eventSchema = z.strictObject({
  // The schedule's own fields; they do not change what is built.
  source: z.literal('rollup-schedule').optional(),
  scheduledTime: z.string().optional(),
  fromDt: calendarDateSchema.optional(),
  toDt: calendarDateSchema.optional(),
  dryRun: z.boolean().optional(),
});

/** The invocation's event: `{fromDt?, toDt?, dryRun?}` by hand, or the schedule's. */
export function parseRollupEvent(event: unknown): RollupJobRequest {
  const parsed = eventSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown field(s) ${i.keys.join(', ')} (expected fromDt, toDt, dryRun)`
        : problem(i.path.join('.'), i.message),
    );
    throw new InputError(`invalid rollup event: ${issues.join('; ')}`);
  }
  const { fromDt, toDt, dryRun } = parsed.data;
  if (fromDt !== undefined && toDt !== undefined && fromDt > toDt) {
    throw new InputError(`invalid rollup event: fromDt ${fromDt} is after toDt ${toDt}`);
  }
  return {
    ...(fromDt !== undefined ? { fromDt } : {}),
    ...(toDt !== undefined ? { toDt } : {}),
    dryRun: dryRun ?? false,
  };
}

export interface RollupJobLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface RollupJobDeps {
  readonly rollups: MaintainedUsageRollups;
  readonly logger?: RollupJobLogger;
  /** Start no day after this instant (the invocation's deadline less a margin). */
  readonly startNoDayAfter?: Date;
  readonly maxDays?: number;
}

/** One set's part of a run (the web rollups'), as the summary lists it. */
export type RollupSetSummary = Omit<RollupSyncResult, 'failed' | 'timezone'>;

/** The usage rollups' run at the top (as before web rollups existed), the web rollups' in `web`. */
export type RollupJobSummary = Omit<RollupSyncResult, 'failed'> & {
  readonly dryRun: boolean;
  readonly web?: RollupSetSummary;
};

/** A day could not be built: the run fails after recording the days built before it. */
export class RollupJobError extends Error {
  override readonly name = 'RollupJobError';
  constructor(
    message: string,
    readonly result: RollupSyncResult,
  ) {
    super(message);
  }
}

const NOUN: Readonly<Record<RolledUpEvents, string>> = { usage_events: 'usage', web_events: 'web' };

export async function runRollupJob(
  deps: RollupJobDeps,
  request: RollupJobRequest,
): Promise<RollupJobSummary> {
  const results = new Map<RolledUpEvents, RollupSyncResult>();
  // Usage first (every report reads it), then web; each set is bounded on its own, the
  // deadline is shared. A set that fails does not keep the other from being brought up to date.
  for (const table of deps.rollups.tables) {
    const result = await deps.rollups.sync({
      ...(table === 'usage_events' ? {} : { table }),
      ...(request.fromDt !== undefined ? { fromDt: request.fromDt } : {}),
      ...(request.toDt !== undefined ? { toDt: request.toDt } : {}),
      dryRun: request.dryRun,
      maxDays: deps.maxDays ?? JOB_MAX_DAYS_PER_RUN,
      ...(deps.startNoDayAfter ? { startNoDayAfter: deps.startNoDayAfter } : {}),
    });
    results.set(table, result);
    if (result.failed !== null) {
      deps.logger?.error(`${NOUN[table]} rollup failed`, { ...withoutFailed(result), failed: result.failed });
    } else {
      deps.logger?.info(`${NOUN[table]} rollups done`, {
        dryRun: request.dryRun,
        timezone: result.timezone,
        built: result.built.length,
        removed: result.removed.length,
        pending: result.pending.length,
        current: result.current,
        bytesScanned: result.bytesScanned,
      });
    }
  }
  for (const [table, result] of results) {
    const { failed } = result;
    if (failed === null) continue;
    throw new RollupJobError(
      `${NOUN[table]} rollup of ${failed.dt} failed: ${failed.reason}; ${result.built.length} days were built ` +
        `before it, ${result.pending.length} are left for the next run`,
      result,
    );
  }
  const usage = results.get('usage_events');
  if (usage === undefined) throw new Error('the rollups keep no usage_events rollups');
  const web = results.get('web_events');
  return {
    ...withoutFailed(usage),
    dryRun: request.dryRun,
    ...(web === undefined ? {} : { web: setSummary(web) }),
  };
}

function setSummary(result: RollupSyncResult): RollupSetSummary {
  const { failed: _failed, timezone: _timezone, ...rest } = result;
  return rest;
}

function withoutFailed(result: RollupSyncResult): Omit<RollupSyncResult, 'failed'> {
  const { failed: _failed, ...rest } = result;
  return rest;
}
