import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysOf,
  isComplete,
  localDay,
  nextPeriod,
  parseDay,
  periodContaining,
  periodFromKey,
  previousCompletePeriod,
  previousPeriod,
  startOfDayUtc,
  trailingPeriods,
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
