/**
 * The share of a table's rows that the data-quality checks excluded, and what the report does
 * about it: above the warning share the digest and the summary say so, above the stop share the
 * run stops (figures built on half a table are not figures). Pure, so it is unit-tested.
 */
import type { TableName } from '../contract/contract.js';

/** The parts of a snapshot's `dataQuality.tables[]` entry the share is computed from. */
export interface TableRowCounts {
  readonly table: TableName;
  readonly present: boolean;
  readonly rowsRead: number;
  readonly rowsExcluded: number;
}

export interface ExclusionThresholds {
  /** Warn when more than this share (0–1) of a table's rows is excluded; default 0.05. */
  readonly warnShare: number;
  /** Stop when more than this share (0–1) is excluded; default 0.5. */
  readonly stopShare: number;
}

export const DEFAULT_EXCLUSION_THRESHOLDS: ExclusionThresholds = { warnShare: 0.05, stopShare: 0.5 };

export interface TableExclusionShare {
  readonly table: TableName;
  /** Rows the check read. */
  readonly rowsRead: number;
  readonly rowsExcluded: number;
  /** rowsExcluded / rowsRead, 0–1. */
  readonly share: number;
}

/** The one place that knows which count of a `dataQuality.tables[]` entry is "rows read". */
export function rowsReadOf(t: TableRowCounts): number {
  return t.rowsRead;
}

/** The share of a table's rows excluded, or null for an absent table or one with no rows. */
export function exclusionShare(t: TableRowCounts): TableExclusionShare | null {
  const rowsRead = rowsReadOf(t);
  if (!t.present || rowsRead <= 0) return null;
  return { table: t.table, rowsRead, rowsExcluded: t.rowsExcluded, share: t.rowsExcluded / rowsRead };
}

export interface ExclusionVerdict {
  /** Tables above the warning share (the stop share included), largest share first. */
  readonly warnings: readonly TableExclusionShare[];
  /** Tables above the stop share, largest share first. */
  readonly stops: readonly TableExclusionShare[];
}

export function exclusionVerdict(
  tables: readonly TableRowCounts[],
  thresholds: ExclusionThresholds = DEFAULT_EXCLUSION_THRESHOLDS,
): ExclusionVerdict {
  const shares = tables
    .map(exclusionShare)
    .filter((s): s is TableExclusionShare => s !== null)
    .sort((a, b) => b.share - a.share || a.table.localeCompare(b.table));
  return {
    warnings: shares.filter((s) => s.share > thresholds.warnShare),
    stops: shares.filter((s) => s.share > thresholds.stopShare),
  };
}

/** Checks a pair of thresholds; the message names `what` (a flag, a field or a variable). */
export function validateThresholds(thresholds: ExclusionThresholds, what: string): string | null {
  const { warnShare, stopShare } = thresholds;
  const ok = (v: number): boolean => Number.isFinite(v) && v >= 0 && v <= 1;
  if (!ok(warnShare) || !ok(stopShare)) return `${what}: shares must be between 0 and 100 %`;
  if (warnShare > stopShare) return `${what}: the warning share must not be above the stop share`;
  return null;
}

/** "12.5 %" — the share as the CLI and the logs show it. */
export function formatShare(share: number): string {
  return `${(Math.round(share * 1000) / 10).toString()} %`;
}
