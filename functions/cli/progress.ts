/**
 * The backfill's progress on stderr: on a terminal one bar redrawn in place (period, elapsed
 * time, an estimate of the rest); otherwise (a log, CI) one plain line per period.
 */
import type { BackfillEvent } from '../app/backfill.js';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** 75 s → "1:15", 3725 s → "1:02:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

export interface ProgressState {
  readonly done: number;
  readonly total: number;
  readonly key: string;
  readonly outcome: 'computed' | 'skipped';
  readonly elapsedMs: number;
  /** Average time of a computed period so far (skipped ones cost almost nothing). */
  readonly perComputedMs: number | null;
}

/** The estimate of the rest: the periods left at the average computed period's time. */
export function remainingMs(state: ProgressState): number | null {
  if (state.perComputedMs === null) return null;
  return state.perComputedMs * (state.total - state.done);
}

const BAR_WIDTH = 24;

export function progressBar(state: ProgressState): string {
  const filled = Math.round((state.done / state.total) * BAR_WIDTH);
  const left = remainingMs(state);
  return (
    `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${state.done}/${state.total} ${state.key}` +
    ` ${state.outcome}, elapsed ${formatDuration(state.elapsedMs)}` +
    `, left ${left === null ? '?' : `~${formatDuration(left)}`}`
  );
}

export function progressLine(state: ProgressState): string {
  const left = remainingMs(state);
  return (
    `${state.done}/${state.total} ${state.key} ${state.outcome === 'skipped' ? 'already stored, skipped' : 'computed'}` +
    ` (elapsed ${formatDuration(state.elapsedMs)}, about ${left === null ? '?' : formatDuration(left)} left)`
  );
}

/** A listener for runBackfill's events that draws the progress on `stream`. */
export function createProgress(
  stream: ProgressStream,
  clock: () => number = Date.now,
): (event: BackfillEvent) => void {
  const tty = stream.isTTY === true;
  let started = clock();
  let computedMs = 0;
  let computed = 0;
  return (event) => {
    if (event.type === 'start') {
      started = clock();
      return;
    }
    if (event.outcome === 'computed') {
      computedMs += event.milliseconds;
      computed += 1;
    }
    const state: ProgressState = {
      done: event.index,
      total: event.total,
      key: event.key,
      outcome: event.outcome,
      elapsedMs: clock() - started,
      perComputedMs: computed > 0 ? computedMs / computed : null,
    };
    if (tty) {
      // \r and "erase line": the bar replaces itself; a newline after the last period.
      stream.write(`\r\u001b[2K${progressBar(state)}${event.index === event.total ? '\n' : ''}`);
    } else {
      stream.write(`${progressLine(state)}\n`);
    }
  };
}
