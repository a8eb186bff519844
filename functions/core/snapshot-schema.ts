/**
 * The KPI snapshot's shape, defined once. The TypeScript types (re-exported by snapshot.ts),
 * the check the digest runs before rendering a snapshot read back from a store
 * (digest/validate.ts) and docs/snapshot.schema.json (`npm run build:schema`) all come from
 * these schemas. Rules JSON Schema cannot state (an IANA zone, rowsRead = rowsUsed +
 * rowsExcluded) are refinements: the parse checks them, the generated file does not.
 */
import { z } from 'zod';
import { DATA_QUALITY_REASONS, TABLE_NAMES } from '../contract/contract.js';
import { PERIOD_KINDS } from './period.js';
import { isCalendarDate, isTimeZone } from './validators.js';
import { KPI_IDS, SCHEMA_VERSION, TREND_PERIODS, type KpiId } from './snapshot.js';

/** Every level of a value, read-only: the snapshot is built once and never changed. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type Shape<S extends z.ZodType> = DeepReadonly<z.output<S>>;

export const KPI_UNITS = [
  'currency', // in the report's currency
  'percent', // 0-100
  'count',
  'ratio',
  'score', // nps (-100..100), ces (its own scale), health (0-100)
  'days',
  'hours',
  'minutes',
  'seconds',
] as const;

const PERIOD_KEY = /^\d{4}-(W\d{2}|\d{2})$/;
/** An absolute path (POSIX or Windows drive) would leak the host's folders into a report. */
const ABSOLUTE_PATH_PATTERN = '^(/|[A-Za-z]:\\\\)';
const ABSOLUTE_PATH = new RegExp(ABSOLUTE_PATH_PATTERN);

// z.number() refuses NaN and ±Infinity: every figure of a snapshot is finite.
const finite = () => z.number();
const nullableFinite = () => z.number().nullable();
const count = () => z.int().min(0);
const share = () => z.number().min(0).max(1);
const percent = () => z.number().min(0).max(100);
const nullableString = () => z.string().nullable();

const DAY_ERROR = 'must be a date YYYY-MM-DD';
const calendarDay = () =>
  z.string({ error: DAY_ERROR }).refine(isCalendarDate, { error: DAY_ERROR }).meta({ format: 'date' });
const ISO_INSTANT = z.iso.datetime({ offset: true });
/** An instant with its offset, e.g. 2026-12-01T06:00:00.000Z (JSON Schema: format date-time). */
const instant = (error = 'must be an ISO-8601 instant') =>
  z
    .string({ error })
    .refine((text) => ISO_INSTANT.safeParse(text).success, { error })
    .meta({ format: 'date-time' });

const TIME_ZONE_ERROR = 'must be an IANA time zone';

export const benchmarkStatusSchema = z
  .strictObject({
    level: z
      .enum(['excellent', 'great', 'good', 'healthy', 'below', 'above', 'poor'])
      .describe('Machine label, localised by the digest'),
    tone: z.enum(['good', 'neutral', 'bad']),
    target: z.string().describe('The benchmark itself, e.g. "75–85"'),
  })
  .describe("Where the value stands against the catalog's benchmark; `level` is the label of `tone`");

export const trendPointSchema = z.strictObject({
  key: z.string().describe('Period key, e.g. 2026-W47'),
  value: nullableFinite(),
});

export const detailValueSchema = z.union([z.number(), z.string(), z.null()], {
  error: 'must be a number, a string or null',
});

const REASON_ERROR = 'must say why the value is not available';

export const kpiValueSchema = z
  .strictObject(
    {
      value: nullableFinite(),
      previous: nullableFinite(),
      delta: nullableFinite(),
      unit: z.enum(KPI_UNITS, { error: 'is not a known unit' }),
      reason: z
        .string()
        .regex(/\S/, { error: REASON_ERROR })
        .optional()
        .describe('Why `value` is null (absent table, zero denominator, …)'),
      benchmark: benchmarkStatusSchema.optional(),
      trend: z
        .array(trendPointSchema)
        .length(TREND_PERIODS)
        .optional()
        .describe('Trended KPIs only: the last 12 periods, oldest first, ending with this period'),
      detail: z
        .record(z.string(), detailValueSchema)
        .optional()
        .describe('Secondary figures named by the catalog (median, mean, easy_rate, per-survey counts, …)'),
    },
    {
      error: (issue) =>
        issue.input === undefined ? 'is missing (every KPI of the catalog must be present)' : undefined,
    },
  )
  .superRefine((kpi, ctx) => {
    if (kpi.value === null && kpi.reason === undefined)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: REASON_ERROR });
  })
  .meta({
    id: 'kpi',
    if: { properties: { value: { type: 'null' } } },
    then: { required: ['reason'] },
  });

const kpiShape = Object.fromEntries(KPI_IDS.map((id) => [id, kpiValueSchema])) as Record<
  KpiId,
  typeof kpiValueSchema
>;

export const mrrMovementRowSchema = z
  .strictObject({
    name: z.string().describe('Segment or plan name (untrusted text); `(none)` when the data has none'),
    mrrStart: finite(),
    mrrEnd: finite(),
    new: finite(),
    reactivation: finite(),
    expansion: finite(),
    contraction: finite(),
    churn: finite(),
    fxAdjustment: finite(),
  })
  .meta({ id: 'movementRow' });

export const accountMovementSchema = z.strictObject({
  accountId: z.string(),
  accountName: nullableString(),
  segment: nullableString(),
  movement: z.enum(['new', 'reactivation', 'expansion', 'contraction', 'churn']),
  mrrStart: finite(),
  mrrEnd: finite(),
  amount: finite().describe(
    'Signed change in MRR that the movement contributes (churn and contraction are negative)',
  ),
});

export const healthComponentsSchema = z.strictObject({
  frequency: share(),
  breadth: share(),
  depth: share(),
  sentiment: share(),
  supportBilling: share(),
});

export const atRiskAccountSchema = z.strictObject({
  accountId: z.string(),
  accountName: nullableString(),
  segment: nullableString(),
  csmOwner: nullableString(),
  mrr: finite(),
  healthScore: percent(),
  band: z.enum(['healthy', 'at_risk', 'critical']),
  components: healthComponentsSchema,
});

export const accountHealthSchema = z
  .strictObject({
    accountId: z.string(),
    accountName: nullableString(),
    mrr: finite(),
    healthScore: percent(),
  })
  .describe("One paying account's health score at the end of the period (for alerts on a drop)");

export const featureUsageSchema = z.strictObject({
  eventName: z.string(),
  users: count(),
  adoptionPct: percent(),
});

export const termCountSchema = z
  .strictObject({
    term: z.string(),
    count: z.int().min(1),
  })
  .meta({ id: 'term' });

export const feedbackCommentSchema = z.strictObject({
  responseId: z.string(),
  accountId: z.string(),
  accountName: nullableString(),
  survey: z.string(),
  score: z.int(),
  respondedAt: instant(),
  comment: z.string(),
});

export const webPageStatsSchema = z
  .strictObject({
    page: z.string().describe('Path of the page (untrusted text)'),
    views: count(),
    exits: count().describe('Page views that were the last page view of their session'),
    exitRate: percent().describe('exits / views × 100'),
    avgTimeOnPageSeconds: nullableFinite().describe(
      'Mean seconds to the next page view of the session; null when every view was the last',
    ),
  })
  .meta({ id: 'webPage' });

export const webSegmentStatsSchema = z
  .strictObject({
    visitors: count(),
    pageViews: count(),
    sessions: count(),
    bounceRate: nullableFinite(),
    pagesPerSession: nullableFinite(),
    avgTimeOnPageSeconds: nullableFinite(),
  })
  .meta({
    id: 'webSegment',
    description:
      'The web figures of one kind of visitor in the period; percentages and means are null when their denominator is zero',
  });

export const socialPlatformStatsSchema = z.strictObject({
  platform: z.string().describe('Platform name (untrusted text)'),
  posts: count(),
  impressions: count(),
  engagements: count(),
  engagementRate: nullableFinite().describe('engagements / impressions × 100; null without impressions'),
});

export const webDetailsSchema = z
  .strictObject({
    topPages: z
      .array(webPageStatsSchema)
      .max(50)
      .describe('Top 50 pages by page views (the digest shows 10; the monthly CSV all)'),
    topExitPages: z
      .array(webPageStatsSchema)
      .max(10)
      .describe("The catalog's top_exit_pages: top 10 pages by exits, with their exit rate"),
    visitors: count(),
    newVisitors: count().describe('Visitors of the period not seen in the previous period'),
    newVisitorShare: nullableFinite().describe('newVisitors / visitors × 100; null without visitors'),
    knownCustomers: webSegmentStatsSchema,
    anonymous: webSegmentStatsSchema,
    socialByPlatform: z
      .array(socialPlatformStatsSchema)
      .describe('Social engagement per platform (social_posts); empty when the table is absent'),
  })
  .describe('Website and social details (web_events, social_posts); absent when neither table is present.');

const CSM_REJECTED_REASONS = ['csm_owner_not_an_address', 'csm_owner_outside_domains'] as const;

/** Account owners that receive no CSM digest, with how many accounts they own. */
export const rejectedOwnersSchema = z.array(
  z.strictObject({
    owner: z.string(),
    reason: z.enum(CSM_REJECTED_REASONS),
    accounts: z.int().min(1),
    exampleAccountId: z.string(),
  }),
);

export const csmBooksSchema = z.strictObject({
  domains: z.array(z.string().min(1)),
  books: z.array(
    z.strictObject({
      owner: nullableString(),
      status: z.enum(['valid', 'unassigned', ...CSM_REJECTED_REASONS]),
      accounts: count(),
      mrr: finite(),
      accountsAtRisk: count().nullable(),
      netRevenueRetention: nullableFinite(),
    }),
  ),
  rejectedOwners: rejectedOwnersSchema,
});

export const snapshotDetailsSchema = z.strictObject({
  mrrMovements: z.strictObject({
    bySegment: z.array(mrrMovementRowSchema),
    byPlan: z.array(mrrMovementRowSchema),
    byAccount: z
      .array(accountMovementSchema)
      .describe('Every account with a movement in the period (the monthly digest attaches it as CSV)'),
  }),
  accountsAtRisk: z
    .array(atRiskAccountSchema)
    .max(10)
    .describe('Top 10 paying accounts whose health score is below 40, by MRR'),
  healthBands: z.strictObject({ healthy: count(), atRisk: count(), critical: count() }),
  accountHealth: z
    .array(accountHealthSchema)
    .optional()
    .describe("Every account paying on the period's last day with its health score, by account id"),
  topFeatures: z.array(featureUsageSchema).max(10).describe('Top 10 features by adoption'),
  feedback: z.strictObject({
    commentCount: count(),
    detractorTerms: z.array(termCountSchema),
    promoterTerms: z.array(termCountSchema),
    latestDetractorComments: z
      .array(feedbackCommentSchema)
      .max(5)
      .describe('The five latest detractor comments with their account'),
  }),
  web: webDetailsSchema.optional(),
  csmBooks: csmBooksSchema
    .optional()
    .describe(
      "Present when CSM digests are on (docs/csm-digests.md): every book of the period (accounts.csm_owner as of the period's last day), valid owners first, the unassigned book (owner null) last; the books add up to the company's figures",
    ),
});

export const tableQualitySchema = z
  .strictObject({
    table: z.enum(TABLE_NAMES),
    present: z.boolean(),
    reason: z.string().optional().describe('Why the table is absent'),
    rowsRead: count().describe(
      "Rows read from the table's files (partitioned tables: the partitions the report reads, plus rows whose day is unknown); rowsRead = rowsUsed + rowsExcluded",
    ),
    rowsUsed: count().describe('Rows the KPIs may use: no rule broken, one per key'),
    rowsExcluded: count().describe(
      'Rows left out, by every reason of dataQuality.excluded (duplicates included)',
    ),
    latest: nullableString().describe('Latest timestamp or date in the table (data freshness), ISO-8601'),
  })
  .superRefine((t, ctx) => {
    if (t.rowsRead !== t.rowsUsed + t.rowsExcluded)
      ctx.addIssue({ code: 'custom', message: 'must have rowsRead = rowsUsed + rowsExcluded' });
  });

export const exclusionWarningSchema = z
  .strictObject({
    table: z.enum(TABLE_NAMES),
    rowsRead: z.int().min(1),
    rowsExcluded: count(),
    share: share().describe('rowsExcluded / rowsRead, 0–1'),
    threshold: share().describe('The warning share it is above, 0–1'),
  })
  .describe('A table of which more than the warning share of rows was excluded');

export const exclusionCountSchema = z.strictObject({
  table: z.enum(TABLE_NAMES),
  reason: z.enum(DATA_QUALITY_REASONS),
  rows: z.int().min(1),
  expected: z.string().describe('What the contract expects of such rows, in words'),
  example: z
    .strictObject({
      file: z
        .string()
        .refine((file) => !ABSOLUTE_PATH.test(file), { error: 'must be relative to the data folder' })
        .optional()
        .meta({
          description:
            'The file, relative to the data folder with forward slashes (e.g. invoices/2026-11.csv); an S3 URI for Athena',
          not: { pattern: ABSOLUTE_PATH_PATTERN },
        }),
      line: z.int().min(1).optional().describe('1-based line the row starts on (CSV and NDJSON files)'),
      key: z.string().optional(),
      field: z.string().optional(),
      problem: z
        .string()
        .optional()
        .describe('What is wrong with a malformed row, e.g. "11 fields where the header has 10"'),
    })
    .optional()
    .describe(
      'One offending row, to find the others: its file and line, its key, the field at fault and the problem',
    ),
});

const rollupSourceStatsSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('rollups'),
    timezone: z.string(),
    daysBuilt: count().describe('Days (raw dt partitions) rolled up before the report: missing or stale'),
    daysRemoved: count().describe('Days whose raw partition was gone, removed before the report'),
  }),
  z.strictObject({
    source: z.literal('raw'),
    reason: z.string().describe('Why the report read the raw events'),
  }),
]);

export const usageSourceStatsSchema = rollupSourceStatsSchema.describe(
  'Where the usage figures came from when the report was given usage rollups (docs/rollups.md): the rollups, or the raw events and why',
);

export const webSourceStatsSchema = rollupSourceStatsSchema.describe(
  'Where the web figures came from when the report was given rollups and computed the web section (docs/rollups.md): the web rollups, or the raw web events and why',
);

export const snapshotStatsSchema = z.strictObject({
  engine: z.enum(['duckdb', 'athena']),
  dataSource: z
    .string()
    .optional()
    .describe('The input data the report read: duckdb:<folder>[#manifest-<digest>] or athena:<database>'),
  queries: count(),
  rowsReturned: count().describe('Rows the queries returned to the report (aggregates, never raw events)'),
  rowsRead: count().describe('Rows of input the data-quality checks read'),
  milliseconds: count(),
  bytesScanned: count().optional(),
  estimatedCostUsd: z.number().min(0).optional(),
  trend: z
    .strictObject({
      computedPeriods: z.int().min(1).max(TREND_PERIODS),
      storedFrom: z.string().regex(PERIOD_KEY).nullable(),
      reason: z.string().optional().describe('Why a stored snapshot was not used'),
    })
    .optional()
    .describe(
      'Where the trend points came from: 12 computed, or 2 computed and points 2-11 from the stored snapshot of the period named in storedFrom',
    ),
  perQuery: z.array(
    z.strictObject({
      name: z.string(),
      milliseconds: count(),
      rows: count(),
      bytesScanned: count().optional(),
    }),
  ),
  usage: usageSourceStatsSchema.optional(),
  web: webSourceStatsSchema.optional(),
});

export const snapshotSchema = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    period: z.strictObject({
      kind: z.enum(PERIOD_KINDS),
      key: z.string().regex(PERIOD_KEY).describe('e.g. 2026-W47 or 2026-11'),
      firstDay: calendarDay(),
      lastDay: calendarDay(),
      timezone: z
        .string({ error: TIME_ZONE_ERROR })
        .min(1, { error: TIME_ZONE_ERROR, abort: true })
        .refine(isTimeZone, { error: TIME_ZONE_ERROR }),
    }),
    currency: z
      .string({ error: 'must be an ISO 4217 code' })
      .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code' }),
    generatedAt: instant(),
    kpis: z.strictObject(kpiShape),
    details: snapshotDetailsSchema,
    dataQuality: z.strictObject({
      tables: z.array(tableQualitySchema),
      excluded: z.array(exclusionCountSchema),
      totalExcluded: count(),
      warnings: z
        .array(exclusionWarningSchema)
        .optional()
        .describe(
          'Tables of which more than the warning share of rows was excluded (largest share first); absent when there is none',
        ),
      csmOwners: rejectedOwnersSchema
        .optional()
        .describe(
          'Present when CSM digests are on: account owners that receive no digest (not an e-mail address, or outside csmDomains); their accounts still count in every figure',
        ),
    }),
    stats: snapshotStatsSchema,
  })
  .meta({
    title: 'KPI snapshot',
    description:
      "One period's customer-success KPIs as written to snapshots/<period>/<key>.json. Money is in the snapshot's currency; percentages are 0-100.",
  });

export type KpiUnit = (typeof KPI_UNITS)[number];
export type BenchmarkStatus = Shape<typeof benchmarkStatusSchema>;
export type TrendPoint = Shape<typeof trendPointSchema>;
export type DetailValue = Shape<typeof detailValueSchema>;
export type KpiValue = Shape<typeof kpiValueSchema>;
export type MrrMovementRow = Shape<typeof mrrMovementRowSchema>;
export type AccountMovement = Shape<typeof accountMovementSchema>;
export type HealthComponents = Shape<typeof healthComponentsSchema>;
export type AtRiskAccount = Shape<typeof atRiskAccountSchema>;
export type AccountHealth = Shape<typeof accountHealthSchema>;
export type FeatureUsage = Shape<typeof featureUsageSchema>;
export type TermCount = Shape<typeof termCountSchema>;
export type FeedbackComment = Shape<typeof feedbackCommentSchema>;
export type WebPageStats = Shape<typeof webPageStatsSchema>;
export type WebSegmentStats = Shape<typeof webSegmentStatsSchema>;
export type SocialPlatformStats = Shape<typeof socialPlatformStatsSchema>;
export type WebDetails = Shape<typeof webDetailsSchema>;
export type SnapshotDetails = Shape<typeof snapshotDetailsSchema>;
export type TableQuality = Shape<typeof tableQualitySchema>;
export type ExclusionWarning = Shape<typeof exclusionWarningSchema>;
export type ExclusionCount = Shape<typeof exclusionCountSchema>;
export type SnapshotStats = Shape<typeof snapshotStatsSchema>;
export type UsageSourceStats = Shape<typeof usageSourceStatsSchema>;
export type Snapshot = Shape<typeof snapshotSchema>;
