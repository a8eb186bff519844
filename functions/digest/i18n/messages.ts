/**
 * Every string of the digest, per locale. The interface makes a missing translation a type
 * error; functions take already formatted numbers (so number formats stay in format.ts) and
 * the raw count where the grammar needs a plural form.
 */
import type { PeriodKind } from '../../core/period.js';
import type { BenchmarkStatus, KpiId, KpiSection } from '../../core/snapshot.js';
import type { DataQualityReason } from '../../contract/contract.js';
import type { ReasonKey } from '../reasons.js';
import type { WebMessages } from './web.js';

export type HealthBand = 'healthy' | 'at_risk' | 'critical';

export interface Messages {
  readonly digestTitle: Readonly<Record<PeriodKind, string>>;
  /** Start of the subject line, e.g. "Weekly CS digest". */
  readonly subjectName: Readonly<Record<PeriodKind, string>>;
  weekName(week: number, year: number): string;
  periodLine(range: string): string;
  timeZoneLine(timezone: string): string;
  dataUpTo(when: string): string;
  /** No table has any row to date the data by. */
  readonly noFreshData: string;
  generatedAt(when: string): string;
  /** A table whose newest row is older than the period. */
  staleTable(table: string, when: string): string;
  /** A table of which more than the warning share of rows was excluded (dataQuality.warnings). */
  excludedShareWarning(
    table: string,
    share: string,
    excluded: string,
    read: string,
    threshold: string,
  ): string;
  readonly dataQualityClean: string;
  excludedShort(rows: string, n: number): string;
  unavailableShort(kpis: string, n: number): string;
  seeDataQuality(summary: string): string;

  readonly headlineTitle: string;
  readonly sections: Readonly<Record<KpiSection, string>>;
  readonly kpiLabels: Readonly<Record<KpiId, string>>;
  readonly vsPrevious: Readonly<Record<PeriodKind, string>>;
  readonly assessment: { readonly better: string; readonly worse: string; readonly unchanged: string };
  readonly noPrevious: string;
  /** Short "not available", in the value's place. */
  readonly notAvailableShort: string;
  notAvailable(reason: string): string;
  /** Why a KPI or a table is not available (functions/digest/reasons.ts); `a`, `b`: its values. */
  readonly kpiReasons: Readonly<Record<ReasonKey, (a: string, b: string) => string>>;
  /** A reason the digest has no words for: never shown in English. */
  readonly reasonUnknown: string;
  /** Said after "above/below target" on KPIs where a lower value is better. */
  readonly lowerIsBetter: string;
  /** Under a conversion rate over 100 %: what it divides, and why it can exceed 100. */
  readonly conversionOver100: string;
  /** The range a trend chart is drawn over, and its last value. */
  trendScale(low: string, high: string, last: string): string;
  /** A long table cut to its first rows. */
  tableMore(more: string, n: number, file: string): string;
  /** Sections left out so the e-mail stays under the size at which Gmail clips it. */
  sizeDropped(titles: string): string;
  readonly byPlanFile: string;
  readonly bySegmentFile: string;
  plansFile(rows: string, n: number): string;
  segmentsFile(rows: string, n: number): string;
  readonly benchmarkLevels: Readonly<Record<BenchmarkStatus['level'], string>>;
  benchmark(target: string): string;
  /** Unit of a change between two percentages. */
  readonly percentagePoints: string;
  trendAlt(label: string, count: number, kind: PeriodKind, figures: string): string;
  trendRange(low: string, high: string): string;
  readonly noData: string;

  readonly atRiskTitle: string;
  /** The list shows the `shown` largest of `total` critical accounts. */
  atRiskIntro(shown: string, shownCount: number, total: string, totalCount: number): string;
  readonly atRiskNone: string;
  /** Critical accounts the list leaves out (the total is the KPI, not the list's length). */
  atRiskMore(more: string, moreCount: number): string;
  readonly columns: {
    readonly account: string;
    readonly mrr: string;
    readonly health: string;
    readonly segment: string;
    readonly plan: string;
    readonly start: string;
    readonly gained: string;
    readonly lost: string;
    readonly fx: string;
    readonly end: string;
    readonly feature: string;
    readonly users: string;
    readonly adoption: string;
    readonly table: string;
    readonly newest: string;
    readonly excluded: string;
  };
  readonly bands: Readonly<Record<HealthBand, string>>;
  /** The score range of each band, as the KPI catalog defines them. */
  readonly bandRanges: Readonly<Record<HealthBand, string>>;
  readonly healthBandsTitle: string;
  readonly unnamedAccount: string;
  readonly noSegment: string;
  readonly noOwner: string;
  /** A segment or plan recorded as `(none)` in the data. */
  readonly noneName: string;

  readonly commentsTitle: string;
  readonly commentsNone: string;
  commentCount(count: string, n: number): string;
  readonly featuresTitle: string;
  readonly featuresNone: string;
  readonly detractorTermsTitle: string;
  readonly promoterTermsTitle: string;
  readonly termsNone: string;

  readonly bySegmentTitle: string;
  readonly byPlanTitle: string;
  readonly movementsNone: string;
  readonly movementsNote: string;

  readonly attachmentsTitle: string;
  accountMovementsFile(rows: string, n: number): string;
  atRiskFile(rows: string, n: number): string;

  readonly dataQualityTitle: string;
  excludedIntro(rows: string, n: number): string;
  readonly noExclusions: string;
  readonly reasons: Readonly<Record<DataQualityReason, string>>;
  unavailableIntro(kpis: string, n: number): string;
  readonly allAvailable: string;
  tableAbsent(reason: string): string;
  readonly noRows: string;

  footer(engine: string, when: string): string;
  readonly footerNotes: string;
  /** Trend points 2–11 came from the stored snapshot of `period`. */
  trendAsReported(period: string): string;
  /** The "Website and social" section. */
  readonly web: WebMessages;
}

/** Picks a plural form with the locale's rules (Polish has one, few, many). */
export function pluralise(
  rules: Intl.PluralRules,
  n: number,
  forms: { one: string; few?: string; many?: string; other: string },
): string {
  const category = rules.select(n);
  if (category === 'one') return forms.one;
  if (category === 'few') return forms.few ?? forms.other;
  if (category === 'many') return forms.many ?? forms.other;
  return forms.other;
}
