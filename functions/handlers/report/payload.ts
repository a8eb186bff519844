/**
 * What the report function accepts: the schedule's event or a manual payload, validated with
 * zod and resolved into the period to report.
 */
import { z } from 'zod';
import {
  isComplete,
  PERIOD_KINDS,
  periodContaining,
  previousCompletePeriod,
  type Period,
} from '../../core/period.js';
import { InputError } from '../../core/input-error.js';
import {
  calendarDateSchema,
  emailSchema,
  oneOfSchema,
  percentSchema,
  problem,
  shown,
  timeZoneSchema,
} from '../../core/validators.js';
import type { ExclusionThresholds } from '../../core/exclusion-share.js';

import { LOCALES, type Locale } from '../../digest/locale.js';

export { LOCALES, type Locale };

/** SES accepts at most 50 recipients per message; the digest goes to each separately, but a manual list stays small. */
const MAX_RECIPIENTS = 50;

const periodKind = oneOfSchema(PERIOD_KINDS);

/** What EventBridge Scheduler sends: `scheduledTime` is its `<aws.scheduler.scheduled-time>`. */
export const scheduledEventSchema = z.strictObject({
  source: z.literal('schedule', {
    error: (issue) => `unknown source ${shown(issue.input)} (expected "schedule")`,
  }),
  period: periodKind,
  scheduledTime: z.iso.datetime({
    offset: true,
    error: (issue) => `${shown(issue.input)} is not an ISO-8601 instant such as 2026-11-23T07:00:00Z`,
  }),
});

export const manualPayloadSchema = z.strictObject({
  period: periodKind,
  date: calendarDateSchema.optional(),
  timezone: timeZoneSchema.optional(),
  locale: oneOfSchema(LOCALES).optional(),
  dryRun: z.boolean({ error: 'must be true or false' }).optional(),
  force: z.boolean({ error: 'must be true or false' }).optional(),
  recomputeTrend: z.boolean({ error: 'must be true or false' }).optional(),
  allowEmpty: z.boolean({ error: 'must be true or false' }).optional(),
  excludedWarnPercent: percentSchema.optional(),
  excludedStopPercent: percentSchema.optional(),
  recipients: z
    .array(emailSchema, {
      error: 'must be a list of e-mail addresses',
    })
    .min(1, 'must name at least one address (leave it out to use the configured recipients)')
    .max(MAX_RECIPIENTS, `must name at most ${MAX_RECIPIENTS} addresses`)
    .optional(),
  // One CSM's digest by hand (docs/csm-digests.md), or "all" of them with the team digest.
  csm: z
    .string({ error: 'must be "all" or one CSM\'s e-mail address' })
    .trim()
    .refine((v) => v === 'all' || z.email().safeParse(v).success, {
      error: (issue) => `${shown(issue.input)} is neither "all" nor an e-mail address`,
    })
    .optional(),
});

export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;
export type ManualPayload = z.infer<typeof manualPayloadSchema>;

export interface ReportDefaults {
  readonly timezone: string;
  readonly locale: Locale;
  readonly recipients: readonly string[];
}

export interface ResolvedRequest {
  readonly trigger: 'schedule' | 'manual';
  readonly period: Period;
  readonly locale: Locale;
  readonly recipients: readonly string[];
  readonly dryRun: boolean;
  readonly force: boolean;
  /** Compute all 12 trend points rather than reuse the previous period's stored snapshot. */
  readonly recomputeTrend: boolean;
  /** Report even when there is no data for the period. */
  readonly allowEmpty: boolean;
  /** Overrides of the configured thresholds, as shares 0–1. */
  readonly exclusionThresholds?: Partial<ExclusionThresholds>;
  /** CSM digests asked for by hand: "all", or one CSM's address (then no team digest). */
  readonly csm?: string;
}

/** Scheduler fires on time; a few seconds of clock difference between it and Lambda are normal. */
const SCHEDULE_CLOCK_SKEW_MS = 5 * 60_000;

/** Dates near the end of the calendar (9999-12-31) overflow the period arithmetic: an input error, not a crash. */
function resolvePeriod(make: () => Period): Period {
  try {
    return make();
  } catch (error) {
    if (error instanceof RangeError) {
      throw new InputError(`invalid payload: the date is outside the supported calendar (${error.message})`);
    }
    throw error;
  }
}

function refuseUnfinished(period: Period, now: Date, field: 'date' | 'scheduledTime'): void {
  if (!isComplete(period, now)) {
    throw new InputError(
      `invalid payload: ${field}: period ${period.key} has not ended yet (it ends ${period.endUtc}); pick a date in a past period`,
    );
  }
}

const PERIOD_KEY_RE = /^\d{4}-(?:W\d{2}|\d{2})$/;

/**
 * A backfill runs from a shell, not in the function: an invocation stops after 15 minutes and a
 * year of periods takes longer (docs/runtime.md#backfill). The answer names the command to run.
 */
export function backfillRefusal(backfill: unknown): string {
  const range = (typeof backfill === 'object' && backfill !== null ? backfill : {}) as Record<
    string,
    unknown
  >;
  const key = (v: unknown, fallback: string): string =>
    typeof v === 'string' && PERIOD_KEY_RE.test(v) ? v : fallback;
  const from = key(range.from, '2025-12');
  const to = key(range.to, '2026-10');
  const kind = from.includes('W') ? 'weekly' : 'monthly';
  return (
    'invalid payload: a backfill does not run in the function (an invocation stops after 15 minutes); ' +
    `run it from a shell with the deployment's credentials: npm run backfill -- --engine athena ` +
    `--workgroup <AthenaWorkGroupName> --database <GlueDatabaseName> --store s3://<SnapshotBucketName> ` +
    `--period ${kind} --from ${from} --to ${to}`
  );
}

function fail(error: z.ZodError): never {
  const problems = error.issues.map((i) => {
    const field = i.path
      .map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n > 0 ? '.' : ''}${String(p)}`))
      .join('');
    if (i.code === 'unrecognized_keys') return `unknown field ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return field ? problem(field, i.message) : i.message;
  });
  throw new InputError(`invalid payload: ${problems.join('; ')}`);
}

/**
 * Turns an invocation's event into the report to make.
 *
 * A scheduled run reports the period before the one its schedule time falls in, so a late
 * retry of Monday's run still reports last week. A manual run reports the period containing
 * `date`, or the latest complete period; a period that has not ended is refused.
 */
export function resolveRequest(event: unknown, defaults: ReportDefaults, now: Date): ResolvedRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InputError('invalid payload: expected a JSON object such as {"period":"weekly"}');
  }
  if ('backfill' in event) throw new InputError(backfillRefusal(event.backfill));
  if ('source' in event) {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) fail(parsed.error);
    const scheduled = parsed.data;
    const scheduledAt = new Date(scheduled.scheduledTime);
    // A schedule time in the future would report a period that has not ended (and move
    // latest.json past the real one); Scheduler only ever sends the time it fired at.
    if (
      !Number.isFinite(scheduledAt.getTime()) ||
      scheduledAt.getTime() > now.getTime() + SCHEDULE_CLOCK_SKEW_MS
    ) {
      throw new InputError(
        `invalid payload: scheduledTime: "${scheduled.scheduledTime}" is in the future (now ${now.toISOString()}); a schedule only reports periods that have ended`,
      );
    }
    const period = resolvePeriod(() =>
      previousCompletePeriod(scheduled.period, scheduledAt, defaults.timezone),
    );
    refuseUnfinished(period, now, 'scheduledTime');
    return {
      trigger: 'schedule',
      period,
      locale: defaults.locale,
      recipients: defaults.recipients,
      dryRun: false,
      force: false,
      recomputeTrend: false,
      allowEmpty: false,
    };
  }
  const parsed = manualPayloadSchema.safeParse(event);
  if (!parsed.success) fail(parsed.error);
  const manual = parsed.data;
  const timezone = manual.timezone ?? defaults.timezone;
  const period = resolvePeriod(() =>
    manual.date
      ? periodContaining(manual.period, manual.date, timezone)
      : previousCompletePeriod(manual.period, now, timezone),
  );
  refuseUnfinished(period, now, 'date');
  return {
    trigger: 'manual',
    period,
    locale: manual.locale ?? defaults.locale,
    recipients: manual.recipients ?? defaults.recipients,
    dryRun: manual.dryRun ?? false,
    force: manual.force ?? false,
    recomputeTrend: manual.recomputeTrend ?? false,
    allowEmpty: manual.allowEmpty ?? false,
    ...(manual.csm !== undefined ? { csm: manual.csm } : {}),
    ...(manual.excludedWarnPercent !== undefined || manual.excludedStopPercent !== undefined
      ? {
          exclusionThresholds: {
            ...(manual.excludedWarnPercent !== undefined
              ? { warnShare: manual.excludedWarnPercent / 100 }
              : {}),
            ...(manual.excludedStopPercent !== undefined
              ? { stopShare: manual.excludedStopPercent / 100 }
              : {}),
          },
        }
      : {}),
  };
}
