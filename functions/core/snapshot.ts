/**
 * The KPI snapshot: what a report run produces, writes to the snapshot store and renders
 * into the digest. Its shape is defined once, in snapshot-schema.ts (zod): the types below
 * are derived from it and docs/snapshot.schema.json is generated from it (schemaVersion 2).
 */
export type {
  AccountHealth,
  AccountMovement,
  AtRiskAccount,
  BenchmarkStatus,
  DetailValue,
  ExclusionCount,
  ExclusionWarning,
  FeatureUsage,
  FeedbackComment,
  HealthComponents,
  KpiUnit,
  KpiValue,
  MrrMovementRow,
  Snapshot,
  SnapshotDetails,
  SnapshotStats,
  SocialPlatformStats,
  TableQuality,
  TermCount,
  TrendPoint,
  WebDetails,
  WebPageStats,
  WebSegmentStats,
} from './snapshot-schema.js';

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

export type KpiSection =
  'revenue' | 'customers' | 'onboarding' | 'engagement' | 'voice' | 'support' | 'billing' | 'web';
