/**
 * The daily alert run: the running period so far (month- and week-to-date), the rules, and
 * an alert mailed and published once per rule, subject and period (again only when it worsens
 * by another step).
 *
 * The run is intentionally on an unfinished period, so it never touches the digest's keys:
 *   alerts/snapshots/<kind>/<key>/through-<day>.json   its snapshot of the period so far
 *   alerts/state/<kind>/<key>/<rule>/<subject>/level-<n>.json   one atomic create per step fired
 *   alerts/fired/<kind>/<key>/<day>.json               what fired that day (the digest lists them)
 * `snapshots/<kind>/<key>.json` and `latest.json` stay the complete periods' alone.
 */
import { createHash } from 'node:crypto';
import {
  addDays,
  daysOf,
  localDay,
  periodContaining,
  previousPeriod,
  startOfDayUtc,
} from '../core/period.js';
import type { Period, PeriodKind } from '../core/period.js';
import { kpisWatched, type AlertRule } from '../core/alert-rules.js';
import { evaluateAlerts, type AlertFinding, type AlertRecord } from '../core/alert-eval.js';
import { groupsFor, tablesFor } from './alert-scope.js';
import {
  readStoredSnapshot,
  type JobLogger,
  type JobMetrics,
  type Locale,
  type ScanTotalsSource,
} from './job.js';
import type { KpiGroup } from '../core/kpis/group.js';
import type { Snapshot } from '../core/snapshot.js';
import type { QueryEngine } from './ports/query-engine.js';
import type { TableName } from '../contract/contract.js';
import type { ObjectStore } from './ports/object-store.js';
import type { DigestMessage, Mailer } from './ports/mailer.js';

const JSON_TYPE = 'application/json';

/**
 * The running period on the morning of `now`: from the period's first day through yesterday
 * (in `timezone`), the last complete day. Its key is the period's own (`2026-11`); on the first
 * day of a period it is the whole period just ended, still evaluated as that period's alerts.
 */
export function periodToDate(kind: PeriodKind, now: Date, timezone: string): Period {
  const yesterday = addDays(localDay(now, timezone), -1);
  const full = periodContaining(kind, yesterday, timezone);
  return { ...full, lastDay: yesterday, endUtc: startOfDayUtc(addDays(yesterday, 1), timezone) };
}

export function alertSnapshotKey(period: Pick<Period, 'kind' | 'key' | 'lastDay'>): string {
  return `alerts/snapshots/${period.kind}/${period.key}/through-${period.lastDay}.json`;
}

export function firedKey(kind: PeriodKind, key: string, day: string): string {
  return `alerts/fired/${kind}/${key}/${day}.json`;
}

function subjectSegment(finding: AlertFinding): string {
  if (finding.subject.type === 'kpi') return `kpi=${finding.subject.id}`;
  // Account ids are data: hashed, so a key never carries untrusted text.
  return `account=${createHash('sha256').update(finding.subject.id).digest('hex').slice(0, 24)}`;
}

export function claimKey(period: Pick<Period, 'kind' | 'key'>, finding: AlertFinding, level: number): string {
  return `alerts/state/${period.kind}/${period.key}/${finding.ruleId}/${subjectSegment(finding)}/level-${level}.json`;
}

/** Publishes a short text to a topic chat tools subscribe to (SNS). */
export interface AlertPublisher {
  publish(subject: string, message: string): Promise<{ readonly messageId: string }>;
}

export type RenderAlertFn = (
  alerts: readonly AlertRecord[],
  options: { locale: Locale; from: string; to: readonly string[] },
) => DigestMessage | Promise<DigestMessage>;

export type AlertSnapshotFn = (
  engine: QueryEngine,
  options: {
    period: Period;
    currency: string;
    now: Date;
    previous: Snapshot | null;
    groups: readonly KpiGroup[];
    readTables: readonly TableName[];
  },
) => Promise<Snapshot>;

export interface AlertJobDeps {
  readonly engine: QueryEngine;
  readonly store: ObjectStore;
  readonly mailer: Mailer | null;
  readonly publisher: AlertPublisher | null;
  readonly logger?: JobLogger;
  readonly metrics?: JobMetrics;
  /** Injectable for tests; default functions/app/report.ts. */
  readonly buildSnapshot?: AlertSnapshotFn;
  /** Injectable for tests; default functions/digest/alert.ts. */
  readonly renderAlert?: RenderAlertFn;
}

export interface AlertJobRequest {
  readonly rules: readonly AlertRule[];
  readonly now: Date;
  readonly timezone: string;
  readonly currency: string;
  readonly locale: Locale;
  readonly from: string;
  readonly recipients: readonly string[];
  /** Evaluate and write the snapshots, but claim, send and publish nothing. */
  readonly dryRun?: boolean;
}

export interface AlertPeriodSummary {
  readonly kind: PeriodKind;
  readonly key: string;
  readonly through: string;
  readonly snapshotUri: string;
  /** Rules crossed now, fired before or not. */
  readonly findings: number;
  readonly tablesRead: readonly TableName[];
}

export interface AlertJobSummary {
  readonly periods: readonly AlertPeriodSummary[];
  /** Alerts fired by this run (none on a second run the same day). */
  readonly fired: readonly AlertRecord[];
  readonly sent: readonly string[];
  readonly published: boolean;
  readonly bytesScanned: number;
  readonly dryRun: boolean;
}

/** The alert could not be mailed or published: its claims are released, so a retry sends it. */
export class AlertDeliveryError extends Error {
  override readonly name = 'AlertDeliveryError';
}

function hasScanTotals(engine: QueryEngine): engine is QueryEngine & ScanTotalsSource {
  return typeof (engine as Partial<ScanTotalsSource>).totals === 'function';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const defaultBuildSnapshot: AlertSnapshotFn = async (engine, options) => {
  const report = await import('./report.js');
  return report.buildSnapshot(engine, options);
};

const defaultRenderAlert: RenderAlertFn = async (alerts, options) => {
  const mail = await import('../digest/alert.js');
  return mail.renderAlert(alerts, options);
};

/**
 * Claims levels 1 … `finding.level`; each is an atomic create, so two runs never both fire the
 * same step. Returns the keys this run created (empty: it fired before).
 */
async function claim(
  store: ObjectStore,
  period: Period,
  finding: AlertFinding,
  body: string,
): Promise<string[]> {
  const created: string[] = [];
  for (let level = 1; level <= finding.level; level += 1) {
    const key = claimKey(period, finding, level);
    if ((await store.putIfAbsent(key, body, JSON_TYPE)) !== null) created.push(key);
  }
  return created;
}

function toRecord(finding: AlertFinding, snapshot: Snapshot, now: Date): AlertRecord {
  const { rule, ...rest } = finding;
  return {
    ...rest,
    ruleKind: rule.kind,
    period: snapshot.period,
    currency: snapshot.currency,
    firedAt: now.toISOString(),
  };
}

export async function runAlertJob(deps: AlertJobDeps, request: AlertJobRequest): Promise<AlertJobSummary> {
  const { engine, store, logger, metrics } = deps;
  const dryRun = request.dryRun ?? false;
  if (!dryRun) {
    if (request.recipients.length === 0 && deps.publisher === null) {
      throw new Error('alerts have nowhere to go: no alert recipients and no topic');
    }
    if (request.recipients.length > 0 && deps.mailer === null) {
      throw new Error('alerts have recipients but no mail transport is configured');
    }
  }
  const periods: AlertPeriodSummary[] = [];
  const fired: AlertRecord[] = [];
  const claimed: string[] = [];
  const logs = new Map<string, AlertRecord[]>();

  for (const kind of ['weekly', 'monthly'] as const) {
    const rules = request.rules.filter((r) => r.periods.includes(kind));
    if (rules.length === 0) continue;
    const period = periodToDate(kind, request.now, request.timezone);
    const groups = groupsFor(kpisWatched(rules));
    const readTables = tablesFor(groups);
    // The previous complete period: its trend saves recomputing ten periods, and it is the
    // baseline an account's health drop is measured from.
    const previous = await readStoredSnapshot(store, previousPeriod(period), logger);
    logger?.info('alert run: building the period so far', {
      periodKind: kind,
      period: period.key,
      through: period.lastDay,
      groups: groups.map((g) => g.name),
      tables: readTables,
      baseline: previous !== null,
    });
    const snapshot = await (deps.buildSnapshot ?? defaultBuildSnapshot)(engine, {
      period,
      currency: request.currency,
      now: request.now,
      previous,
      groups,
      readTables,
    });
    const snapshotUri = await store.put(
      alertSnapshotKey(period),
      `${JSON.stringify(snapshot, null, 2)}\n`,
      JSON_TYPE,
    );
    const findings = evaluateAlerts(rules, snapshot, previous);
    periods.push({
      kind,
      key: period.key,
      through: period.lastDay,
      snapshotUri,
      findings: findings.length,
      tablesRead: readTables,
    });
    if (dryRun) continue;
    for (const finding of findings) {
      const record = toRecord(finding, snapshot, request.now);
      const created = await claim(store, period, finding, `${JSON.stringify(record, null, 2)}\n`);
      if (created.length === 0) continue;
      claimed.push(...created);
      fired.push(record);
      const logKey = firedKey(kind, period.key, period.lastDay);
      logs.set(logKey, [...(logs.get(logKey) ?? []), record]);
    }
  }

  const sent: string[] = [];
  let published = false;
  if (fired.length > 0) {
    try {
      if (request.recipients.length > 0 && deps.mailer) {
        const message = await (deps.renderAlert ?? defaultRenderAlert)(fired, {
          locale: request.locale,
          from: request.from,
          to: request.recipients,
        });
        for (const recipient of request.recipients) {
          await deps.mailer.send({ ...message, to: [recipient] });
          sent.push(recipient);
        }
        if (deps.publisher) {
          await deps.publisher.publish(message.subject, message.text);
          published = true;
        }
      } else if (deps.publisher) {
        const message = await (deps.renderAlert ?? defaultRenderAlert)(fired, {
          locale: request.locale,
          from: request.from,
          to: [],
        });
        await deps.publisher.publish(message.subject, message.text);
        published = true;
      }
    } catch (error) {
      // Nothing is recorded as fired unless it went out: the next run (or a retry) sends it.
      for (const key of claimed) await store.delete(key).catch(() => undefined);
      logger?.error('alert could not be delivered; released for a retry', {
        error: describe(error),
        sent,
      });
      throw new AlertDeliveryError(`alert delivery failed: ${describe(error)}`, { cause: error });
    }
    for (const [key, records] of logs) {
      const before = await readFired(store, key);
      await store.put(key, `${JSON.stringify([...before, ...records], null, 2)}\n`, JSON_TYPE);
    }
  }

  const bytesScanned = hasScanTotals(engine) ? engine.totals().bytesScanned : 0;
  metrics?.addMetric('AlertsFired', 'Count', fired.length);
  metrics?.addMetric('AlertBytesScanned', 'Bytes', bytesScanned);
  logger?.info('alert run finished', {
    fired: fired.length,
    sent: sent.length,
    published,
    bytesScanned,
  });
  return { periods, fired, sent, published, bytesScanned, dryRun };
}

async function readFired(store: ObjectStore, key: string): Promise<AlertRecord[]> {
  const body = await store.get(key);
  if (body === null) return [];
  try {
    const parsed: unknown = JSON.parse(body);
    return Array.isArray(parsed) ? (parsed as AlertRecord[]) : [];
  } catch {
    return [];
  }
}

/**
 * The alerts fired during `period` (a complete period, for its digest): those of its own
 * running period, and for a weekly digest also the month-to-date alerts of its days.
 */
export async function readPeriodAlerts(store: ObjectStore, period: Period): Promise<AlertRecord[]> {
  const kinds: PeriodKind[] = period.kind === 'weekly' ? ['weekly', 'monthly'] : ['monthly'];
  const out: AlertRecord[] = [];
  for (const kind of kinds) {
    for (const { day } of daysOf(period)) {
      const key = periodContaining(kind, day, period.timezone).key;
      out.push(...(await readFired(store, firedKey(kind, key, day))));
    }
  }
  return out.sort((a, b) => (a.firedAt < b.firedAt ? -1 : a.firedAt > b.firedAt ? 1 : 0));
}
