import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type GetQueryExecutionCommandOutput,
  type GetQueryResultsCommandOutput,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import { AthenaEngine, type AthenaEngineConfig } from '../functions/adapters/engines/athena.js';
import { AthenaQueryError, renderAthenaParameter } from '../functions/adapters/engines/athena-values.js';
import { estimateQueryCostUsd } from '../functions/adapters/engines/athena-cost.js';
import { InputError } from '../functions/core/input-error.js';
import { addDays, periodFromKey } from '../functions/core/period.js';
import { dataQualityQuery } from '../functions/sql/compose.js';

const client = new AthenaClient({ region: 'eu-central-1' });
const athena = mockClient(client);

let sleeps: number[] = [];
function engine(overrides: Partial<AthenaEngineConfig> = {}): AthenaEngine {
  return new AthenaEngine({
    client,
    workgroup: 'cs-kpi-digest',
    database: 'cs_data',
    tables: { accounts: 'accounts', usage_events: 'usage_events_v2' },
    pollIntervalMs: 100,
    timeoutMs: 60_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
}

function execution(
  id: string,
  state: QueryExecutionState,
  extra: { bytes?: number; ms?: number; reason?: string; retryable?: boolean } = {},
): GetQueryExecutionCommandOutput {
  return {
    $metadata: {},
    QueryExecution: {
      QueryExecutionId: id,
      Status: {
        State: state,
        ...(extra.reason
          ? {
              StateChangeReason: extra.reason,
              AthenaError: {
                ErrorCategory: 2,
                ErrorType: 1301,
                Retryable: extra.retryable ?? false,
                ErrorMessage: extra.reason,
              },
            }
          : {}),
      },
      Statistics: {
        ...(extra.bytes !== undefined ? { DataScannedInBytes: extra.bytes } : {}),
        ...(extra.ms !== undefined ? { EngineExecutionTimeInMillis: extra.ms } : {}),
      },
    },
  };
}

const COLUMNS = [
  { Name: 'segment', Type: 'varchar' },
  { Name: 'accounts', Type: 'bigint' },
  { Name: 'seats', Type: 'integer' },
  { Name: 'ratio', Type: 'double' },
  { Name: 'mrr', Type: 'decimal' },
  { Name: 'is_trial', Type: 'boolean' },
  { Name: 'day', Type: 'date' },
  { Name: 'latest', Type: 'timestamp' },
];

function resultsPage(rows: (string | undefined)[][], nextToken?: string): GetQueryResultsCommandOutput {
  return {
    $metadata: {},
    ResultSet: {
      ResultSetMetadata: {
        ColumnInfo: COLUMNS.map((c) => ({ ...c, CatalogName: 'hive', Nullable: 'UNKNOWN' })),
      },
      Rows: rows.map((r) => ({ Data: r.map((v) => (v === undefined ? {} : { VarCharValue: v })) })),
    },
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

const HEADER = COLUMNS.map((c) => c.Name);

beforeEach(() => {
  athena.reset();
  sleeps = [];
});

describe('AthenaEngine.query', () => {
  it('polls with backoff, reads every result page and parses each column type', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('q-1', 'QUEUED'))
      .resolvesOnce(execution('q-1', 'RUNNING', { bytes: 1_000 }))
      .resolvesOnce(execution('q-1', 'RUNNING', { bytes: 2_000 }))
      .resolves(execution('q-1', 'SUCCEEDED', { bytes: 123_456_789, ms: 4_321 }));
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves(
        resultsPage(
          [
            HEADER,
            ['SMB', '42', '7', '0.25', '1234.5600', 'true', '2026-11-16', '2026-11-16 08:30:00.123'],
            ['Enterprise', '-3', '0', 'NaN', '-0.0100', 'false', '2026-11-22', '2026-11-22 23:59:59'],
          ],
          'page-2',
        ),
      );
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves(
        resultsPage(
          [[undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]],
          'page-3',
        ),
      );
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-3' })
      .resolves(
        resultsPage([
          ['', '9007199254740991', '1', '1e-3', '0', 'true', '2026-01-01', '2026-01-01 00:00:00.123456'],
        ]),
      );

    const e = engine();
    const result = await e.query({ name: 'mrr_by_segment', sql: 'SELECT 1', params: [] });

    expect(result.rows).toEqual([
      {
        segment: 'SMB',
        accounts: 42,
        seats: 7,
        ratio: 0.25,
        mrr: '1234.5600',
        is_trial: true,
        day: '2026-11-16',
        latest: '2026-11-16 08:30:00.123',
      },
      {
        segment: 'Enterprise',
        accounts: -3,
        seats: 0,
        ratio: NaN,
        mrr: '-0.0100',
        is_trial: false,
        day: '2026-11-22',
        latest: '2026-11-22 23:59:59.000',
      },
      {
        segment: null,
        accounts: null,
        seats: null,
        ratio: null,
        mrr: null,
        is_trial: null,
        day: null,
        latest: null,
      },
      {
        segment: '',
        accounts: 9007199254740991,
        seats: 1,
        ratio: 0.001,
        mrr: '0',
        is_trial: true,
        day: '2026-01-01',
        latest: '2026-01-01 00:00:00.123',
      },
    ]);
    expect(result.stats).toEqual({
      name: 'mrr_by_segment',
      milliseconds: 4_321,
      rows: 4,
      bytesScanned: 123_456_789,
    });
    // Three waits before SUCCEEDED, each 1.5 times the one before.
    expect(sleeps).toEqual([100, 150, 225]);
    const pages = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken);
    expect(pages).toEqual([undefined, 'page-2', 'page-3']);
    const totals = e.totals();
    expect(totals.bytesScanned).toBe(123_456_789);
    // 123,456,789 bytes are billed as 124 MB at $5/TB.
    expect(totals.estimatedCostUsd).toBeCloseTo((124e6 / 1e12) * 5, 12);
    expect(totals.perQuery[0]).toMatchObject({
      name: 'mrr_by_segment',
      queryExecutionId: 'q-1',
      state: 'SUCCEEDED',
    });
  });

  it('names the query and Athena’s reason when the query fails, and bills nothing', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-bad' });
    athena.on(GetQueryExecutionCommand).resolves(
      execution('q-bad', 'FAILED', {
        bytes: 0,
        reason: "COLUMN_NOT_FOUND: line 3:8: Column 'mrr_end' cannot be resolved",
      }),
    );
    const e = engine();
    const failure = e.query({ name: 'revenue_movements', sql: 'SELECT mrr_end FROM t', params: [] });
    await expect(failure).rejects.toThrow(AthenaQueryError);
    await expect(failure).rejects.toThrow(
      /Athena query "revenue_movements" failed: COLUMN_NOT_FOUND: line 3:8: Column 'mrr_end' cannot be resolved \(query execution q-bad\)/,
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    expect(e.totals().estimatedCostUsd).toBe(0);
  });

  it('starts a failed query again when Athena marks the failure retryable', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .resolvesOnce({ QueryExecutionId: 'q-a' })
      .resolvesOnce({ QueryExecutionId: 'q-b' });
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'q-a' })
      .resolves(
        execution('q-a', 'FAILED', { reason: 'INTERNAL_ERROR_QUERY_ENGINE: please retry', retryable: true }),
      );
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'q-b' })
      .resolves(execution('q-b', 'SUCCEEDED', { bytes: 5 }));
    athena.on(GetQueryResultsCommand).resolves(resultsPage([HEADER]));
    const result = await engine().query({ name: 'q', sql: 'SELECT 1', params: [] });
    expect(result.rows).toEqual([]);
    const tokens = athena
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input.ClientRequestToken);
    expect(new Set(tokens).size).toBe(2);
  });

  it('stops a query that never finishes and says so', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athena.on(GetQueryExecutionCommand).resolves(execution('q-slow', 'RUNNING', { bytes: 50_000_000 }));
    athena.on(StopQueryExecutionCommand).resolves({});
    const e = engine({ timeoutMs: 30_000 });
    await expect(e.query({ name: 'usage_engagement', sql: 'SELECT 1', params: [] })).rejects.toThrow(
      /Athena query "usage_engagement" did not finish within 30 s and was stopped \(query execution q-slow\)/,
    );
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q-slow' },
    ]);
    // Backoff is capped at 5 s and the total wait is exactly the timeout.
    expect(Math.max(...sleeps)).toBe(5_000);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(30_000);
    // A stopped query still pays for what it scanned.
    expect(e.totals()).toMatchObject({ bytesScanned: 50_000_000, estimatedCostUsd: (50e6 / 1e12) * 5 });
  });

  it('retries throttling with jittered backoff, reusing the request token, then succeeds', async () => {
    const throttled = () =>
      new TooManyRequestsException({
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
        Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
      });
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ QueryExecutionId: 'q-ok' });
    athena
      .on(GetQueryExecutionCommand)
      .rejectsOnce(throttled())
      .resolves(execution('q-ok', 'SUCCEEDED', { bytes: 0, ms: 10 }));
    athena
      .on(GetQueryResultsCommand)
      .resolves(
        resultsPage([HEADER, ['x', '1', '2', '3', '4', 'true', '2026-11-16', '2026-11-16 00:00:00.000']]),
      );
    const e = engine({ random: () => 0.25 });
    const result = await e.query({ name: 'throttled', sql: 'SELECT 1', params: [] });
    expect(result.rows).toHaveLength(1);
    const starts = athena.commandCalls(StartQueryExecutionCommand);
    expect(starts).toHaveLength(3);
    const tokens = new Set(starts.map((c) => c.args[0].input.ClientRequestToken));
    expect(tokens.size).toBe(1);
    // Full jitter: 0.25 × 200 ms × 2^attempt.
    expect(sleeps).toEqual([100, 200, 100]);
    // A query that scanned nothing is still billed Athena's 10 MB minimum.
    expect(e.totals().estimatedCostUsd).toBeCloseTo((10e6 / 1e12) * 5, 12);
  });

  it('gives up on throttling after maxAttempts and does not retry invalid requests', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new TooManyRequestsException({ $metadata: {}, message: 'Rate exceeded' }));
    await expect(
      engine({ maxAttempts: 3 }).query({ name: 'busy', sql: 'SELECT 1', params: [] }),
    ).rejects.toThrow(
      /Athena StartQueryExecution for query "busy" failed: TooManyRequestsException: Rate exceeded/,
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);

    athena.reset();
    athena
      .on(StartQueryExecutionCommand)
      .rejects(
        new InvalidRequestException({ $metadata: {}, message: 'WorkGroup cs-kpi-digest is not found.' }),
      );
    await expect(engine().query({ name: 'nowg', sql: 'SELECT 1', params: [] })).rejects.toThrow(
      /query "nowg" failed: InvalidRequestException: WorkGroup cs-kpi-digest is not found/,
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('sends the SQL unchanged in the workgroup with typed execution parameters', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-p' });
    athena.on(GetQueryExecutionCommand).resolves(execution('q-p', 'SUCCEEDED', { bytes: 1 }));
    athena.on(GetQueryResultsCommand).resolves(resultsPage([HEADER]));
    const sql =
      'SELECT count(*) AS n FROM "cs_data"."accounts"\nWHERE created_at >= ? AND created_at < ? AND segment = ? AND day = ?';
    await engine({ catalog: 'AwsDataCatalog' }).query({
      name: 'params',
      sql,
      params: [
        { type: 'timestamp', value: '2026-11-15 23:00:00.000' },
        { type: 'timestamp', value: '2026-11-22 23:00:00' },
        { type: 'varchar', value: "O'Brien & Co" },
        { type: 'date', value: '2026-11-16' },
      ],
    });
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: sql,
      WorkGroup: 'cs-kpi-digest',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'cs_data' },
      ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ExecutionParameters: [
        "TIMESTAMP '2026-11-15 23:00:00.000'",
        "TIMESTAMP '2026-11-22 23:00:00.000'",
        "'O''Brien & Co'",
        "DATE '2026-11-16'",
      ],
    });
  });

  it('filters the dt partitions of a partitioned table to the days the period touches', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-dq' });
    athena.on(GetQueryExecutionCommand).resolves(execution('q-dq', 'SUCCEEDED', { bytes: 1 }));
    athena.on(GetQueryResultsCommand).resolves(resultsPage([HEADER]));
    const e = engine();
    const period = periodFromKey('2026-W47', 'Europe/Warsaw');
    // The period's instants fall on UTC dates from the day before its first day to the day after its last.
    const dtRange = { fromDt: addDays(period.firstDay, -1), toDt: addDays(period.lastDay, 1) };
    const request = dataQualityQuery(
      'usage_events',
      { sources: await e.sources(), currency: 'USD', periods: [period] },
      dtRange,
    );
    expect(request).not.toBeNull();
    if (!request) return;
    await e.query(request);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input?.QueryString).toContain('FROM "cs_data"."usage_events_v2"');
    expect(input?.QueryString).toMatch(/WHERE "dt" BETWEEN \? AND \?/);
    expect(input?.ExecutionParameters).toEqual(["'2026-11-15'", "'2026-11-23'"]);
  });

  it('runs at most maxConcurrent queries at a time', async () => {
    let active = 0;
    let peak = 0;
    let seq = 0;
    athena.on(StartQueryExecutionCommand).callsFake(async () => {
      active += 1;
      peak = Math.max(peak, active);
      seq += 1;
      return { QueryExecutionId: `q-${seq}` };
    });
    const polls = new Map<string, number>();
    athena.on(GetQueryExecutionCommand).callsFake(async (input: { QueryExecutionId: string }) => {
      const n = (polls.get(input.QueryExecutionId) ?? 0) + 1;
      polls.set(input.QueryExecutionId, n);
      return execution(input.QueryExecutionId, n < 3 ? 'RUNNING' : 'SUCCEEDED', { bytes: 1 });
    });
    athena.on(GetQueryResultsCommand).callsFake(async () => {
      active -= 1;
      return resultsPage([HEADER]);
    });
    const e = engine({ maxConcurrent: 2 });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => e.query({ name: `q${i}`, sql: 'SELECT 1', params: [] })),
    );
    expect(peak).toBe(2);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(6);
    expect(e.totals().queries).toBe(6);
  });

  it('refuses column types the report never reads', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-arr' });
    athena.on(GetQueryExecutionCommand).resolves(execution('q-arr', 'SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({
      $metadata: {},
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'tags', Type: 'array' }] },
        Rows: [{ Data: [{ VarCharValue: 'tags' }] }, { Data: [{ VarCharValue: '[a, b]' }] }],
      },
    });
    await expect(engine().query({ name: 'tags', sql: 'SELECT 1', params: [] })).rejects.toThrow(
      /column tags has type array, which the report does not read/,
    );
  });

  it('rejects a malformed parameter before anything reaches Athena', async () => {
    await expect(
      engine().query({
        name: 'bad',
        sql: 'SELECT 1 WHERE d = ?',
        params: [{ type: 'date', value: "2026-11-16' OR 1=1 --" }],
      }),
    ).rejects.toThrow(InputError);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});

describe('renderAthenaParameter', () => {
  it('renders typed literals from validated values', () => {
    expect(renderAthenaParameter({ type: 'date', value: '2026-02-28' })).toBe("DATE '2026-02-28'");
    expect(renderAthenaParameter({ type: 'timestamp', value: '2026-02-28 07:05:09.5' })).toBe(
      "TIMESTAMP '2026-02-28 07:05:09.500'",
    );
    expect(renderAthenaParameter({ type: 'varchar', value: "it's" })).toBe("'it''s'");
    expect(renderAthenaParameter({ type: 'bigint', value: -12 })).toBe('-12');
    expect(renderAthenaParameter({ type: 'double', value: 1.5 })).toBe('1.5E+0');
    expect(renderAthenaParameter({ type: 'double', value: -0.001 })).toBe('-1E-3');
  });

  it('rejects anything that is not what its type says', () => {
    const bad = [
      { type: 'date', value: '2026-02-30' },
      { type: 'date', value: '2026-2-3' },
      { type: 'timestamp', value: '2026-02-28T07:05:09Z' },
      { type: 'timestamp', value: '2026-02-28 24:00:00' },
      { type: 'bigint', value: 1.5 },
      { type: 'double', value: Number.POSITIVE_INFINITY },
      { type: 'double', value: Number.NaN },
      { type: 'varchar', value: 'x'.repeat(1100) },
    ] as const;
    for (const param of bad)
      expect(() => renderAthenaParameter(param), JSON.stringify(param)).toThrow(InputError);
  });
});

describe('AthenaEngine.sources', () => {
  it('quotes configured tables and explains the absent ones', async () => {
    const sources = await engine().sources();
    expect(sources.find((s) => s.table === 'usage_events')).toEqual({
      table: 'usage_events',
      relation: '"cs_data"."usage_events_v2"',
    });
    expect(sources.find((s) => s.table === 'invoices')).toEqual({
      table: 'invoices',
      relation: null,
      absentReason: 'not configured in the stack (tables)',
    });
    expect(sources).toHaveLength(10);
  });

  it('rejects identifiers that would need escaping and unknown tables', () => {
    expect(() => engine({ database: 'cs-data' })).toThrow(InputError);
    expect(() => engine({ tables: { accounts: 'accounts"; DROP TABLE x; --' } })).toThrow(/Glue table/);
    expect(() => engine({ tables: { payments: 'payments' } as never })).toThrow(/not a contract table/);
  });
});

describe('estimateQueryCostUsd', () => {
  it('rounds up to the megabyte with a 10 MB minimum', () => {
    expect(estimateQueryCostUsd(0, 5)).toBeCloseTo(0.00005, 12);
    expect(estimateQueryCostUsd(10_000_001, 5)).toBeCloseTo((11e6 / 1e12) * 5, 12);
    expect(estimateQueryCostUsd(1e12, 5)).toBeCloseTo(5, 9);
  });
});
