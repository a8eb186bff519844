/**
 * Every row read is used or counted: rowsRead = rowsUsed + rowsExcluded for every table, over
 * every fixture folder and generated datasets, with rowsRead checked against the files
 * themselves and rowsUsed against the clean rows the KPIs read. And a dataset mixing every
 * hostile case (CSV, NDJSON and Parquet) gives the KPIs of its clean subset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot, dtRangeOf } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import { reportCalendar } from '../functions/app/context.js';
import { cleanTableQuery } from '../functions/sql/compose.js';
import { generateSampleData } from '../functions/sample/generate.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import { tableSpec, type TableName } from '../functions/contract/contract.js';

const root = mkdtempSync(join(tmpdir(), 'row-accounting-'));
const duck = await DuckDBInstance.create(':memory:');
const counter = await duck.connect();
afterAll(() => {
  counter.closeSync();
  duck.closeSync();
  rmSync(root, { recursive: true, force: true });
});

const now = new Date('2026-11-23T07:00:00Z');

async function report(dir: string, key: string): Promise<Snapshot> {
  const engine = await DuckDbEngine.open({ dataDir: dir });
  try {
    return await buildSnapshot(engine, { period: periodFromKey(key), currency: 'USD', now });
  } finally {
    await engine.close();
  }
}

/** Rows in a table's files, counted without the engine: Parquet rows, CSV records, NDJSON lines. */
async function rowsInFiles(
  dir: string,
  table: TableName,
  dt?: { fromDt: string; toDt: string },
): Promise<number> {
  let total = 0;
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  for (const file of walk(join(dir, table))) {
    const day = /dt=([^/]+)\//.exec(file)?.[1];
    if (dt && day !== undefined && (day < dt.fromDt || day > dt.toDt)) continue;
    if (file.endsWith('.parquet')) {
      const r = await counter.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}')`);
      total += Number(r.getRowObjectsJson()[0]?.n);
    } else if (/\.(csv|ndjson|json|jsonl)$/.test(file)) {
      // The fixtures hold no quoted line breaks: a record is a non-blank line.
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length;
      total += file.endsWith('.csv') ? lines - 1 : lines;
    }
  }
  return total;
}

/** The clean rows the KPIs read of a small table (one per key). */
async function cleanRows(engine: DuckDbEngine, table: TableName, key: string): Promise<number | null> {
  const request = cleanTableQuery(table, {
    sources: await engine.sources(),
    currency: 'USD',
    periods: reportCalendar(periodFromKey(key)),
  });
  if (!request) return null;
  const { rows } = await engine.query({
    ...request,
    sql: `SELECT count(*) AS n FROM (${request.sql}) AS clean`,
  });
  return Number(rows[0]?.n);
}

async function expectAccounted(dir: string, key: string): Promise<Snapshot> {
  const snapshot = await report(dir, key);
  const period = periodFromKey(key);
  const engine = await DuckDbEngine.open({ dataDir: dir });
  for (const t of snapshot.dataQuality.tables) {
    expect(t.rowsRead, t.table).toBe(t.rowsUsed + t.rowsExcluded);
    expect(t.rowsExcluded, t.table).toBe(
      snapshot.dataQuality.excluded.filter((e) => e.table === t.table).reduce((s, e) => s + e.rows, 0),
    );
    if (!t.present) continue;
    const partitioned = tableSpec(t.table).partitionedBy !== undefined;
    const inFiles = await rowsInFiles(dir, t.table, partitioned ? dtRangeOf(period) : undefined);
    if (!partitioned || readdirSync(join(dir, t.table)).some((f) => f.startsWith('dt='))) {
      expect(t.rowsRead, `${t.table} rows in its files`).toBe(inFiles);
    }
    const clean = await cleanRows(engine, t.table, key);
    if (clean !== null) expect(t.rowsUsed, `${t.table} clean rows`).toBe(clean);
  }
  await engine.close();
  return snapshot;
}

describe('read = used + excluded', () => {
  const fixtures = join(import.meta.dirname, 'fixtures');
  const folders = readdirSync(fixtures).filter((f) => f !== 'snapshots');

  it.each(folders)('fixture %s', async (folder) => {
    await expectAccounted(join(fixtures, folder), '2026-10');
  });

  it.each([3, 8])('generated data, seed %i', async (seed) => {
    const dir = join(root, `seed-${seed}`);
    await generateSampleData({
      outDir: dir,
      seed,
      endDate: '2026-11-22',
      months: 13,
      accounts: 60,
      usageEvents: 8_000,
    });
    const snapshot = await expectAccounted(dir, '2026-10');
    // The generator's own bad rows are among the counts.
    expect(snapshot.dataQuality.totalExcluded).toBeGreaterThan(0);
  });
});

describe('a dataset mixing every hostile case', () => {
  const clean = join(root, 'clean');
  const hostile = join(root, 'hostile');
  /** Rows added per table and the reasons they must be counted under. */
  const added: Partial<Record<TableName, Record<string, number>>> = {};
  const add = (table: TableName, reason: string, rows = 1): void => {
    const t = (added[table] ??= {});
    t[reason] = (t[reason] ?? 0) + rows;
  };
  const write = (path: string, content: string | Buffer): void => {
    mkdirSync(dirname(join(hostile, path)), { recursive: true });
    writeFileSync(join(hostile, path), content);
  };

  beforeAll(async () => {
    await generateSampleData({
      outDir: clean,
      seed: 5,
      endDate: '2026-11-22',
      months: 13,
      accounts: 60,
      usageEvents: 8_000,
    });
    cpSync(clean, hostile, { recursive: true });

    const accounts = 'account_id,name,created_at,segment,region,csm_owner,onboarded_at,first_value_at\n';
    write(
      'accounts/extra.csv',
      Buffer.concat([
        Buffer.from(
          accounts +
            'HX-1,Too many,2026-01-05T10:00:00Z,SMB,EU,,,,surplus\n' + // malformed_row
            'HX-2,Too few\n' + // malformed_row
            '"   ",Blank key,2026-01-05T10:00:00Z,SMB,EU,,,\n' + // null_key
            'HX-3,Leap,2026-10-10T23:59:60Z,SMB,EU,,,\n' + // invalid_value
            'HX-4,Far,2026-10-10T10:00:00+25:00,SMB,EU,,,\n' + // invalid_value
            'HX-5,Caf',
        ),
        Buffer.from([0xe9]),
        Buffer.from(',2026-01-05T10:00:00Z,SMB,EU,,,\n'), // malformed_row (not UTF-8)
      ]),
    );
    add('accounts', 'malformed_row', 3);
    add('accounts', 'null_key');
    add('accounts', 'invalid_value', 2);
    write(
      'accounts/extra.ndjson',
      '{"account_id":"HX-6","name":"Cut",\n' + // malformed_row
        '{"account_id":"HX-7","name":{"a":1},"created_at":"2026-01-05T10:00:00Z"}\n' + // malformed_row
        '{"account_id":8,"name":"Number","created_at":"2026-01-05T10:00:00Z"}\n' + // malformed_row
        '{"account_id":"HX-9","name":"Zone","created_at":"2026-01-05 10:00:00 Europe/Warsaw"}\n', // invalid_value
    );
    add('accounts', 'malformed_row', 3);
    add('accounts', 'invalid_value');

    const subs =
      'subscription_id,account_id,plan,amount,currency,interval_months,quantity,is_trial,start_date,end_date\n';
    write(
      'subscriptions/extra.csv',
      subs +
        'SX-1,HX-0,Pro,100,USD,1.5,1,false,2026-09-01,\n' +
        'SX-2,HX-0,Pro,100,USD,1,2.7,false,2026-09-01,\n' +
        'SX-3,HX-0,Pro,100,USD,1,1,false,10000-01-01,\n',
    );
    add('subscriptions', 'invalid_value', 3);
    await counter.run(
      `COPY (SELECT 'SX-4' AS subscription_id, 'HX-0' AS account_id, 'Pro' AS plan, 100::DECIMAL(18,4) AS amount, 'USD' AS currency,
         1.5::DOUBLE AS interval_months, 1 AS quantity, false AS is_trial, DATE '2026-09-01' AS start_date, NULL::DATE AS end_date)
       TO '${join(hostile, 'subscriptions/extra.parquet')}' (FORMAT parquet)`,
    );
    add('subscriptions', 'invalid_value');

    write(
      'survey_responses/extra.ndjson',
      '{"response_id":"RX-1","account_id":"HX-0","survey":"nps","score":7.5,"scale_max":10,"responded_at":"2026-10-10T10:00:00Z"}\n' +
        '["not", "an", "object"]\n',
    );
    add('survey_responses', 'invalid_value');
    add('survey_responses', 'malformed_row');

    write(
      'fx_rates/extra.csv',
      'date,currency,rate\n2026-10-02,EUR,NaN\n2026-10-03,EUR,Infinity\n2026-10-04,EUR,1e308\n2026-10-05,EUR,0\n',
    );
    add('fx_rates', 'invalid_value', 4);

    write(
      'support_tickets/extra.csv',
      'ticket_id,account_id,created_at,first_response_at,resolved_at,contact_count,reopened,channel\n' +
        'TX-1,HX-0,2026-10-10T10:00:00Z,,,1.5,false,email\n' +
        'TX-2,HX-0,yesterday,,,1,false,email\n',
    );
    add('support_tickets', 'invalid_value', 2);

    const usage = 'event_id,occurred_at,account_id,user_id,event_name,session_id\n';
    write(
      'usage_events/dt=2026-10-15/extra.csv',
      usage +
        [
          'yesterday',
          '2026-10-15T23:59:60Z',
          '2026-10-15t10:00:00z',
          '1760522400',
          '2026-10-15T10:00:00+24:00',
        ]
          .map((ts, i) => `UX-${i},${ts},HX-0,HU-1,login,HS-1\n`)
          .join('') +
        'UX-10,,HX-0,HU-1,login,HS-1\n' + // missing_required_field
        'UX-11,2026-09-01T10:00:00Z,HX-0,HU-1,login,HS-1\n' + // partition_mismatch
        'UX-12,2026-10-15T10:00:00Z,HX-0\n', // malformed_row
    );
    add('usage_events', 'invalid_value', 5);
    add('usage_events', 'missing_required_field');
    add('usage_events', 'partition_mismatch');
    add('usage_events', 'malformed_row');
    write(
      'usage_events/dt=2026-10-16/extra.ndjson',
      '{"event_id":"UX-20","occurred_at":"2026-10-16T10:00:00Z","account_id":["HX-0"],"user_id":"HU-1","event_name":"login"}\n' +
        'not json at all\n' +
        '{"event_id":"UX-22","occurred_at":"2026-10-16 10:00:00 UTC","account_id":"HX-0","user_id":"HU-1","event_name":"login"}\n',
    );
    add('usage_events', 'malformed_row', 2);
    add('usage_events', 'invalid_value');
  });

  it('runs, counts every added row under its reason, and gives the KPIs of the clean data', async () => {
    const [before, after] = [await report(clean, '2026-10'), await report(hostile, '2026-10')];
    expect(after.kpis).toEqual(before.kpis);
    expect(after.details).toEqual(before.details);
    const reasons = (s: Snapshot, table: TableName) =>
      Object.fromEntries(
        s.dataQuality.excluded.filter((e) => e.table === table).map((e) => [e.reason, e.rows]),
      );
    for (const [table, byReason] of Object.entries(added) as [TableName, Record<string, number>][]) {
      const b = before.dataQuality.tables.find((t) => t.table === table);
      const a = after.dataQuality.tables.find((t) => t.table === table);
      const extra = Object.values(byReason).reduce((s, n) => s + n, 0);
      expect(a?.rowsRead, table).toBe((b?.rowsRead ?? 0) + extra);
      expect(a?.rowsUsed, table).toBe(b?.rowsUsed);
      expect(a?.rowsExcluded, table).toBe((b?.rowsExcluded ?? 0) + extra);
      const was = reasons(before, table);
      const is = reasons(after, table);
      for (const [reason, rows] of Object.entries(byReason)) {
        expect(is[reason], `${table}/${reason}`).toBe((was[reason] ?? 0) + rows);
      }
    }
    const malformed = after.dataQuality.excluded.find(
      (e) => e.table === 'accounts' && e.reason === 'malformed_row',
    );
    expect(malformed?.example).toMatchObject({
      file: expect.stringMatching(/accounts\/extra\.csv$/),
      line: 2,
    });
  });
});
