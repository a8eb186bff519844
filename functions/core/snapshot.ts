/**
 * The KPI snapshot: what a report run produces, writes to the snapshot store and renders
 * into the digest. docs/snapshot.schema.json is its JSON Schema (schemaVersion 1).
 */
import type { PeriodKind } from './period.js';
import type { DataQualityReason, TableName } from '../schema/contract.js';

export const SCHEMA_VERSION = 1;

export const KPI_IDS = [
  // Revenue and customers
  'mrr',
  'arr',
  'mrr_new',
  'mrr_expansion',
  'mrr_contraction',
  'mrr_churn',
  'mrr_reactivation',
  'mrr_fx_adjustment',
  'net_new_mrr',
  'customers',
  'customers_new',
  'customers_churned',
  'customers_reactivated',
  'arpa',
  'customer_churn_rate',
  'customer_retention_rate',
  'revenue_churn_rate',
  'net_revenue_retention',
  'gross_revenue_retention',
  'expansion_revenue',
  'quick_ratio',
  'ltv',
  'renewal_rate',
  'conversion_rate',
  // Onboarding
  'avg_days_to_onboard',
  'time_to_first_value_days',
  'first_week_engagement',
  // Usage and engagement
  'dau',
  'wau',
  'mau',
  'stickiness',
  'active_account_rate',
  'avg_session_minutes',
  'events_per_active_user',
  'feature_adoption',
  'health_score',
  'accounts_at_risk',
  // Voice of the customer
  'nps',
  'csat',
  'ces',
  'survey_responses',
  // Support
  'first_contact_resolution',
  'avg_first_response_hours',
  'avg_resolution_hours',
  'tickets_opened',
  // Billing health and cost
  'late_payment_rate',
  'overdue_amount',
  'customer_retention_cost',
] as const;

export type KpiId = (typeof KPI_IDS)[number];

/** Points in a headline KPI's trend: periods 0 … 11, the report's period back to eleven before it. */
export const TREND_PERIODS = 12;

/** KPIs reported with a 12-period trend. */
export const HEADLINE_KPIS: readonly KpiId[] = [
  'mrr',
  'net_new_mrr',
  'customers',
  'customer_churn_rate',
  'net_revenue_retention',
  'nps',
  'csat',
  'stickiness',
  'first_contact_resolution',
];

export type KpiUnit =
  | 'currency' // in the report's currency
  | 'percent' // 0-100
  | 'count'
  | 'ratio'
  | 'score' // nps (-100..100), ces (its own scale), health (0-100)
  | 'days'
  | 'hours'
  | 'minutes';

export type KpiSection =
  'revenue' | 'customers' | 'onboarding' | 'engagement' | 'voice' | 'support' | 'billing';

/** Where the value stands against the catalog's benchmark; `tone` never travels alone: `level` is its label. */
export interface BenchmarkStatus {
  /** Machine label, localised by the digest: excellent, great, good, healthy, below, above, poor. */
  readonly level: 'excellent' | 'great' | 'good' | 'healthy' | 'below' | 'above' | 'poor';
  readonly tone: 'good' | 'neutral' | 'bad';
  /** The benchmark itself, e.g. "75–85". */
  readonly target: string;
}

export interface TrendPoint {
  /** Period key, e.g. 2026-W47. */
  readonly key: string;
  readonly value: number | null;
}

export type DetailValue = number | string | null;

export interface KpiValue {
  readonly value: number | null;
  readonly previous: number | null;
  readonly delta: number | null;
  readonly unit: KpiUnit;
  /** Why `value` is null (absent table, zero denominator, …). */
  readonly reason?: string;
  readonly benchmark?: BenchmarkStatus;
  /** Headline KPIs only: the last 12 periods, oldest first, ending with this period. */
  readonly trend?: readonly TrendPoint[];
  /** Secondary figures named by the catalog (median, mean, easy_rate, per-survey counts, …). */
  readonly detail?: Readonly<Record<string, DetailValue>>;
}

export interface MrrMovementRow {
  /** Segment or plan name (untrusted text); `(none)` when the data has none. */
  readonly name: string;
  readonly mrrStart: number;
  readonly mrrEnd: number;
  readonly new: number;
  readonly reactivation: number;
  readonly expansion: number;
  readonly contraction: number;
  readonly churn: number;
  readonly fxAdjustment: number;
}

export interface AccountMovement {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly segment: string | null;
  readonly movement: 'new' | 'reactivation' | 'expansion' | 'contraction' | 'churn';
  readonly mrrStart: number;
  readonly mrrEnd: number;
  /** Signed change in MRR that the movement contributes (churn and contraction are negative). */
  readonly amount: number;
}

export interface HealthComponents {
  readonly frequency: number; // 0-1
  readonly breadth: number;
  readonly depth: number;
  readonly sentiment: number;
  readonly supportBilling: number;
}

export interface AtRiskAccount {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly segment: string | null;
  readonly csmOwner: string | null;
  readonly mrr: number;
  readonly healthScore: number; // 0-100
  readonly band: 'healthy' | 'at_risk' | 'critical';
  readonly components: HealthComponents;
}

/** One paying account's health score at the end of the period (for alerts on a drop). */
export interface AccountHealth {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly mrr: number;
  readonly healthScore: number; // 0-100
}

export interface FeatureUsage {
  readonly eventName: string;
  readonly users: number;
  readonly adoptionPct: number;
}

export interface TermCount {
  readonly term: string;
  readonly count: number;
}

export interface FeedbackComment {
  readonly responseId: string;
  readonly accountId: string;
  readonly accountName: string | null;
  readonly survey: string;
  readonly score: number;
  readonly respondedAt: string; // ISO-8601 UTC
  readonly comment: string;
}

export interface SnapshotDetails {
  readonly mrrMovements: {
    readonly bySegment: readonly MrrMovementRow[];
    readonly byPlan: readonly MrrMovementRow[];
    /** Every account with a movement in the period (the monthly digest attaches it as CSV). */
    readonly byAccount: readonly AccountMovement[];
  };
  /** Top 10 paying accounts whose health score is below 40, by MRR. */
  readonly accountsAtRisk: readonly AtRiskAccount[];
  readonly healthBands: { readonly healthy: number; readonly atRisk: number; readonly critical: number };
  /** Every account paying on the period's last day with its health score, by account id. */
  readonly accountHealth?: readonly AccountHealth[];
  /** Top 10 features by adoption. */
  readonly topFeatures: readonly FeatureUsage[];
  readonly feedback: {
    readonly commentCount: number;
    readonly detractorTerms: readonly TermCount[];
    readonly promoterTerms: readonly TermCount[];
    /** The five latest detractor comments with their account. */
    readonly latestDetractorComments: readonly FeedbackComment[];
  };
}

export interface TableQuality {
  readonly table: TableName;
  readonly present: boolean;
  /** Why the table is absent. */
  readonly reason?: string;
  /** Rows the data-quality check read (for partitioned tables: the partitions the report reads). */
  readonly rowsChecked: number;
  readonly rowsExcluded: number;
  /** Latest timestamp or date in the table (data freshness), ISO-8601. */
  readonly latest: string | null;
}

export interface ExclusionCount {
  readonly table: TableName;
  readonly reason: DataQualityReason;
  readonly rows: number;
  /** What the contract expects of such rows, in words. */
  readonly expected: string;
  /** One offending row, to find the others: its file, its key and the field at fault. */
  readonly example?: {
    readonly file?: string;
    readonly key?: string;
    readonly field?: string;
  };
}

export interface SnapshotStats {
  readonly engine: 'duckdb' | 'athena';
  /** The input data the report read (QueryEngine.dataSource). */
  readonly dataSource?: string;
  readonly queries: number;
  /** Rows the queries returned to the report (aggregates, never raw events). */
  readonly rowsReturned: number;
  /** Rows of input the data-quality checks read. */
  readonly rowsRead: number;
  readonly milliseconds: number;
  readonly bytesScanned?: number;
  readonly estimatedCostUsd?: number;
  /**
   * Where the trend points came from: `computed` periods (12, or 2 when points 2 … 11 were
   * taken from the previous period's stored snapshot, named in `storedFrom`), and why a stored
   * snapshot was not used.
   */
  readonly trend?: {
    readonly computedPeriods: number;
    readonly storedFrom: string | null;
    readonly reason?: string;
  };
  readonly perQuery: readonly {
    readonly name: string;
    readonly milliseconds: number;
    readonly rows: number;
    readonly bytesScanned?: number;
  }[];
}

export interface Snapshot {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly period: {
    readonly kind: PeriodKind;
    readonly key: string;
    readonly firstDay: string;
    readonly lastDay: string;
    readonly timezone: string;
  };
  readonly currency: string;
  readonly generatedAt: string;
  readonly kpis: Readonly<Record<KpiId, KpiValue>>;
  readonly details: SnapshotDetails;
  readonly dataQuality: {
    readonly tables: readonly TableQuality[];
    readonly excluded: readonly ExclusionCount[];
    readonly totalExcluded: number;
  };
  readonly stats: SnapshotStats;
}
