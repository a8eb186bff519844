import { describe, expect, it } from 'vitest';
import {
  bucketNameSchema,
  calendarDateMs,
  calendarDateSchema,
  canonicalTimeZone,
  catalogNameSchema,
  checkValue,
  currencySchema,
  emailSchema,
  EXPECTED,
  isBucketName,
  isCalendarDate,
  isCatalogName,
  isDomainName,
  isEmailAddress,
  isReportingCurrency,
  isTimeZone,
  notA,
  oneOfSchema,
  parsePercent,
  percentSchema,
  percentTextSchema,
  problem,
  shown,
  timeZoneSchema,
} from '../functions/core/validators.js';
import { parseCliArgs, UsageError } from '../functions/cli/options.js';
import { parseBackfillArgs } from '../functions/cli/backfill-main.js';
import { resolveRequest, type ReportDefaults } from '../functions/handlers/report/payload.js';
import { loadConfig } from '../functions/handlers/report/config.js';
import { InputError } from '../functions/core/input-error.js';
import { ConfigError, resolveConfig, type RawConfig } from '../infra/config.js';

describe('the error format', () => {
  it('quotes strings and shows other values as JSON', () => {
    expect(shown('UTC')).toBe('"UTC"');
    expect(shown(20261015)).toBe('20261015');
    expect(shown(null)).toBe('null');
    expect(shown(undefined)).toBe('undefined');
    expect(shown(['a'])).toBe('["a"]');
  });

  it('names the field, shows the value and says what was expected', () => {
    expect(problem('--timezone', notA('Mars/Base', EXPECTED.timeZone))).toBe(
      '--timezone: "Mars/Base" is not an IANA time zone (e.g. UTC, Europe/Warsaw)',
    );
    expect(checkValue(calendarDateSchema, 'date', '2026-13-01')).toEqual({
      ok: false,
      problem: 'date: "2026-13-01" is not a date written YYYY-MM-DD',
    });
    expect(checkValue(calendarDateSchema, 'date', '2028-02-29')).toEqual({ ok: true, value: '2028-02-29' });
  });
});

describe('calendar dates', () => {
  it.each(['2026-01-01', '2028-02-29', '2000-02-29', '2026-12-31', '1970-01-01'])('accepts %s', (day) => {
    expect(isCalendarDate(day)).toBe(true);
    expect(calendarDateSchema.safeParse(day).success).toBe(true);
  });

  it.each([
    '2026-02-29', // not a leap year
    '1900-02-29', // a century that is not a leap year
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-1-01',
    '15/10/2026',
    '2026-10-15T00:00:00Z',
    ' 2026-10-15',
    '',
  ])('refuses %j', (day) => {
    expect(isCalendarDate(day)).toBe(false);
    expect(calendarDateMs(day)).toBeNull();
    expect(checkValue(calendarDateSchema, 'd', day)).toEqual({
      ok: false,
      problem: `d: "${day}" is not a date written YYYY-MM-DD`,
    });
  });

  it('gives midnight UTC of the day, and refuses what is not a string', () => {
    expect(calendarDateMs('2028-02-29')).toBe(Date.UTC(2028, 1, 29));
    expect(checkValue(calendarDateSchema, 'date', 20261015)).toEqual({
      ok: false,
      problem: 'date: 20261015 is not a date written YYYY-MM-DD',
    });
  });
});

describe('time zones', () => {
  it.each(['UTC', 'Europe/Warsaw', 'America/New_York', 'Asia/Jakarta', 'Pacific/Kiritimati', 'utc'])(
    'accepts %s',
    (tz) => {
      expect(isTimeZone(tz)).toBe(true);
      expect(timeZoneSchema.safeParse(tz).success).toBe(true);
    },
  );

  it.each([' UTC', 'UTC ', '', 'Mars/Base', 'Europe/Atlantis', 'CEST'])('refuses %j', (tz) => {
    expect(isTimeZone(tz)).toBe(false);
    expect(checkValue(timeZoneSchema, 'tz', tz)).toEqual({
      ok: false,
      problem: `tz: "${tz}" is not an IANA time zone (e.g. UTC, Europe/Warsaw)`,
    });
  });

  it('spells a zone given in another letter case canonically', () => {
    expect(canonicalTimeZone('europe/warsaw')).toBe('Europe/Warsaw');
    expect(canonicalTimeZone('Europe/Warsaw')).toBe('Europe/Warsaw');
  });
});

describe('e-mail addresses', () => {
  it.each(['a@b.io', 'A@B.COM', 'cs-team@example.com', 'first.last+kpi@mail.acme.co.uk', 'x@example.travel'])(
    'accepts %s',
    (address) => {
      expect(isEmailAddress(address)).toBe(true);
      expect(emailSchema.safeParse(address).success).toBe(true);
    },
  );

  it.each([
    'a@b',
    'a@b.c',
    'not-an-address',
    '@example.com',
    'a b@example.com',
    'Digest <digest@example.com>',
    'a@-example.com',
    'a@example..com',
    'a@example.123',
    ' a@example.com',
    `${'x'.repeat(65)}@example.com`,
    `a@${'b'.repeat(250)}.com`,
  ])('refuses %j', (address) => {
    expect(isEmailAddress(address)).toBe(false);
    expect(checkValue(emailSchema, 'to', address)).toEqual({
      ok: false,
      problem: `to: "${address}" is not an e-mail address (a plain address such as digest@example.com)`,
    });
  });

  it('knows domain names', () => {
    expect(isDomainName('acme.io')).toBe(true);
    expect(isDomainName('acme')).toBe(false);
    expect(isDomainName('acme.i')).toBe(false);
  });
});

describe('currencies', () => {
  it.each(['USD', 'EUR', 'PLN', 'IDR', 'JPY'])('accepts %s', (code) => {
    expect(isReportingCurrency(code)).toBe(true);
    expect(currencySchema.safeParse(code).success).toBe(true);
  });

  it.each(['usd', 'ABC', 'EURO', 'US', ' USD', ''])('refuses %j', (code) => {
    expect(isReportingCurrency(code)).toBe(false);
    expect(checkValue(currencySchema, 'currency', code)).toEqual({
      ok: false,
      problem: `currency: "${code}" is not an active ISO 4217 currency code (three upper-case letters, e.g. USD, EUR, PLN)`,
    });
  });
});

describe('percentages', () => {
  it('reads text 0–100 with an optional fraction', () => {
    expect(parsePercent('0')).toBe(0);
    expect(parsePercent('2.5')).toBe(2.5);
    expect(parsePercent(' 100 ')).toBe(100);
    for (const bad of ['100.1', '150', '-1', 'five', '1e2', '', '.5']) expect(parsePercent(bad)).toBeNull();
    expect(checkValue(percentTextSchema, '--warn-excluded', '7.5')).toEqual({ ok: true, value: 7.5 });
    expect(checkValue(percentTextSchema, '--warn-excluded', 'five')).toEqual({
      ok: false,
      problem: '--warn-excluded: "five" is not a percentage between 0 and 100',
    });
  });

  it('checks JSON numbers with the same bounds', () => {
    expect(percentSchema.safeParse(0).success).toBe(true);
    expect(percentSchema.safeParse(100).success).toBe(true);
    expect(checkValue(percentSchema, 'excludedStopPercent', 120)).toEqual({
      ok: false,
      problem: 'excludedStopPercent: 120 is not a percentage between 0 and 100',
    });
    expect(checkValue(percentSchema, 'p', -1).ok).toBe(false);
    expect(checkValue(percentSchema, 'p', '5')).toEqual({
      ok: false,
      problem: 'p: "5" is not a percentage between 0 and 100',
    });
  });
});

describe('names and fixed words', () => {
  it('knows Glue catalog names', () => {
    expect(isCatalogName('cs_kpi')).toBe(true);
    expect(isCatalogName('_x1')).toBe(true);
    for (const bad of ['CS-KPI', '1table', '', 'a b', 'x'.repeat(256)])
      expect(isCatalogName(bad)).toBe(false);
    expect(checkValue(catalogNameSchema, 'databaseName', 'CS-KPI')).toEqual({
      ok: false,
      problem:
        'databaseName: "CS-KPI" is not a name of lower-case letters, digits and underscores, not starting with a digit',
    });
  });

  it('knows S3 bucket names', () => {
    expect(isBucketName('cs-kpi-snapshots')).toBe(true);
    for (const bad of ['Acme', 'ab', '192.168.1.1', 'a..b', 'xn--abc', 'data-s3alias', 's3://x'])
      expect(isBucketName(bad)).toBe(false);
    expect(checkValue(bucketNameSchema, 'SNAPSHOT_BUCKET', 'Acme').ok).toBe(false);
  });

  it('names the accepted words', () => {
    const kinds = oneOfSchema(['weekly', 'monthly']);
    expect(checkValue(kinds, '--period', 'weekly')).toEqual({ ok: true, value: 'weekly' });
    expect(checkValue(kinds, '--period', 'daily')).toEqual({
      ok: false,
      problem: '--period: "daily" is not one of weekly, monthly',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Every surface refuses the same bad value with the same words: only the name in front differs.

const NOW = new Date('2026-11-25T10:00:00Z');
const ENV_DEFAULTS: ReportDefaults = { timezone: 'UTC', locale: 'en', recipients: ['cs@example.com'] };
const CDK_REQUIRED: RawConfig = { sender: 'digest@acme.io', recipients: ['cs@acme.io'] };
const ENV = {
  ATHENA_DATABASE: 'cs_data',
  ATHENA_WORKGROUP: 'wg',
  ATHENA_TABLES: '{"accounts":"accounts"}',
  SNAPSHOT_BUCKET: 'cs-kpi-snapshots',
  MAIL_SENDER: 'digest@example.com',
  MAIL_RECIPIENTS: 'cs@example.com',
};

function messageOf(run: () => unknown, type: new (...args: never[]) => Error): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

function cdkProblems(raw: RawConfig): readonly string[] {
  try {
    resolveConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('CLI, Lambda payload, Lambda environment and CDK configuration agree', () => {
  it.each(['2026-02-29', '2026-13-01', '15/10/2026'])('refuse the date %j alike', (day) => {
    const refusal = notA(day, EXPECTED.date);
    expect(messageOf(() => parseCliArgs(['--date', day], {}, NOW), UsageError)).toBe(
      problem('--date', refusal),
    );
    expect(
      messageOf(() => resolveRequest({ period: 'weekly', date: day }, ENV_DEFAULTS, NOW), InputError),
    ).toBe(`invalid payload: ${problem('date', refusal)}`);
    expect(cdkProblems({ ...CDK_REQUIRED, partitionRangeStart: day })).toEqual([
      problem('partitionRangeStart', refusal),
    ]);
  });

  it.each([' UTC', 'Mars/Base'])('refuse the time zone %j alike', (tz) => {
    const refusal = notA(tz, EXPECTED.timeZone);
    expect(messageOf(() => parseCliArgs(['--timezone', tz], {}, NOW), UsageError)).toBe(
      problem('--timezone', refusal),
    );
    expect(
      messageOf(
        () => parseBackfillArgs(['--timezone', tz, '--from', '2026-10', '--to', '2026-10'], {}),
        UsageError,
      ),
    ).toBe(problem('--timezone', refusal));
    expect(
      messageOf(() => resolveRequest({ period: 'weekly', timezone: tz }, ENV_DEFAULTS, NOW), InputError),
    ).toBe(`invalid payload: ${problem('timezone', refusal)}`);
    expect(messageOf(() => loadConfig({ ...ENV, REPORT_TIMEZONE: tz }), InputError)).toBe(
      `invalid environment: ${problem('REPORT_TIMEZONE', refusal)}`,
    );
    // The CDK reader trims what `-c timezone= UTC` delivers, so only the bad zone reaches the rule.
    if (tz === tz.trim()) {
      expect(cdkProblems({ ...CDK_REQUIRED, timezone: tz })).toEqual([problem('timezone', refusal)]);
    }
  });

  it.each(['a@b', 'not-an-address'])('refuse the address %j alike', (address) => {
    const refusal = notA(address, EXPECTED.email);
    expect(messageOf(() => parseCliArgs(['--to', address], {}, NOW), UsageError)).toBe(
      problem('--to', refusal),
    );
    expect(messageOf(() => parseCliArgs(['--from', address], {}, NOW), UsageError)).toBe(
      problem('--from', refusal),
    );
    expect(
      messageOf(
        () => resolveRequest({ period: 'weekly', recipients: [address] }, ENV_DEFAULTS, NOW),
        InputError,
      ),
    ).toBe(`invalid payload: ${problem('recipients[0]', refusal)}`);
    expect(messageOf(() => loadConfig({ ...ENV, MAIL_SENDER: address }), InputError)).toBe(
      `invalid environment: ${problem('MAIL_SENDER', refusal)}`,
    );
    expect(cdkProblems({ ...CDK_REQUIRED, recipients: [address] })).toEqual([problem('recipients', refusal)]);
    expect(cdkProblems({ ...CDK_REQUIRED, sender: address })).toEqual([problem('sender', refusal)]);
  });

  it('accept upper-case addresses everywhere', () => {
    expect(parseCliArgs(['--to', 'A@B.COM'], {}, NOW).to).toEqual(['A@B.COM']);
    expect(
      resolveRequest({ period: 'weekly', recipients: ['A@B.COM'] }, ENV_DEFAULTS, NOW).recipients,
    ).toEqual(['A@B.COM']);
    expect(loadConfig({ ...ENV, MAIL_RECIPIENTS: 'A@B.COM' }).mail.recipients).toEqual(['A@B.COM']);
    expect(resolveConfig({ ...CDK_REQUIRED, recipients: ['A@B.COM'] }).recipients).toEqual(['A@B.COM']);
  });

  it('refuse the currency "usd" alike', () => {
    const refusal = notA('usd', EXPECTED.currency);
    expect(messageOf(() => parseCliArgs(['--currency', 'usd'], {}, NOW), UsageError)).toBe(
      problem('--currency', refusal),
    );
    expect(messageOf(() => loadConfig({ ...ENV, REPORT_CURRENCY: 'usd' }), InputError)).toBe(
      `invalid environment: ${problem('REPORT_CURRENCY', refusal)}`,
    );
    expect(cdkProblems({ ...CDK_REQUIRED, currency: 'usd' })).toEqual([problem('currency', refusal)]);
  });
});
