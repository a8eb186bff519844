/**
 * Number, money, percentage, duration and date formats for one digest: the locale's own
 * conventions through Intl, the snapshot's currency and the report's time zone.
 */
import type { PeriodKind } from '../core/period.js';
import type { KpiUnit } from '../core/snapshot.js';
import { calendarDateMs, DATE_PATTERN, EXPECTED, isTimeZone, notA } from '../core/validators.js';
import { INTL_LOCALE, type Locale } from './locale.js';

const WEEK_KEY = /^(\d{4})-W(\d{2})$/;
const MONTH_KEY = /^(\d{4})-(\d{2})$/;

const DURATION_UNITS: Partial<Record<KpiUnit, string>> = {
  days: 'day',
  hours: 'hour',
  minutes: 'minute',
  seconds: 'second',
};

export class FormatError extends Error {
  override readonly name = 'FormatError';
}

/** Parses a calendar date (YYYY-MM-DD) as midnight UTC, so that Intl shows that same date. */
export function parseCalendarDay(day: string): Date {
  const ms = calendarDateMs(day);
  if (ms !== null) return new Date(ms);
  if (!DATE_PATTERN.test(day)) throw new FormatError(notA(day, EXPECTED.date));
  throw new FormatError(notA(day, 'a calendar date'));
}

/** Parses an instant written as ISO-8601 or as the engines' "YYYY-MM-DD HH:MM:SS[.fff]" (UTC). */
export function parseInstant(text: string): Date {
  let iso = text.trim().replace(' ', 'T');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) iso += 'Z';
  const date = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(date.getTime())) {
    throw new FormatError(`"${text}" is not a timestamp`);
  }
  return date;
}

export class Formatter {
  readonly tag: string;
  private readonly cache = new Map<string, Intl.NumberFormat>();
  private readonly dayFormat: Intl.DateTimeFormat;
  private readonly rangeFormat: Intl.DateTimeFormat;
  private readonly monthFormat: Intl.DateTimeFormat;
  private readonly shortMonthFormat: Intl.DateTimeFormat;
  private readonly instantFormat: Intl.DateTimeFormat;
  /** Formatted days and ranges: the hundreds of CSM digests of a run show the same few days. */
  private readonly dayTexts = new Map<string, string>();

  constructor(
    readonly locale: Locale,
    readonly currencyCode: string,
    readonly timezone: string,
  ) {
    this.tag = INTL_LOCALE[locale];
    if (!/^[A-Z]{3}$/.test(currencyCode)) {
      throw new FormatError(`currency "${currencyCode}" is not an ISO 4217 code (three upper-case letters)`);
    }
    if (!isTimeZone(timezone)) throw new FormatError(notA(timezone, EXPECTED.timeZone));
    this.instantFormat = new Intl.DateTimeFormat(this.tag, {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: timezone,
      timeZoneName: 'short',
    });
    const utc = { timeZone: 'UTC' } as const;
    this.dayFormat = new Intl.DateTimeFormat(this.tag, {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      ...utc,
    });
    this.rangeFormat = new Intl.DateTimeFormat(this.tag, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      ...utc,
    });
    this.monthFormat = new Intl.DateTimeFormat(this.tag, { month: 'long', year: 'numeric', ...utc });
    this.shortMonthFormat = new Intl.DateTimeFormat(this.tag, { month: 'short', year: 'numeric', ...utc });
  }

  private nf(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
    let f = this.cache.get(key);
    if (!f) {
      f = new Intl.NumberFormat(this.tag, options);
      this.cache.set(key, f);
    }
    return f;
  }

  private static finite(v: number): number {
    if (!Number.isFinite(v)) throw new FormatError(`${String(v)} is not a finite number`);
    return v;
  }

  /** A plain number with at most `digits` decimals. */
  number(v: number, digits = 1, signed = false): string {
    return this.nf(`n${digits}${signed}`, {
      maximumFractionDigits: digits,
      signDisplay: signed ? 'exceptZero' : 'auto',
    }).format(Formatter.finite(v));
  }

  /** Whole numbers with grouping, fractional counts (averages) with one decimal. */
  count(v: number, signed = false): string {
    return this.number(v, Number.isInteger(v) ? 0 : 1, signed);
  }

  /** Money in the report currency: cents below 1,000, whole units above; `compact` for tables. */
  currency(v: number, options: { compact?: boolean; signed?: boolean } = {}): string {
    const finite = Formatter.finite(v);
    const compact = options.compact === true && Math.abs(finite) >= 10_000;
    const digits = compact ? 1 : Math.abs(finite) >= 1000 ? 0 : 2;
    return this.nf(`c${compact}${digits}${options.signed === true}`, {
      style: 'currency',
      currency: this.currencyCode,
      notation: compact ? 'compact' : 'standard',
      minimumFractionDigits: compact ? 0 : digits,
      maximumFractionDigits: digits,
      signDisplay: options.signed === true ? 'exceptZero' : 'auto',
    }).format(finite);
  }

  /** A 0–100 percentage. */
  percent(v: number, signed = false): string {
    return this.nf(`p${signed}`, {
      style: 'percent',
      maximumFractionDigits: 1,
      signDisplay: signed ? 'exceptZero' : 'auto',
    }).format(Formatter.finite(v) / 100);
  }

  private duration(v: number, unit: string, signed: boolean): string {
    return this.nf(`d${unit}${signed}`, {
      style: 'unit',
      unit,
      unitDisplay: 'long',
      maximumFractionDigits: 1,
      signDisplay: signed ? 'exceptZero' : 'auto',
    }).format(Formatter.finite(v));
  }

  /** A short amount without the currency (tables whose title names it): 160K, 160 tys., 160 rb. */
  compactAmount(v: number, signed = false): string {
    const finite = Formatter.finite(v);
    const digits = Math.abs(finite) >= 1000 ? 1 : 0;
    return this.nf(`k${digits}${signed}`, {
      notation: 'compact',
      maximumFractionDigits: digits,
      signDisplay: signed ? 'exceptZero' : 'auto',
    }).format(finite);
  }

  /** A KPI value in its unit. */
  value(v: number, unit: KpiUnit, options: { compact?: boolean } = {}): string {
    const durationUnit = DURATION_UNITS[unit];
    if (durationUnit) return this.duration(v, durationUnit, false);
    switch (unit) {
      case 'currency':
        return this.currency(v, options);
      case 'percent':
        return this.percent(v);
      case 'count':
        return this.count(v);
      case 'ratio':
        return this.number(v, 2);
      default:
        return this.number(v, 1);
    }
  }

  /**
   * A change in a KPI's unit, always signed. Percentages change by percentage points
   * (`ppLabel`), never by percent of a percent.
   */
  change(delta: number, unit: KpiUnit, ppLabel: string): string {
    const durationUnit = DURATION_UNITS[unit];
    if (durationUnit) return this.duration(delta, durationUnit, true);
    switch (unit) {
      case 'currency':
        return this.currency(delta, { signed: true });
      case 'percent':
        return `${this.number(delta, 1, true)}\u00a0${ppLabel}`;
      case 'count':
        return this.count(delta, true);
      case 'ratio':
        return this.number(delta, 2, true);
      default:
        return this.number(delta, 1, true);
    }
  }

  /** Relative change, e.g. +2.1 %, or null when there is nothing to compare with. */
  /**
   * The change in per cent of the previous value, or null when that means nothing: from zero,
   * or across zero (−15,293 against +17,000 is not "−189.8 %"). Then only the absolute change is shown.
   */
  relativeChange(value: number, previous: number): string | null {
    if (previous === 0 || !Number.isFinite(previous) || !Number.isFinite(value)) return null;
    if (value !== 0 && Math.sign(value) !== Math.sign(previous)) return null;
    return this.percent(((value - previous) / Math.abs(previous)) * 100, true);
  }

  day(day: string): string {
    return this.#remember(`d${day}`, () => this.dayFormat.format(parseCalendarDay(day)));
  }

  /** First and last day, each with its weekday: the exact period. */
  dayRange(first: string, last: string): string {
    return this.#remember(`r${first}/${last}`, () =>
      this.rangeFormat.formatRange(parseCalendarDay(first), parseCalendarDay(last)),
    );
  }

  #remember(key: string, format: () => string): string {
    let text = this.dayTexts.get(key);
    if (text === undefined) {
      text = format();
      this.dayTexts.set(key, text);
    }
    return text;
  }

  month(firstDay: string): string {
    const text = this.monthFormat.format(parseCalendarDay(firstDay));
    // Polish stand-alone month names are lower case; a title starts with a capital.
    return text.charAt(0).toLocaleUpperCase(this.tag) + text.slice(1);
  }

  /** A date or an instant; instants are shown in the report's time zone with its abbreviation. */
  dateOrInstant(text: string): string {
    return DATE_PATTERN.test(text.trim())
      ? this.day(text.trim())
      : this.instantFormat.format(parseInstant(text));
  }

  /** Short label of a trend point: W47 for weeks, "Nov 2026" for months. */
  periodPoint(key: string, kind: PeriodKind): string {
    const week = WEEK_KEY.exec(key);
    if (kind === 'weekly' && week) return `W${week[2]}`;
    const month = MONTH_KEY.exec(key);
    if (kind === 'monthly' && month) return this.shortMonthFormat.format(parseCalendarDay(`${key}-01`));
    throw new FormatError(`trend point "${key}" is not a ${kind} period key`);
  }
}
