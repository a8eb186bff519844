/**
 * The input data contract: the single source of truth for the tables the product reads.
 *
 * Everything that depends on the shape of the input is generated from this module:
 * the DuckDB views over local files, the row-validation SQL (clean relations and the
 * data-quality counts), the Glue tables deployed by the CDK stack and docs/data-contract.md.
 */

export type ColumnType =
  'string' | 'timestamp' | 'date' | 'decimal' | 'int' | 'bigint' | 'boolean' | 'double';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly description: string;
}

/**
 * A rule that a row can break. `violation` is a portable SQL predicate (Trino and DuckDB)
 * over the table's own columns that is TRUE when the row breaks the rule. It may use the
 * relations `fx_currencies` (one column `currency`: the currencies amounts can be converted
 * from), `fx_configured_base` and `fx_base` (one row each: the configured base currency and
 * the base of the fx_rates table).
 */
export interface RowRule {
  readonly reason: DataQualityReason;
  readonly description: string;
  readonly violation: string;
}

export const DATA_QUALITY_REASONS = [
  'null_key',
  'missing_required_field',
  'negative_amount',
  'end_before_start',
  'unknown_currency',
  'score_out_of_scale',
  'invalid_value',
  'malformed_row',
  'partition_mismatch',
  'duplicate_id',
  'mixed_fx_base',
] as const;

export type DataQualityReason = (typeof DATA_QUALITY_REASONS)[number];

export const TABLE_NAMES = [
  'accounts',
  'subscriptions',
  'invoices',
  'usage_events',
  'survey_responses',
  'support_tickets',
  'cs_costs',
  'fx_rates',
  'web_events',
  'social_posts',
] as const;

export type TableName = (typeof TABLE_NAMES)[number];

export interface TableSpec {
  readonly name: TableName;
  readonly description: string;
  readonly columns: readonly ColumnSpec[];
  /** Columns that identify a row; a second row with the same key is a duplicate. */
  readonly key: readonly string[];
  /** Deterministic order that picks which of several duplicate rows is kept (the first). */
  readonly keepFirstBy: readonly string[];
  /**
   * Large event tables are not de-duplicated in the clean relation (a window over the whole
   * table would cost a second pass); their queries count `DISTINCT event_id` instead, and the
   * data-quality query still counts the duplicates.
   */
  readonly dedupeInQueries?: boolean;
  /** Hive partition column (`dt=YYYY-MM-DD`, the UTC date of `occurred_at`). */
  readonly partitionedBy?: 'dt';
  readonly rules: readonly RowRule[];
  /**
   * Tables many companies do not have (website analytics, social posts): when absent, only
   * their own digest section is left out, with one line saying why, and the rest of the
   * report is as without them (no "not available" lines, no absent-table row).
   */
  readonly optional?: boolean;
  /** The column whose maximum tells how fresh the table is. */
  readonly freshnessColumn: string;
  /** Rules about the table's meaning that are not row rules, for the docs. */
  readonly notes?: readonly string[];
}

const col = (name: string, type: ColumnType, nullable: boolean, description: string): ColumnSpec => ({
  name,
  type,
  nullable,
  description,
});

const currencyRule: RowRule = {
  reason: 'unknown_currency',
  description:
    'currency is neither the reporting currency nor the rates’ base and has no row in fx_rates (so it cannot be converted)',
  violation: 'currency NOT IN (SELECT currency FROM fx_currencies)',
};

/**
 * An event stored under `dt=D` must have happened on the UTC day D. Queries read only the
 * partitions of the days they need, so an event filed under another day would silently drop
 * out of its period: it is excluded and counted instead, never moved (the pipeline that wrote
 * it is at fault and should be fixed). Without dt= folders the engine derives dt from
 * occurred_at, so this cannot happen.
 */
const partitionRule: RowRule = {
  reason: 'partition_mismatch',
  description: 'occurred_at is not on the UTC day of the dt partition the row is stored in',
  // Compared as dates: dt is one constant per file, so its cast is nearly free.
  violation: 'TRY_CAST(dt AS date) IS DISTINCT FROM CAST(occurred_at AS date)',
};

const negativeAmount: RowRule = {
  reason: 'negative_amount',
  description: 'amount is below zero',
  violation: 'amount < 0',
};

export const CONTRACT: readonly TableSpec[] = [
  {
    name: 'accounts',
    freshnessColumn: 'created_at',
    description: 'One row per customer account.',
    columns: [
      col('account_id', 'string', false, 'key'),
      col('name', 'string', false, 'display name (untrusted text: escaped wherever it is shown)'),
      col('created_at', 'timestamp', false, 'sign-up; starts the onboarding clock'),
      col('segment', 'string', true, 'e.g. SMB / Mid-Market / Enterprise'),
      col('region', 'string', true, 'region'),
      col('csm_owner', 'string', true, 'e-mail of the customer success manager who owns the account'),
      col('onboarded_at', 'timestamp', true, 'onboarding completed'),
      col('first_value_at', 'timestamp', true, 'first value milestone reached'),
    ],
    key: ['account_id'],
    keepFirstBy: ['created_at', 'name'],
    rules: [
      {
        reason: 'end_before_start',
        description: 'onboarded_at or first_value_at is before created_at',
        violation: 'onboarded_at < created_at OR first_value_at < created_at',
      },
    ],
  },
  {
    name: 'subscriptions',
    freshnessColumn: 'start_date',
    description:
      'One row per priced period of a subscription. A price, plan or seat change ends one row and starts the next row of the same subscription_id on the same date.',
    columns: [
      col('subscription_id', 'string', false, 'subscription'),
      col('account_id', 'string', false, 'account'),
      col('plan', 'string', false, 'plan name'),
      col('amount', 'decimal', false, 'recurring charge per billing interval, after discounts, before tax'),
      col('currency', 'string', false, 'ISO 4217, upper case'),
      col(
        'interval_months',
        'int',
        false,
        '1 monthly, 3 quarterly, 12 annual; MRR = amount / interval_months',
      ),
      col('quantity', 'int', false, 'seats (informational)'),
      col('is_trial', 'boolean', false, 'trial periods carry no MRR whatever their amount'),
      col('start_date', 'date', false, 'first day the row applies (inclusive)'),
      col('end_date', 'date', true, 'first day it no longer applies (exclusive); null while active'),
    ],
    key: ['subscription_id', 'start_date'],
    keepFirstBy: ['end_date', 'amount', 'plan'],
    rules: [
      negativeAmount,
      {
        reason: 'end_before_start',
        description: 'end_date is on or before start_date',
        violation: 'end_date <= start_date',
      },
      currencyRule,
      {
        reason: 'invalid_value',
        description: 'interval_months is below 1 or quantity is below 0',
        violation: 'interval_months < 1 OR quantity < 0',
      },
    ],
  },
  {
    name: 'invoices',
    freshnessColumn: 'issued_at',
    description: 'Invoices issued to accounts.',
    columns: [
      col('invoice_id', 'string', false, 'key'),
      col('account_id', 'string', false, 'account'),
      col('issued_at', 'date', false, 'issue date'),
      col('due_at', 'date', false, 'due date'),
      col('paid_at', 'timestamp', true, 'null while unpaid'),
      col('amount', 'decimal', false, 'total due'),
      col('currency', 'string', false, 'ISO 4217, upper case'),
      col('status', 'string', false, 'open, paid, void, uncollectible (void invoices count nowhere)'),
    ],
    key: ['invoice_id'],
    keepFirstBy: ['issued_at', 'status'],
    rules: [
      negativeAmount,
      {
        reason: 'end_before_start',
        description: 'due_at is before issued_at',
        violation: 'due_at < issued_at',
      },
      currencyRule,
      {
        reason: 'invalid_value',
        description: "status is not one of 'open', 'paid', 'void', 'uncollectible'",
        violation: "status NOT IN ('open', 'paid', 'void', 'uncollectible')",
      },
    ],
  },
  {
    name: 'usage_events',
    freshnessColumn: 'occurred_at',
    description: 'Product usage, partitioned by dt (the UTC date of occurred_at).',
    columns: [
      col('event_id', 'string', false, 'key; a repeated event_id is a duplicate delivery, counted once'),
      col('occurred_at', 'timestamp', false, 'when it happened'),
      col('account_id', 'string', false, 'account'),
      col('user_id', 'string', false, 'user'),
      col('event_name', 'string', false, 'the feature used (one feature = one event name)'),
      col('session_id', 'string', true, 'a session lasts from its first to its last event'),
    ],
    key: ['event_id'],
    keepFirstBy: ['occurred_at'],
    dedupeInQueries: true,
    partitionedBy: 'dt',
    rules: [partitionRule],
  },
  {
    name: 'survey_responses',
    freshnessColumn: 'responded_at',
    description: 'Survey answers: nps (0-10), csat (1-5), ces (1-scale_max, 1 = very easy).',
    columns: [
      col('response_id', 'string', false, 'key'),
      col('account_id', 'string', false, 'account'),
      col('user_id', 'string', true, 'user'),
      col('survey', 'string', false, 'nps, csat or ces'),
      col('score', 'int', false, 'score on the survey scale'),
      col('scale_max', 'int', false, '10 for nps, 5 for csat, 5 or 7 for ces'),
      col('responded_at', 'timestamp', false, 'when it was answered'),
      col('comment', 'string', true, 'free text, any language; untrusted'),
    ],
    key: ['response_id'],
    keepFirstBy: ['responded_at'],
    rules: [
      {
        reason: 'invalid_value',
        description: "survey is not 'nps', 'csat' or 'ces', or scale_max does not fit the survey",
        violation:
          "survey NOT IN ('nps', 'csat', 'ces') OR (survey = 'nps' AND scale_max <> 10) OR (survey = 'csat' AND scale_max <> 5) OR (survey = 'ces' AND scale_max NOT IN (5, 7))",
      },
      {
        reason: 'score_out_of_scale',
        description: 'score outside 0-10 for nps, or outside 1-scale_max for csat and ces',
        violation:
          "(survey = 'nps' AND (score < 0 OR score > 10)) OR (survey <> 'nps' AND (score < 1 OR score > scale_max))",
      },
    ],
  },
  {
    name: 'support_tickets',
    freshnessColumn: 'created_at',
    description: 'Support tickets.',
    columns: [
      col('ticket_id', 'string', false, 'key'),
      col('account_id', 'string', false, 'account'),
      col('created_at', 'timestamp', false, 'opened'),
      col('first_response_at', 'timestamp', true, 'first answer'),
      col('resolved_at', 'timestamp', true, 'resolved'),
      col(
        'contact_count',
        'int',
        false,
        'customer contacts until resolution (1 = resolved on first contact)',
      ),
      col('reopened', 'boolean', false, 'a reopened ticket never counts as first-contact resolution'),
      col('channel', 'string', true, 'email, chat, phone, ...'),
    ],
    key: ['ticket_id'],
    keepFirstBy: ['created_at'],
    rules: [
      {
        reason: 'end_before_start',
        description: 'first_response_at or resolved_at is before created_at',
        violation: 'first_response_at < created_at OR resolved_at < created_at',
      },
      {
        reason: 'invalid_value',
        description: 'contact_count is below 0',
        violation: 'contact_count < 0',
      },
    ],
  },
  {
    name: 'cs_costs',
    freshnessColumn: 'month',
    description: 'What customer success costs, per month.',
    columns: [
      col('month', 'date', false, 'first day of the month'),
      col('category', 'string', false, 'payroll, programs, training, customer marketing, ...'),
      col('amount', 'decimal', false, 'cost'),
      col('currency', 'string', false, 'ISO 4217, upper case'),
    ],
    key: ['month', 'category', 'currency'],
    keepFirstBy: ['amount'],
    rules: [
      negativeAmount,
      currencyRule,
      {
        reason: 'invalid_value',
        description: 'month is not the first day of a month',
        violation: 'extract(DAY FROM month) <> 1',
      },
    ],
  },
  {
    name: 'fx_rates',
    freshnessColumn: 'date',
    description:
      'Exchange rates, quoted against one base currency: a rate applies from its date until the next row of the same currency. The base itself needs no row (rate 1).',
    columns: [
      col('date', 'date', false, 'the rate applies from this date until the next row of the same currency'),
      col('currency', 'string', false, 'ISO 4217, upper case'),
      col('rate', 'double', false, 'units of base_currency for one unit of currency; finite and > 0'),
      col(
        'base_currency',
        'string',
        true,
        'the currency the rate is quoted in; when the column is absent or empty, the configured base (default USD)',
      ),
    ],
    key: ['currency', 'date'],
    keepFirstBy: ['rate'],
    notes: [
      'Rate feeds are quoted against one base (ECB: EUR; most APIs: USD). An amount converts to any reporting currency R through the base: amount × rate(currency, d) ÷ rate(R, d), each the latest row on or before d; the base converts at 1 and an amount already in R at exactly 1. The division is cast straight back to a decimal (20 digits, 12 after the point), so money stays decimal on DuckDB and Athena alike.',
      'Where a currency’s earliest rate is after d, that earliest rate is used, so no amount is dropped for want of an older rate. The reporting currency is stricter: when R is not the base and has no rate on or before a day the report converts money on (the day before each period and its last day, from the first day with money in another currency), the report stops with a line naming R and the day.',
      'The table has one base: the base most of its rows carry (ties: the configured base, then alphabetical). Rows quoted in another base are `mixed_fx_base`: excluded and counted. A row for the base currency itself is ignored (the base is always 1).',
      'Athena divides the decimals exactly; DuckDB divides in double precision before the cast. The two agree to far below a cent on any realistic amount; a rate of a currency worth a tiny fraction of the base (e.g. IDR in USD) keeps about 8 significant digits at 12 decimal places.',
      'The base is configured with `--fx-base` (CLI), `REPORT_FX_BASE` (Lambda) or `fxBase` (CDK config); default USD.',
    ],
    rules: [
      {
        reason: 'invalid_value',
        // Rates become decimal(20, 12) in the money relations (fx_spans.sql): a rate must be a
        // finite number that survives that cast without overflowing or rounding to zero. The
        // negated form also excludes NaN in both engines (DuckDB orders NaN above every number,
        // Trino compares it false).
        description:
          'rate is not a finite number from 0.000000000001 up to (not including) 100000000, or currency or base_currency is not three upper-case letters',
        violation:
          'NOT (rate >= 1E-12 AND rate < 1E8) OR length(currency) <> 3 OR upper(currency) <> currency OR length(base_currency) <> 3 OR upper(base_currency) <> base_currency',
      },
      {
        reason: 'mixed_fx_base',
        description: 'base_currency (or, when empty, the configured base) is not the base of the table',
        violation:
          'coalesce(base_currency, (SELECT currency FROM fx_configured_base)) <> (SELECT currency FROM fx_base)',
      },
    ],
  },
  {
    name: 'web_events',
    freshnessColumn: 'occurred_at',
    description: 'Website analytics, partitioned by dt.',
    optional: true,
    columns: [
      col('event_id', 'string', false, 'key'),
      col('occurred_at', 'timestamp', false, 'when it happened'),
      col('visitor_id', 'string', false, 'visitor'),
      col('session_id', 'string', false, 'session'),
      col('event_type', 'string', false, 'page_view, impression, click, scroll'),
      col('page', 'string', false, 'path of the page'),
      col('link_id', 'string', true, 'for impression and click'),
      col('scroll_pct', 'int', true, 'for scroll, 0-100'),
      col('account_id', 'string', true, 'when the visitor is a known customer'),
    ],
    key: ['event_id'],
    keepFirstBy: ['occurred_at'],
    dedupeInQueries: true,
    partitionedBy: 'dt',
    rules: [
      partitionRule,
      {
        reason: 'invalid_value',
        description:
          "event_type is not one of 'page_view', 'impression', 'click', 'scroll', or a scroll event has no scroll_pct",
        violation:
          "event_type NOT IN ('page_view', 'impression', 'click', 'scroll') OR (event_type = 'scroll' AND scroll_pct IS NULL)",
      },
      {
        reason: 'score_out_of_scale',
        description: 'scroll_pct outside 0-100',
        violation: 'scroll_pct < 0 OR scroll_pct > 100',
      },
    ],
  },
  {
    name: 'social_posts',
    freshnessColumn: 'published_at',
    description: 'Social media posts.',
    optional: true,
    columns: [
      col('post_id', 'string', false, 'key'),
      col('platform', 'string', false, 'platform'),
      col('published_at', 'timestamp', false, 'published'),
      col('impressions', 'bigint', false, 'impressions'),
      col('engagements', 'bigint', false, 'likes + shares + saves + comments + mentions'),
    ],
    key: ['post_id'],
    keepFirstBy: ['published_at'],
    rules: [
      {
        reason: 'negative_amount',
        description: 'impressions or engagements below zero',
        violation: 'impressions < 0 OR engagements < 0',
      },
    ],
  },
];

export function tableSpec(name: TableName): TableSpec {
  const spec = CONTRACT.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown table ${name}`);
  return spec;
}

/** Tables the KPI report reads (checked for data quality, recorded as present or absent). */
export const REPORT_TABLES: readonly TableName[] = CONTRACT.map((t) => t.name);

/** Tables whose absence only leaves out their own digest section (see TableSpec.optional). */
export const OPTIONAL_TABLES: readonly TableName[] = CONTRACT.filter((t) => t.optional).map((t) => t.name);

/** Type names as Glue/Athena (Hive DDL) spells them. */
export function glueType(type: ColumnType): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'decimal':
      return 'decimal(18,4)';
    default:
      return type;
  }
}

/** Type names as SQL casts spell them in both Trino and DuckDB. */
export function sqlType(type: ColumnType): string {
  switch (type) {
    case 'string':
      return 'varchar';
    case 'decimal':
      return 'decimal(18,4)';
    case 'int':
      return 'integer';
    default:
      return type;
  }
}
