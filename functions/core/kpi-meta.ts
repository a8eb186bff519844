/** What each KPI is: its unit, its digest section and which direction is good. */
import type { KpiId, KpiSection, KpiUnit } from './snapshot.js';

export interface KpiMeta {
  readonly unit: KpiUnit;
  readonly section: KpiSection;
  /** True when a rise is good news, false when a fall is, null when neither (e.g. FX adjustment). */
  readonly higherIsBetter: boolean | null;
}

const m = (unit: KpiUnit, section: KpiSection, higherIsBetter: boolean | null): KpiMeta => ({
  unit,
  section,
  higherIsBetter,
});

export const KPI_META: Readonly<Record<KpiId, KpiMeta>> = {
  mrr: m('currency', 'revenue', true),
  arr: m('currency', 'revenue', true),
  mrr_new: m('currency', 'revenue', true),
  mrr_expansion: m('currency', 'revenue', true),
  mrr_contraction: m('currency', 'revenue', false),
  mrr_churn: m('currency', 'revenue', false),
  mrr_reactivation: m('currency', 'revenue', true),
  mrr_fx_adjustment: m('currency', 'revenue', null),
  net_new_mrr: m('currency', 'revenue', true),
  customers: m('count', 'customers', true),
  customers_new: m('count', 'customers', true),
  customers_churned: m('count', 'customers', false),
  customers_reactivated: m('count', 'customers', true),
  arpa: m('currency', 'revenue', true),
  customer_churn_rate: m('percent', 'customers', false),
  customer_retention_rate: m('percent', 'customers', true),
  revenue_churn_rate: m('percent', 'revenue', false),
  net_revenue_retention: m('percent', 'revenue', true),
  gross_revenue_retention: m('percent', 'revenue', true),
  expansion_revenue: m('currency', 'revenue', true),
  quick_ratio: m('ratio', 'revenue', true),
  ltv: m('currency', 'revenue', true),
  renewal_rate: m('percent', 'customers', true),
  conversion_rate: m('percent', 'customers', true),
  avg_days_to_onboard: m('days', 'onboarding', false),
  time_to_first_value_days: m('days', 'onboarding', false),
  first_week_engagement: m('percent', 'onboarding', true),
  dau: m('count', 'engagement', true),
  wau: m('count', 'engagement', true),
  mau: m('count', 'engagement', true),
  stickiness: m('percent', 'engagement', true),
  active_account_rate: m('percent', 'engagement', true),
  avg_session_minutes: m('minutes', 'engagement', true),
  events_per_active_user: m('ratio', 'engagement', true),
  feature_adoption: m('percent', 'engagement', true),
  health_score: m('score', 'customers', true),
  accounts_at_risk: m('count', 'customers', false),
  nps: m('score', 'voice', true),
  csat: m('percent', 'voice', true),
  ces: m('score', 'voice', false),
  survey_responses: m('count', 'voice', true),
  first_contact_resolution: m('percent', 'support', true),
  avg_first_response_hours: m('hours', 'support', false),
  avg_resolution_hours: m('hours', 'support', false),
  tickets_opened: m('count', 'support', null),
  late_payment_rate: m('percent', 'billing', false),
  overdue_amount: m('currency', 'billing', false),
  customer_retention_cost: m('currency', 'billing', false),
  page_views: m('count', 'web', true),
  unique_visitors: m('count', 'web', true),
  pages_per_session: m('ratio', 'web', true),
  bounce_rate: m('percent', 'web', false),
  avg_time_on_page_seconds: m('seconds', 'web', true),
  click_through_rate: m('percent', 'web', true),
  avg_scroll_depth: m('percent', 'web', true),
  social_engagement_rate: m('percent', 'web', true),
};
