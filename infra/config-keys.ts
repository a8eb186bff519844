/**
 * The deployment configuration's vocabulary: the settings the stack is built from, every key a
 * user can set, its default and its limits. No checking here: config-reader.ts reads raw values,
 * config.ts applies the rules (each value rule comes from functions/core/validators.ts).
 */
import type { TableName } from '../functions/contract/contract.js';
import type { AlertRule } from '../functions/core/alert-rules.js';
import { LOCALES, type Locale } from '../functions/digest/locale.js';

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
export type ReportLocale = Locale;
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
  /** The SES account's maximum send rate (messages a second): sends are paced to it. */
  readonly sesMaxSendRate: number;
  /**
   * Daily usage rollups (docs/rollups.md): a rollup bucket, Glue tables, the rollup function and
   * its schedule, and the report reads them. Default: on when usage_events is a deployed table.
   */
  readonly usageRollups: boolean;
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
  'sesMaxSendRate',
  'usageRollups',
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
  /** The usual maximum send rate of an SES account out of the sandbox. */
  sesMaxSendRate: 14,
} as const;

/** A key prefix of plain path segments (no spaces, no wildcards). */
export const S3_PREFIX = /^[A-Za-z0-9!_.'()=-]+(\/[A-Za-z0-9!_.'()=-]+)*$/;

/** Athena rejects a per-query cutoff below 10 MB. */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export { LOCALES };
export const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
export const DATA_FORMATS: readonly DataFormat[] = ['parquet', 'json'];
/** SES accepts at most 50 recipients per message. */
export const MAX_RECIPIENTS = 50;
/** The list travels in a Lambda environment variable, and all of them share 4 KB. */
export const MAX_RECIPIENTS_CHARS = 2048;
