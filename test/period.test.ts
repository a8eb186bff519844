import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysOf,
  isComplete,
  localDay,
  nextPeriod,
  offsetTransitions,
  parseDay,
  periodContaining,
  periodFromKey,
  previousCompletePeriod,
  previousPeriod,
  startOfDayUtc,
  trailingPeriods,
  utcOffsetMinutes,
} from '../functions/core/period.js';

describe('weekly periods (ISO weeks)', () => {
  it('keys and bounds a mid-year week', () => {
    const p = periodContaining('weekly', '2026-11-18');
    expect(p).toMatchObject({ key: '2026-W47', firstDay: '2026-11-16', lastDay: '2026-11-22' });
    expect(p.startUtc).toBe('2026-11-16T00:00:00.000Z');
    expect(p.endUtc).toBe('2026-11-23T00:00:00.000Z');
  });

  it('puts 2021-01-03 (a Sunday) in week 53 of 2020', () => {
    // 2020 started on a Wednesday and was a leap year, so it has 53 ISO weeks.
    const p = periodContaining('weekly', '2021-01-03');
    expect(p).toMatchObject({ key: '2020-W53', firstDay: '2020-12-28', lastDay: '2021-01-03' });
    expect(nextPeriod(p).key).toBe('2021-W01');
    expect(periodFromKey('2020-W53').firstDay).toBe('2020-12-28');
  });

  it('puts 2026-12-31 in 2026-W53 and 2027-01-04 in 2027-W01', () => {
    // 2026 starts on a Thursday: 53 ISO weeks; W53 runs 2026-12-28..2027-01-03.
    expect(periodContaining('weekly', '2026-12-31').key).toBe('2026-W53');
    expect(periodContaining('weekly', '2027-01-03').key).toBe('2026-W53');
    expect(periodContaining('weekly', '2027-01-04').key).toBe('2027-W01');
  });

  it("puts 2024-12-30 in 2025-W01 (the ISO year is the Thursday's)", () => {
    expect(periodContaining('weekly', '2024-12-30').key).toBe('2025-W01');
    expect(periodContaining('weekly', '2024-12-29').key).toBe('2024-W52');
  });

  it('rejects a week 53 that does not exist', () => {
    expect(() => periodFromKey('2025-W53')).toThrow(/not an ISO week/);
    expect(() => periodFromKey('2025-W00')).toThrow(/not an ISO week/);
  });

  it('walks back across a year end', () => {
    const p = periodFromKey('2027-W01');
    expect(previousPeriod(p).key).toBe('2026-W53');
    expect(previousPeriod(previousPeriod(p)).key).toBe('2026-W52');
  });
});

describe('monthly periods', () => {
  it('keys and bounds months including leap February', () => {
    expect(periodContaining('monthly', '2028-02-10')).toMatchObject({
      key: '2028-02',
      firstDay: '2028-02-01',
      lastDay: '2028-02-29',
    });
    expect(periodContaining('monthly', '2026-02-10').lastDay).toBe('2026-02-28');
  });

  it('goes back from January to December of the previous year', () => {
    expect(previousPeriod(periodFromKey('2027-01')).key).toBe('2026-12');
    expect(periodFromKey('2026-12').lastDay).toBe('2026-12-31');
  });

  it('gives the last 12 periods oldest first', () => {
    const keys = trailingPeriods(periodFromKey('2026-03'), 12).map((p) => p.key);
    expect(keys).toEqual([
      '2025-04',
      '2025-05',
      '2025-06',
      '2025-07',
      '2025-08',
      '2025-09',
      '2025-10',
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
  });

  it('rejects bad keys', () => {
    expect(() => periodFromKey('2026-13')).toThrow(/not a period key/);
    expect(() => periodFromKey('26-11')).toThrow(/not a period key/);
  });
});

describe('time zones and DST', () => {
  it('bounds a Warsaw week that contains the end of summer time', () => {
    // 2026-10-25 03:00 CEST becomes 02:00 CET; the week is 7 × 24 h + 1 h long.
    const p = periodContaining('weekly', '2026-10-25', 'Europe/Warsaw');
    expect(p.key).toBe('2026-W43');
    expect(p.startUtc).toBe('2026-10-18T22:00:00.000Z'); // Monday 00:00 CEST (UTC+2)
    expect(p.endUtc).toBe('2026-10-25T23:00:00.000Z'); // Monday 00:00 CET (UTC+1)
    const hours = (Date.parse(p.endUtc) - Date.parse(p.startUtc)) / 3_600_000;
    expect(hours).toBe(7 * 24 + 1);
    const days = daysOf(p);
    expect(days).toHaveLength(7);
    const sunday = days[6];
    expect(sunday?.day).toBe('2026-10-25');
    expect((Date.parse(sunday?.endUtc ?? '') - Date.parse(sunday?.startUtc ?? '')) / 3_600_000).toBe(25);
  });

  it('bounds a New York month that contains the start of summer time', () => {
    // 2026-03-08 02:00 EST jumps to 03:00 EDT: March is one hour short.
    const p = periodFromKey('2026-03', 'America/New_York');
    expect(p.startUtc).toBe('2026-03-01T05:00:00.000Z');
    expect(p.endUtc).toBe('2026-04-01T04:00:00.000Z');
    expect((Date.parse(p.endUtc) - Date.parse(p.startUtc)) / 3_600_000).toBe(31 * 24 - 1);
  });

  it('starts a day at the first instant that exists when midnight is skipped', () => {
    // America/Santiago: 2026-09-06 00:00 does not exist (clocks go 00:00 -> 01:00).
    const start = startOfDayUtc('2026-09-06', 'America/Santiago');
    expect(localDay(new Date(start), 'America/Santiago')).toBe('2026-09-06');
    expect(localDay(new Date(Date.parse(start) - 1000), 'America/Santiago')).toBe('2026-09-05');
  });

  it('bounds a Jakarta month (no DST, UTC+7)', () => {
    const p = periodFromKey('2026-11', 'Asia/Jakarta');
    expect(p.startUtc).toBe('2026-10-31T17:00:00.000Z');
    expect(p.endUtc).toBe('2026-11-30T17:00:00.000Z');
  });

  it('takes the previous complete period from the local date, not the UTC date', () => {
    // Monday 2026-11-23 00:30 in Warsaw is still Sunday 23:30 UTC.
    const now = new Date('2026-11-22T23:30:00Z');
    expect(previousCompletePeriod('weekly', now, 'Europe/Warsaw').key).toBe('2026-W47');
    expect(previousCompletePeriod('weekly', now, 'UTC').key).toBe('2026-W46');
    expect(previousCompletePeriod('monthly', now, 'UTC').key).toBe('2026-10');
  });

  it('knows whether a period has ended', () => {
    const p = periodFromKey('2026-W47');
    expect(isComplete(p, new Date('2026-11-22T23:59:59Z'))).toBe(false);
    expect(isComplete(p, new Date('2026-11-23T00:00:00Z'))).toBe(true);
  });

  it('rejects unknown time zones and impossible dates', () => {
    expect(() => periodContaining('weekly', '2026-11-18', 'Mars/Olympus')).toThrow(/IANA/);
    expect(() => parseDay('2026-02-30')).toThrow(/calendar date/);
    expect(() => parseDay('18-11-2026')).toThrow(/YYYY-MM-DD/);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});

describe('offsetTransitions', () => {
  /** The reference: probe every hour and bisect each change to the minute (the former method). */
  function hourlyScan(tz: string, fromMs: number, toMs: number): { fromMs: number; offsetMinutes: number }[] {
    const spans = [{ fromMs, offsetMinutes: utcOffsetMinutes(fromMs, tz) }];
    for (let t = fromMs + 3_600_000; t <= toMs; t += 3_600_000) {
      const current = spans[spans.length - 1]?.offsetMinutes;
      const o = utcOffsetMinutes(t, tz);
      if (o === current) continue;
      let lo = t - 3_600_000;
      let hi = t;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (utcOffsetMinutes(mid, tz) === current) lo = mid;
        else hi = mid;
      }
      spans.push({ fromMs: hi, offsetMinutes: o });
    }
    return spans;
  }

  // Zones whose rules are unusual: DST suspended for Ramadan (Casablanca, Cairo), a skipped day
  // (Apia, end of 2011), a 30-minute shift (Lord Howe), southern-hemisphere DST, a :45 offset.
  const cases: [string, string, string][] = [
    ['Europe/Warsaw', '2026-01-01', '2027-01-01'],
    ['America/New_York', '2026-01-01', '2027-01-01'],
    ['Africa/Casablanca', '2012-01-01', '2013-01-01'],
    ['Africa/Cairo', '2014-01-01', '2015-01-01'],
    ['Pacific/Apia', '2011-06-01', '2012-06-01'],
    ['Australia/Lord_Howe', '2026-01-01', '2027-01-01'],
    ['America/Santiago', '2026-01-01', '2027-01-01'],
    ['Asia/Kathmandu', '2026-01-01', '2027-01-01'],
  ];
  it.each(cases)('finds the same transitions as an hourly scan in %s (%s to %s)', (tz, from, to) => {
    const fromMs = Date.parse(`${from}T00:00:00Z`);
    const toMs = Date.parse(`${to}T00:00:00Z`);
    expect(offsetTransitions(tz, fromMs, toMs)).toEqual(hourlyScan(tz, fromMs, toMs));
  });

  it('pins the Warsaw autumn change to the minute and keeps Lord Howe’s half hour', () => {
    const warsaw = offsetTransitions(
      'Europe/Warsaw',
      Date.parse('2026-10-01T00:00:00Z'),
      Date.parse('2026-11-01T00:00:00Z'),
    );
    expect(warsaw).toEqual([
      { fromMs: Date.parse('2026-10-01T00:00:00Z'), offsetMinutes: 120 },
      { fromMs: Date.parse('2026-10-25T01:00:00Z'), offsetMinutes: 60 },
    ]);
    const lordHowe = offsetTransitions(
      'Australia/Lord_Howe',
      Date.parse('2026-03-01T00:00:00Z'),
      Date.parse('2026-05-01T00:00:00Z'),
    );
    expect(lordHowe.map((s) => s.offsetMinutes)).toEqual([660, 630]);
  });

  it('is one span for a zone without transitions', () => {
    expect(offsetTransitions('UTC', 0, Date.parse('2026-12-01T00:00:00Z'))).toEqual([
      { fromMs: 0, offsetMinutes: 0 },
    ]);
  });
});
