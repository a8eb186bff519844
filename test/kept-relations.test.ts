/**
 * On an engine that can keep a table (DuckDB), each shared relation (fx_spans, period_rates,
 * account_mrr_end, …) is computed once per report and read by every query that needs it; the
 * snapshot is the one an engine that computes them inline in every query gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { KEPT_RELATIONS } from '../functions/app/context.js';
import { periodFromKey } from '../functions/core/period.js';
import { generateSampleData } from '../functions/sample/generate.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import type { QueryEngine, QueryRequest, QueryResult } from '../functions/app/ports/query-engine.js';

/** The same engine without materialize: every query computes its relations inline. */
class InlineEngine implements QueryEngine {
  readonly requests: QueryRequest[] = [];
  constructor(private readonly inner: DuckDbEngine) {}
  readonly kind = 'duckdb' as const;
  get dataSource(): string {
    return this.inner.dataSource;
  }
  get dataFolder(): string {
    return this.inner.dataFolder;
  }
  sources() {
    return this.inner.sources();
  }
  query(request: QueryRequest): Promise<QueryResult> {
    this.requests.push(request);
    return this.inner.query(request);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'kept-relations-'));
let engine: DuckDbEngine;
beforeAll(async () => {
  await generateSampleData({
    outDir: dir,
    seed: 9,
    endDate: '2026-11-22',
    months: 8,
    accounts: 60,
    usageEvents: 8_000,
  });
  engine = await DuckDbEngine.open({ dataDir: dir });
});
afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('shared relations kept once per report', () => {
  it('computes each once and gives the same snapshot as computing them in every query', async () => {
    const now = new Date('2026-11-23T07:00:00Z');
    const options = { period: periodFromKey('2026-10', 'Europe/Warsaw'), currency: 'EUR', now };
    const kept: Snapshot = await buildSnapshot(engine, options);
    const inline = new InlineEngine(engine);
    const computed: Snapshot = await buildSnapshot(inline, options);
    expect(kept.kpis).toEqual(computed.kpis);
    expect(kept.details).toEqual(computed.details);
    expect(kept.dataQuality).toEqual(computed.dataQuality);

    const names = kept.stats.perQuery.map((q) => q.name);
    for (const relation of KEPT_RELATIONS) {
      expect(names.filter((n) => n === `shared_${relation}`).length, relation).toBeLessThanOrEqual(1);
    }
    expect(names).toContain('shared_account_mrr_end');
    expect(names).toContain('shared_fx_spans');
    // Inline, the money queries each compute account_mrr_end again.
    const inlineMrr = inline.requests.filter((r) => r.sql.includes('account_mrr_end AS (')).length;
    expect(inlineMrr).toBeGreaterThan(3);
    expect(computed.stats.perQuery.some((q) => q.name.startsWith('shared_'))).toBe(false);
    // Inline (Athena), the small tables' data-quality counts are one query, not one per table;
    // the snapshot's data-quality section above is the same as the kept pass's.
    const inlineNames = computed.stats.perQuery.map((q) => q.name);
    expect(inlineNames.filter((n) => n === 'data_quality_small_tables')).toHaveLength(1);
    expect(inlineNames.filter((n) => n.startsWith('data_quality_')).sort()).toEqual([
      'data_quality_small_tables',
      'data_quality_usage_events',
      'data_quality_web_events',
    ]);
    // …on data with bad rows in several small tables.
    const small = new Set(
      kept.dataQuality.excluded.map((e) => e.table).filter((t) => !t.endsWith('_events')),
    );
    expect(small.size).toBeGreaterThan(2);
  }, 120_000);
});
