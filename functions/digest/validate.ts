/**
 * Checks, before rendering, every part of a snapshot the digest shows. A snapshot read back
 * from a store is only JSON: a missing KPI or a NaN must stop the run with a message that
 * says where, not produce a mail with holes.
 */
import { isValidDay, isValidTimeZone } from '../core/period.js';
import { KPI_IDS, SCHEMA_VERSION, type Snapshot } from '../core/snapshot.js';
import { DigestRenderError } from './errors.js';

const UNITS = new Set([
  'currency',
  'percent',
  'count',
  'ratio',
  'score',
  'days',
  'hours',
  'minutes',
  'seconds',
]);
const TONES = new Set(['good', 'neutral', 'bad']);
const LEVELS = new Set(['excellent', 'great', 'good', 'healthy', 'below', 'above', 'poor']);

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  readonly problems: string[] = [];

  fail(path: string, what: string): void {
    if (this.problems.length < 20) this.problems.push(`${path} ${what}`);
  }

  record(v: Json, path: string): Record<string, Json> {
    if (isRecord(v)) return v;
    this.fail(path, 'is missing or not an object');
    return {};
  }

  array(v: Json, path: string): readonly Json[] {
    if (Array.isArray(v)) return v;
    this.fail(path, 'is missing or not an array');
    return [];
  }

  number(v: Json, path: string): void {
    if (typeof v !== 'number' || !Number.isFinite(v))
      this.fail(path, `must be a finite number (got ${show(v)})`);
  }

  nullableNumber(v: Json, path: string): void {
    if (v !== null) this.number(v, path);
  }

  string(v: Json, path: string): void {
    if (typeof v !== 'string') this.fail(path, `must be a string (got ${show(v)})`);
  }

  nullableString(v: Json, path: string): void {
    if (v !== null && v !== undefined) this.string(v, path);
  }
}

function show(v: Json): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v)?.slice(0, 40) ?? typeof v;
}

/** Throws DigestRenderError listing (up to 20 of) the problems found. */
export function assertRenderableSnapshot(snapshot: Snapshot): void {
  const c = new Checker();
  const root = c.record(snapshot as Json, 'snapshot');
  if (root.schemaVersion !== SCHEMA_VERSION) {
    c.fail('schemaVersion', `must be ${SCHEMA_VERSION} (got ${show(root.schemaVersion)})`);
  }
  const period = c.record(root.period, 'period');
  if (period.kind !== 'weekly' && period.kind !== 'monthly')
    c.fail('period.kind', 'must be weekly or monthly');
  c.string(period.key, 'period.key');
  for (const field of ['firstDay', 'lastDay'] as const) {
    const day = period[field];
    if (typeof day !== 'string' || !isValidDay(day)) c.fail(`period.${field}`, 'must be a date YYYY-MM-DD');
  }
  if (typeof period.timezone !== 'string' || !isValidTimeZone(period.timezone)) {
    c.fail('period.timezone', 'must be an IANA time zone');
  }
  if (typeof root.currency !== 'string' || !/^[A-Z]{3}$/.test(root.currency)) {
    c.fail('currency', 'must be an ISO 4217 code');
  }
  if (typeof root.generatedAt !== 'string' || Number.isNaN(Date.parse(root.generatedAt))) {
    c.fail('generatedAt', 'must be an ISO-8601 instant');
  }

  const kpis = c.record(root.kpis, 'kpis');
  for (const id of KPI_IDS) {
    const path = `kpis.${id}`;
    if (!(id in kpis)) {
      c.fail(path, 'is missing (every KPI of the catalog must be present)');
      continue;
    }
    const kpi = c.record(kpis[id], path);
    c.nullableNumber(kpi.value, `${path}.value`);
    c.nullableNumber(kpi.previous, `${path}.previous`);
    c.nullableNumber(kpi.delta, `${path}.delta`);
    if (typeof kpi.unit !== 'string' || !UNITS.has(kpi.unit)) c.fail(`${path}.unit`, 'is not a known unit');
    if (kpi.value === null && (typeof kpi.reason !== 'string' || kpi.reason.trim() === '')) {
      c.fail(`${path}.reason`, 'must say why the value is not available');
    }
    if (kpi.benchmark !== undefined) {
      const b = c.record(kpi.benchmark, `${path}.benchmark`);
      if (typeof b.level !== 'string' || !LEVELS.has(b.level))
        c.fail(`${path}.benchmark.level`, 'is unknown');
      if (typeof b.tone !== 'string' || !TONES.has(b.tone)) c.fail(`${path}.benchmark.tone`, 'is unknown');
      c.string(b.target, `${path}.benchmark.target`);
    }
    if (kpi.trend !== undefined) {
      c.array(kpi.trend, `${path}.trend`).forEach((point, i) => {
        const p = c.record(point, `${path}.trend[${i}]`);
        c.string(p.key, `${path}.trend[${i}].key`);
        c.nullableNumber(p.value, `${path}.trend[${i}].value`);
      });
    }
  }

  const details = c.record(root.details, 'details');
  const movements = c.record(details.mrrMovements, 'details.mrrMovements');
  for (const list of ['bySegment', 'byPlan'] as const) {
    c.array(movements[list], `details.mrrMovements.${list}`).forEach((row, i) => {
      const r = c.record(row, `details.mrrMovements.${list}[${i}]`);
      c.string(r.name, `details.mrrMovements.${list}[${i}].name`);
      for (const f of [
        'mrrStart',
        'mrrEnd',
        'new',
        'reactivation',
        'expansion',
        'contraction',
        'churn',
        'fxAdjustment',
      ]) {
        c.number(r[f], `details.mrrMovements.${list}[${i}].${f}`);
      }
    });
  }
  c.array(movements.byAccount, 'details.mrrMovements.byAccount').forEach((row, i) => {
    const r = c.record(row, `details.mrrMovements.byAccount[${i}]`);
    c.string(r.accountId, `details.mrrMovements.byAccount[${i}].accountId`);
    c.nullableString(r.accountName, `details.mrrMovements.byAccount[${i}].accountName`);
    c.nullableString(r.segment, `details.mrrMovements.byAccount[${i}].segment`);
    c.string(r.movement, `details.mrrMovements.byAccount[${i}].movement`);
    for (const f of ['mrrStart', 'mrrEnd', 'amount'])
      c.number(r[f], `details.mrrMovements.byAccount[${i}].${f}`);
  });
  c.array(details.accountsAtRisk, 'details.accountsAtRisk').forEach((row, i) => {
    const path = `details.accountsAtRisk[${i}]`;
    const r = c.record(row, path);
    c.string(r.accountId, `${path}.accountId`);
    c.nullableString(r.accountName, `${path}.accountName`);
    c.nullableString(r.segment, `${path}.segment`);
    c.nullableString(r.csmOwner, `${path}.csmOwner`);
    c.number(r.mrr, `${path}.mrr`);
    c.number(r.healthScore, `${path}.healthScore`);
    if (r.band !== 'healthy' && r.band !== 'at_risk' && r.band !== 'critical')
      c.fail(`${path}.band`, 'is unknown');
    const comp = c.record(r.components, `${path}.components`);
    for (const f of ['frequency', 'breadth', 'depth', 'sentiment', 'supportBilling'])
      c.number(comp[f], `${path}.components.${f}`);
  });
  const bands = c.record(details.healthBands, 'details.healthBands');
  for (const f of ['healthy', 'atRisk', 'critical']) c.number(bands[f], `details.healthBands.${f}`);
  c.array(details.topFeatures, 'details.topFeatures').forEach((row, i) => {
    const r = c.record(row, `details.topFeatures[${i}]`);
    c.string(r.eventName, `details.topFeatures[${i}].eventName`);
    c.number(r.users, `details.topFeatures[${i}].users`);
    c.number(r.adoptionPct, `details.topFeatures[${i}].adoptionPct`);
  });
  const feedback = c.record(details.feedback, 'details.feedback');
  c.number(feedback.commentCount, 'details.feedback.commentCount');
  for (const list of ['detractorTerms', 'promoterTerms'] as const) {
    c.array(feedback[list], `details.feedback.${list}`).forEach((row, i) => {
      const r = c.record(row, `details.feedback.${list}[${i}]`);
      c.string(r.term, `details.feedback.${list}[${i}].term`);
      c.number(r.count, `details.feedback.${list}[${i}].count`);
    });
  }
  c.array(feedback.latestDetractorComments, 'details.feedback.latestDetractorComments').forEach((row, i) => {
    const path = `details.feedback.latestDetractorComments[${i}]`;
    const r = c.record(row, path);
    c.nullableString(r.accountName, `${path}.accountName`);
    c.string(r.survey, `${path}.survey`);
    c.number(r.score, `${path}.score`);
    c.string(r.respondedAt, `${path}.respondedAt`);
    c.string(r.comment, `${path}.comment`);
  });

  if (details.web !== undefined) checkWebDetails(c, details.web);

  const dq = c.record(root.dataQuality, 'dataQuality');
  c.array(dq.tables, 'dataQuality.tables').forEach((row, i) => {
    const r = c.record(row, `dataQuality.tables[${i}]`);
    c.string(r.table, `dataQuality.tables[${i}].table`);
    if (typeof r.present !== 'boolean') c.fail(`dataQuality.tables[${i}].present`, 'must be true or false');
    c.number(r.rowsRead, `dataQuality.tables[${i}].rowsRead`);
    c.number(r.rowsUsed, `dataQuality.tables[${i}].rowsUsed`);
    c.number(r.rowsExcluded, `dataQuality.tables[${i}].rowsExcluded`);
    if (
      typeof r.rowsRead === 'number' &&
      typeof r.rowsUsed === 'number' &&
      typeof r.rowsExcluded === 'number' &&
      r.rowsRead !== r.rowsUsed + r.rowsExcluded
    ) {
      c.fail(`dataQuality.tables[${i}]`, 'must have rowsRead = rowsUsed + rowsExcluded');
    }
    c.nullableString(r.latest, `dataQuality.tables[${i}].latest`);
  });
  c.array(dq.excluded, 'dataQuality.excluded').forEach((row, i) => {
    const r = c.record(row, `dataQuality.excluded[${i}]`);
    c.string(r.table, `dataQuality.excluded[${i}].table`);
    c.string(r.reason, `dataQuality.excluded[${i}].reason`);
    c.number(r.rows, `dataQuality.excluded[${i}].rows`);
  });
  c.number(dq.totalExcluded, 'dataQuality.totalExcluded');
  const stats = c.record(root.stats, 'stats');
  if (stats.engine !== 'duckdb' && stats.engine !== 'athena')
    c.fail('stats.engine', 'must be duckdb or athena');

  if (c.problems.length > 0) {
    throw new DigestRenderError(`the snapshot is incomplete or invalid: ${c.problems.join('; ')}`);
  }
}

/** details.web (optional: absent in snapshots without web_events and social_posts). */
function checkWebDetails(c: Checker, value: Json): void {
  const web = c.record(value, 'details.web');
  for (const list of ['topPages', 'topExitPages'] as const) {
    c.array(web[list], `details.web.${list}`).forEach((row, i) => {
      const path = `details.web.${list}[${i}]`;
      const r = c.record(row, path);
      c.string(r.page, `${path}.page`);
      for (const f of ['views', 'exits', 'exitRate']) c.number(r[f], `${path}.${f}`);
      c.nullableNumber(r.avgTimeOnPageSeconds, `${path}.avgTimeOnPageSeconds`);
    });
  }
  c.number(web.visitors, 'details.web.visitors');
  c.number(web.newVisitors, 'details.web.newVisitors');
  c.nullableNumber(web.newVisitorShare, 'details.web.newVisitorShare');
  for (const group of ['knownCustomers', 'anonymous'] as const) {
    const s = c.record(web[group], `details.web.${group}`);
    for (const f of ['visitors', 'pageViews', 'sessions']) c.number(s[f], `details.web.${group}.${f}`);
    for (const f of ['bounceRate', 'pagesPerSession', 'avgTimeOnPageSeconds'])
      c.nullableNumber(s[f], `details.web.${group}.${f}`);
  }
  c.array(web.socialByPlatform, 'details.web.socialByPlatform').forEach((row, i) => {
    const path = `details.web.socialByPlatform[${i}]`;
    const r = c.record(row, path);
    c.string(r.platform, `${path}.platform`);
    for (const f of ['posts', 'impressions', 'engagements']) c.number(r[f], `${path}.${f}`);
    c.nullableNumber(r.engagementRate, `${path}.engagementRate`);
  });
}
