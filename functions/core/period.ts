/**
 * Reporting periods: ISO weeks and calendar months in an IANA time zone.
 *
 * Pure functions over calendar dates ("YYYY-MM-DD" strings) and UTC instants. The SQL never
 * does time-zone arithmetic: it compares raw UTC timestamps with the bounds computed here.
 */

import { calendarDateMs, DATE_PATTERN, EXPECTED, isTimeZone, notA } from './validators.js';

export const PERIOD_KINDS = ['weekly', 'monthly'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export interface Period {
  readonly kind: PeriodKind;
  /** `2026-W47` or `2026-11`. */
  readonly key: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly timezone: string;
  /** First instant of the period: firstDay 00:00 in `timezone`, as ISO-8601 UTC. */
  readonly startUtc: string;
  /** First instant after the period: the day after lastDay 00:00 in `timezone`, ISO-8601 UTC. */
  readonly endUtc: string;
}

export interface DayBounds {
  readonly day: string;
  readonly startUtc: string;
  readonly endUtc: string;
}

const DAY_MS = 86_400_000;
/** Throws unless `day` is a real calendar date written YYYY-MM-DD (the rule: core/validators.ts). */
export function parseDay(day: string): number {
  const ms = calendarDateMs(day);
  if (ms !== null) return ms;
  if (!DATE_PATTERN.test(day)) throw new RangeError(notA(day, EXPECTED.date));
  throw new RangeError(notA(day, 'a calendar date'));
}

function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return formatDay(parseDay(day) + days * DAY_MS);
}

/** Whole calendar days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((parseDay(b) - parseDay(a)) / DAY_MS);
}

/** ISO day of week, 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: string): number {
  const dow = new Date(parseDay(day)).getUTCDay();
  return dow === 0 ? 7 : dow;
}

export function assertTimeZone(tz: string): void {
  if (!isTimeZone(tz)) throw new RangeError(notA(tz, EXPECTED.timeZone));
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock time of `instantMs` in `tz`, expressed as if it were UTC milliseconds. */
function wallClockMs(instantMs: number, tz: string): number {
  const parts = formatterFor(tz).formatToParts(new Date(instantMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/** The UTC offset of `tz` at an instant, in whole minutes (e.g. 60 for CET, -300 for EST). */
export function utcOffsetMinutes(instantMs: number, tz: string): number {
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  return Math.round((wallClockMs(wholeSecond, tz) - wholeSecond) / 60_000);
}

/** An offset of `tz` that starts at `fromMs` (the first span starts at the range's start). */
export interface OffsetSpan {
  readonly fromMs: number;
  readonly offsetMinutes: number;
}

// Every tzdb transition since 1970 is weeks from the next (the closest: Ramadan suspensions of
// DST, about a month), so a daily probe sees each one; bisection then pins it to the minute.
const PROBE_STEP_MS = 86_400_000;

/**
 * The UTC offsets `tz` takes between two instants, with the instant each starts, found by
 * probing once a day and bisecting each change to the minute (about 25 times fewer probes than
 * an hourly scan). Results are cached: the same range is asked for by every query of a report.
 */
export function offsetTransitions(tz: string, fromMs: number, toMs: number): readonly OffsetSpan[] {
  const cacheKey = `${tz}|${fromMs}|${toMs}`;
  const cached = transitionCache.get(cacheKey);
  if (cached) return cached;
  const spans: OffsetSpan[] = [{ fromMs, offsetMinutes: utcOffsetMinutes(fromMs, tz) }];
  let current = spans[0]?.offsetMinutes ?? 0;
  for (let lo = fromMs; lo < toMs; lo += PROBE_STEP_MS) {
    const hi0 = Math.min(lo + PROBE_STEP_MS, toMs);
    const next = utcOffsetMinutes(hi0, tz);
    if (next === current) continue;
    let a = lo;
    let b = hi0;
    while (b - a > 60_000) {
      const mid = a + Math.floor((b - a) / 120_000) * 60_000;
      if (utcOffsetMinutes(mid, tz) === current) a = mid;
      else b = mid;
    }
    spans.push({ fromMs: b, offsetMinutes: next });
    current = next;
  }
  if (transitionCache.size > 64) transitionCache.clear();
  transitionCache.set(cacheKey, spans);
  return spans;
}
const transitionCache = new Map<string, readonly OffsetSpan[]>();

/** The calendar date of an instant in `tz`. */
export function localDay(instant: Date, tz: string): string {
  return formatDay(wallClockMs(instant.getTime(), tz));
}

/**
 * The UTC instant at which `day` begins in `tz`. Where midnight falls in a DST gap, the day
 * begins at the first instant that exists.
 */
export function startOfDayUtc(day: string, tz: string): string {
  const wall = parseDay(day);
  // Two passes settle the offset on either side of a transition.
  let instant = wall - (wallClockMs(wall, tz) - wall);
  instant = wall - (wallClockMs(instant, tz) - instant);
  if (formatDay(wallClockMs(instant, tz)) !== day) {
    // Midnight does not exist (or maps to the previous day): step forward to the day's first instant.
    for (let probe = instant; probe < instant + DAY_MS; probe += 60_000) {
      if (formatDay(wallClockMs(probe, tz)) === day) {
        instant = probe;
        break;
      }
    }
  }
  return new Date(instant).toISOString();
}

function isoWeekKey(day: string): string {
  // The ISO year is the year of the week's Thursday.
  const thursday = addDays(day, 4 - isoWeekday(day));
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor(daysBetween(`${year}-01-01`, thursday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function build(kind: PeriodKind, firstDay: string, lastDay: string, timezone: string): Period {
  const key = kind === 'weekly' ? isoWeekKey(firstDay) : firstDay.slice(0, 7);
  return {
    kind,
    key,
    firstDay,
    lastDay,
    timezone,
    startUtc: startOfDayUtc(firstDay, timezone),
    endUtc: startOfDayUtc(addDays(lastDay, 1), timezone),
  };
}

function lastDayOfMonth(firstDay: string): string {
  const d = new Date(parseDay(firstDay));
  return formatDay(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
}

/** The period of `kind` that contains the calendar date `day`. */
export function periodContaining(kind: PeriodKind, day: string, timezone = 'UTC'): Period {
  parseDay(day);
  assertTimeZone(timezone);
  if (kind === 'weekly') {
    const monday = addDays(day, 1 - isoWeekday(day));
    return build(kind, monday, addDays(monday, 6), timezone);
  }
  const first = `${day.slice(0, 7)}-01`;
  return build(kind, first, lastDayOfMonth(first), timezone);
}

export function previousPeriod(p: Period): Period {
  return periodContaining(p.kind, addDays(p.firstDay, -1), p.timezone);
}

export function nextPeriod(p: Period): Period {
  return periodContaining(p.kind, addDays(p.lastDay, 1), p.timezone);
}

/** The last `count` periods ending with `p`, oldest first. */
export function trailingPeriods(p: Period, count = 12): Period[] {
  const out: Period[] = [p];
  while (out.length < count) out.unshift(previousPeriod(out[0] as Period));
  return out;
}

/** The latest period of `kind` that has fully ended at `now` (the default report period). */
export function previousCompletePeriod(kind: PeriodKind, now: Date, timezone = 'UTC'): Period {
  return previousPeriod(periodContaining(kind, localDay(now, timezone), timezone));
}

export function isComplete(p: Period, now: Date): boolean {
  return Date.parse(p.endUtc) <= now.getTime();
}

const WEEK_KEY_RE = /^(\d{4})-W(\d{2})$/;
const MONTH_KEY_RE = /^(\d{4})-(\d{2})$/;

/** Parses `2026-W47` or `2026-11` back into its period. */
export function periodFromKey(key: string, timezone = 'UTC'): Period {
  const week = WEEK_KEY_RE.exec(key);
  if (week) {
    const year = Number(week[1]);
    const n = Number(week[2]);
    // Week 1 is the week that contains 4 January.
    const jan4 = `${year}-01-04`;
    const monday = addDays(addDays(jan4, 1 - isoWeekday(jan4)), (n - 1) * 7);
    const p = periodContaining('weekly', monday, timezone);
    if (n < 1 || p.key !== key) throw new RangeError(`"${key}" is not an ISO week of ${year}`);
    return p;
  }
  const month = MONTH_KEY_RE.exec(key);
  if (month && Number(month[2]) >= 1 && Number(month[2]) <= 12) {
    return periodContaining('monthly', `${key}-01`, timezone);
  }
  throw new RangeError(`"${key}" is not a period key (expected e.g. 2026-W47 or 2026-11)`);
}

/** Every calendar day of the period with its UTC bounds. */
export function daysOf(p: Period): DayBounds[] {
  const out: DayBounds[] = [];
  for (let day = p.firstDay; day <= p.lastDay; day = addDays(day, 1)) {
    out.push({
      day,
      startUtc: startOfDayUtc(day, p.timezone),
      endUtc: startOfDayUtc(addDays(day, 1), p.timezone),
    });
  }
  return out;
}

/** `2026-11-16T00:00:00.000Z` -> `2026-11-16 00:00:00.000`, the form SQL timestamp literals take. */
export function sqlTimestamp(isoUtc: string): string {
  const d = new Date(isoUtc);
  if (Number.isNaN(d.getTime())) throw new RangeError(`"${isoUtc}" is not an instant`);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
