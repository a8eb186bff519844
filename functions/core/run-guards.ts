/**
 * Runs that are obviously wrong stop instead of sending a digest of "n/a": no contract table,
 * tables without rows, a period wholly outside the data, or a table mostly excluded by the
 * data-quality checks. Each stop is a named error with one line (exit code 2 on the CLI);
 * `allowEmpty` lets an empty run through on purpose. Pure, so it is unit-tested.
 */
import type { Period } from './period.js';
import type { ExclusionCount } from './snapshot.js';
import { REPORT_TABLES, TABLE_NAMES, type TableName } from '../contract/contract.js';
import { formatShare, type ExclusionThresholds, type TableExclusionShare } from './exclusion-share.js';

/** A run stopped because its input or its settings would make the figures wrong or empty. */
export class ReportStoppedError extends Error {
  override name = 'ReportStoppedError';
}

/** The data holds nothing to report on for the period. */
export class EmptyDataError extends ReportStoppedError {
  override name = 'EmptyDataError';
}

/** More than the stop share of a table's rows was excluded. */
export class ExcessiveExclusionError extends ReportStoppedError {
  override name = 'ExcessiveExclusionError';
}

export interface ReportGuards {
  /** Make the report even when there is no data for the period (every KPI n/a). */
  readonly allowEmpty: boolean;
  readonly thresholds: ExclusionThresholds;
}

export interface DataCoverage {
  /** Contract tables of the report that are present (configured, or a folder with files). */
  readonly presentTables: readonly string[];
  /** Rows read from the present tables (event tables: the partitions of the period). */
  readonly rowsRead: number;
  /**
   * What the clean business rows cover (coverageOfSpans): calendar days of the date columns
   * (YYYY-MM-DD) and instants of the timestamp columns (ISO-8601, UTC); null without rows.
   */
  readonly days: { readonly earliest: string; readonly latest: string } | null;
  readonly instants: { readonly earliest: string; readonly latest: string } | null;
}

/**
 * The tables whose clean rows tell what the business data covers, by their freshness columns:
 * calendar days (subscriptions.start_date, invoices.issued_at, cs_costs.month) and UTC instants
 * (accounts.created_at, survey_responses.responded_at, support_tickets.created_at,
 * usage_events.occurred_at, the latter in the period's partitions with a day either side, as
 * its data-quality counts read them). Exchange rates are not business data.
 */
export const DATA_SPAN_TABLES: readonly TableName[] = TABLE_NAMES.filter(
  // Website and social data tell nothing of the customers' accounts, billing or product use.
  (t) => t !== 'fx_rates' && t !== 'web_events' && t !== 'social_posts',
);

/** What one table's clean rows span: YYYY-MM-DD days or ISO-8601 UTC instants. */
export interface TableSpan {
  readonly table: TableName;
  readonly kind: 'day' | 'instant';
  readonly from: string;
  readonly to: string;
}

/**
 * The coverage of the business data from the spans of its tables (the data-quality counts give
 * each table's, so the tables are not read again): the earliest and latest day and instant.
 */
export function coverageOfSpans(spans: readonly TableSpan[]): Pick<DataCoverage, 'days' | 'instants'> {
  const business = spans.filter((s) => DATA_SPAN_TABLES.includes(s.table));
  const days = business.filter((s) => s.kind === 'day');
  const instants = business.filter((s) => s.kind === 'instant');
  const widest = (
    of: readonly TableSpan[],
    before: (a: string, b: string) => boolean,
  ): { earliest: string; latest: string } | null =>
    of.length === 0
      ? null
      : {
          earliest: of.map((s) => s.from).reduce((a, b) => (before(b, a) ? b : a)),
          latest: of.map((s) => s.to).reduce((a, b) => (before(a, b) ? b : a)),
        };
  return {
    days: widest(days, (a, b) => a < b),
    instants: widest(instants, (a, b) => Date.parse(a) < Date.parse(b)),
  };
}

type GuardPeriod = Pick<Period, 'key' | 'firstDay' | 'lastDay' | 'startUtc' | 'endUtc'>;

/** Why the run has nothing to report on, or null when it has. */
export function emptyDataReason(period: GuardPeriod, coverage: DataCoverage): string | null {
  const span = `period ${period.key} (${period.firstDay} to ${period.lastDay})`;
  if (coverage.presentTables.length === 0) {
    return `the data has no table of the data contract (${REPORT_TABLES.join(', ')})`;
  }
  const { days, instants } = coverage;
  if (days === null && instants === null) {
    return coverage.rowsRead === 0
      ? `the data tables (${coverage.presentTables.join(', ')}) hold no rows`
      : `the data has no usable rows for the ${span}`;
  }
  // Dates are compared with the period's calendar days, instants with its instants.
  const start = Date.parse(period.startUtc);
  const end = Date.parse(period.endUtc);
  const before =
    (days === null || period.lastDay < days.earliest) &&
    (instants === null || end <= Date.parse(instants.earliest));
  if (before) {
    return `the ${span} is before the data starts (${firstOf(days?.earliest, instants?.earliest)})`;
  }
  const after =
    (days === null || period.firstDay > days.latest) &&
    (instants === null || start > Date.parse(instants.latest));
  if (after) return `the ${span} is after the data ends (${lastOf(days?.latest, instants?.latest)})`;
  return null;
}

/** The earlier / later of a day and an instant, as the day it falls on (UTC). */
function firstOf(day: string | undefined, instant: string | undefined): string {
  const values = [day, instant?.slice(0, 10)].filter((v): v is string => v !== undefined);
  return values.reduce((a, b) => (b < a ? b : a));
}
function lastOf(day: string | undefined, instant: string | undefined): string {
  const values = [day, instant?.slice(0, 10)].filter((v): v is string => v !== undefined);
  return values.reduce((a, b) => (b > a ? b : a));
}

/** Throws EmptyDataError unless the run has data or empty runs are allowed. */
export function assertHasData(period: GuardPeriod, coverage: DataCoverage, guards: ReportGuards): void {
  if (guards.allowEmpty) return;
  const reason = emptyDataReason(period, coverage);
  if (reason !== null) {
    throw new EmptyDataError(
      `${reason}; nothing sent (--allow-empty, or allowEmpty in the payload, reports anyway)`,
    );
  }
}

/** Throws ExcessiveExclusionError naming the worst table (and its main reason) above the stop share. */
export function assertExclusionsBelowStop(
  stops: readonly TableExclusionShare[],
  excluded: readonly Pick<ExclusionCount, 'table' | 'reason' | 'rows'>[],
  guards: ReportGuards,
): void {
  const worst = stops[0];
  if (worst === undefined) return;
  const main = excluded
    .filter((e) => e.table === worst.table)
    .reduce<Pick<ExclusionCount, 'reason' | 'rows'> | null>(
      (a, e) => (a === null || e.rows > a.rows ? e : a),
      null,
    );
  throw new ExcessiveExclusionError(
    `${worst.table}: ${formatShare(worst.share)} of its rows were excluded (${worst.rowsExcluded} of ${worst.rowsRead}` +
      `${main ? `, most as ${main.reason}` : ''}), above the stop share of ${formatShare(guards.thresholds.stopShare)}; nothing sent`,
  );
}
