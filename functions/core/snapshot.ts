/**
 * The KPI snapshot: what a report run produces, writes to the snapshot store and renders
 * into the digest. docs/snapshot.schema.json is its JSON Schema (schemaVersion 2).
 */
import type { TeamBooks } from './csm-snapshot.js';
import type { PeriodKind } from './period.js';
import type { DataQualityReason, TableName } from '../contract/contract.js';

export const SCHEMA_VERSION = 2;

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
  // Website and social (optional tables web_events, social_posts)
  'page_views',
  'unique_visitors',
  'pages_per_session',
  'bounce_rate',
  'avg_time_on_page_seconds',
  'click_through_rate',
  'avg_scroll_depth',
  'social_engagement_rate',
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

/** KPIs outside the headline that also carry a 12-period trend (the web section's trend bars). */
export const SECTION_TREND_KPIS: readonly KpiId[] = ['page_views', 'unique_visitors', 'bounce_rate'];

/** Every KPI reported with a 12-period trend. */
export const TRENDED_KPIS: readonly KpiId[] = [...HEADLINE_KPIS, ...SECTION_TREND_KPIS];

export type KpiUnit =
  | 'currency' // in the report's currency
  | 'percent' // 0-100
  | 'count'
  | 'ratio'
  | 'score' // nps (-100..100), ces (its own scale), health (0-100)
  | 'days'
  | 'hours'
  | 'minutes'
  | 'seconds';

export type KpiSection =
  'revenue' | 'customers' | 'onboarding' | 'engagement' | 'voice' | 'support' | 'billing' | 'web';

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

/** One page of the website in the report's period (web_events). */
export interface WebPageStats {
  /** Path of the page (untrusted text). */
  readonly page: string;
  readonly views: number;
  /** Page views that were the last page view of their session. */
  readonly exits: number;
  /** exits / views × 100. */
  readonly exitRate: number;
  /** Mean seconds to the next page view of the session; null when every view was the last. */
  readonly avgTimeOnPageSeconds: number | null;
}

/** The web figures of one kind of visitor in the report's period. */
export interface WebSegmentStats {
  readonly visitors: number;
  readonly pageViews: number;
  readonly sessions: number;
  /** Percentages and means: null when their denominator is zero. */
  readonly bounceRate: number | null;
  readonly pagesPerSession: number | null;
  readonly avgTimeOnPageSeconds: number | null;
}

export interface SocialPlatformStats {
  /** Platform name (untrusted text). */
  readonly platform: string;
  readonly posts: number;
  readonly impressions: number;
  readonly engagements: number;
  /** engagements / impressions × 100; null without impressions. */
  readonly engagementRate: number | null;
}

export interface WebDetails {
  /** Top 50 pages by page views (the digest shows 10; the monthly CSV all). */
  readonly topPages: readonly WebPageStats[];
  /** The catalog's `top_exit_pages`: top 10 pages by exits, with their exit rate. */
  readonly topExitPages: readonly WebPageStats[];
  readonly visitors: number;
  /** Visitors of the period not seen in the previous period. */
  readonly newVisitors: number;
  /** newVisitors / visitors × 100; null without visitors. */
  readonly newVisitorShare: number | null;
  /** Sessions in which an event carries an account_id (a known customer) against the others. */
  readonly knownCustomers: WebSegmentStats;
  readonly anonymous: WebSegmentStats;
  /** Social engagement per platform (social_posts); empty when the table is absent. */
  readonly socialByPlatform: readonly SocialPlatformStats[];
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
  /** Website and social details; absent when neither web_events nor social_posts is present. */
  readonly web?: WebDetails;
  /** Every CSM's book of business (docs/csm-digests.md); present only when CSM digests are on. */
  readonly csmBooks?: TeamBooks;
}

export interface TableQuality {
  readonly table: TableName;
  readonly present: boolean;
  /** Why the table is absent. */
  readonly reason?: string;
  /**
   * Rows read from the table's files (for partitioned tables: the partitions the report reads,
   * plus rows whose day is unknown). Always rowsRead = rowsUsed + rowsExcluded.
   */
  readonly rowsRead: number;
  /** Rows the KPIs may use: no rule broken, one per key. */
  readonly rowsUsed: number;
  /** Rows left out, by every reason of `dataQuality.excluded` (duplicates included). */
  readonly rowsExcluded: number;
  /** Latest timestamp or date in the table (data freshness), ISO-8601. */
  readonly latest: string | null;
}

/** A table of which more than the warning share of rows was excluded. */
export interface ExclusionWarning {
  readonly table: TableName;
  readonly rowsRead: number;
  readonly rowsExcluded: number;
  /** rowsExcluded / rowsRead, 0–1. */
  readonly share: number;
  /** The warning share it is above, 0–1. */
  readonly threshold: number;
}

export interface ExclusionCount {
  readonly table: TableName;
  readonly reason: DataQualityReason;
  readonly rows: number;
  /** What the contract expects of such rows, in words. */
  readonly expected: string;
  /** One offending row, to find the others: its file and line, its key, the field at fault and the problem. */
  readonly example?: {
    readonly file?: string;
    /** 1-based line the row starts on (CSV and NDJSON files). */
    readonly line?: number;
    readonly key?: string;
    readonly field?: string;
    /** What is wrong with a malformed row, e.g. "11 fields where the header has 10". */
    readonly problem?: string;
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
    /**
     * Tables of which more than the warning share of rows was excluded (largest share first);
     * the digest and the CLI summary warn at the top. Absent when there is none.
     */
    readonly warnings?: readonly ExclusionWarning[];
    /** Account owners that receive no CSM digest (present only when CSM digests are on). */
    readonly csmOwners?: TeamBooks['rejectedOwners'];
  };
  readonly stats: SnapshotStats;
}
