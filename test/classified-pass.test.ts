/**
 * The small tables' clean rows and data-quality counts come from one classified pass over each
 * table (issue 13): the same rows and counts as the standalone queries, and a report reads each
 * small raw table once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { generateSampleData } from '../functions/sample/generate.js';
import {
  classifiedTableQuery,
  cleanFromClassifiedQuery,
  cleanTableQuery,
  dataQualityQuery,
  qualityFromClassifiedQuery,
  type ComposeContext,
} from '../functions/sql/compose.js';
import { reportCalendar } from '../functions/app/context.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import type { QueryRequest } from '../functions/app/ports/query-engine.js';
import { REPORT_TABLES, tableSpec } from '../functions/contract/contract.js';
import type { Row } from '../functions/core/sql-values.js';

const root = mkdtempSync(join(tmpdir(), 'classified-pass-'));
const dataDir = join(root, 'data');
const SMALL_TABLES = REPORT_TABLES.filter((t) => tableSpec(t).partitionedBy === undefined);

beforeAll(async () => {
  // Generated with the generator's bad rows: every small table has rows of several reasons.
  await generateSampleData({
    outDir: dataDir,
    seed: 13,
    endDate: '2026-11-22',
    months: 6,
    accounts: 40,
    usageEvents: 3_000,
    includeBadRows: true,
  });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sorted = (rows: readonly Row[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('the classified pass of the small tables', () => {
  it('gives the clean rows and data-quality counts of the standalone queries', async () => {
    const engine = await DuckDbEngine.open({ dataDir });
    try {
      const ctx: ComposeContext = {
        sources: await engine.sources(),
        currency: 'USD',
        periods: reportCalendar(periodFromKey('2026-W46')),
      };
      let excluded = 0;
      for (const table of SMALL_TABLES) {
        const request = classifiedTableQuery(table, ctx);
        const standalone = dataQualityQuery(table, ctx);
        const clean = cleanTableQuery(table, ctx);
        if (request === null || standalone === null || clean === null) continue;
        const classified = await engine.materialize(request);
        try {
          const counts = await engine.query(qualityFromClassifiedQuery(table, classified.relation));
          const expected = await engine.query(standalone);
          expect(sorted(counts.rows), table).toEqual(sorted(expected.rows));
          excluded += counts.rows.filter((r) => r.reason !== null).length;
          const kept = await engine.query(cleanFromClassifiedQuery(table, classified.relation));
          const direct = await engine.query(clean);
          expect(kept.rows.length, table).toBe(direct.rows.length);
          expect(sorted(kept.rows), table).toEqual(sorted(direct.rows));
        } finally {
          await engine.release(classified.relation);
        }
      }
      // The fixture is dirty enough for the comparison to mean something.
      expect(excluded).toBeGreaterThan(5);
    } finally {
      await engine.close();
    }
  });

  it('lets a report read each small raw table once, for its clean rows and its counts', async () => {
    const engine = await DuckDbEngine.open({ dataDir });
    const requests: QueryRequest[] = [];
    const query = engine.query.bind(engine);
    engine.query = (request) => {
      requests.push(request);
      return query(request);
    };
    try {
      const snapshot = await buildSnapshot(engine, {
        period: periodFromKey('2026-W46'),
        currency: 'USD',
        now: new Date('2026-11-23T06:00:00Z'),
        previous: null,
      });
      for (const table of SMALL_TABLES) {
        const source = (await engine.sources()).find((s) => s.table === table);
        if (!source?.relation) continue;
        const readers = requests
          .filter((r) => new RegExp(`\\b${source.relation}\\b`).test(r.sql))
          .map((r) => r.name);
        if (table === 'fx_rates') {
          // fx_base reads the raw rates too (rows in another base are mixed_fx_base, see the
          // contract), and the money tables' rules read fx_currencies: neither counts rows.
          expect(readers, table).toContain('classified_fx_rates');
          expect(
            readers.filter((n) => /^(clean|data_quality)_/.test(n)),
            table,
          ).toEqual([]);
        } else {
          expect(readers, table).toEqual([`classified_${table}`]);
        }
        expect(snapshot.dataQuality.tables.find((t) => t.table === table)?.present, table).toBe(true);
      }
      const rows = snapshot.dataQuality.tables.find((t) => t.table === 'accounts');
      expect(rows && rows.rowsRead).toBe((rows?.rowsUsed ?? 0) + (rows?.rowsExcluded ?? 0));
    } finally {
      await engine.close();
    }
  });
});
