/**
 * Deployment configuration: every key a user can set, its default, and its validation.
 *
 * Pure: it takes the raw values (from `-c key=value` context or a JSON config file, see
 * config-source.ts) and returns a validated config, or throws a ConfigError that names every
 * bad key at once, so a `cdk synth` fails with one readable list instead of a CloudFormation
 * error twenty minutes into a deployment.
 */
import { MIN_FUNCTION_TIMEOUT_SECONDS } from '../functions/core/delivery-timing.js';
import { TABLE_NAMES, type TableName } from '../functions/contract/contract.js';
import { isReportingCurrency } from '../functions/sql/compose.js';
import { z } from 'zod';
import { AlertRulesError, parseAlertRules, type AlertRule } from '../functions/core/alert-rules.js';
import { csmConfigProblem, parseCsmDomains } from '../functions/core/csm-settings.js';

export type DataFormat = 'parquet' | 'json';

export interface CatalogTable {
  readonly database: string;
  readonly table: string;
}

export interface S3Location {
  readonly bucket: string;
  /** Key prefix ending with `/`, or '' for the whole bucket. */
  readonly prefix: string;
}
export type ReportLocale = 'en' | 'id' | 'pl';
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface DigestConfig {
  /** CloudFormation stack name; also prefixes the Athena workgroup name. */
  readonly stackName: string;
  /** Existing bucket holding the data; undefined means the stack creates one. */
  readonly dataBucket: string | undefined;
  /** KMS key that encrypts the existing data bucket (SSE-KMS), if any. */
  readonly dataBucketKmsKeyArn: string | undefined;
  /** Key prefix of the table folders, without slashes ('' = tables at the bucket root). */
  readonly dataPrefix: string;
  readonly dataFormat: DataFormat;
  readonly databaseName: string;
  /** Contract tables the stack deploys as Glue tables over the data bucket, in contract order. */
  readonly tables: readonly TableName[];
  /** Glue table name of each deployed contract table. */
  readonly tableNames: Readonly<Partial<Record<TableName, string>>>;
  /**
   * Contract tables the user provides as their own view (or table) in the database, e.g. an
   * Athena view over a billing export: not created by the stack, but read by the report.
   */
  readonly views: Readonly<Partial<Record<TableName, string>>>;
  /** Glue tables the views read, which the report may therefore read too. */
  readonly sourceTables: readonly CatalogTable[];
  /** S3 locations the views' tables read, which the report may therefore read too. */
  readonly sourceLocations: readonly S3Location[];
  /** First day of the `dt` partition projection range (YYYY-MM-DD). */
  readonly partitionRangeStart: string;
  /** The From address of the digests. */
  readonly sender: string;
  /** The SES identity that authorises the sender: the address itself or its domain. */
  readonly senderIdentity: string;
  /** false when the identity is already verified in the account and must only be referenced. */
  readonly createSenderIdentity: boolean;
  readonly recipients: readonly string[];
  /** IANA time zone of the periods and of the schedules. */
  readonly timezone: string;
  readonly currency: string;
  /** Base currency of fx_rates rows without a base_currency column. */
  readonly fxBase: string;
  readonly locale: ReportLocale;
  /** Percent of a table's rows excluded above which the digest warns (0–100). */
  readonly excludedWarnPercent: number;
  /** Percent of a table's rows excluded above which the run stops (0–100). */
  readonly excludedStopPercent: number;
  readonly bytesScannedCutoffPerQuery: number;
  readonly queryResultsRetentionDays: number;
  readonly logRetentionDays: number;
  readonly logLevel: LogLevel;
  readonly alarmEmail: string | undefined;
  readonly lambdaMemoryMb: number;
  readonly lambdaTimeoutSeconds: number;
  /** Alert rules (functions/core/alert-rules.ts); none: no alert function, schedule or topic. */
  readonly alerts: readonly AlertRule[];
  /** The rules as JSON, as the alert function reads them from ALERT_RULES. */
  readonly alertRulesJson: string;
  /** Who gets the alert mails (default: the digest's recipients). */
  readonly alertRecipients: readonly string[];
  /** Every CSM gets a digest of their own accounts (docs/csm-digests.md); default false. */
  readonly csmDigests: boolean;
  /** The domains CSM digests may go to (required when csmDigests is on). */
  readonly csmDomains: readonly string[];
  /** No CSM digest for a book without activity (default true). */
  readonly csmSkipEmpty: boolean;
}

/** The keys a user may set; anything else in a config file is rejected as a likely typo. */
export const CONFIG_KEYS = [
  'stackName',
  'dataBucket',
  'dataBucketKmsKeyArn',
  'dataPrefix',
  'dataFormat',
  'databaseName',
  'tables',
  'tableNames',
  'views',
  'sourceTables',
  'sourceLocations',
  'partitionRangeStart',
  'sender',
  'senderIdentity',
  'createSenderIdentity',
  'recipients',
  'timezone',
  'currency',
  'fxBase',
  'locale',
  'excludedWarnPercent',
  'excludedStopPercent',
  'bytesScannedCutoffPerQuery',
  'queryResultsRetentionDays',
  'logRetentionDays',
  'logLevel',
  'alarmEmail',
  'lambdaMemoryMb',
  'lambdaTimeoutSeconds',
  'alerts',
  'alertRecipients',
  'csmDigests',
  'csmDomains',
  'csmSkipEmpty',
] as const;

export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type RawConfig = Readonly<Partial<Record<string, unknown>>>;

export const DEFAULTS = {
  stackName: 'CsKpiDigest',
  dataPrefix: 'data',
  dataFormat: 'parquet' as DataFormat,
  databaseName: 'cs_kpi',
  partitionRangeStart: '2020-01-01',
  timezone: 'UTC',
  currency: 'USD',
  fxBase: 'USD',
  locale: 'en' as ReportLocale,
  excludedWarnPercent: 5,
  excludedStopPercent: 50,
  /** 10 GiB: far above what a digest over a few years of SaaS data scans, low enough to cap a runaway query. */
  bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
  queryResultsRetentionDays: 7,
  logRetentionDays: 90,
  logLevel: 'INFO' as LogLevel,
  lambdaMemoryMb: 1024,
  lambdaTimeoutSeconds: 300,
} as const;

/** A key prefix of plain path segments (no spaces, no wildcards). */
const S3_PREFIX = /^[A-Za-z0-9!_.'()=-]+(\/[A-Za-z0-9!_.'()=-]+)*$/;

/** Athena rejects a per-query cutoff below 10 MB. */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const LOCALES: readonly ReportLocale[] = ['en', 'id', 'pl'];
const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
const DATA_FORMATS: readonly DataFormat[] = ['parquet', 'json'];
/** SES accepts at most 50 recipients per message. */
const MAX_RECIPIENTS = 50;
/** The list travels in a Lambda environment variable, and all of them share 4 KB. */
const MAX_RECIPIENTS_CHARS = 2048;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// Value checks (exported for tests and for the config loader)

const DOMAIN_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const TOP_LEVEL_LABEL = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;
/** The check the report function applies to MAIL_SENDER and MAIL_RECIPIENTS at run time. */
const RUNTIME_EMAIL = z.email();

export function isDomainName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split('.');
  const tld = labels[labels.length - 1] ?? '';
  return labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l)) && TOP_LEVEL_LABEL.test(tld);
}

/**
 * A plain address (no display name): what SES identities and IAM conditions work with. Never
 * looser than the function's own check, so an address accepted here is accepted at run time.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  return isDomainName(value.slice(at + 1)) && RUNTIME_EMAIL.safeParse(value).success;
}

export function isTimeZone(value: string): boolean {
  if (value.trim() !== value || value === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** S3 general-purpose bucket naming rules. */
export function isBucketName(value: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) &&
    !value.includes('..') &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(value) &&
    !value.startsWith('xn--') &&
    !value.endsWith('-s3alias')
  );
}

/** Glue database and table names as Athena can query them without quoting. */
export function isCatalogName(value: string): boolean {
  return /^[a-z_][a-z0-9_]{0,254}$/.test(value);
}

function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

// ---------------------------------------------------------------------------------------------
// Readers: each one turns a raw value (a CLI string or a JSON value) into a typed one, or
// records a problem naming the key and returns undefined.

class Reader {
  readonly problems: string[] = [];

  constructor(private readonly raw: RawConfig) {}

  has(key: ConfigKey): boolean {
    const value = this.raw[key];
    return value !== undefined && value !== null && value !== '';
  }

  problem(key: ConfigKey, message: string): undefined {
    this.problems.push(`${key}: ${message}`);
    return undefined;
  }

  string(key: ConfigKey): string | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw[key];
    if (typeof value !== 'string') return this.problem(key, `must be a string, got ${describe(value)}`);
    return value.trim();
  }

  integer(key: ConfigKey, min: number, max: number): number | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw[key];
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d+$/.test(value.trim())
          ? Number(value)
          : NaN;
    if (!Number.isSafeInteger(n)) return this.problem(key, `must be a whole number, got ${describe(value)}`);
    if (n < min || n > max) return this.problem(key, `must be between ${min} and ${max}, got ${n}`);
    return n;
  }

  number(key: ConfigKey, min: number, max: number): number | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw[key];
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())
          ? Number(value)
          : NaN;
    if (!Number.isFinite(n)) return this.problem(key, `must be a number, got ${describe(value)}`);
    if (n < min || n > max) return this.problem(key, `must be between ${min} and ${max}, got ${n}`);
    return n;
  }

  boolean(key: ConfigKey): boolean | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw[key];
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return this.problem(key, `must be true or false, got ${describe(value)}`);
  }

  oneOf<T extends string>(key: ConfigKey, allowed: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const match = allowed.find((a) => a === value);
    if (match === undefined) return this.problem(key, `must be one of ${allowed.join(', ')}, got "${value}"`);
    return match;
  }

  /** A JSON array, or a comma-separated string as `-c key=a,b` delivers it. */
  list(key: ConfigKey): string[] | undefined {
    if (!this.has(key)) return undefined;
    let value = this.raw[key];
    if (typeof value === 'string' && value.trim().startsWith('[')) {
      try {
        value = JSON.parse(value) as unknown;
      } catch {
        return this.problem(key, 'looks like a JSON array but does not parse');
      }
    }
    if (typeof value === 'string')
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) {
      return value.map((s) => s.trim());
    }
    return this.problem(key, `must be a list of strings (a JSON array or "a,b,c"), got ${describe(value)}`);
  }

  /** A JSON object of strings, or its JSON text as `-c key='{"a":"b"}'` delivers it. */
  stringMap(key: ConfigKey): Record<string, string> | undefined {
    if (!this.has(key)) return undefined;
    let value = this.raw[key];
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value) as unknown;
      } catch {
        return this.problem(key, 'must be a JSON object such as {"accounts":"crm_accounts"}');
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.problem(key, `must be an object of strings, got ${describe(value)}`);
    }
    const entries = Object.entries(value);
    if (!entries.every((e): e is [string, string] => typeof e[1] === 'string')) {
      return this.problem(key, 'every value must be a string');
    }
    return Object.fromEntries(entries);
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

// ---------------------------------------------------------------------------------------------

/** Validates raw configuration; throws ConfigError listing every problem. */
export function resolveConfig(raw: RawConfig): DigestConfig {
  const r = new Reader(raw);

  for (const key of Object.keys(raw)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      r.problems.push(`${key}: unknown configuration key (known keys: ${CONFIG_KEYS.join(', ')})`);
    }
  }

  const stackName = r.string('stackName') ?? DEFAULTS.stackName;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,99}$/.test(stackName)) {
    r.problem(
      'stackName',
      `"${stackName}" is not a valid stack name (letters, digits and hyphens, starting with a letter)`,
    );
  }

  // data --------------------------------------------------------------------------------------
  const dataBucket = r.string('dataBucket');
  if (dataBucket !== undefined && !isBucketName(dataBucket)) {
    r.problem(
      'dataBucket',
      `"${dataBucket}" is not a valid S3 bucket name (give the name, not an ARN or s3:// URL)`,
    );
  }
  const dataBucketKmsKeyArn = r.string('dataBucketKmsKeyArn');
  if (dataBucketKmsKeyArn !== undefined) {
    if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(dataBucketKmsKeyArn)) {
      r.problem(
        'dataBucketKmsKeyArn',
        `"${dataBucketKmsKeyArn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`,
      );
    }
    if (dataBucket === undefined) {
      r.problem('dataBucketKmsKeyArn', 'only applies to an existing bucket: set dataBucket as well');
    }
  }

  const rawPrefix = raw.dataPrefix === '' ? '' : (r.string('dataPrefix') ?? DEFAULTS.dataPrefix);
  const dataPrefix = rawPrefix.replace(/^\/+|\/+$/g, '');
  if (dataPrefix !== '' && !S3_PREFIX.test(dataPrefix)) {
    r.problem(
      'dataPrefix',
      `"${rawPrefix}" is not a plain S3 key prefix (letters, digits, - _ . ! ' ( ) = and /)`,
    );
  }
  const dataFormat = r.oneOf('dataFormat', DATA_FORMATS) ?? DEFAULTS.dataFormat;

  const databaseName = r.string('databaseName') ?? DEFAULTS.databaseName;
  if (!isCatalogName(databaseName)) {
    r.problem(
      'databaseName',
      `"${databaseName}" must be lower-case letters, digits and underscores, not starting with a digit`,
    );
  }

  const isContractTable = (name: string): name is TableName =>
    (TABLE_NAMES as readonly string[]).includes(name);

  const viewMap = r.stringMap('views') ?? {};
  const views: Partial<Record<TableName, string>> = {};
  for (const [contractName, viewName] of Object.entries(viewMap)) {
    if (!isContractTable(contractName)) {
      r.problem(
        'views',
        `"${contractName}" is not a contract table (contract tables: ${TABLE_NAMES.join(', ')})`,
      );
    } else if (!isCatalogName(viewName)) {
      r.problem(
        'views',
        `"${viewName}" (for ${contractName}) must be lower-case letters, digits and underscores`,
      );
    } else {
      views[contractName] = viewName;
    }
  }
  const viewed = TABLE_NAMES.filter((t) => views[t] !== undefined);

  const tableList = r.list('tables');
  // By default every contract table that is not provided as a view is deployed.
  let tables: TableName[] = TABLE_NAMES.filter((t) => !viewed.includes(t));
  if (tableList !== undefined) {
    const unknown = tableList.filter((t) => !isContractTable(t));
    const duplicates = tableList.filter((t, i) => tableList.indexOf(t) !== i);
    const alsoViews = tableList.filter((t) => viewed.some((v) => v === t));
    if (unknown.length > 0) {
      r.problem(
        'tables',
        `unknown table(s) ${unknown.join(', ')} (contract tables: ${TABLE_NAMES.join(', ')})`,
      );
    } else if (duplicates.length > 0) {
      r.problem('tables', `lists ${duplicates.join(', ')} more than once`);
    } else if (tableList.length === 0 && viewed.length === 0) {
      r.problem('tables', 'must name at least one table (or configure views)');
    } else if (alsoViews.length > 0) {
      r.problem('tables', `${alsoViews.join(', ')} cannot be both deployed and provided as a view`);
    }
    tables = TABLE_NAMES.filter((t) => tableList.includes(t));
  }

  const renames = r.stringMap('tableNames') ?? {};
  const tableNames: Partial<Record<TableName, string>> = {};
  for (const [contractName, glueName] of Object.entries(renames)) {
    if (!isContractTable(contractName)) {
      r.problem('tableNames', `"${contractName}" is not a contract table (rename tables, never columns)`);
    } else if (views[contractName] !== undefined) {
      r.problem('tableNames', `${contractName} is provided as a view; name it in views only`);
    } else if (!isCatalogName(glueName)) {
      r.problem(
        'tableNames',
        `"${glueName}" (for ${contractName}) must be lower-case letters, digits and underscores`,
      );
    }
  }
  for (const table of tables) tableNames[table] = renames[table] ?? table;
  const allNames = [...tables.map((t) => tableNames[t]), ...viewed.map((t) => views[t])];
  const clashes = allNames.filter((n, i) => allNames.indexOf(n) !== i);
  if (clashes.length > 0) {
    r.problem(
      r.has('views') ? 'views' : 'tableNames',
      `two tables would both be named ${clashes.join(', ')}`,
    );
  }

  const sourceTables: CatalogTable[] = [];
  for (const entry of r.list('sourceTables') ?? []) {
    const [database, table, ...rest] = entry.split('.');
    if (
      database === undefined ||
      table === undefined ||
      rest.length > 0 ||
      !isCatalogName(database) ||
      !isCatalogName(table)
    ) {
      r.problem(
        'sourceTables',
        `"${entry}" is not written database.table (lower-case letters, digits, underscores)`,
      );
    } else {
      sourceTables.push({ database, table });
    }
  }
  const sourceLocations: S3Location[] = [];
  for (const entry of r.list('sourceLocations') ?? []) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(entry);
    const prefix = (m?.[2] ?? '').replace(/\/+$/, '');
    if (!m || !isBucketName(m[1] ?? '') || (prefix !== '' && !S3_PREFIX.test(prefix))) {
      r.problem('sourceLocations', `"${entry}" is not an S3 location such as s3://billing-exports/stripe/`);
    } else {
      sourceLocations.push({ bucket: m[1] ?? '', prefix: prefix === '' ? '' : `${prefix}/` });
    }
  }
  if ((sourceTables.length > 0 || sourceLocations.length > 0) && viewed.length === 0) {
    r.problem(
      sourceTables.length > 0 ? 'sourceTables' : 'sourceLocations',
      'only applies to views: configure the views that read these sources',
    );
  }

  const partitionRangeStart = r.string('partitionRangeStart') ?? DEFAULTS.partitionRangeStart;
  if (!isCalendarDate(partitionRangeStart)) {
    r.problem('partitionRangeStart', `"${partitionRangeStart}" is not a date written YYYY-MM-DD`);
  }

  // mail --------------------------------------------------------------------------------------
  const sender = r.string('sender');
  if (sender === undefined) {
    r.problem(
      'sender',
      'is required: the From address of the digests, e.g. -c sender=digest@yourcompany.com',
    );
  } else if (!isEmailAddress(sender)) {
    r.problem(
      'sender',
      `"${sender}" is not an e-mail address (give a plain address such as digest@yourcompany.com)`,
    );
  }
  const senderDomain = sender?.slice(sender.lastIndexOf('@') + 1).toLowerCase() ?? '';
  const senderIdentity = r.string('senderIdentity') ?? sender ?? '';
  if (r.has('senderIdentity') && sender !== undefined) {
    const identity = senderIdentity.toLowerCase();
    if (identity.includes('@')) {
      if (identity !== sender.toLowerCase()) {
        r.problem(
          'senderIdentity',
          `the address "${senderIdentity}" does not authorise the sender ${sender}`,
        );
      }
    } else if (!isDomainName(senderIdentity)) {
      r.problem('senderIdentity', `"${senderIdentity}" is neither an e-mail address nor a domain name`);
    } else if (senderDomain !== identity && !senderDomain.endsWith(`.${identity}`)) {
      r.problem('senderIdentity', `the domain "${senderIdentity}" does not authorise the sender ${sender}`);
    }
  }
  const createSenderIdentity = r.boolean('createSenderIdentity') ?? true;

  const recipientList = r.list('recipients');
  const recipients: string[] = [];
  if (recipientList === undefined || recipientList.length === 0) {
    if (!r.problems.some((p) => p.startsWith('recipients:'))) {
      r.problem(
        'recipients',
        'is required: who receives the digests, e.g. -c recipients=cs-team@yourcompany.com,ceo@yourcompany.com',
      );
    }
  } else {
    const bad = recipientList.filter((a) => !isEmailAddress(a));
    if (bad.length > 0)
      r.problem('recipients', `not e-mail address(es): ${bad.map((b) => `"${b}"`).join(', ')}`);
    for (const address of recipientList) {
      if (!recipients.some((a) => a.toLowerCase() === address.toLowerCase())) recipients.push(address);
    }
    if (recipients.length > MAX_RECIPIENTS) {
      r.problem(
        'recipients',
        `at most ${MAX_RECIPIENTS} addresses (SES limit per message), got ${recipients.length}`,
      );
    } else if (recipients.join(',').length > MAX_RECIPIENTS_CHARS) {
      r.problem(
        'recipients',
        `the list is over ${MAX_RECIPIENTS_CHARS} characters; use a distribution list address`,
      );
    }
  }

  // report ------------------------------------------------------------------------------------
  const rawTimezone = r.string('timezone') ?? DEFAULTS.timezone;
  let timezone = rawTimezone;
  if (!isTimeZone(rawTimezone)) {
    r.problem(
      'timezone',
      `"${rawTimezone}" is not an IANA time zone (e.g. Europe/Warsaw, America/New_York, UTC)`,
    );
  } else {
    // Intl accepts any letter case; the scheduler wants the canonical spelling.
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: rawTimezone }).resolvedOptions().timeZone;
    if (canonical.toLowerCase() === rawTimezone.toLowerCase()) timezone = canonical;
  }
  const currency = r.string('currency') ?? DEFAULTS.currency;
  if (!isReportingCurrency(currency)) {
    r.problem(
      'currency',
      `"${currency}" is not an active ISO 4217 code (three upper-case letters, e.g. USD)`,
    );
  }
  const fxBase = r.string('fxBase') ?? DEFAULTS.fxBase;
  if (!isReportingCurrency(fxBase)) {
    r.problem('fxBase', `"${fxBase}" is not an active ISO 4217 code (three upper-case letters, e.g. EUR)`);
  }
  const locale = r.oneOf('locale', LOCALES) ?? DEFAULTS.locale;
  const excludedWarnPercent = r.number('excludedWarnPercent', 0, 100) ?? DEFAULTS.excludedWarnPercent;
  const excludedStopPercent = r.number('excludedStopPercent', 0, 100) ?? DEFAULTS.excludedStopPercent;
  if (excludedWarnPercent > excludedStopPercent) {
    r.problem(
      'excludedWarnPercent',
      `${excludedWarnPercent} is above excludedStopPercent (${excludedStopPercent}): the warning must come first`,
    );
  }

  // query -------------------------------------------------------------------------------------
  const bytesScannedCutoffPerQuery =
    r.integer('bytesScannedCutoffPerQuery', MIN_BYTES_SCANNED_CUTOFF, Number.MAX_SAFE_INTEGER) ??
    DEFAULTS.bytesScannedCutoffPerQuery;
  const queryResultsRetentionDays =
    r.integer('queryResultsRetentionDays', 1, 3650) ?? DEFAULTS.queryResultsRetentionDays;

  // function and operations -------------------------------------------------------------------
  const logRetentionDays = r.integer('logRetentionDays', 1, 3653) ?? DEFAULTS.logRetentionDays;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    r.problem(
      'logRetentionDays',
      `${logRetentionDays} is not a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')})`,
    );
  }
  const logLevel = r.oneOf('logLevel', LOG_LEVELS) ?? DEFAULTS.logLevel;
  const alarmEmail = r.string('alarmEmail');
  if (alarmEmail !== undefined && !isEmailAddress(alarmEmail)) {
    r.problem('alarmEmail', `"${alarmEmail}" is not an e-mail address`);
  }
  const lambdaMemoryMb = r.integer('lambdaMemoryMb', 128, 10240) ?? DEFAULTS.lambdaMemoryMb;
  // The lower bound leaves room for a delivery lease (functions/core/delivery-timing.ts).
  const lambdaTimeoutSeconds =
    r.integer('lambdaTimeoutSeconds', MIN_FUNCTION_TIMEOUT_SECONDS, 900) ?? DEFAULTS.lambdaTimeoutSeconds;

  // alerts --------------------------------------------------------------------------------------
  let alerts: AlertRule[] = [];
  let alertsRaw: unknown = raw.alerts ?? [];
  if (typeof alertsRaw === 'string') {
    try {
      alertsRaw = JSON.parse(alertsRaw) as unknown;
    } catch {
      r.problem('alerts', 'must be a JSON list of rules such as [{"kpi":"nps","below":20}]');
      alertsRaw = [];
    }
  }
  try {
    alerts = parseAlertRules(alertsRaw);
  } catch (error) {
    if (!(error instanceof AlertRulesError)) throw error;
    for (const p of error.problems) r.problem('alerts', p);
  }
  const alertRecipientList = r.list('alertRecipients');
  // By default the digest's recipients, already checked above.
  const alertRecipients = alertRecipientList ?? recipients;
  const badAlertRecipients = (alertRecipientList ?? []).filter((a) => !isEmailAddress(a));
  if (badAlertRecipients.length > 0) {
    r.problem(
      'alertRecipients',
      `not e-mail address(es): ${badAlertRecipients.map((b) => `"${b}"`).join(', ')}`,
    );
  }

  const csmDigests = r.boolean('csmDigests') ?? false;
  const csmSkipEmpty = r.boolean('csmSkipEmpty') ?? true;
  const csmDomainList = r.list('csmDomains') ?? [];
  const csmParsed = parseCsmDomains(csmDomainList);
  for (const p of csmParsed.problems) r.problem('csmDomains', p);
  const csmProblem = csmConfigProblem({
    enabled: csmDigests,
    domains: csmParsed.domains,
    skipEmpty: csmSkipEmpty,
  });
  if (csmProblem && csmParsed.problems.length === 0) r.problem('csmDomains', csmProblem);

  if (r.problems.length > 0) throw new ConfigError(r.problems);

  return {
    stackName,
    dataBucket,
    dataBucketKmsKeyArn,
    dataPrefix,
    dataFormat,
    databaseName,
    tables,
    tableNames,
    views,
    sourceTables,
    sourceLocations,
    partitionRangeStart,
    sender: sender ?? '',
    senderIdentity,
    createSenderIdentity,
    recipients,
    timezone,
    currency,
    fxBase,
    locale,
    excludedWarnPercent,
    excludedStopPercent,
    bytesScannedCutoffPerQuery,
    queryResultsRetentionDays,
    logRetentionDays,
    logLevel,
    alarmEmail,
    lambdaMemoryMb,
    lambdaTimeoutSeconds,
    alerts,
    alertRulesJson: JSON.stringify(alertsRaw),
    alertRecipients,
    csmDigests,
    csmDomains: csmParsed.domains,
    csmSkipEmpty,
  };
}

/** The Glue table name of a configured contract table. */
export function glueTableName(config: DigestConfig, table: TableName): string {
  const name = config.tableNames[table];
  if (name === undefined) throw new Error(`table ${table} is not configured`);
  return name;
}
