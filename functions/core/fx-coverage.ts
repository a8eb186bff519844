/**
 * The reporting currency must have a rate for every day the report converts money on: when it
 * is not the base of fx_rates, a day without one would drop amounts, so the run stops naming
 * the currency and the day. Pure, so it is unit-tested; fx_reporting_coverage.sql feeds it.
 */
import { addDays, type Period } from './period.js';
import { ReportStoppedError } from './run-guards.js';

/** The reporting currency has no rate for a day the report converts money on. */
export class MissingFxRateError extends ReportStoppedError {
  override name = 'MissingFxRateError';
}

export interface FxCoverage {
  readonly reportingCurrency: string;
  /** The base of the fx_rates table (the configured base when it has no rows). */
  readonly baseCurrency: string;
  /** First day with money in a currency other than the reporting one (YYYY-MM-DD), or null. */
  readonly firstMoneyDay: string | null;
  /** First day the reporting currency has a rate against the base, or null. */
  readonly firstRateDay: string | null;
}

/** The days rates are read on: the day before each period (opening) and its last day (closing). */
export function balanceDays(periods: readonly Pick<Period, 'firstDay' | 'lastDay'>[]): string[] {
  const days = new Set<string>();
  for (const p of periods) {
    days.add(addDays(p.firstDay, -1));
    days.add(p.lastDay);
  }
  return [...days].sort();
}

/** The first balance day that needs a reporting-currency rate and has none, or null. */
export function missingRateDay(
  coverage: FxCoverage,
  periods: readonly Pick<Period, 'firstDay' | 'lastDay'>[],
): string | null {
  if (coverage.reportingCurrency === coverage.baseCurrency || coverage.firstMoneyDay === null) return null;
  const money = coverage.firstMoneyDay;
  const needed = balanceDays(periods).filter((d) => d >= money);
  const first = needed[0];
  if (first === undefined) return null;
  return coverage.firstRateDay === null || coverage.firstRateDay > first ? first : null;
}

export function assertReportingRates(
  coverage: FxCoverage,
  periods: readonly Pick<Period, 'firstDay' | 'lastDay'>[],
): void {
  const day = missingRateDay(coverage, periods);
  if (day === null) return;
  const { reportingCurrency: r, baseCurrency: base } = coverage;
  throw new MissingFxRateError(
    `no ${r} rate in fx_rates on or before ${day} (rates are quoted in ${base}): ` +
      `${r} figures need one for every day money is converted on; add ${r} rates or report in ${base}; nothing sent`,
  );
}
