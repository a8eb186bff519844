/**
 * Hostile input files on the embedded engine: every value or record that cannot be used is a
 * counted, excluded row (with its file and line), never a crash, a rounding or a silent loss;
 * a file that cannot be read at all stops the run with a line naming it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { InputError } from '../functions/core/input-error.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import type { TableName } from '../functions/contract/contract.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const duck = await DuckDBInstance.create(':memory:');
const writer = await duck.connect();
afterAll(() => {
  writer.closeSync();
  duck.closeSync();
});

/** Writes text files (and Parquet files from a SELECT) into a fresh data folder. */
async function dataDir(
  files: Record<string, string | Buffer>,
  parquet: Record<string, string> = {},
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  for (const [path, select] of Object.entries(parquet)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    await writer.run(`COPY (${select}) TO '${join(dir, path)}' (FORMAT parquet)`);
  }
  return dir;
}

/** The data-quality section of a weekly 2026-W46 (9–15 Nov) report, no KPI groups. */
async function quality(dir: string, currency = 'USD'): Promise<Snapshot['dataQuality']> {
  const engine = await DuckDbEngine.open({ dataDir: dir });
  try {
    const snapshot = await buildSnapshot(engine, {
      period: periodFromKey('2026-W46'),
      currency,
      now: new Date('2026-11-16T07:00:00Z'),
      groups: [],
    });
    for (const t of snapshot.dataQuality.tables)
      expect(t.rowsRead, t.table).toBe(t.rowsUsed + t.rowsExcluded);
    return snapshot.dataQuality;
  } finally {
    await engine.close();
  }
}

function counts(dq: Snapshot['dataQuality'], table: TableName): Record<string, number> {
  const t = dq.tables.find((x) => x.table === table);
  return {
    read: t?.rowsRead ?? -1,
    used: t?.rowsUsed ?? -1,
    ...Object.fromEntries(dq.excluded.filter((e) => e.table === table).map((e) => [e.reason, e.rows])),
  };
}

const example = (dq: Snapshot['dataQuality'], table: TableName, reason: string) =>
  dq.excluded.find((e) => e.table === table && e.reason === reason)?.example;

/** Rows of a table as CSV and as NDJSON, from one list of records (null: empty field / absent key). */
function csv(columns: readonly string[], rows: readonly (readonly (string | null)[])[]): string {
  const field = (v: string | null) => (v === null ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [columns.join(','), ...rows.map((r) => r.map(field).join(','))].join('\n') + '\n';
}
function ndjson(columns: readonly string[], rows: readonly (readonly (string | null)[])[]): string {
  return (
    rows
      .map((r) =>
        JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]]).filter(([, v]) => v !== null))),
      )
      .join('\n') + '\n'
  );
}

const USAGE = ['event_id', 'occurred_at', 'account_id', 'user_id', 'event_name', 'session_id'];
const UNREADABLE_TIMESTAMPS = [
  'yesterday',
  '2026-11-10T23:59:60Z', // leap second
  '2026-11-10t10:00:00z', // lower-case t and z
  '2026-11-10 10:00:00 Europe/Warsaw', // a zone name instead of an offset
  '1731232800', // an epoch number
  '2026-11-10T10:00:00+25:00', // offset beyond 24 h
  '2026-11-10T10:00:00-24:00',
  '10000-01-01T00:00:00Z', // past year 9999
];

describe('unreadable occurred_at in usage events without dt= folders', () => {
  const rows = [
    ['e1', '2026-11-10T10:00:00Z', 'a1', 'u1', 'login', 's1'],
    ['e2', '2026-11-10T12:00:00+02:00', 'a1', 'u1', 'login', 's1'],
    ['e3', '2026-11-10 09:00', 'a1', 'u1', 'login', 's1'],
    ...UNREADABLE_TIMESTAMPS.map((ts, i) => [`bad${i}`, ts, 'a1', 'u1', 'login', 's1']),
    ['empty', null, 'a1', 'u1', 'login', 's1'], // no occurred_at: counted, not lost
  ];

  it.each([
    ['CSV', 'usage_events/events.csv', csv(USAGE, rows), 5],
    ['NDJSON', 'usage_events/events.ndjson', ndjson(USAGE, rows), 4],
  ])('%s: each is invalid_value, the report does not crash', async (_, path, text, line) => {
    const dq = await quality(await dataDir({ [path]: text }));
    expect(counts(dq, 'usage_events')).toEqual({
      read: 3 + UNREADABLE_TIMESTAMPS.length + 1,
      used: 3,
      invalid_value: UNREADABLE_TIMESTAMPS.length,
      missing_required_field: 1,
    });
    expect(example(dq, 'usage_events', 'invalid_value')).toMatchObject({ field: 'occurred_at', line });
  });

  it('NDJSON: an epoch number as a JSON number is invalid_value too', async () => {
    const dir = await dataDir({
      'web_events/w.ndjson':
        '{"event_id":"w1","occurred_at":"2026-11-10T10:00:00Z","visitor_id":"v","session_id":"s","event_type":"page_view","page":"/"}\n' +
        '{"event_id":"w2","occurred_at":1731232800,"visitor_id":"v","session_id":"s","event_type":"page_view","page":"/"}\n',
    });
    const engine = await DuckDbEngine.open({ dataDir: dir });
    try {
      const { rows: got } = await engine.query({
        name: 'web',
        sql: 'SELECT event_id, occurred_at, dt, dq_malformed FROM src_web_events ORDER BY event_id',
        params: [],
      });
      expect(got).toEqual([
        { event_id: 'w1', occurred_at: '2026-11-10 10:00:00.000', dt: '2026-11-10', dq_malformed: null },
        { event_id: 'w2', occurred_at: null, dt: null, dq_malformed: 'occurred_at' },
      ]);
    } finally {
      await engine.close();
    }
  });
});

describe('fx_rates.rate must be finite, above zero and fit the decimal conversion', () => {
  const FX = ['date', 'currency', 'rate'];
  const rates = [
    ['2026-01-01', 'EUR', '1.1'],
    ['2026-01-02', 'EUR', 'NaN'],
    ['2026-01-03', 'EUR', 'Infinity'],
    ['2026-01-04', 'EUR', '1e308'],
    ['2026-01-05', 'EUR', '-Infinity'],
    ['2026-01-06', 'EUR', '1e-300'],
  ];
  const subs =
    'subscription_id,account_id,plan,amount,currency,interval_months,quantity,is_trial,start_date,end_date\n' +
    's1,a1,Pro,100,EUR,1,1,false,2026-01-01,\n';

  it.each([
    ['CSV', { 'fx_rates/fx.csv': csv(FX, rates) }, {}],
    ['NDJSON', { 'fx_rates/fx.ndjson': ndjson(FX, rates) }, {}],
    [
      'Parquet',
      {},
      {
        'fx_rates/fx.parquet': `SELECT * FROM (VALUES (DATE '2026-01-01', 'EUR', 1.1::DOUBLE), (DATE '2026-01-02', 'EUR', 'NaN'::DOUBLE),
          (DATE '2026-01-03', 'EUR', 'Infinity'::DOUBLE), (DATE '2026-01-04', 'EUR', 1e308::DOUBLE),
          (DATE '2026-01-05', 'EUR', '-Infinity'::DOUBLE), (DATE '2026-01-06', 'EUR', 1e-300::DOUBLE)) t("date", currency, rate)`,
      },
    ],
  ])(
    '%s: NaN, ±Infinity, 1e308 and 1e-300 are invalid_value and MRR is computed',
    async (_, files, parquet) => {
      const dir = await dataDir({ ...files, 'subscriptions/s.csv': subs }, parquet);
      expect(counts(await quality(dir), 'fx_rates')).toEqual({ read: 6, used: 1, invalid_value: 5 });
      const engine = await DuckDbEngine.open({ dataDir: dir });
      try {
        const snapshot = await buildSnapshot(engine, {
          period: periodFromKey('2026-W46'),
          currency: 'USD',
          now: new Date('2026-11-16T07:00:00Z'),
        });
        expect(snapshot.kpis.mrr.value).toBeCloseTo(110, 6);
      } finally {
        await engine.close();
      }
    },
  );
});

describe('fractions in integer columns are invalid_value, never rounded', () => {
  const SUBS = [
    'subscription_id',
    'account_id',
    'plan',
    'amount',
    'currency',
    'interval_months',
    'quantity',
    'is_trial',
    'start_date',
    'end_date',
  ];
  const rows = [
    ['s1', 'a1', 'Pro', '10', 'USD', '1', '3.0', 'false', '2026-01-01', null], // 3.0 is the integer 3
    ['s2', 'a1', 'Pro', '10', 'USD', '1.5', '1', 'false', '2026-01-01', null],
    ['s3', 'a1', 'Pro', '10', 'USD', '1', '2.7', 'false', '2026-01-01', null],
    ['s4', 'a1', 'Pro', '10', 'USD', '1', '1', 'false', '10000-01-01', null], // past year 9999
  ];

  it.each([
    ['CSV', { 'subscriptions/s.csv': csv(SUBS, rows) }, {}],
    [
      'NDJSON',
      {
        'subscriptions/s.ndjson': rows
          .map((r) =>
            JSON.stringify({
              subscription_id: r[0],
              account_id: r[1],
              plan: r[2],
              amount: Number(r[3]),
              currency: r[4],
              interval_months: Number(r[5]),
              quantity: Number(r[6]),
              is_trial: false,
              start_date: r[8],
            }),
          )
          .join('\n'),
      },
      {},
    ],
    [
      'Parquet (DOUBLE columns)',
      {},
      {
        'subscriptions/s.parquet': `SELECT subscription_id, 'a1' AS account_id, 'Pro' AS plan, 10.0::DECIMAL(18,4) AS amount, 'USD' AS currency,
          interval_months::DOUBLE AS interval_months, quantity::DOUBLE AS quantity, false AS is_trial, start_date, NULL::DATE AS end_date
          FROM (VALUES ('s1', 1, 3.0, DATE '2026-01-01'), ('s2', 1.5, 1, DATE '2026-01-01'), ('s3', 1, 2.7, DATE '2026-01-01'),
                       ('s4', 1, 1, DATE '10000-01-01')) t(subscription_id, interval_months, quantity, start_date)`,
      },
    ],
  ])('%s', async (_, files, parquet) => {
    const dq = await quality(await dataDir(files, parquet));
    expect(counts(dq, 'subscriptions')).toEqual({ read: 4, used: 1, invalid_value: 3 });
  });

  it('survey score 7.5 (CSV, NDJSON number) is invalid_value', async () => {
    const header = 'response_id,account_id,user_id,survey,score,scale_max,responded_at,comment\n';
    const dq = await quality(
      await dataDir({
        'survey_responses/a.csv':
          header + 'r1,a1,u1,nps,7.5,10,2026-11-10T10:00:00Z,\nr2,a1,u1,nps,8,10,2026-11-10T10:00:00Z,\n',
        'survey_responses/b.ndjson':
          '{"response_id":"r3","account_id":"a1","survey":"nps","score":7.5,"scale_max":10,"responded_at":"2026-11-10T10:00:00Z"}\n',
      }),
    );
    expect(counts(dq, 'survey_responses')).toEqual({ read: 3, used: 1, invalid_value: 2 });
    expect(example(dq, 'survey_responses', 'invalid_value')).toMatchObject({ field: 'score', line: 2 });
  });
});

describe('blank keys and required text', () => {
  const header = 'account_id,name,created_at,segment,region,csm_owner,onboarded_at,first_value_at\n';
  it.each([
    [
      'CSV',
      {
        'accounts/a.csv':
          header +
          'a1,Acme,2026-01-05T10:00:00Z,,,,,\n"   ",Blank,2026-01-05T10:00:00Z,,,,,\na2,"  ",2026-01-05T10:00:00Z,,,,,\n',
      },
      {},
    ],
    [
      'NDJSON',
      {
        'accounts/a.ndjson':
          '{"account_id":"a1","name":"Acme","created_at":"2026-01-05T10:00:00Z"}\n' +
          '{"account_id":" \\t ","name":"Blank","created_at":"2026-01-05T10:00:00Z"}\n' +
          '{"account_id":"a2","name":"  ","created_at":"2026-01-05T10:00:00Z"}\n',
      },
      {},
    ],
    [
      'Parquet',
      {},
      {
        'accounts/a.parquet': `SELECT account_id, name, TIMESTAMP '2026-01-05 10:00:00' AS created_at FROM (VALUES ('a1', 'Acme'), ('   ', 'Blank'), ('a2', '  ')) t(account_id, name)`,
      },
    ],
  ])(
    '%s: a whitespace-only key is null_key, a whitespace-only name is missing',
    async (_, files, parquet) => {
      expect(counts(await quality(await dataDir(files, parquet)), 'accounts')).toEqual({
        read: 3,
        used: 1,
        null_key: 1,
        missing_required_field: 1,
      });
    },
  );
});

describe('blank keys of every white-space kind', () => {
  it('Parquet: a key of tabs, line breaks and spaces is null_key; a key with text around a tab is kept', async () => {
    const parquet = {
      'accounts/a.parquet': `SELECT account_id, name, TIMESTAMP '2026-01-05 10:00:00' AS created_at FROM (VALUES ('a1', 'Acme'), (chr(9), 'Tab'), (chr(9) || ' ' || chr(10), 'Mixed'), (chr(13) || chr(10), 'CRLF'), ('a' || chr(9) || 'b', 'Inner tab')) t(account_id, name)`,
    };
    expect(counts(await quality(await dataDir({}, parquet)), 'accounts')).toEqual({
      read: 5,
      used: 2,
      null_key: 3,
    });
  });
});

describe('malformed records: that row is excluded, the rest of the file is used', () => {
  const header = 'account_id,name,created_at,segment,region,csm_owner,onboarded_at,first_value_at\n';
  const good = (i: number) => `a${i},Name ${i},2026-01-05T10:00:00Z,SMB,EU,,,\n`;

  it('CSV: a row with one field too many and one too few in a small file', async () => {
    const text =
      header + good(1) + 'a2,Two,2026-01-05T10:00:00Z,SMB,EU,,,,extra\n' + good(3) + 'a4,Four\n' + good(5);
    const dq = await quality(await dataDir({ 'accounts/small.csv': text }));
    expect(counts(dq, 'accounts')).toEqual({ read: 5, used: 3, malformed_row: 2 });
    expect(example(dq, 'accounts', 'malformed_row')).toEqual({
      file: expect.stringMatching(/accounts\/small\.csv$/),
      line: 3,
      problem: '9 fields where the header has 8',
    });
  });

  it('CSV: a ragged row deep in a large file, CRLF line ends, quoted commas and line breaks', async () => {
    const lines = [header.trimEnd()];
    for (let i = 1; i <= 5000; i += 1) lines.push(good(i).trimEnd());
    lines[4000] = 'a4000,"Name, with ""comma""\nand a line break",2026-01-05T10:00:00Z,SMB,EU,,,';
    lines[4500] = 'a4500,ragged';
    const dq = await quality(await dataDir({ 'accounts/large.csv': lines.join('\r\n') + '\r\n' }));
    expect(counts(dq, 'accounts')).toEqual({ read: 5000, used: 4999, malformed_row: 1 });
    // Line 4502: the header, 4499 rows before it, and one row spanning two lines.
    expect(example(dq, 'accounts', 'malformed_row')).toMatchObject({ line: 4502 });
  });

  it('CSV and NDJSON: a byte that is not UTF-8', async () => {
    const bad = Buffer.concat([
      Buffer.from('a2,Caf'),
      Buffer.from([0xe9]),
      Buffer.from(',2026-01-05T10:00:00Z,,,,,\n'),
    ]);
    const badJson = Buffer.concat([
      Buffer.from('{"account_id":"a4","name":"Caf'),
      Buffer.from([0xe9]),
      Buffer.from('","created_at":"2026-01-05T10:00:00Z"}\n'),
    ]);
    const dq = await quality(
      await dataDir({
        'accounts/a.csv': Buffer.concat([Buffer.from(header + good(1)), bad, Buffer.from(good(3))]),
        'accounts/b.ndjson': Buffer.concat([
          Buffer.from('{"account_id":"a5","name":"Zoë","created_at":"2026-01-05T10:00:00Z"}\n'),
          badJson,
        ]),
      }),
    );
    expect(counts(dq, 'accounts')).toEqual({ read: 5, used: 3, malformed_row: 2 });
    expect(example(dq, 'accounts', 'malformed_row')).toMatchObject({
      line: 3,
      problem: 'bytes that are not UTF-8',
    });
  });

  it('NDJSON: a broken line, a non-object line, and an object, array or number where text is expected', async () => {
    const ok = (id: string) => `{"account_id":"${id}","name":"N","created_at":"2026-01-05T10:00:00Z"}`;
    const text = [
      ok('a1'),
      '{"account_id":"a2","name":"N",', // cut off
      ok('a3'),
      '["a4","N"]',
      '{"account_id":"a5","name":{"first":"N"},"created_at":"2026-01-05T10:00:00Z"}',
      '{"account_id":"a6","name":["N"],"created_at":"2026-01-05T10:00:00Z"}',
      '{"account_id":7,"name":"N","created_at":"2026-01-05T10:00:00Z"}',
      '',
      ok('a8'),
    ].join('\n');
    const dir = await dataDir({ 'accounts/a.ndjson': text });
    const dq = await quality(dir);
    expect(counts(dq, 'accounts')).toEqual({ read: 8, used: 3, malformed_row: 5 });
    expect(example(dq, 'accounts', 'malformed_row')).toMatchObject({ line: 2, problem: 'not valid JSON' });
    // The good rows keep their text columns as text (the column did not turn into JSON).
    const engine = await DuckDbEngine.open({ dataDir: dir });
    try {
      const { rows } = await engine.query({
        name: 'names',
        sql: 'SELECT account_id, name, dq_line, dq_malformed, dq_malformed_row FROM src_accounts ORDER BY dq_line',
        params: [],
      });
      expect(rows.map((r) => [r.dq_line, r.account_id, r.dq_malformed, r.dq_malformed_row])).toEqual([
        [1, 'a1', null, null],
        [2, null, null, 'not valid JSON'],
        [3, 'a3', null, null],
        [4, null, null, 'an array where a JSON object is expected'],
        [5, null, 'name', 'an object where text is expected'],
        [6, null, 'name', 'an array where text is expected'],
        [7, null, 'account_id', 'a number where text is expected'],
        [9, 'a8', null, null],
      ]);
    } finally {
      await engine.close();
    }
  });

  it('NDJSON keeps every digit of a money amount', async () => {
    const dir = await dataDir({
      'invoices/i.ndjson':
        '{"invoice_id":"i1","account_id":"a1","issued_at":"2026-11-10","due_at":"2026-11-20","amount":12345678901234.5678,"currency":"USD","status":"open"}\n',
    });
    const engine = await DuckDbEngine.open({ dataDir: dir });
    try {
      const { rows } = await engine.query({
        name: 'amount',
        sql: 'SELECT amount FROM src_invoices',
        params: [],
      });
      expect(rows).toEqual([{ amount: '12345678901234.5678' }]);
    } finally {
      await engine.close();
    }
  });
});

describe('usage events that would vanish are counted', () => {
  it('an empty occurred_at under dt= and an event filed under another UTC day', async () => {
    const dq = await quality(
      await dataDir({
        'usage_events/dt=2026-11-10/a.csv': csv(USAGE, [
          ['e1', '2026-11-10T10:00:00Z', 'a1', 'u1', 'login', 's1'],
          ['e2', null, 'a1', 'u1', 'login', 's1'],
          ['e3', '2026-10-01T10:00:00Z', 'a1', 'u1', 'login', 's1'], // filed under the wrong day
          ['e4', '2026-11-11T00:30:00+02:00', 'a1', 'u1', 'login', 's1'], // 2026-11-10 22:30 UTC: right
        ]),
      }),
    );
    expect(counts(dq, 'usage_events')).toEqual({
      read: 4,
      used: 2,
      missing_required_field: 1,
      partition_mismatch: 1,
    });
  });
});

describe('a file that cannot be read at all stops the run, naming the file', () => {
  it.each([
    ['a zero-byte Parquet file', 'accounts/empty.parquet', () => Buffer.alloc(0)],
    [
      'a binary file named .csv',
      'accounts/image.csv',
      () => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
    ],
    ['a CSV file without a header row', 'accounts/noheader.csv', () => Buffer.from('a1;Acme;2026-01-05\n')],
  ])('%s', async (_, path, content) => {
    const dir = await dataDir({ [path]: content() });
    const error = await DuckDbEngine.open({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(join(dir, path));
    expect((error as Error).message).not.toContain('\n');
  });

  it('a truncated Parquet file', async () => {
    const dir = await dataDir(
      {},
      {
        'accounts/cut.parquet': `SELECT 'a' || i AS account_id, 'n' AS name, TIMESTAMP '2026-01-01' AS created_at FROM range(1000) r(i)`,
      },
    );
    const file = join(dir, 'accounts/cut.parquet');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const error = await DuckDbEngine.open({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(file);
  });
});
