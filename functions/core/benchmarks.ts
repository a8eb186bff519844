/**
 * Benchmark status shown next to a value (catalog defaults; configurable). Every status has a
 * text level as well as a tone, so the digest never relies on colour alone.
 */
import type { PeriodKind } from './period.js';
import type { BenchmarkStatus, KpiId, KpiValue } from './snapshot.js';

export interface Benchmarks {
  readonly csat: { readonly low: number; readonly high: number };
  readonly nps: { readonly good: number; readonly great: number; readonly excellent: number };
  /** CES is good at or below this score, per scale (5- or 7-point). */
  readonly ces: { readonly fivePoint: number; readonly sevenPoint: number };
  /** Healthy monthly customer churn range, percent. */
  readonly monthlyChurn: { readonly low: number; readonly high: number };
  readonly stickiness: number;
  readonly activeAccountRate: number;
  readonly featureAdoption: number;
  /** Website and social (catalog: 1.7–4 pages, 20–55 % bounce, 6–7 % CTR strong, 1–5 % social, ≥ 52 s). */
  readonly pagesPerSession: { readonly low: number; readonly high: number };
  readonly bounceRate: { readonly low: number; readonly high: number };
  readonly clickThroughRate: number;
  readonly socialEngagementRate: { readonly low: number; readonly high: number };
  readonly timeOnPageSeconds: number;
}

export const DEFAULT_BENCHMARKS: Benchmarks = {
  csat: { low: 75, high: 85 },
  nps: { good: 0, great: 20, excellent: 50 },
  ces: { fivePoint: 2, sevenPoint: 3 },
  monthlyChurn: { low: 2, high: 8 },
  stickiness: 13,
  activeAccountRate: 20,
  featureAdoption: 28,
  pagesPerSession: { low: 1.7, high: 4 },
  bounceRate: { low: 20, high: 55 },
  clickThroughRate: 6,
  socialEngagementRate: { low: 1, high: 5 },
  timeOnPageSeconds: 52,
};

const status = (
  level: BenchmarkStatus['level'],
  tone: BenchmarkStatus['tone'],
  target: string,
): BenchmarkStatus => ({
  level,
  tone,
  target,
});

/** The benchmark status of a KPI value, or undefined when the catalog gives none (or the value is null). */
export function benchmarkFor(
  id: KpiId,
  kpi: Pick<KpiValue, 'value' | 'detail'>,
  periodKind: PeriodKind,
  b: Benchmarks = DEFAULT_BENCHMARKS,
): BenchmarkStatus | undefined {
  const v = kpi.value;
  if (v === null) return undefined;
  switch (id) {
    case 'csat': {
      const target = `${b.csat.low}–${b.csat.high} %`;
      if (v < b.csat.low) return status('below', 'bad', target);
      if (v > b.csat.high) return status('above', 'good', target);
      return status('good', 'good', target);
    }
    case 'nps': {
      const target = `> ${b.nps.good}`;
      if (v > b.nps.excellent) return status('excellent', 'good', `> ${b.nps.excellent}`);
      if (v > b.nps.great) return status('great', 'good', `> ${b.nps.great}`);
      if (v > b.nps.good) return status('good', 'good', target);
      return status('poor', 'bad', target);
    }
    case 'ces': {
      const scale = Number(kpi.detail?.scale_max ?? 5);
      const limit = scale === 7 ? b.ces.sevenPoint : b.ces.fivePoint;
      const target = `≤ ${limit} / ${scale}`;
      // Lower effort is better: a score over the limit is above the target, and that is bad.
      return v <= limit ? status('good', 'good', target) : status('above', 'bad', target);
    }
    case 'customer_churn_rate': {
      // The catalog's range is for monthly churn; a weekly rate is not comparable.
      if (periodKind !== 'monthly') return undefined;
      const target = `${b.monthlyChurn.low}–${b.monthlyChurn.high} %`;
      if (v < b.monthlyChurn.low) return status('below', 'good', target);
      if (v > b.monthlyChurn.high) return status('above', 'bad', target);
      return status('healthy', 'good', target);
    }
    case 'stickiness':
      return v > b.stickiness
        ? status('good', 'good', `> ${b.stickiness} %`)
        : status('below', 'bad', `> ${b.stickiness} %`);
    case 'active_account_rate':
      return v > b.activeAccountRate
        ? status('good', 'good', `> ${b.activeAccountRate} %`)
        : status('below', 'bad', `> ${b.activeAccountRate} %`);
    case 'feature_adoption':
      return v >= b.featureAdoption
        ? status('good', 'good', `≥ ${b.featureAdoption} %`)
        : status('below', 'bad', `≥ ${b.featureAdoption} %`);
    case 'pages_per_session': {
      // More pages than the range is not bad news, only outside the usual band: neutral.
      const target = `${b.pagesPerSession.low}–${b.pagesPerSession.high}`;
      if (v < b.pagesPerSession.low) return status('below', 'bad', target);
      if (v > b.pagesPerSession.high) return status('above', 'neutral', target);
      return status('good', 'good', target);
    }
    case 'bounce_rate': {
      // Lower is better, but a bounce rate under the range usually means double-counted events.
      const target = `${b.bounceRate.low}–${b.bounceRate.high} %`;
      if (v < b.bounceRate.low) return status('below', 'neutral', target);
      if (v > b.bounceRate.high) return status('above', 'bad', target);
      return status('good', 'good', target);
    }
    case 'click_through_rate':
      return v >= b.clickThroughRate
        ? status('good', 'good', `≥ ${b.clickThroughRate} %`)
        : status('below', 'bad', `≥ ${b.clickThroughRate} %`);
    case 'social_engagement_rate': {
      const target = `${b.socialEngagementRate.low}–${b.socialEngagementRate.high} %`;
      if (v < b.socialEngagementRate.low) return status('below', 'bad', target);
      if (v > b.socialEngagementRate.high) return status('above', 'good', target);
      return status('good', 'good', target);
    }
    case 'avg_time_on_page_seconds':
      return v >= b.timeOnPageSeconds
        ? status('good', 'good', `≥ ${b.timeOnPageSeconds} s`)
        : status('below', 'bad', `≥ ${b.timeOnPageSeconds} s`);
    default:
      return undefined;
  }
}
