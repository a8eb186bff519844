/**
 * Backfill: the snapshots of a range of complete periods, oldest first, written to the store
 * with the digest job's own dry run (so each is exactly the snapshot a single-period run
 * makes), sending nothing. A period already stored is skipped unless `force`, so a backfill
 * that was interrupted goes on where it stopped; and since each period's older trend points
 * come from the previous period's stored snapshot, only the first period computes all twelve.
 */
import { isComplete, nextPeriod, periodFromKey, type Period, type PeriodKind } from '../core/period.js';
import { runDigestJob, snapshotKey, type BuildSnapshotFn, type JobLogger } from './job.js';
import { InputError } from '../core/input-error.js';
import { type QueryEngine } from './ports/query-engine.js';
import type { ObjectStore } from './ports/object-store.js';

/** More periods than this is almost certainly a typo in --from (ten years of weeks). */
export const MAX_BACKFILL_PERIODS = 520;

const KEY_RE: Readonly<Record<PeriodKind, RegExp>> = {
  weekly: /^\d{4}-W\d{2}$/,
  monthly: /^\d{4}-\d{2}$/,
};
const KEY_EXAMPLE: Readonly<Record<PeriodKind, string>> = { weekly: '2026-W05', monthly: '2026-01' };

/** The periods from `from` through `to` (period keys), oldest first; every one must have ended. */
export function backfillPeriods(
  kind: PeriodKind,
  from: string,
  to: string,
  timezone: string,
  now: Date,
): Period[] {
  const parse = (flag: string, key: string): Period => {
    if (!KEY_RE[kind].test(key)) {
      throw new InputError(`--${flag} "${key}" is not a ${kind} period key (e.g. ${KEY_EXAMPLE[kind]})`);
    }
    try {
      return periodFromKey(key, timezone);
    } catch (error) {
      throw new InputError(`--${flag}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const first = parse('from', from);
  const last = parse('to', to);
  if (first.firstDay > last.firstDay) throw new InputError(`--from ${from} is after --to ${to}`);
  if (!isComplete(last, now)) {
    throw new InputError(
      `--to ${to} has not ended yet (it ends ${last.endUtc}); a backfill covers complete periods only`,
    );
  }
  const periods: Period[] = [first];
  while ((periods[periods.length - 1] as Period).key !== last.key) {
    if (periods.length >= MAX_BACKFILL_PERIODS) {
      throw new InputError(`--from ${from} --to ${to} spans more than ${MAX_BACKFILL_PERIODS} periods`);
    }
    periods.push(nextPeriod(periods[periods.length - 1] as Period));
  }
  return periods;
}

export type BackfillEvent =
  | { readonly type: 'start'; readonly total: number }
  | {
      readonly type: 'period';
      readonly index: number; // 1-based
      readonly total: number;
      readonly key: string;
      readonly outcome: 'computed' | 'skipped';
      readonly milliseconds: number;
      readonly snapshotUri: string;
    };

export interface BackfillDeps {
  /**
   * The engine, kept for the whole run (DuckDB), or a function opening one per period (Athena):
   * an Athena engine's scan totals are the cost of its whole life, and each snapshot must
   * record its own period's.
   */
  readonly engine: QueryEngine | (() => Promise<QueryEngine>);
  readonly store: ObjectStore;
  readonly logger?: JobLogger;
  readonly buildSnapshot?: BuildSnapshotFn;
  /** Told before the first period and after each one (the progress bar). */
  readonly onEvent?: (event: BackfillEvent) => void;
}

export interface BackfillRequest {
  readonly periods: readonly Period[];
  readonly currency: string;
  /** Recompute periods already stored. */
  readonly force: boolean;
  /** Report periods with no data instead of stopping (the report's `allowEmpty`). */
  readonly allowEmpty?: boolean;
  readonly now: Date;
}

export interface BackfillSummary {
  readonly computed: readonly string[];
  readonly skipped: readonly string[];
  readonly bytesScanned: number;
  readonly estimatedCostUsd: number;
}

export async function runBackfill(deps: BackfillDeps, request: BackfillRequest): Promise<BackfillSummary> {
  const { store } = deps;
  const total = request.periods.length;
  const computed: string[] = [];
  const skipped: string[] = [];
  let bytesScanned = 0;
  let estimatedCostUsd = 0;
  deps.onEvent?.({ type: 'start', total });
  for (const [i, period] of request.periods.entries()) {
    const started = Date.now();
    const key = snapshotKey(period);
    if (!request.force && (await store.get(key)) !== null) {
      skipped.push(period.key);
      deps.onEvent?.({
        type: 'period',
        index: i + 1,
        total,
        key: period.key,
        outcome: 'skipped',
        milliseconds: Date.now() - started,
        snapshotUri: store.uri(key),
      });
      continue;
    }
    const perPeriod = typeof deps.engine === 'function';
    const engine = typeof deps.engine === 'function' ? await deps.engine() : deps.engine;
    let summary;
    try {
      // The digest job's dry run: the same snapshot, the same store keys, no mail.
      summary = await runDigestJob(
        {
          engine,
          store,
          mailer: null,
          ...(deps.logger ? { logger: deps.logger } : {}),
          ...(deps.buildSnapshot ? { buildSnapshot: deps.buildSnapshot } : {}),
        },
        {
          period,
          currency: request.currency,
          locale: 'en',
          from: '',
          recipients: [],
          dryRun: true,
          force: false,
          ...(request.allowEmpty ? { allowEmpty: true } : {}),
          now: request.now,
        },
      );
    } finally {
      if (perPeriod) await engine.close();
    }
    bytesScanned += summary.bytesScanned;
    estimatedCostUsd += summary.estimatedCostUsd;
    computed.push(period.key);
    deps.onEvent?.({
      type: 'period',
      index: i + 1,
      total,
      key: period.key,
      outcome: 'computed',
      milliseconds: Date.now() - started,
      snapshotUri: summary.snapshotUri,
    });
  }
  return { computed, skipped, bytesScanned, estimatedCostUsd };
}
