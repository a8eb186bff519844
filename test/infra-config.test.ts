import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TABLE_NAMES } from '../functions/contract/contract.js';
import { ConfigError, DEFAULTS, resolveConfig, type RawConfig } from '../infra/config.js';
import { isBucketName, isEmailAddress, isTimeZone } from '../functions/core/validators.js';
import { DEMO_CONFIG, readRawConfig } from '../infra/config-source.js';

const required = { sender: 'digest@acme.io', recipients: 'cs@acme.io' };

/** The problems a raw config is rejected with (fails the test if it is accepted). */
function problems(raw: RawConfig): readonly string[] {
  try {
    resolveConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('resolveConfig', () => {
  it('fills every default from only a sender and recipients', () => {
    const config = resolveConfig(required);
    expect(config).toMatchObject({
      stackName: 'CsKpiDigest',
      dataBucket: undefined,
      dataPrefix: 'data',
      dataFormat: 'parquet',
      databaseName: 'cs_kpi',
      tables: [...TABLE_NAMES],
      partitionRangeStart: '2020-01-01',
      sender: 'digest@acme.io',
      senderIdentity: 'digest@acme.io',
      createSenderIdentity: true,
      recipients: ['cs@acme.io'],
      timezone: 'UTC',
      currency: 'USD',
      fxBase: 'USD',
      locale: 'en',
      excludedWarnPercent: 5,
      excludedStopPercent: 50,
      bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      queryResultsRetentionDays: 7,
      logRetentionDays: 90,
      logLevel: 'INFO',
      alarmEmail: undefined,
      lambdaMemoryMb: 1024,
      lambdaTimeoutSeconds: 300,
      sesMaxSendRate: 14,
    });
    expect(config.tableNames).toEqual(Object.fromEntries(TABLE_NAMES.map((t) => [t, t])));
  });

  it('reads the rates’ base and the exclusion thresholds, and checks them', () => {
    expect(
      resolveConfig({ ...required, fxBase: 'EUR', excludedWarnPercent: '2.5', excludedStopPercent: 40 }),
    ).toMatchObject({ fxBase: 'EUR', excludedWarnPercent: 2.5, excludedStopPercent: 40 });
    expect(problems({ ...required, fxBase: 'euro' })).toEqual([
      'fxBase: "euro" is not an active ISO 4217 currency code (three upper-case letters, e.g. USD, EUR, PLN)',
    ]);
    expect(problems({ ...required, excludedStopPercent: 120 })).toEqual([
      'excludedStopPercent: 120 is not a percentage between 0 and 100',
    ]);
    expect(problems({ ...required, excludedWarnPercent: 'five' })).toEqual([
      'excludedWarnPercent: "five" is not a percentage between 0 and 100',
    ]);
    expect(problems({ ...required, excludedWarnPercent: 60 })).toEqual([
      'excludedWarnPercent: 60 is above excludedStopPercent (50): the warning must come first',
    ]);
  });

  it('reads the string forms the command line delivers', () => {
    const config = resolveConfig({
      sender: ' digest@acme.io ',
      recipients: 'a@acme.io, b@acme.io,,A@ACME.IO',
      tables: 'invoices,accounts',
      tableNames: '{"accounts":"crm_accounts"}',
      bytesScannedCutoffPerQuery: '1073741824',
      createSenderIdentity: 'false',
      lambdaMemoryMb: '2048',
      dataPrefix: '/raw/cs/',
      sesMaxSendRate: '50',
    });
    expect(config.sender).toBe('digest@acme.io');
    // Duplicates (case-insensitive) are dropped, order kept.
    expect(config.recipients).toEqual(['a@acme.io', 'b@acme.io']);
    // Contract order, whatever order they were listed in.
    expect(config.tables).toEqual(['accounts', 'invoices']);
    expect(config.tableNames).toEqual({ accounts: 'crm_accounts', invoices: 'invoices' });
    expect(config.bytesScannedCutoffPerQuery).toBe(1073741824);
    expect(config.createSenderIdentity).toBe(false);
    expect(config.lambdaMemoryMb).toBe(2048);
    expect(config.dataPrefix).toBe('raw/cs');
    expect(config.sesMaxSendRate).toBe(50);
  });

  it('reads the JSON forms a config file holds', () => {
    const config = resolveConfig({
      sender: 'digest@mail.acme.io',
      senderIdentity: 'acme.io',
      recipients: ['a@acme.io'],
      tables: ['usage_events'],
      tableNames: { usage_events: 'events' },
      logRetentionDays: 365,
      dataFormat: 'json',
      dataPrefix: '',
      timezone: 'Asia/Jakarta',
      locale: 'id',
      currency: 'IDR',
    });
    expect(config).toMatchObject({
      senderIdentity: 'acme.io',
      tables: ['usage_events'],
      tableNames: { usage_events: 'events' },
      logRetentionDays: 365,
      dataFormat: 'json',
      dataPrefix: '',
      timezone: 'Asia/Jakarta',
      locale: 'id',
      currency: 'IDR',
    });
  });

  it('takes contract tables provided as views out of the deployed tables', () => {
    const config = resolveConfig({
      ...required,
      views: { subscriptions: 'stripe_subscriptions', invoices: 'stripe_invoices' },
      sourceTables: 'billing.stripe_subscriptions_raw,billing.stripe_invoices_raw',
      sourceLocations: ['s3://acme-billing-exports/stripe/', 's3://acme-billing-exports'],
    });
    expect(config.tables).not.toContain('subscriptions');
    expect(config.tables).not.toContain('invoices');
    expect(config.tables).toHaveLength(TABLE_NAMES.length - 2);
    expect(config.views).toEqual({ subscriptions: 'stripe_subscriptions', invoices: 'stripe_invoices' });
    expect(config.sourceTables).toEqual([
      { database: 'billing', table: 'stripe_subscriptions_raw' },
      { database: 'billing', table: 'stripe_invoices_raw' },
    ]);
    expect(config.sourceLocations).toEqual([
      { bucket: 'acme-billing-exports', prefix: 'stripe/' },
      { bucket: 'acme-billing-exports', prefix: '' },
    ]);
  });

  it('canonicalises the letter case of a time zone', () => {
    expect(resolveConfig({ ...required, timezone: 'europe/warsaw' }).timezone).toBe('Europe/Warsaw');
  });

  it('requires a sender and recipients, naming each key', () => {
    const found = problems({});
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^sender: is required/);
    expect(found[1]).toMatch(/^recipients: is required/);
    expect(problems({ recipients: 'a@acme.io' })).toEqual([expect.stringMatching(/^sender: is required/)]);
  });

  it.each([
    [{ sender: 'digest' }, /^sender: "digest" is not an e-mail address/],
    [{ sender: 'Digest <digest@acme.io>' }, /^sender: .* is not an e-mail address/],
    [{ sender: 'digest@acme' }, /^sender:/],
    [{ recipients: 'cs@acme.io,not-an-address' }, /^recipients: "not-an-address" is not an e-mail address/],
    [{ recipients: [] }, /^recipients: is required/],
    [{ recipients: [1] }, /^recipients: must be a list of strings/],
    [{ timezone: 'Mars/Olympus' }, /^timezone: "Mars\/Olympus" is not an IANA time zone/],
    [{ timezone: 'CEST' }, /^timezone:/],
    [{ currency: 'usd' }, /^currency: "usd" is not an active ISO 4217 currency code/],
    [{ currency: 'ABC' }, /^currency: "ABC" is not an active ISO 4217 currency code/],
    [{ locale: 'de' }, /^locale: "de" is not one of en, id, pl/],
    [{ dataFormat: 'csv' }, /^dataFormat: "csv" is not one of parquet, json/],
    [{ dataBucket: 's3://my-data' }, /^dataBucket: "s3:\/\/my-data" is not a valid S3 bucket name/],
    [
      { dataBucketKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc-123' },
      /^dataBucketKmsKeyArn: only applies to an existing bucket/,
    ],
    [{ dataPrefix: 'raw data' }, /^dataPrefix:/],
    [
      { databaseName: 'CS-KPI' },
      /^databaseName: "CS-KPI" is not a name of lower-case letters, digits and underscores/,
    ],
    [{ tables: 'accounts,orders' }, /^tables: unknown table\(s\) orders/],
    [{ tables: 'accounts,accounts' }, /^tables: lists accounts more than once/],
    [{ tableNames: { orders: 'x' } }, /^tableNames: "orders" is not a contract table/],
    [{ tableNames: { accounts: 'invoices' } }, /^tableNames: two tables would both be named invoices/],
    [{ tableNames: 'accounts=crm' }, /^tableNames: must be a JSON object/],
    [
      { senderIdentity: 'other.io' },
      /^senderIdentity: the domain "other.io" does not authorise the sender digest@acme.io/,
    ],
    [{ senderIdentity: 'cs.acme.io' }, /^senderIdentity: the domain "cs.acme.io" does not authorise/],
    [{ senderIdentity: 'boss@acme.io' }, /^senderIdentity: the address "boss@acme.io" does not authorise/],
    [{ createSenderIdentity: 'yes' }, /^createSenderIdentity: must be true or false/],
    [{ bytesScannedCutoffPerQuery: 1000 }, /^bytesScannedCutoffPerQuery: must be between 10485760 and/],
    [
      { bytesScannedCutoffPerQuery: '10GB' },
      /^bytesScannedCutoffPerQuery: must be a whole number, got "10GB"/,
    ],
    [{ logRetentionDays: 10 }, /^logRetentionDays: 10 is not a CloudWatch Logs retention/],
    [{ lambdaTimeoutSeconds: 901 }, /^lambdaTimeoutSeconds: must be between 60 and 900, got 901/],
    // Shorter leaves no room for a delivery lease (functions/core/delivery-timing.ts).
    [{ lambdaTimeoutSeconds: 45 }, /^lambdaTimeoutSeconds: must be between 60 and 900, got 45/],
    [{ lambdaMemoryMb: 64 }, /^lambdaMemoryMb: must be between 128 and 10240/],
    [{ sesMaxSendRate: 0 }, /^sesMaxSendRate: must be between 1 and 100000/],
    [{ alarmEmail: 'ops' }, /^alarmEmail: "ops" is not an e-mail address/],
    [{ partitionRangeStart: '2020-02-30' }, /^partitionRangeStart: "2020-02-30" is not a date/],
    [{ stackName: '1stack' }, /^stackName:/],
    [{ recipient: 'cs@acme.io' }, /^recipient: unknown configuration key/],
    [{ views: { orders: 'orders_v' } }, /^views: "orders" is not a contract table/],
    [
      { views: { invoices: 'Stripe-Invoices' } },
      /^views: "Stripe-Invoices" \(for invoices\) must be lower-case/,
    ],
    [{ views: { invoices: 'accounts' } }, /^views: two tables would both be named accounts/],
    [
      { views: { invoices: 'v' }, tables: 'accounts,invoices' },
      /^tables: invoices cannot be both deployed and provided as a view/,
    ],
    [
      { views: { invoices: 'v' }, tableNames: { invoices: 'x' } },
      /^tableNames: invoices is provided as a view/,
    ],
    [
      { views: { invoices: 'v' }, sourceTables: 'stripe_invoices' },
      /^sourceTables: "stripe_invoices" is not written database.table/,
    ],
    [
      { views: { invoices: 'v' }, sourceLocations: 'billing-exports/stripe' },
      /^sourceLocations: "billing-exports\/stripe" is not an S3 location/,
    ],
    [{ views: { invoices: 'v' }, sourceLocations: 's3://exports/a b/' }, /^sourceLocations:/],
    [{ sourceTables: 'billing.invoices' }, /^sourceTables: only applies to views/],
  ] satisfies [RawConfig, RegExp][])('rejects %j with a message naming the key', (override, message) => {
    const found = problems({ ...required, ...override });
    expect(found).toEqual([expect.stringMatching(message)]);
  });

  it('reports every problem at once', () => {
    const error = (() => {
      try {
        resolveConfig({ sender: 'x', recipients: 'y', timezone: 'Nowhere', currency: 'dollars' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(error.problems.map((p) => p.split(':')[0])).toEqual([
      'sender',
      'recipients',
      'timezone',
      'currency',
    ]);
    expect(error.message).toContain('Invalid configuration:\n  - sender:');
  });

  it('caps recipients at the SES per-message limit', () => {
    const many = Array.from({ length: 51 }, (_, i) => `u${i}@acme.io`);
    expect(problems({ ...required, recipients: many })).toEqual([
      expect.stringMatching(/^recipients: at most 50/),
    ]);
  });

  it('keeps the recipient list small enough for the function environment', () => {
    const long = Array.from(
      { length: 40 },
      (_, i) => `customer-success-team-member-${i}@acme-corporation.io`,
    );
    expect(problems({ ...required, recipients: long })).toEqual([
      expect.stringMatching(/^recipients: the list is over 2048/),
    ]);
  });

  it('keeps the documented defaults in one place', () => {
    expect(resolveConfig(required).bytesScannedCutoffPerQuery).toBe(DEFAULTS.bytesScannedCutoffPerQuery);
  });
});

describe('value checks', () => {
  it.each(['a@b.co', 'first.last+tag@sub.example.org', "o'brien@x.io", 'x@xn--80ak6aa92e.com'])(
    '%s is an address',
    (a) => {
      expect(isEmailAddress(a)).toBe(true);
    },
  );
  it.each([
    '',
    'a@',
    '@b.co',
    'a!b@c.io',
    'a{b}@c.io',
    'a..b@c.io',
    '.a@c.io',
    'a@-c.io',
    'a@c.i',
    'a b@c.io',
    'a@c_d.io',
  ])('%j is not an address', (a) => {
    expect(isEmailAddress(a)).toBe(false);
  });
  it('checks time zones with Intl', () => {
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('America/Gotham')).toBe(false);
    expect(isTimeZone(' UTC')).toBe(false);
  });
  it('checks bucket names', () => {
    expect(isBucketName('acme-cs-data.eu')).toBe(true);
    expect(isBucketName('Acme')).toBe(false);
    expect(isBucketName('ab')).toBe(false);
    expect(isBucketName('192.168.1.1')).toBe(false);
    expect(isBucketName('a..b')).toBe(false);
  });
});

describe('readRawConfig', () => {
  const context =
    (values: Record<string, unknown>) =>
    (key: string): unknown =>
      values[key];

  it('uses the demo sender and recipients when nothing is configured', () => {
    const source = readRawConfig(context({ '@aws-cdk/core:someFlag': true }));
    expect(source.demo).toBe(true);
    expect(source.raw).toEqual(DEMO_CONFIG);
    expect(resolveConfig(source.raw).sender).toBe('digest@example.com');
  });

  it('does not fill in the demo recipients once a sender is given', () => {
    const source = readRawConfig(context({ sender: 'digest@acme.io' }));
    expect(source.demo).toBe(false);
    expect(() => resolveConfig(source.raw)).toThrow(/recipients: is required/);
  });

  it('overlays context keys on the config file and ignores unrelated context', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-config-'));
    writeFileSync(
      join(dir, 'digest.json'),
      JSON.stringify({
        $comment: 'prod',
        sender: 'digest@acme.io',
        recipients: ['cs@acme.io'],
        timezone: 'Europe/Warsaw',
      }),
    );
    const source = readRawConfig(
      context({ config: 'digest.json', timezone: 'America/Chicago', '@aws-cdk/core:flag': true }),
      dir,
    );
    expect(source.demo).toBe(false);
    expect(source.file).toBe(join(dir, 'digest.json'));
    expect(source.raw).toEqual({
      sender: 'digest@acme.io',
      recipients: ['cs@acme.io'],
      timezone: 'America/Chicago',
    });
  });

  it('rejects a missing or malformed config file with the config key named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-config-'));
    writeFileSync(join(dir, 'bad.json'), '{"sender": ');
    writeFileSync(join(dir, 'list.json'), '[]');
    expect(() => readRawConfig(context({ config: 'missing.json' }), dir)).toThrow(/config: cannot read/);
    expect(() => readRawConfig(context({ config: 'bad.json' }), dir)).toThrow(
      /config: .*bad.json is not valid JSON/,
    );
    expect(() => readRawConfig(context({ config: 'list.json' }), dir)).toThrow(/must hold a JSON object/);
  });

  it('accepts the example config file', () => {
    const source = readRawConfig(
      context({ config: 'infra/config.example.json' }),
      fileURLToPath(new URL('..', import.meta.url)),
    );
    const config = resolveConfig(source.raw);
    expect(config.dataBucket).toBe('yourcompany-cs-data');
    expect(config.tables).not.toContain('web_events');
  });

  it('lets resolveConfig catch typos in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-config-'));
    writeFileSync(
      join(dir, 'c.json'),
      JSON.stringify({ sender: 'digest@acme.io', recipents: ['cs@acme.io'] }),
    );
    const source = readRawConfig(context({ config: 'c.json' }), dir);
    expect(problems(source.raw)).toEqual([
      expect.stringMatching(/^recipents: unknown configuration key/),
      expect.stringMatching(/^recipients: is required/),
    ]);
  });
});
