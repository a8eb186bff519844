/**
 * What a run that needs only some KPIs must compute and read: the KPI groups that produce
 * them and the contract tables those groups' queries read. The daily alert run uses it so a
 * rule on NPS reads survey responses and never scans usage events.
 */
import type { KpiGroup } from '../core/kpis/group.js';
import { ALL_GROUPS } from '../core/kpis/index.js';
import type { KpiId } from '../core/snapshot.js';
import { REPORT_TABLES, type TableName } from '../contract/contract.js';
import { tablesReadBy } from '../sql/compose.js';

/**
 * The query files each group runs (test/alert-scope.test.ts checks it against the queries the
 * groups really send). A group missing here is taken to read every table.
 */
export const GROUP_QUERIES: Readonly<Record<string, readonly string[]>> = {
  revenue: [
    'revenue_summary',
    'revenue_renewals',
    'revenue_conversions',
    'revenue_breakdown',
    'revenue_accounts',
  ],
  onboarding: ['onboarding_times'],
  engagement: ['usage_trend', 'usage_activity'],
  health: ['health_accounts', 'usage_activity'],
  voice: ['voice_scores', 'voice_comments'],
  support: ['support_tickets'],
  billing: ['billing_invoices', 'billing_retention_cost'],
};

/** The groups that compute `kpis`, in their run order. */
export function groupsFor(kpis: readonly KpiId[], groups: readonly KpiGroup[] = ALL_GROUPS): KpiGroup[] {
  return groups.filter((g) => g.kpis.some((k) => kpis.includes(k)));
}

/** The contract tables the groups read, in contract order. */
export function tablesFor(groups: readonly KpiGroup[]): TableName[] {
  const tables = new Set<TableName>();
  for (const group of groups) {
    const queries = GROUP_QUERIES[group.name];
    if (queries === undefined) return [...REPORT_TABLES];
    for (const table of group.requires) tables.add(table);
    for (const query of queries) for (const table of tablesReadBy(query)) tables.add(table);
  }
  return REPORT_TABLES.filter((t) => tables.has(t));
}
