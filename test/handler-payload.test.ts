import { describe, expect, it } from 'vitest';
import { resolveRequest, type ReportDefaults } from '../functions/handlers/report/payload.js';
import { loadConfig } from '../functions/handlers/report/config.js';
import { InputError } from '../functions/core/input-error.js';

const DEFAULTS: ReportDefaults = { timezone: 'Europe/Warsaw', locale: 'pl', recipients: ['cs@example.com'] };
const NOW = new Date('2026-11-25T10:00:00Z');

function rejects(event: unknown, message: RegExp): void {
  expect(() => resolveRequest(event, DEFAULTS, NOW)).toThrow(InputError);
  expect(() => resolveRequest(event, DEFAULTS, NOW)).toThrow(message);
}

describe('scheduled events', () => {
  it('report the period before the schedule time, whatever the clock says', () => {
    const event = { source: 'schedule', period: 'weekly', scheduledTime: '2026-11-23T07:00:00Z' };
    const onTime = resolveRequest(event, DEFAULTS, new Date('2026-11-23T07:00:03Z'));
    // A retry a week late still reports the week the schedule was for.
    const late = resolveRequest(event, DEFAULTS, new Date('2026-12-01T12:00:00Z'));
    expect(onTime.period.key).toBe('2026-W47');
    expect(late.period.key).toBe('2026-W47');
    expect(onTime).toMatchObject({
      trigger: 'schedule',
      locale: 'pl',
      recipients: ['cs@example.com'],
      dryRun: false,
      force: false,
    });
    expect(onTime.period).toMatchObject({
      firstDay: '2026-11-16',
      lastDay: '2026-11-22',
      timezone: 'Europe/Warsaw',
    });
  });

  it('read the schedule time in the report time zone', () => {
    // 23:30 UTC on 30 November is already 1 December in Warsaw: November is complete.
    const fired = new Date('2026-11-30T23:30:02Z');
    const late = resolveRequest(
      { source: 'schedule', period: 'monthly', scheduledTime: '2026-11-30T23:30:00Z' },
      DEFAULTS,
      fired,
    );
    expect(late.period.key).toBe('2026-11');
    const utc = resolveRequest(
      { source: 'schedule', period: 'monthly', scheduledTime: '2026-11-30T23:30:00Z' },
      { ...DEFAULTS, timezone: 'UTC' },
      fired,
    );
    expect(utc.period.key).toBe('2026-10');
  });

  it('refuse a schedule time in the future: the period it names has not ended', () => {
    rejects(
      { source: 'schedule', period: 'monthly', scheduledTime: '2030-06-01T07:00:00Z' },
      /scheduledTime: "2030-06-01T07:00:00Z" is in the future/,
    );
    rejects(
      { source: 'schedule', period: 'weekly', scheduledTime: '9999-12-31T07:00:00Z' },
      /scheduledTime: .* is in the future/,
    );
    // Five days ahead of the clock: the week before it has not ended yet.
    rejects({ source: 'schedule', period: 'weekly', scheduledTime: '2026-11-30T07:00:00Z' }, /in the future/);
  });

  it('turn a date beyond the calendar into an input error, not a RangeError', () => {
    const farFuture = new Date('9999-12-31T23:00:00Z');
    expect(() =>
      resolveRequest(
        { source: 'schedule', period: 'weekly', scheduledTime: '9999-12-31T07:00:00Z' },
        DEFAULTS,
        farFuture,
      ),
    ).toThrow(InputError);
    expect(() => resolveRequest({ period: 'monthly', date: '9999-12-31' }, DEFAULTS, farFuture)).toThrow(
      InputError,
    );
  });

  it('reject a malformed schedule event', () => {
    rejects(
      { source: 'schedule', period: 'weekly', scheduledTime: 'Monday' },
      /scheduledTime: "Monday" is not an ISO-8601 instant/,
    );
    rejects(
      { source: 'cron', period: 'weekly', scheduledTime: '2026-11-23T07:00:00Z' },
      /source: unknown source "cron"/,
    );
    rejects({ source: 'schedule', period: 'weekly' }, /scheduledTime/);
    rejects(
      { source: 'schedule', period: 'weekly', scheduledTime: '2026-11-23T07:00:00Z', force: true },
      /unknown field "force"/,
    );
    rejects({ period: 'weekly', recomputeTrend: 'yes' }, /recomputeTrend: must be true or false/);
  });
});

describe('manual payloads', () => {
  it('report the period containing the date, with the requested options', () => {
    const r = resolveRequest(
      {
        period: 'monthly',
        date: '2026-10-15',
        dryRun: true,
        locale: 'en',
        timezone: 'UTC',
        recipients: ['a@example.com'],
        force: true,
        recomputeTrend: true,
      },
      DEFAULTS,
      NOW,
    );
    expect(r).toMatchObject({
      trigger: 'manual',
      locale: 'en',
      recipients: ['a@example.com'],
      dryRun: true,
      force: true,
      recomputeTrend: true,
    });
    expect(r.period).toMatchObject({
      kind: 'monthly',
      key: '2026-10',
      firstDay: '2026-10-01',
      lastDay: '2026-10-31',
      timezone: 'UTC',
    });
  });

  it('default to the previous complete period and the configured options', () => {
    const r = resolveRequest({ period: 'weekly' }, DEFAULTS, NOW);
    expect(r.period.key).toBe('2026-W47');
    expect(r).toMatchObject({ locale: 'pl', recipients: ['cs@example.com'], dryRun: false, force: false });
  });

  it('reject an unknown period', () => {
    rejects({ period: 'daily' }, /invalid payload: period: "daily" is not one of weekly, monthly/);
    rejects({}, /period: undefined is not one of weekly, monthly/);
  });

  it('reject a malformed date', () => {
    rejects({ period: 'monthly', date: '2026-13-01' }, /date: "2026-13-01" is not a date written YYYY-MM-DD/);
    rejects({ period: 'monthly', date: '15/10/2026' }, /date: "15\/10\/2026" is not a date/);
    rejects({ period: 'monthly', date: 20261015 }, /date: 20261015 is not a date/);
  });

  it('reject a period that has not ended yet', () => {
    rejects({ period: 'monthly', date: '2026-11-02' }, /date: period 2026-11 has not ended yet/);
    rejects({ period: 'weekly', date: '2027-01-04' }, /period 2027-W01 has not ended yet/);
    // The week ending on Sunday 22 November is complete on the 25th.
    expect(resolveRequest({ period: 'weekly', date: '2026-11-22' }, DEFAULTS, NOW).period.key).toBe(
      '2026-W47',
    );
  });

  it('reject an unknown locale or time zone', () => {
    rejects({ period: 'weekly', locale: 'de' }, /locale: "de" is not one of en, id, pl/);
    rejects(
      { period: 'weekly', timezone: 'Mars/Olympus' },
      /timezone: "Mars\/Olympus" is not an IANA time zone/,
    );
  });

  it('reject bad recipients', () => {
    rejects(
      { period: 'weekly', recipients: ['ops@example.com', 'not an address'] },
      /recipients\[1\]: "not an address" is not an e-mail address/,
    );
    rejects(
      { period: 'weekly', recipients: 'ops@example.com' },
      /recipients: must be a list of e-mail addresses/,
    );
    rejects({ period: 'weekly', recipients: [] }, /recipients: must name at least one address/);
    rejects(
      { period: 'weekly', recipients: Array.from({ length: 51 }, (_, i) => `u${i}@example.com`) },
      /recipients: must name at most 50 addresses/,
    );
  });

  it('reject misspelt fields and non-boolean flags, naming them all', () => {
    rejects({ period: 'weekly', dryrun: true }, /unknown field "dryrun"/);
    rejects(
      { period: 'weekly', dryRun: 'yes', force: 1 },
      /dryRun: must be true or false; force: must be true or false/,
    );
    rejects('weekly', /expected a JSON object/);
    rejects(null, /expected a JSON object/);
  });
});

describe('loadConfig', () => {
  const env = {
    ATHENA_DATABASE: 'cs_data',
    ATHENA_WORKGROUP: 'cs-kpi-digest-queries',
    ATHENA_TABLES: '{"accounts":"accounts","usage_events":"usage_events"}',
    SNAPSHOT_BUCKET: 'cs-kpi-snapshots-123',
    SNAPSHOT_PREFIX: '/reports/',
    MAIL_SENDER: 'digest@example.com',
    MAIL_RECIPIENTS: 'a@example.com, b@example.com,',
    SES_CONFIGURATION_SET: 'digest',
    SES_MAX_SEND_RATE: '28',
    REPORT_TIMEZONE: 'Europe/Warsaw',
    REPORT_CURRENCY: 'EUR',
    REPORT_LOCALE: 'pl',
  };

  it('reads a complete environment', () => {
    expect(loadConfig(env)).toEqual({
      athena: {
        database: 'cs_data',
        workgroup: 'cs-kpi-digest-queries',
        tables: { accounts: 'accounts', usage_events: 'usage_events' },
        catalog: 'AwsDataCatalog',
        pricePerTbUsd: 5,
        queryTimeoutMs: 300_000,
        maxConcurrent: 4,
      },
      snapshots: { bucket: 'cs-kpi-snapshots-123', prefix: 'reports' },
      mail: {
        sender: 'digest@example.com',
        recipients: ['a@example.com', 'b@example.com'],
        configurationSet: 'digest',
        maxSendRate: 28,
      },
      report: {
        timezone: 'Europe/Warsaw',
        currency: 'EUR',
        fxBase: 'USD',
        locale: 'pl',
        exclusionThresholds: { warnShare: 0.05, stopShare: 0.5 },
      },
      csm: { enabled: false, domains: [], skipEmpty: true },
      csmDelivery: { queueUrl: null, concurrency: 2 },
      usageRollups: null,
    });
  });

  it('reads the usage rollup locations, both or neither, plain S3 folders only', () => {
    expect(
      loadConfig({
        ...env,
        USAGE_ROLLUPS_LOCATION: 's3://cs-kpi-rollups/usage_rollups/',
        USAGE_EVENTS_LOCATION: 's3://cs-kpi-data/data/usage_events/',
      }).usageRollups,
    ).toEqual({
      rollups: { bucket: 'cs-kpi-rollups', prefix: 'usage_rollups' },
      rawUsage: { bucket: 'cs-kpi-data', prefix: 'data/usage_events' },
    });
    expect(() =>
      loadConfig({ ...env, USAGE_ROLLUPS_LOCATION: 's3://cs-kpi-rollups/usage_rollups/' }),
    ).toThrow(
      'invalid environment: USAGE_ROLLUPS_LOCATION and USAGE_EVENTS_LOCATION go together (set both or neither)',
    );
    expect(() =>
      loadConfig({
        ...env,
        USAGE_ROLLUPS_LOCATION: "s3://cs-kpi-rollups/it's/",
        USAGE_EVENTS_LOCATION: 's3://cs-kpi-data/data/usage_events/',
      }),
    ).toThrow(
      `invalid environment: USAGE_ROLLUPS_LOCATION: "s3://cs-kpi-rollups/it's/" is not an S3 folder such as s3://<bucket>/usage_rollups/`,
    );
  });

  it('reads the web_events folder of the web rollups, only beside the usage rollups', () => {
    const rollups = {
      USAGE_ROLLUPS_LOCATION: 's3://cs-kpi-rollups/usage_rollups/',
      USAGE_EVENTS_LOCATION: 's3://cs-kpi-data/data/usage_events/',
    };
    expect(
      loadConfig({ ...env, ...rollups, WEB_EVENTS_LOCATION: 's3://cs-kpi-data/data/web_events/' })
        .usageRollups,
    ).toEqual({
      rollups: { bucket: 'cs-kpi-rollups', prefix: 'usage_rollups' },
      rawUsage: { bucket: 'cs-kpi-data', prefix: 'data/usage_events' },
      rawWeb: { bucket: 'cs-kpi-data', prefix: 'data/web_events' },
    });
    expect(() => loadConfig({ ...env, WEB_EVENTS_LOCATION: 's3://cs-kpi-data/data/web_events/' })).toThrow(
      'invalid environment: WEB_EVENTS_LOCATION needs USAGE_ROLLUPS_LOCATION (the web rollups live beside the usage rollups)',
    );
    expect(() => loadConfig({ ...env, ...rollups, WEB_EVENTS_LOCATION: 'data/web_events' })).toThrow(
      /^invalid environment: WEB_EVENTS_LOCATION: "data\/web_events" is not an S3 folder/,
    );
  });

  it('defaults the report settings', () => {
    const { REPORT_TIMEZONE: _t, REPORT_CURRENCY: _c, REPORT_LOCALE: _l, ...rest } = env;
    expect(loadConfig(rest).report).toEqual({
      timezone: 'UTC',
      currency: 'USD',
      fxBase: 'USD',
      locale: 'en',
      exclusionThresholds: { warnShare: 0.05, stopShare: 0.5 },
    });
  });

  it('names every bad variable', () => {
    const bad = {
      ...env,
      ATHENA_DATABASE: undefined,
      ATHENA_TABLES: '{"payments":"payments","accounts":"Accounts-1"}',
      MAIL_RECIPIENTS: 'ok@example.com,nope',
      REPORT_TIMEZONE: 'Europe/Atlantis',
      REPORT_LOCALE: 'de',
      SES_MAX_SEND_RATE: 'fast',
    };
    const error = (() => {
      try {
        loadConfig(bad);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected loadConfig to throw');
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^invalid environment: /);
    expect(error.message).toContain('ATHENA_DATABASE is not set');
    expect(error.message).toContain(
      'ATHENA_TABLES names "payments", not a contract table (accounts, subscriptions',
    );
    expect(error.message).toContain(
      'ATHENA_TABLES.accounts: "Accounts-1" is not a name of lower-case letters, digits and underscores',
    );
    expect(error.message).toContain('MAIL_RECIPIENTS: "nope" is not an e-mail address');
    expect(error.message).toContain('REPORT_TIMEZONE: "Europe/Atlantis" is not an IANA time zone');
    expect(error.message).toContain('REPORT_LOCALE: "de" is not one of en, id, pl');
    expect(error.message).toContain('SES_MAX_SEND_RATE: "fast" is not a positive number');
  });

  it('rejects ATHENA_TABLES that is not JSON', () => {
    expect(() => loadConfig({ ...env, ATHENA_TABLES: 'accounts=accounts' })).toThrow(
      /ATHENA_TABLES: "accounts=accounts" is not JSON/,
    );
  });
});
