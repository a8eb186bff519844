/**
 * The check both rollup adapters make before a report reads the usage or web rollups: sessions
 * of the range's days whose events span more than 24 hours (usage_rollup_check.sql,
 * web_rollup_check.sql; docs/rollups.md). A day's rollup saw only the day either side of it, so
 * such a session's figures come only from the raw events.
 */
import { rollupCalendar, type RolledUpTable } from '../../core/rollup-plan.js';
import { composeQuery } from '../../sql/compose.js';
import type { QueryRequest, TableSource } from '../../app/ports/query-engine.js';
import type { Row } from '../../core/sql-values.js';

const CHECK_QUERIES: Readonly<Record<RolledUpTable, string>> = {
  usage_events: 'usage_rollup_check',
  web_events: 'web_rollup_check',
};

const NOUNS: Readonly<Record<RolledUpTable, string>> = { usage_events: 'usage', web_events: 'web' };

export function longSessionsQuery(
  table: RolledUpTable,
  sources: readonly TableSource[],
  range: { readonly fromDt: string; readonly toDt: string },
  timezone: string,
): QueryRequest {
  return composeQuery(
    CHECK_QUERIES[table],
    [
      { type: 'varchar', value: range.fromDt },
      { type: 'varchar', value: range.toDt },
    ],
    { sources, currency: 'USD', periods: rollupCalendar(range.fromDt, range.toDt, timezone) },
  );
}

/** Why the report reads the raw events, or null when no session lasts over 24 hours. */
export function longSessionsReason(table: RolledUpTable, rows: readonly Row[]): string | null {
  const long = Number(rows[0]?.long_sessions ?? 0);
  return long > 0
    ? `${long} ${NOUNS[table]} session${long === 1 ? '' : 's'} of the report's days last over 24 hours: only the raw events give their figures`
    : null;
}
