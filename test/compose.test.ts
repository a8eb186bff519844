import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  composeQuery,
  offsetSpans,
  sqlDir,
  tableReadsBy,
  type ComposeContext,
} from '../functions/sql/compose.js';
import { periodFromKey } from '../functions/core/period.js';
import { reportCalendar } from '../functions/app/context.js';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import type { TableSource } from '../functions/app/ports/query-engine.js';
import { TABLE_NAMES } from '../functions/contract/contract.js';

// Test-only query files, written next to the real ones and removed afterwards.
const files: string[] = [];
function queryFile(name: string, sql: string): string {
  const path = join(sqlDir(), `${name}.sql`);
  writeFileSync(path, sql);
  files.push(path);
  return name;
}
afterAll(() => files.forEach((f) => rmSync(f, { force: true })));

const allAbsent: TableSource[] = TABLE_NAMES.map((table) => ({
  table,
  relation: null,
  absentReason: 'absent',
}));
const ctx = (sources: readonly TableSource[] = allAbsent, tz = 'UTC'): ComposeContext => ({
  sources,
  currency: 'USD',
  periods: reportCalendar(periodFromKey('2026-W46', tz)),
});

describe('composeQuery', () => {
  it('adds only the relations a query mentions, dependencies first, relation parameters first', () => {
    const name = queryFile(
      'zz_test_mrr',
      '-- subscriptions in words only: invoices\nSELECT period_index, mrr_end FROM account_mrr_end WHERE mrr_end > ?\n',
    );
    const request = composeQuery(name, [{ type: 'double', value: 0 }], ctx());
    const ctes = [...request.sql.matchAll(/^(\w+) AS \(/gm)].map((m) => m[1]);
    // account_mrr_end needs report_periods, subscriptions and period_rates; period_rates needs fx_spans
    // and reporting_currency; fx_spans needs fx_rates and fx_base (the rates' base), which needs
    // fx_configured_base. invoices is only named in a comment, so it is not added.
    expect([...ctes].sort()).toEqual(
      [
        'account_mrr_end',
        'fx_base',
        'fx_configured_base',
        'fx_rates',
        'fx_spans',
        'period_rates',
        'report_periods',
        'reporting_currency',
        'subscriptions',
      ].sort(),
    );
    const at = (n: string) => ctes.indexOf(n);
    expect(at('fx_rates')).toBeLessThan(at('fx_spans'));
    expect(at('reporting_currency')).toBeLessThan(at('fx_spans'));
    expect(at('fx_spans')).toBeLessThan(at('period_rates'));
    expect(at('fx_configured_base')).toBeLessThan(at('fx_base'));
    expect(at('fx_base')).toBeLessThan(at('fx_spans'));
    expect(at('report_periods')).toBeLessThan(at('period_rates'));
    for (const dep of ['report_periods', 'subscriptions', 'period_rates']) {
      expect(at(dep)).toBeLessThan(at('account_mrr_end'));
    }
    expect(request.params).toEqual([
      // reporting_currency and fx_configured_base, in the order of their relations
      { type: 'varchar', value: 'USD' },
      { type: 'varchar', value: 'USD' },
      { type: 'double', value: 0 },
    ]);
  });

  it('merges a query that starts with its own WITH', () => {
    const name = queryFile(
      'zz_test_with',
      'WITH last AS (SELECT max(period_index) AS i FROM report_periods)\nSELECT i FROM last\n',
    );
    const { sql } = composeQuery(name, [], ctx());
    expect(sql.startsWith('WITH\nreport_periods AS (')).toBe(true);
    expect(sql).toContain('),\nlast AS (SELECT max(period_index)');
    expect(sql.match(/\bWITH\b/g)).toHaveLength(1);
  });

  it('refuses a query whose placeholders and values disagree', () => {
    const name = queryFile('zz_test_params', 'SELECT 1 AS x FROM report_periods WHERE period_index = ?\n');
    expect(() => composeQuery(name, [], ctx())).toThrow(
      'query zz_test_params has 1 placeholders but 0 values were given',
    );
  });

  it('refuses a reporting currency outside ISO 4217', () => {
    const name = queryFile('zz_test_currency', 'SELECT 1 AS x\n');
    expect(() => composeQuery(name, [], { ...ctx(), currency: "US'" })).toThrow(/invalid currency/);
    expect(() => composeQuery(name, [], { ...ctx(), currency: 'XYZ' })).toThrow(/invalid currency/);
  });

  it('gives an absent table as an empty relation with the contract columns, which runs', async () => {
    const dir = join(sqlDir(), '..', '..', 'test', 'fixtures', 'empty-data');
    mkdirSync(dir, { recursive: true });
    const engine = await DuckDbEngine.open({ dataDir: dir });
    try {
      const name = queryFile(
        'zz_test_absent',
        'SELECT count(*) AS n, sum(amount) AS total FROM invoices WHERE due_at >= ?\n',
      );
      const request = composeQuery(
        name,
        [{ type: 'date', value: '2026-01-01' }],
        ctx(await engine.sources()),
      );
      expect(request.sql).toContain('WHERE 1 = 0');
      const { rows } = await engine.query(request);
      expect(rows).toEqual([{ n: 0, total: null }]);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders the calendar as typed literals from validated dates', () => {
    const name = queryFile(
      'zz_test_calendar',
      'SELECT period_index, first_day, start_ts FROM report_periods\n',
    );
    const { sql } = composeQuery(name, [], ctx(allAbsent, 'Europe/Warsaw'));
    expect(sql).toContain(
      "(0, DATE '2026-11-09', DATE '2026-11-15', TIMESTAMP '2026-11-08 23:00:00.000', TIMESTAMP '2026-11-15 23:00:00.000')",
    );
  });
});

describe('tableReadsBy', () => {
  // Trino (Athena) inlines a WITH query at every reference: each one reads its tables again.
  it("counts a read per reference, through the query's own WITH queries", () => {
    const name = queryFile(
      'zz_test_reads',
      `-- accounts, named in a comment, is not read
WITH recent AS (
  SELECT account_id FROM accounts WHERE created_at > TIMESTAMP '2026-01-01 00:00:00'
),
paired AS (
  SELECT r.account_id FROM recent AS r JOIN recent AS r2 ON r2.account_id = r.account_id
)
SELECT p.account_id
FROM paired AS p
JOIN survey_responses AS s ON s.account_id = p.account_id
CROSS JOIN (SELECT count(*) AS n FROM survey_responses) AS c
`,
    );
    expect(Object.fromEntries(tableReadsBy(name))).toEqual({ accounts: 2, survey_responses: 2 });
  });

  it("reads a shared relation's tables once per reference to it", () => {
    const once = tableReadsBy(queryFile('zz_test_reads_once', 'SELECT * FROM account_mrr_end\n'));
    const twice = tableReadsBy(
      queryFile(
        'zz_test_reads_twice',
        'SELECT * FROM account_mrr_end AS a JOIN account_mrr_end AS b ON b.account_id = a.account_id\n',
      ),
    );
    expect(once.get('subscriptions')).toBeGreaterThanOrEqual(1);
    expect(Object.fromEntries(twice)).toEqual(
      Object.fromEntries([...once].map(([table, reads]) => [table, 2 * reads])),
    );
  });
});

describe('offsetSpans', () => {
  it('finds the Warsaw DST transitions to the minute', () => {
    const spans = offsetSpans(reportCalendar(periodFromKey('2026-W44', 'Europe/Warsaw')));
    // The 13 weeks back from 2026-W44 (plus 60 days) cover the end of summer time on 2026-10-25 at 01:00 UTC.
    const change = spans.find((s) => s.toUtc === '2026-10-25T01:00:00.000Z');
    expect(change?.offsetMinutes).toBe(120);
    expect(spans[spans.length - 1]?.offsetMinutes).toBe(60);
    expect(spans[0]?.fromUtc).toBe('1970-01-01T00:00:00.000Z');
  });

  it('is one span for UTC and for zones without DST', () => {
    expect(offsetSpans(reportCalendar(periodFromKey('2026-11', 'UTC')))).toHaveLength(1);
    const jakarta = offsetSpans(reportCalendar(periodFromKey('2026-11', 'Asia/Jakarta')));
    expect(jakarta.map((s) => s.offsetMinutes)).toEqual([420]);
  });
});
