/** The report function's environment, validated once at cold start. */
import { csmConfigFromEnv, type CsmConfig } from '../../core/csm-settings.js';
import { z } from 'zod';
import { TABLE_NAMES, type TableName } from '../../contract/contract.js';
import { InputError } from '../../core/input-error.js';
import {
  bucketNameSchema,
  catalogNameSchema,
  currencySchema,
  emailSchema,
  notA,
  oneOfSchema,
  percentTextSchema,
  problem,
  timeZoneSchema,
} from '../../core/validators.js';
import { LOCALES, type Locale } from './payload.js';
import {
  DEFAULT_EXCLUSION_THRESHOLDS,
  validateThresholds,
  type ExclusionThresholds,
} from '../../core/exclusion-share.js';
import { CSM_DELIVERY_CONCURRENCY } from '../../core/csm-batch.js';
import { parseS3Folder, type S3Folder } from '../../adapters/rollups/athena.js';

export interface RuntimeConfig {
  readonly athena: {
    readonly database: string;
    readonly workgroup: string;
    readonly tables: Partial<Record<TableName, string>>;
    readonly catalog: string;
    readonly pricePerTbUsd: number;
    /** Longest one query may run (it is also kept inside the invocation's remaining time). */
    readonly queryTimeoutMs: number;
    readonly maxConcurrent: number;
  };
  readonly snapshots: { readonly bucket: string; readonly prefix: string };
  readonly mail: {
    readonly sender: string;
    readonly recipients: readonly string[];
    readonly configurationSet: string | null;
    /** Messages a second SES may be sent (the account's maximum send rate; SES_MAX_SEND_RATE). */
    readonly maxSendRate: number;
  };
  readonly report: {
    readonly timezone: string;
    readonly currency: string;
    /** Base currency of fx_rates rows without a base_currency. */
    readonly fxBase: string;
    readonly locale: Locale;
    /** Shares (0–1) of a table's rows excluded above which the digest warns and the run stops. */
    readonly exclusionThresholds: ExclusionThresholds;
  };
  /** CSM digests (CSM_DIGESTS, CSM_DOMAINS, CSM_SKIP_EMPTY; docs/csm-digests.md). */
  readonly csm: CsmConfig;
  /**
   * Where scheduled CSM digests are delivered (CSM_QUEUE_URL, CSM_DELIVERY_CONCURRENCY;
   * docs/csm-digests.md#fan-out): the queue the report run hands the batches to (null: the
   * report run delivers them itself), and how many delivery invocations run at once (each
   * paces SES to maxSendRate / concurrency).
   */
  readonly csmDelivery: { readonly queueUrl: string | null; readonly concurrency: number };
  /**
   * The usage rollups (USAGE_ROLLUPS_LOCATION, USAGE_EVENTS_LOCATION; docs/rollups.md): where
   * they live and the raw usage_events folder they are built from; null: none deployed. With
   * WEB_EVENTS_LOCATION (`rawWeb`), the web rollups are built from that folder beside them.
   */
  readonly usageRollups: {
    readonly rollups: S3Folder;
    readonly rawUsage: S3Folder;
    readonly rawWeb?: S3Folder;
  } | null;
}

const tablesJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: notA(text, 'JSON (expected {"accounts":"accounts",…})') });
      return z.NEVER;
    }
  })
  .pipe(z.partialRecord(z.enum(TABLE_NAMES), catalogNameSchema));

const SQS_QUEUE_URL =
  /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/\d{12}\/[A-Za-z0-9_-]{1,80}(?:\.fifo)?$/;

/** Messages a second, when SES_MAX_SEND_RATE is not set (the CDK stack always sets it). */
export const DEFAULT_SES_MAX_SEND_RATE = 14;

const positiveNumber = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: notA(v, 'a positive number') });
        return z.NEVER;
      }
      return n;
    });

/** A percentage 0–100 (empty: `fallback`), as a share 0–1. */
const percentShare = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))
    .pipe(percentTextSchema.optional())
    .transform((n) => (n === undefined ? fallback : n / 100));

/** An optional s3://bucket/prefix/ folder (empty: not set). */
function s3Folder(strict: boolean, example: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return null;
      const folder = parseS3Folder(v, strict);
      if (folder === null) {
        ctx.addIssue({ code: 'custom', message: notA(v, `an S3 folder such as ${example}`) });
        return z.NEVER;
      }
      return folder;
    });
}

const envSchema = z.object({
  ATHENA_DATABASE: catalogNameSchema,
  ATHENA_WORKGROUP: z.string().trim().min(1, 'is empty'),
  ATHENA_TABLES: tablesJson,
  ATHENA_CATALOG: z.string().trim().min(1).optional(),
  ATHENA_PRICE_PER_TB_USD: positiveNumber(5),
  ATHENA_QUERY_TIMEOUT_SECONDS: positiveNumber(300),
  ATHENA_MAX_CONCURRENT_QUERIES: positiveNumber(4),
  SNAPSHOT_BUCKET: bucketNameSchema,
  SNAPSHOT_PREFIX: z
    .string()
    .optional()
    .transform((v) => (v ?? '').replace(/^\/+|\/+$/g, '')),
  MAIL_SENDER: emailSchema,
  MAIL_RECIPIENTS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== ''),
    )
    .pipe(z.array(emailSchema).min(1, 'names no recipient')),
  SES_CONFIGURATION_SET: z.string().optional(),
  // The account's maximum send rate (the SES console's "Sending rate"); 14 is the usual one
  // of an account out of the sandbox.
  SES_MAX_SEND_RATE: positiveNumber(DEFAULT_SES_MAX_SEND_RATE),
  REPORT_TIMEZONE: z
    .string()
    .optional()
    .transform((v) => v || 'UTC')
    .pipe(timeZoneSchema),
  REPORT_CURRENCY: z
    .string()
    .optional()
    .transform((v) => v || 'USD')
    .pipe(currencySchema),
  REPORT_FX_BASE: z
    .string()
    .optional()
    .transform((v) => v || 'USD')
    .pipe(currencySchema),
  EXCLUDED_WARN_PERCENT: percentShare(DEFAULT_EXCLUSION_THRESHOLDS.warnShare),
  EXCLUDED_STOP_PERCENT: percentShare(DEFAULT_EXCLUSION_THRESHOLDS.stopShare),
  REPORT_LOCALE: z
    .string()
    .optional()
    .transform((v) => v || 'en')
    .pipe(oneOfSchema(LOCALES)),
  CSM_QUEUE_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? null : v.trim()))
    .refine((v) => v === null || SQS_QUEUE_URL.test(v), {
      error: (issue) =>
        notA(
          String(issue.input),
          'an SQS queue URL such as https://sqs.eu-west-1.amazonaws.com/123456789012/name',
        ),
    }),
  CSM_DELIVERY_CONCURRENCY: positiveNumber(CSM_DELIVERY_CONCURRENCY).refine((n) => Number.isInteger(n), {
    error: 'must be a whole number',
  }),
  USAGE_ROLLUPS_LOCATION: s3Folder(true, 's3://<bucket>/usage_rollups/'),
  USAGE_EVENTS_LOCATION: s3Folder(false, 's3://<bucket>/data/usage_events/'),
  WEB_EVENTS_LOCATION: s3Folder(false, 's3://<bucket>/data/web_events/'),
});

/** Reads and checks the environment; every problem is named with its variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): RuntimeConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      // List positions (MAIL_RECIPIENTS.1) say less than the value the message quotes.
      const [variable, ...inner] = i.path.filter((p) => typeof p === 'string');
      if (i.code === 'unrecognized_keys') {
        return `${variable} names ${i.keys.map((k) => `"${k}"`).join(', ')}, not a contract table (${TABLE_NAMES.join(', ')})`;
      }
      if (i.code === 'invalid_type' && i.input === undefined && inner.length === 0)
        return `${variable} is not set`;
      return problem([variable, ...inner].join('.'), i.message);
    });
    throw new InputError(`invalid environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const exclusionThresholds = { warnShare: e.EXCLUDED_WARN_PERCENT, stopShare: e.EXCLUDED_STOP_PERCENT };
  const thresholdProblem = validateThresholds(
    exclusionThresholds,
    'EXCLUDED_WARN_PERCENT/EXCLUDED_STOP_PERCENT',
  );
  if (thresholdProblem) throw new InputError(`invalid environment: ${thresholdProblem}`);
  const csm = csmConfigFromEnv(env);
  if (csm.problems.length > 0) throw new InputError(`invalid environment: ${csm.problems.join('; ')}`);
  if ((e.USAGE_ROLLUPS_LOCATION === null) !== (e.USAGE_EVENTS_LOCATION === null)) {
    throw new InputError(
      'invalid environment: USAGE_ROLLUPS_LOCATION and USAGE_EVENTS_LOCATION go together (set both or neither)',
    );
  }
  if (e.WEB_EVENTS_LOCATION !== null && e.USAGE_ROLLUPS_LOCATION === null) {
    throw new InputError(
      'invalid environment: WEB_EVENTS_LOCATION needs USAGE_ROLLUPS_LOCATION (the web rollups live beside the usage rollups)',
    );
  }
  return {
    csm: csm.config,
    csmDelivery: { queueUrl: e.CSM_QUEUE_URL, concurrency: e.CSM_DELIVERY_CONCURRENCY },
    usageRollups:
      e.USAGE_ROLLUPS_LOCATION !== null && e.USAGE_EVENTS_LOCATION !== null
        ? {
            rollups: e.USAGE_ROLLUPS_LOCATION,
            rawUsage: e.USAGE_EVENTS_LOCATION,
            ...(e.WEB_EVENTS_LOCATION !== null ? { rawWeb: e.WEB_EVENTS_LOCATION } : {}),
          }
        : null,
    athena: {
      database: e.ATHENA_DATABASE,
      workgroup: e.ATHENA_WORKGROUP,
      tables: e.ATHENA_TABLES,
      catalog: e.ATHENA_CATALOG ?? 'AwsDataCatalog',
      pricePerTbUsd: e.ATHENA_PRICE_PER_TB_USD,
      queryTimeoutMs: e.ATHENA_QUERY_TIMEOUT_SECONDS * 1000,
      maxConcurrent: Math.floor(e.ATHENA_MAX_CONCURRENT_QUERIES),
    },
    snapshots: { bucket: e.SNAPSHOT_BUCKET, prefix: e.SNAPSHOT_PREFIX },
    mail: {
      sender: e.MAIL_SENDER,
      recipients: e.MAIL_RECIPIENTS,
      configurationSet: e.SES_CONFIGURATION_SET?.trim() || null,
      maxSendRate: e.SES_MAX_SEND_RATE,
    },
    report: {
      timezone: e.REPORT_TIMEZONE,
      currency: e.REPORT_CURRENCY,
      fxBase: e.REPORT_FX_BASE,
      locale: e.REPORT_LOCALE,
      exclusionThresholds,
    },
  };
}
