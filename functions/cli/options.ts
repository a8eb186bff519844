/** Flags of `npm run report`, parsed and validated into options (pure, so it is unit-tested). */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import {
  isComplete,
  PERIOD_KINDS,
  periodContaining,
  previousCompletePeriod,
  type Period,
  type PeriodKind,
} from '../core/period.js';
import {
  calendarDateSchema,
  currencySchema,
  emailSchema,
  isEmailAddress,
  oneOfSchema,
  percentTextSchema,
  timeZoneSchema,
} from '../core/validators.js';
import { LOCALES, type Locale } from '../digest/locale.js';
import {
  DEFAULT_EXCLUSION_THRESHOLDS,
  validateThresholds,
  type ExclusionThresholds,
} from '../core/exclusion-share.js';
import { ENGINE_USAGE, parseEngineFlags, type EngineChoice } from './engine.js';
import { parseCsmDomains } from '../core/csm-settings.js';

import { checkFlag, UsageError } from './usage-error.js';

export { UsageError, type Locale };

export const TRANSPORTS = ['outbox', 'smtp', 'ses'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface CliOptions {
  readonly help: boolean;
  readonly period: Period;
  /** null: the bundled sample data. */
  readonly dataDir: string | null;
  readonly outDir: string;
  readonly currency: string;
  /** Base currency of fx_rates rows without a base_currency column. */
  readonly fxBase: string;
  readonly locale: Locale;
  readonly send: Transport;
  readonly from: string;
  readonly to: readonly string[];
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly recomputeTrend: boolean;
  /** Report even when there is no data for the period. */
  readonly allowEmpty: boolean;
  readonly exclusionThresholds: ExclusionThresholds;
  readonly smtp: { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };
  /** DuckDB over --data, or Athena (the Lambda's engine) over a deployment's workgroup and database. */
  readonly engine: EngineChoice;
  /** The usage rollups' folder (docs/rollups.md); null: read the raw usage events. */
  readonly rollupDir: string | null;
  /**
   * CSM digests (docs/csm-digests.md): `all` with the team digest, or one CSM's address alone;
   * null: none.
   */
  readonly csm: {
    readonly only: string;
    readonly domains: readonly string[];
    readonly skipEmpty: boolean;
  } | null;
}

export const USAGE = `Usage: npm run report -- [options]

  --period weekly|monthly   period kind (default weekly)
  --date YYYY-MM-DD         report the period containing this date (default: the previous complete period)
  --data DIR                data folder with one sub-folder per table (default: bundled sample data)
  --out DIR                 output folder (default ./out)
  --timezone Area/City      IANA time zone of the periods (default UTC)
  --currency CODE           reporting currency, ISO 4217 (default USD)
  --fx-base CODE            currency fx_rates are quoted in when a row has no base_currency (default USD)
  --locale en|id|pl         digest language and formats (default en)
  --send outbox|smtp|ses    how to deliver the digest (default outbox: files under OUT/emails)
  --to a@x.com,b@y.com      recipients (default $DIGEST_RECIPIENTS or cs-team@example.com)
  --from address            sender (default $DIGEST_SENDER or kpi-digest@example.com)
  --dry-run                 compute and write the snapshot, send nothing
  --force                   send again even if this digest was already sent to a recipient
  --recompute-trend         compute all 12 trend points instead of taking the older ten from the
                            previous period's snapshot in OUT (e.g. after earlier data was corrected)
  --allow-empty             report even when the data has nothing for the period (every KPI n/a);
                            by default such a run stops with exit code 2
  --rollups DIR             the usage rollups the report keeps current and reads (DuckDB; default
                            OUT/rollups, in the time zone of the first report; docs/rollups.md)
  --no-rollups              read the raw usage events instead
  --warn-excluded PCT       warn when more than PCT % of a table's rows is excluded (default 5)
  --stop-excluded PCT       stop when more than PCT % of a table's rows is excluded (default 50)
  --csm all|name@x.com      also each CSM's digest of their own accounts (all), or only that
                            CSM's digest; sent only to addresses in --csm-domains
  --csm-domains a.com,b.com domains CSM digests may go to (default $CSM_DOMAINS)
  --csm-send-empty          send CSM digests of books without activity too
${ENGINE_USAGE}  --help                    this text

SMTP settings come from SMTP_HOST, SMTP_PORT (587), SMTP_SECURE (false), SMTP_USER, SMTP_PASS.
`;

function emails(flag: string, value: string): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new UsageError(`--${flag} needs at least one e-mail address`);
  return list.map((address) => checkFlag(emailSchema, `--${flag}`, address));
}

export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv, now: Date): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        period: { type: 'string' },
        date: { type: 'string' },
        data: { type: 'string' },
        out: { type: 'string' },
        timezone: { type: 'string' },
        currency: { type: 'string' },
        'fx-base': { type: 'string' },
        locale: { type: 'string' },
        send: { type: 'string' },
        to: { type: 'string' },
        from: { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        'recompute-trend': { type: 'boolean' },
        'allow-empty': { type: 'boolean' },
        'warn-excluded': { type: 'string' },
        'stop-excluded': { type: 'string' },
        rollups: { type: 'string' },
        'no-rollups': { type: 'boolean' },
        engine: { type: 'string' },
        workgroup: { type: 'string' },
        database: { type: 'string' },
        tables: { type: 'string' },
        csm: { type: 'string' },
        'csm-domains': { type: 'string' },
        'csm-send-empty': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${message} (see --help)`);
  }

  const kind: PeriodKind = checkFlag(oneOfSchema(PERIOD_KINDS), '--period', values.period ?? 'weekly');
  const timezone = checkFlag(timeZoneSchema, '--timezone', values.timezone ?? 'UTC');
  let period: Period;
  if (values.date !== undefined) {
    const date = checkFlag(calendarDateSchema, '--date', values.date);
    period = periodContaining(kind, date, timezone);
    if (!isComplete(period, now)) {
      throw new UsageError(
        `the ${kind} period ${period.key} (${period.firstDay} to ${period.lastDay}) has not ended yet; pick an earlier --date`,
      );
    }
  } else {
    period = previousCompletePeriod(kind, now, timezone);
  }

  const currency = checkFlag(currencySchema, '--currency', values.currency ?? 'USD');
  const fxBase = checkFlag(currencySchema, '--fx-base', values['fx-base'] ?? 'USD');

  let dataDir: string | null = null;
  if (values.data !== undefined) {
    dataDir = resolve(values.data);
    if (!existsSync(dataDir)) throw new UsageError(`--data folder ${values.data} does not exist`);
    if (!statSync(dataDir).isDirectory()) throw new UsageError(`--data ${values.data} is not a folder`);
  }
  const outDir = resolve(values.out ?? 'out');
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new UsageError(`--out ${values.out ?? 'out'} exists and is not a folder`);
  }

  const percent = (flag: string, value: string | undefined, fallback: number): number =>
    value === undefined ? fallback : checkFlag(percentTextSchema, `--${flag}`, value) / 100;
  const exclusionThresholds: ExclusionThresholds = {
    warnShare: percent('warn-excluded', values['warn-excluded'], DEFAULT_EXCLUSION_THRESHOLDS.warnShare),
    stopShare: percent('stop-excluded', values['stop-excluded'], DEFAULT_EXCLUSION_THRESHOLDS.stopShare),
  };
  const thresholdProblem = validateThresholds(exclusionThresholds, '--warn-excluded/--stop-excluded');
  if (thresholdProblem) throw new UsageError(thresholdProblem);

  const from = values.from ?? env.DIGEST_SENDER ?? 'kpi-digest@example.com';
  checkFlag(emailSchema, '--from', from);
  const to = emails('to', values.to ?? env.DIGEST_RECIPIENTS ?? 'cs-team@example.com');

  const port = Number(env.SMTP_PORT ?? '587');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`SMTP_PORT "${env.SMTP_PORT}" is not a port number`);
  }
  const send: Transport = checkFlag(oneOfSchema(TRANSPORTS), '--send', values.send ?? 'outbox');
  if (send === 'smtp' && !env.SMTP_HOST) throw new UsageError('--send smtp needs SMTP_HOST (and SMTP_PORT)');

  let csm: CliOptions['csm'] = null;
  if (values.csm !== undefined) {
    const only = values.csm.trim();
    if (only !== 'all' && !isEmailAddress(only))
      throw new UsageError(`--csm "${values.csm}" must be all or one CSM's e-mail address`);
    const parsed = parseCsmDomains(values['csm-domains'] ?? env.CSM_DOMAINS ?? '');
    if (parsed.problems.length > 0) throw new UsageError(`--csm-domains: ${parsed.problems.join('; ')}`);
    if (parsed.domains.length === 0)
      throw new UsageError('--csm needs --csm-domains (or CSM_DOMAINS): the domains CSM digests may go to');
    csm = { only, domains: parsed.domains, skipEmpty: !(values['csm-send-empty'] ?? false) };
  } else if (values['csm-domains'] !== undefined || values['csm-send-empty'] !== undefined) {
    throw new UsageError('--csm-domains and --csm-send-empty apply with --csm only');
  }

  const engine = parseEngineFlags(values, env);
  if (engine.kind === 'athena' && dataDir !== null)
    throw new UsageError('--data applies to --engine duckdb only');

  if (values.rollups !== undefined && values['no-rollups']) {
    throw new UsageError('--rollups and --no-rollups exclude each other');
  }
  if (values.rollups !== undefined && engine.kind !== 'duckdb') {
    throw new UsageError('--rollups applies to --engine duckdb only');
  }
  const rollupDir =
    engine.kind !== 'duckdb' || values['no-rollups']
      ? null
      : resolve(values.rollups ?? join(outDir, 'rollups'));

  return {
    help: values.help ?? false,
    engine,
    rollupDir,
    period,
    dataDir,
    outDir,
    currency,
    fxBase,
    locale: checkFlag(oneOfSchema(LOCALES), '--locale', values.locale ?? 'en'),
    send,
    from,
    to,
    dryRun: values['dry-run'] ?? false,
    force: values.force ?? false,
    recomputeTrend: values['recompute-trend'] ?? false,
    allowEmpty: values['allow-empty'] ?? false,
    exclusionThresholds,
    csm,
    smtp: {
      host: env.SMTP_HOST ?? 'localhost',
      port,
      secure: env.SMTP_SECURE === 'true',
      ...(env.SMTP_USER ? { auth: { user: env.SMTP_USER, pass: env.SMTP_PASS ?? '' } } : {}),
    },
  };
}
