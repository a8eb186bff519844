import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { InputError } from '../functions/core/input-error.js';
import {
  classifiedTableQuery,
  cleanFromClassifiedQuery,
  cleanTableQuery,
  composeQuery,
  dataQualityQuery,
  type ComposeContext,
} from '../functions/sql/compose.js';
import { periodFromKey } from '../functions/core/period.js';
import { reportCalendar } from '../functions/app/context.js';

const dirs: string[] = [];
function dataDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'duckdb-engine-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function quality(
  dir: string,
  table: 'accounts' | 'subscriptions' | 'usage_events' | 'survey_responses',
) {
  const engine = await DuckDbEngine.open({ dataDir: dir });
  try {
    const sources = await engine.sources();
    const ctx: ComposeContext = {
      sources,
      currency: 'USD',
      periods: reportCalendar(periodFromKey('2026-W46')),
    };
    const request = dataQualityQuery(table, ctx, { fromDt: '2026-11-01', toDt: '2026-11-30' });
    if (!request) return null;
    const { rows } = await engine.query(request);
    return Object.fromEntries(
      rows.map((r) => [String(r.reason), { rows: r.row_count, keys: r.distinct_keys }]),
    );
  } finally {
    await engine.close();
  }
}

const ACCOUNTS_HEADER = 'account_id,name,created_at,segment,region,csm_owner,onboarded_at,first_value_at\n';

describe('DuckDbEngine', () => {
  it('reads CSV, NDJSON and Parquet-free folders and reports absent tables with a reason', async () => {
    const dir = dataDir({
      'accounts/a.csv': ACCOUNTS_HEADER + 'a1,Acme,2026-01-05T10:00:00Z,SMB,EU,,,\n',
      'accounts/b.ndjson': '{"account_id":"a2","name":"Beta","created_at":"2026-02-01 00:00:00"}\n',
      'invoices/readme.txt': 'not data',
    });
    const engine = await DuckDbEngine.open({ dataDir: dir });
    const sources = await engine.sources();
    expect(sources.find((s) => s.table === 'accounts')?.relation).toBe('src_accounts');
    expect(sources.find((s) => s.table === 'invoices')).toMatchObject({
      relation: null,
      absentReason: 'invoices/ holds no .parquet, .json, .jsonl, .ndjson or .csv files',
    });
    expect(sources.find((s) => s.table === 'subscriptions')?.absentReason).toMatch(
      /no subscriptions\/ folder/,
    );
    const { rows } = await engine.query({
      name: 'read',
      sql: 'SELECT account_id, created_at, region FROM src_accounts ORDER BY account_id',
      params: [],
    });
    expect(rows).toEqual([
      { account_id: 'a1', created_at: '2026-01-05 10:00:00.000', region: 'EU' },
      // region is absent from the NDJSON file: NULL, not an error (it is nullable).
      { account_id: 'a2', created_at: '2026-02-01 00:00:00.000', region: null },
    ]);
    await engine.close();
  });

  it('converts text timestamps with an offset to UTC', async () => {
    const dir = dataDir({ 'accounts/a.csv': ACCOUNTS_HEADER + 'a1,Acme,2026-01-05T10:00:00+02:00,,,,,\n' });
    const engine = await DuckDbEngine.open({ dataDir: dir });
    const { rows } = await engine.query({
      name: 'ts',
      sql: 'SELECT created_at FROM src_accounts',
      params: [],
    });
    expect(rows[0]?.created_at).toBe('2026-01-05 08:00:00.000');
    await engine.close();
  });

  it('counts contract-breaking rows by reason instead of failing', async () => {
    const dir = dataDir({
      'accounts/a.csv':
        ACCOUNTS_HEADER +
        'a1,Acme,2026-01-05T10:00:00Z,,,,,\n' +
        ',No key,2026-01-05T10:00:00Z,,,,,\n' + // null_key
        'a2,,2026-01-05T10:00:00Z,,,,,\n' + // missing_required_field (name)
        'a3,Bad date,yesterday,,,,,\n' + // invalid_value (created_at is not a timestamp)
        'a4,Early,2026-01-05T10:00:00Z,,,,2026-01-01T00:00:00Z,\n' + // end_before_start (onboarded before created)
        'a1,Acme again,2026-01-06T10:00:00Z,,,,,\n', // duplicate_id
    });
    expect(await quality(dir, 'accounts')).toEqual({
      null: { rows: 2, keys: 1 }, // two good rows share one key: one duplicate
      null_key: { rows: 1, keys: 0 },
      missing_required_field: { rows: 1, keys: 1 },
      invalid_value: { rows: 1, keys: 1 },
      end_before_start: { rows: 1, keys: 1 },
    });
  });

  it('flags unknown currencies, negative amounts and end before start in subscriptions', async () => {
    const header =
      'subscription_id,account_id,plan,amount,currency,interval_months,quantity,is_trial,start_date,end_date\n';
    const dir = dataDir({
      'subscriptions/s.csv':
        header +
        's1,a1,Pro,10,USD,1,1,false,2026-01-01,\n' +
        's2,a1,Pro,10,EUR,1,1,false,2026-01-01,\n' + // EUR has a rate
        's3,a1,Pro,10,usd,1,1,false,2026-01-01,\n' + // unknown_currency (lower case, no rate)
        's4,a1,Pro,-5,USD,1,1,false,2026-01-01,\n' + // negative_amount
        's5,a1,Pro,5,USD,1,1,false,2026-02-01,2026-01-01\n' + // end_before_start
        's6,a1,Pro,5,USD,0,1,false,2026-02-01,\n', // invalid_value (interval 0)
      'fx_rates/fx.csv': 'date,currency,rate\n2026-01-01,EUR,1.1\n',
    });
    expect(await quality(dir, 'subscriptions')).toEqual({
      null: { rows: 2, keys: 2 },
      unknown_currency: { rows: 1, keys: 1 },
      negative_amount: { rows: 1, keys: 1 },
      end_before_start: { rows: 1, keys: 1 },
      invalid_value: { rows: 1, keys: 1 },
    });
  });

  it('flags scores outside their scale', async () => {
    const header = 'response_id,account_id,user_id,survey,score,scale_max,responded_at,comment\n';
    const dir = dataDir({
      'survey_responses/s.csv':
        header +
        'r1,a1,u1,nps,10,10,2026-11-10T10:00:00Z,Great\n' +
        'r2,a1,u1,nps,11,10,2026-11-10T10:00:00Z,\n' + // score_out_of_scale
        'r3,a1,u1,csat,0,5,2026-11-10T10:00:00Z,\n' + // score_out_of_scale
        'r4,a1,u1,ces,7,7,2026-11-10T10:00:00Z,\n' + // fine on a 7-point scale
        'r5,a1,u1,ces,3,6,2026-11-10T10:00:00Z,\n', // invalid_value (no 6-point CES)
    });
    expect(await quality(dir, 'survey_responses')).toEqual({
      null: { rows: 2, keys: 2 },
      score_out_of_scale: { rows: 2, keys: 2 },
      invalid_value: { rows: 1, keys: 1 },
    });
  });

  it('counts duplicate usage deliveries within the partitions checked', async () => {
    const header = 'event_id,occurred_at,account_id,user_id,event_name,session_id\n';
    const dir = dataDir({
      'usage_events/dt=2026-11-10/a.csv':
        header + 'e1,2026-11-10T10:00:00Z,a1,u1,login,s1\ne1,2026-11-10T10:00:00Z,a1,u1,login,s1\n',
      'usage_events/dt=2026-10-01/a.csv': header + 'e9,2026-10-01T10:00:00Z,a1,u1,login,s1\n',
    });
    // Only November's partition is in range: 2 rows, 1 distinct id.
    expect(await quality(dir, 'usage_events')).toEqual({ null: { rows: 2, keys: 1 } });
  });

  it('names the missing required column and the expected ones', async () => {
    const dir = dataDir({ 'accounts/a.csv': 'account_id,name\na1,Acme\n' });
    await expect(DuckDbEngine.open({ dataDir: dir })).rejects.toThrow(
      /accounts: column "created_at" is missing \(first file accounts\/a\.csv\); expected columns: account_id, name, created_at/,
    );
  });

  it('names the table folder when a file cannot be read', async () => {
    const dir = dataDir({ 'fx_rates/broken.parquet': 'this is not parquet' });
    const error = await DuckDbEngine.open({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/cannot read fx_rates files in .*fx_rates: .*broken\.parquet/);
  });

  it('keeps a small table’s clean rows under a name of their own until released', async () => {
    const dir = dataDir({
      'accounts/a.csv':
        ACCOUNTS_HEADER +
        'a1,Acme,2026-01-05T10:00:00Z,,,,,\n' +
        'a1,Acme again,2026-01-06T10:00:00Z,,,,,\n' + // duplicate_id: the earlier row is kept
        ',No key,2026-01-05T10:00:00Z,,,,,\n', // null_key: left out
    });
    const engine = await DuckDbEngine.open({ dataDir: dir });
    try {
      const ctx: ComposeContext = {
        sources: await engine.sources(),
        currency: 'USD',
        periods: reportCalendar(periodFromKey('2026-W46')),
      };
      const request = classifiedTableQuery('accounts', ctx);
      expect(request).not.toBeNull();
      expect(cleanTableQuery('usage_events', ctx)).toBeNull(); // absent here, and partitioned anyway
      expect(classifiedTableQuery('usage_events', ctx)).toBeNull();
      if (!request) return;
      const first = await engine.materialize(request);
      const second = await engine.materialize(request);
      expect(first.relation).not.toBe(second.relation);
      const rows = await engine.query({
        name: 'read',
        sql: `SELECT account_id, name FROM (${cleanFromClassifiedQuery('accounts', first.relation).sql}) AS clean`,
        params: [],
      });
      expect(rows.rows).toEqual([{ account_id: 'a1', name: 'Acme' }]);
      // Composed queries read the kept rows instead of filtering the raw ones again.
      const sources = ctx.sources.map((s) =>
        s.table === 'accounts' ? { ...s, classifiedRelation: first.relation } : s,
      );
      const composed = composeQuery('onboarding_times', [], { ...ctx, sources });
      expect(composed.sql).toContain(`FROM ${first.relation}`);
      expect(composed.sql).not.toContain('FROM src_accounts');
      await engine.release(first.relation);
      await expect(
        engine.query({ name: 'gone', sql: `SELECT count(*) AS n FROM ${first.relation}`, params: [] }),
      ).rejects.toThrow(/does not exist/);
    } finally {
      await engine.close();
    }
  });

  it('runs DuckDB within 640 MB by default, or the limit DUCKDB_MEMORY_LIMIT or the caller sets', async () => {
    const limit = async (options: { memoryLimit?: string } = {}): Promise<unknown> => {
      const engine = await DuckDbEngine.open({ dataDir: dataDir({}), ...options });
      try {
        const { rows } = await engine.query({
          name: 'limit',
          sql: "SELECT current_setting('memory_limit') AS m",
          params: [],
        });
        return rows[0]?.m;
      } finally {
        await engine.close();
      }
    };
    const saved = process.env.DUCKDB_MEMORY_LIMIT;
    try {
      delete process.env.DUCKDB_MEMORY_LIMIT;
      // DuckDB shows sizes in MiB: 640 MB = 610.3 MiB.
      expect(await limit()).toBe('610.3 MiB');
      process.env.DUCKDB_MEMORY_LIMIT = '2GB';
      expect(await limit()).toBe('1.8 GiB');
      expect(await limit({ memoryLimit: '512MB' })).toBe('488.2 MiB');
    } finally {
      if (saved === undefined) delete process.env.DUCKDB_MEMORY_LIMIT;
      else process.env.DUCKDB_MEMORY_LIMIT = saved;
    }
  });

  it('rejects a data folder that does not exist', async () => {
    await expect(DuckDbEngine.open({ dataDir: '/nonexistent/data' })).rejects.toThrow(
      'data folder /nonexistent/data does not exist',
    );
  });
});

describe('DuckDbEngine query queue', () => {
  it('runs queries asked for at once in their order; a failing one rejects alone, with its name', async () => {
    const engine = await DuckDbEngine.open({ dataDir: dataDir({}) });
    try {
      const q = (name: string, sql: string) => engine.query({ name, sql, params: [] });
      // Not awaited one by one: each must still see what the previous ones did.
      const [, , failed, counted, values] = await Promise.allSettled([
        q('create', 'CREATE TEMP TABLE queue_t (n INTEGER, d DECIMAL(38, 12), ts TIMESTAMP)'),
        q(
          'insert',
          "INSERT INTO queue_t VALUES (1, 1.5, TIMESTAMP '2026-11-02 03:04:05.6789'), (2, NULL, NULL)",
        ),
        q('broken', 'SELECT no_such_column FROM queue_t'),
        q('count', 'SELECT count(*) AS n FROM queue_t'),
        q('values', 'SELECT n, d, ts FROM queue_t ORDER BY n'),
      ]);
      expect(failed.status).toBe('rejected');
      expect(failed.status === 'rejected' ? String(failed.reason) : '').toMatch(
        /query broken failed on DuckDB/,
      );
      expect(counted.status === 'fulfilled' ? counted.value.rows : null).toEqual([{ n: 2 }]);
      expect(values.status === 'fulfilled' ? values.value.rows : null).toEqual([
        { n: 1, d: '1.500000000000', ts: '2026-11-02 03:04:05.678' },
        { n: 2, d: null, ts: null },
      ]);
      expect(values.status === 'fulfilled' ? values.value.stats : null).toMatchObject({
        name: 'values',
        rows: 2,
      });
    } finally {
      await engine.close();
    }
  });
});
