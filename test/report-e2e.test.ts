/**
 * The whole report on the embedded engine: generated sample data in, a snapshot out that matches
 * the JSON Schema, carries every KPI (nulls with reasons) and counts every contract-breaking row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import { generateSampleData, type GenerateResult } from '../functions/sample/generate.js';
import { HEADLINE_KPIS, KPI_IDS, type Snapshot } from '../functions/core/snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'report-e2e-'));
const dataDir = join(root, 'data');
let generated: GenerateResult;
const now = new Date('2026-11-23T07:00:00Z');

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'docs', 'snapshot.schema.json'), 'utf8'),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

async function report(dir: string, key: string, timezone = 'UTC'): Promise<Snapshot> {
  const engine = await DuckDbEngine.open({ dataDir: dir });
  try {
    return await buildSnapshot(engine, { period: periodFromKey(key, timezone), currency: 'USD', now });
  } finally {
    await engine.close();
  }
}

beforeAll(async () => {
  generated = await generateSampleData({
    outDir: dataDir,
    seed: 11,
    endDate: '2026-11-22',
    months: 14,
    accounts: 150,
    usageEvents: 60_000,
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('weekly and monthly reports on generated data', () => {
  let weekly: Snapshot;
  let monthly: Snapshot;
  beforeAll(async () => {
    weekly = await report(dataDir, '2026-W47', 'Europe/Warsaw');
    monthly = await report(dataDir, '2026-10');
  });

  it('match the snapshot JSON Schema', () => {
    for (const snapshot of [weekly, monthly]) {
      const ok = validate(snapshot);
      expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('carry every KPI, with a value or a reason, and 12-period trends on the headline KPIs', () => {
    expect(Object.keys(weekly.kpis).sort()).toEqual([...KPI_IDS].sort());
    for (const id of KPI_IDS) {
      const k = weekly.kpis[id];
      if (k.value === null) expect(k.reason, id).toMatch(/\w/);
      if (k.value !== null && k.previous !== null) expect(k.delta).toBeCloseTo(k.value - k.previous, 9);
    }
    for (const id of HEADLINE_KPIS) {
      expect(weekly.kpis[id].trend?.map((t) => t.key).at(-1)).toBe('2026-W47');
      expect(weekly.kpis[id].trend).toHaveLength(12);
      expect(weekly.kpis[id].trend?.at(-1)?.value).toBe(weekly.kpis[id].value);
    }
    expect(monthly.kpis.mrr.trend?.[0]?.key).toBe('2025-11');
  });

  it('computes the core KPIs from realistic data (none of them null)', () => {
    for (const id of [
      'mrr',
      'customers',
      'nps',
      'csat',
      'dau',
      'mau',
      'stickiness',
      'health_score',
      'first_contact_resolution',
      'late_payment_rate',
    ] as const) {
      expect(monthly.kpis[id].value, `${id}: ${monthly.kpis[id].reason ?? ''}`).not.toBeNull();
    }
    // Both are stored to the cent (docs/snapshot.md#precision): 12 × a rounded MRR is within 6 cents of ARR.
    expect(
      Math.abs((monthly.kpis.arr.value ?? NaN) - (monthly.kpis.mrr.value ?? 0) * 12),
    ).toBeLessThanOrEqual(0.06);
  });

  it('counts every contract-breaking row of the generated data by table and reason', () => {
    const counted = new Map(monthly.dataQuality.excluded.map((e) => [`${e.table}/${e.reason}`, e.rows]));
    for (const bad of generated.badRows) {
      // usage_events are checked over the report period's partitions only.
      if (bad.table === 'usage_events' || bad.table === 'web_events' || bad.table === 'social_posts')
        continue;
      expect(counted.get(`${bad.table}/${bad.reason}`), `${bad.table}/${bad.reason}`).toBe(bad.rows);
    }
    expect(monthly.dataQuality.totalExcluded).toBe(
      monthly.dataQuality.excluded.reduce((s, e) => s + e.rows, 0),
    );
    for (const e of monthly.dataQuality.excluded) expect(e.expected, `${e.table}/${e.reason}`).toMatch(/\w/);
  });

  it('records the data freshness of each table', () => {
    const subs = monthly.dataQuality.tables.find((t) => t.table === 'subscriptions');
    expect(subs).toMatchObject({ present: true });
    expect(subs?.latest).toMatch(/^2026-/);
  });
});

describe('a data folder with only some tables', () => {
  it('switches off the KPIs whose tables are absent, with the reason, and still reports the rest', async () => {
    const partial = join(root, 'partial');
    for (const t of ['subscriptions', 'fx_rates'])
      cpSync(join(dataDir, t), join(partial, t), { recursive: true });
    const snapshot = await report(partial, '2026-10');
    expect(snapshot.kpis.mrr.value).not.toBeNull();
    expect(snapshot.kpis.nps).toMatchObject({
      value: null,
      reason: expect.stringMatching(/survey_responses/),
    });
    expect(snapshot.kpis.first_contact_resolution.reason).toMatch(/support_tickets/);
    expect(snapshot.kpis.dau.reason).toMatch(/usage_events/);
    expect(snapshot.dataQuality.tables.find((t) => t.table === 'invoices')).toMatchObject({
      present: false,
      reason: expect.stringMatching(/no invoices\/ folder/),
    });
    expect(validate(snapshot), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });
});
