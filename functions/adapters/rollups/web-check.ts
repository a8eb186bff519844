/**
 * The check both rollup adapters make before a report reads the web rollups: sessions of the
 * range's days whose events span more than 24 hours (web_rollup_check.sql, docs/rollups.md).
 * A day's rollup saw only the day either side of it, so such a session's figures come only
 * from the raw events.
 */
import { rollupCalendar } from '../../core/rollup-plan.js';
import { composeQuery } from '../../sql/compose.js';
import type { QueryRequest, TableSource } from '../../app/ports/query-engine.js';
import type { Row } from '../../core/sql-values.js';

export function webRollupCheckQuery(
  sources: readonly TableSource[],
  range: { readonly fromDt: string; readonly toDt: string },
  timezone: string,
): QueryRequest {
  return composeQuery(
    'web_rollup_check',
    [
      { type: 'varchar', value: range.fromDt },
      { type: 'varchar', value: range.toDt },
    ],
    { sources, currency: 'USD', periods: rollupCalendar(range.fromDt, range.toDt, timezone) },
  );
}

/** Why the report reads the raw web events, or null when no session lasts over 24 hours. */
export function longSessionsReason(rows: readonly Row[]): string | null {
  const long = Number(rows[0]?.long_sessions ?? 0);
  return long > 0
    ? `${long} web session${long === 1 ? '' : 's'} of the report's days last over 24 hours: only the raw events give their figures`
    : null;
}
