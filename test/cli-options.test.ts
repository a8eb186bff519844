import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../functions/cli/options.js';

const now = new Date('2026-11-23T09:00:00Z'); // a Monday
const parse = (...argv: string[]) => parseCliArgs(argv, {}, now);

describe('report CLI options', () => {
  it('defaults to the previous complete ISO week in UTC, sample data, ./out, USD, outbox', () => {
    const o = parse();
    expect(o.period).toMatchObject({
      kind: 'weekly',
      key: '2026-W47',
      firstDay: '2026-11-16',
      lastDay: '2026-11-22',
    });
    expect(o.dataDir).toBeNull();
    expect(o.outDir.endsWith('/out')).toBe(true);
    expect(o).toMatchObject({ currency: 'USD', locale: 'en', send: 'outbox', dryRun: false, force: false });
    expect(o.recomputeTrend).toBe(false);
    expect(parse('--recompute-trend').recomputeTrend).toBe(true);
  });

  it('takes a monthly period containing --date in a time zone', () => {
    const o = parse(
      '--period',
      'monthly',
      '--date',
      '2026-10-15',
      '--timezone',
      'Asia/Jakarta',
      '--currency',
      'EUR',
    );
    expect(o.period).toMatchObject({
      key: '2026-10',
      timezone: 'Asia/Jakarta',
      startUtc: '2026-09-30T17:00:00.000Z',
    });
    expect(o.currency).toBe('EUR');
  });

  it.each([
    [['--period', 'daily'], '--period: "daily" is not one of weekly, monthly'],
    [['--date', '2026-02-30'], '--date: "2026-02-30" is not a date written YYYY-MM-DD'],
    [['--date', '15/10/2026'], '--date: "15/10/2026" is not a date written YYYY-MM-DD'],
    [
      ['--date', '2026-11-25'],
      'the weekly period 2026-W48 (2026-11-23 to 2026-11-29) has not ended yet; pick an earlier --date',
    ],
    [
      ['--timezone', 'Europe/Atlantis'],
      '--timezone: "Europe/Atlantis" is not an IANA time zone (e.g. UTC, Europe/Warsaw)',
    ],
    [
      ['--currency', 'usd'],
      '--currency: "usd" is not an active ISO 4217 currency code (three upper-case letters, e.g. USD, EUR, PLN)',
    ],
    [['--locale', 'de'], '--locale: "de" is not one of en, id, pl'],
    [['--send', 'pigeon'], '--send: "pigeon" is not one of outbox, smtp, ses'],
    [
      ['--to', 'alice@example.com,not-an-address'],
      '--to: "not-an-address" is not an e-mail address (a plain address such as digest@example.com)',
    ],
    [['--data', '/nonexistent/folder'], '--data folder /nonexistent/folder does not exist'],
    [['--data', 'package.json'], '--data package.json is not a folder'],
    [['--send', 'smtp'], '--send smtp needs SMTP_HOST (and SMTP_PORT)'],
  ])('rejects %j with one clear message', (argv, message) => {
    expect(() => parse(...argv)).toThrow(new UsageError(message));
  });

  it('rejects unknown flags and stray arguments', () => {
    expect(() => parse('--perod', 'weekly')).toThrow(/Unknown option '--perod'.*see --help/);
    expect(() => parse('weekly')).toThrow(UsageError);
  });
});
