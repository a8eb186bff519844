/**
 * `--engine athena` on the command line: the Lambda's AthenaEngine, built from the flags (or the
 * Lambda's variable names) with a client of the standard AWS credential chain; the Athena API
 * itself is mocked (aws-sdk-client-mock on every AthenaClient).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { backfillMain } from '../functions/cli/backfill-main.js';
import { parseEngineFlags, openEngine } from '../functions/cli/engine.js';
import { parseCliArgs, UsageError } from '../functions/cli/options.js';
import { AthenaEngine } from '../functions/adapters/engines/athena.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import { Capture } from './helpers/capture.js';

const athena = mockClient(AthenaClient);
const root = mkdtempSync(join(tmpdir(), 'cli-athena-'));

beforeAll(() => {
  // The standard chain: region and keys from the environment, as a shell with AWS_PROFILE or SSO would give.
  vi.stubEnv('AWS_REGION', 'eu-central-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIATESTTESTTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
});
afterAll(() => {
  vi.unstubAllEnvs();
  athena.restore();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => athena.reset());

/** Athena answering every query: succeeded, 3 MB scanned, a header row and no data rows. */
function answerEveryQuery(): string[] {
  const ids: string[] = [];
  athena.on(StartQueryExecutionCommand).callsFake(() => {
    ids.push(`q-${ids.length + 1}`);
    return { QueryExecutionId: ids[ids.length - 1] };
  });
  athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId?: string }) => ({
    QueryExecution: {
      QueryExecutionId: input.QueryExecutionId,
      Status: { State: 'SUCCEEDED' },
      Statistics: { DataScannedInBytes: 3_000_000, EngineExecutionTimeInMillis: 800 },
    },
  }));
  athena.on(GetQueryResultsCommand).resolves({
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: [{ Name: 'period_index', Type: 'integer' }] },
      Rows: [{ Data: [{ VarCharValue: 'period_index' }] }],
    },
  });
  return ids;
}

describe('--engine athena', () => {
  it('takes the workgroup, database and tables from flags or the Lambda’s variable names', () => {
    expect(parseEngineFlags({}, {})).toEqual({ kind: 'duckdb' });
    const fromEnv = parseEngineFlags(
      { engine: 'athena' },
      {
        ATHENA_WORKGROUP: 'CsKpiDigest-queries',
        ATHENA_DATABASE: 'cs_kpi',
        ATHENA_TABLES: '{"accounts":"crm"}',
      },
    );
    expect(fromEnv).toEqual({
      kind: 'athena',
      athena: { workgroup: 'CsKpiDigest-queries', database: 'cs_kpi', tables: { accounts: 'crm' } },
    });
    const flags = parseEngineFlags({ engine: 'athena', workgroup: 'wg', database: 'db' }, {});
    expect(flags.kind === 'athena' && Object.keys(flags.athena.tables)).toContain('usage_events');
    expect(() => parseEngineFlags({ engine: 'athena', workgroup: 'wg', database: 'Bad-Name' }, {})).toThrow(
      UsageError,
    );
    expect(() =>
      parseEngineFlags({ engine: 'athena', workgroup: 'wg', database: 'db', tables: '{"invoice":"x"}' }, {}),
    ).toThrow(/"invoice" is not a contract table/);
    expect(() => parseEngineFlags({ engine: 'spark' }, {})).toThrow(
      /--engine: "spark" is not one of duckdb, athena/,
    );
    expect(() => parseEngineFlags({ workgroup: 'wg' }, {})).toThrow(
      /--workgroup applies to --engine athena only/,
    );
  });

  it('is a flag of `npm run report` too', () => {
    const now = new Date('2026-11-23T07:00:00Z');
    const options = parseCliArgs(
      ['--engine', 'athena', '--workgroup', 'wg', '--database', 'cs_kpi'],
      {},
      now,
    );
    expect(options.engine).toMatchObject({ kind: 'athena', athena: { workgroup: 'wg', database: 'cs_kpi' } });
    expect(parseCliArgs([], {}, now).engine).toEqual({ kind: 'duckdb' });
    expect(() =>
      parseCliArgs(
        ['--engine', 'athena', '--data', root],
        { ATHENA_WORKGROUP: 'wg', ATHENA_DATABASE: 'd' },
        now,
      ),
    ).toThrow(/--data applies to --engine duckdb only/);
  });

  it('opens the same AthenaEngine the Lambda runs', async () => {
    const engine = await openEngine(
      {
        kind: 'athena',
        athena: { workgroup: 'wg', database: 'cs_kpi', tables: { accounts: 'crm_accounts' } },
      },
      { dataDir: '' },
    );
    expect(engine).toBeInstanceOf(AthenaEngine);
    expect(engine.dataSource).toBe('athena:cs_kpi');
    expect((await engine.sources()).find((s) => s.table === 'accounts')?.relation).toBe(
      '"cs_kpi"."crm_accounts"',
    );
    await engine.close();
  });

  it('stops a backfill at a period with no data, in one line with exit code 2, unless --allow-empty', async () => {
    answerEveryQuery();
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await backfillMain(
      [
        '--engine',
        'athena',
        '--workgroup',
        'CsKpiDigest-queries',
        '--database',
        'cs_kpi',
        '--tables',
        '{"accounts":"accounts","survey_responses":"survey_responses"}',
        '--period',
        'monthly',
        '--from',
        '2026-10',
        '--to',
        '2026-10',
        '--store',
        join(root, 'store-empty'),
      ],
      { env: {}, stdout, stderr, now: new Date('2026-11-23T07:00:00Z') },
    );
    expect(code).toBe(2);
    expect(stderr.text).toMatch(
      /^error: the data tables \(accounts, survey_responses\) hold no rows; nothing sent/m,
    );
  });

  it('backfills through Athena into the store, one engine (and its own scan cost) per period', async () => {
    const ids = answerEveryQuery();
    const store = join(root, 'store');
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await backfillMain(
      [
        '--engine',
        'athena',
        '--workgroup',
        'CsKpiDigest-queries',
        '--database',
        'cs_kpi',
        '--tables',
        '{"accounts":"accounts","survey_responses":"survey_responses"}',
        '--period',
        'monthly',
        '--from',
        '2026-09',
        '--to',
        '2026-10',
        '--store',
        store,
        // The mocked Athena answers every query with no rows: an empty period, reported anyway.
        '--allow-empty',
      ],
      { env: {}, stdout, stderr, now: new Date('2026-11-23T07:00:00Z') },
    );
    expect(stderr.text).not.toMatch(/error/);
    expect(code).toBe(0);
    expect(ids.length).toBeGreaterThan(4);
    for (const call of athena.commandCalls(StartQueryExecutionCommand)) {
      const input = call.args[0].input;
      expect(input.WorkGroup).toBe('CsKpiDigest-queries');
      expect(input.QueryExecutionContext).toEqual({ Catalog: 'AwsDataCatalog', Database: 'cs_kpi' });
      // Only the configured tables are read.
      expect(input.QueryString).not.toMatch(/"cs_kpi"\."(invoices|usage_events|subscriptions)"/);
    }
    // The client signed its calls with the keys of the standard chain.
    const credentials = await athena
      .commandCalls(StartQueryExecutionCommand)[0]
      ?.thisValue.config.credentials();
    expect(credentials?.accessKeyId).toBe('AKIATESTTESTTEST');

    const { FileStore } = await import('../functions/adapters/stores/file.js');
    const files = new FileStore(store);
    const september = JSON.parse((await files.get('snapshots/monthly/2026-09.json')) ?? '{}') as Snapshot;
    const october = JSON.parse((await files.get('snapshots/monthly/2026-10.json')) ?? '{}') as Snapshot;
    expect(september.stats.engine).toBe('athena');
    expect(september.stats.dataSource).toBe('athena:cs_kpi');
    // Each period records its own queries' bytes, not the run's running total.
    expect(september.stats.bytesScanned).toBe(september.stats.queries * 3_000_000);
    expect(october.stats.bytesScanned).toBe(october.stats.queries * 3_000_000);
    expect(october.stats.trend?.storedFrom).toBe('2026-09');
    expect(stdout.text).toMatch(/2 computed, 0 already stored; Athena scanned \d+ bytes/);
  }, 60_000);
  it("counts the small tables' data quality in one Athena query, whose rows reach the snapshot", async () => {
    // Athena as it answers: the data-quality query's rows (typed columns) for two tables, every
    // other query a header row only.
    const sqlById = new Map<string, string>();
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString?: string }) => {
      const id = `q-${sqlById.size + 1}`;
      sqlById.set(id, input.QueryString ?? '');
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId?: string }) => ({
      QueryExecution: {
        QueryExecutionId: input.QueryExecutionId,
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 1_000_000, EngineExecutionTimeInMillis: 500 },
      },
    }));
    const columns = [
      { Name: 'dq_table', Type: 'varchar' },
      { Name: 'reason', Type: 'varchar' },
      { Name: 'row_count', Type: 'bigint' },
      { Name: 'distinct_keys', Type: 'bigint' },
      { Name: 'latest', Type: 'varchar' },
      { Name: 'example', Type: 'varchar' },
      { Name: 'span_from', Type: 'varchar' },
      { Name: 'span_to', Type: 'varchar' },
    ];
    const row = (...cells: (string | undefined)[]) => ({
      Data: cells.map((c) => (c === undefined ? {} : { VarCharValue: c })),
    });
    const example = ['s3://cs-data/accounts/part-0.parquet', '000000000000', '', '', 'acc-0042'].join(
      '\u001f',
    );
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId?: string }) => {
      const sql = sqlById.get(input.QueryExecutionId ?? '') ?? '';
      if (!sql.includes('AS dq_table')) {
        return {
          ResultSet: {
            ResultSetMetadata: { ColumnInfo: [{ Name: 'period_index', Type: 'integer' }] },
            Rows: [row('period_index')],
          },
        };
      }
      return {
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [
            row(...columns.map((c) => c.Name)),
            // prettier-ignore
            row('accounts', undefined, '12', '10', '2026-10-30 09:00:00.000', undefined, '2026-03-02 08:00:00.000', '2026-10-30 09:00:00.000'),
            row('accounts', 'missing_required_field', '3', '3', '2026-10-02 10:00:00.000', example),
            // prettier-ignore
            row('survey_responses', undefined, '40', '40', '2026-10-31 18:00:00.000', undefined, '2026-04-01 10:00:00.000', '2026-10-31 18:00:00.000'),
          ],
        },
      };
    });
    const engine = new AthenaEngine({
      workgroup: 'wg',
      database: 'cs_kpi',
      tables: { accounts: 'accounts', survey_responses: 'survey_responses' },
      sleep: () => Promise.resolve(),
    });
    const { buildSnapshot } = await import('../functions/app/report.js');
    const { periodFromKey } = await import('../functions/core/period.js');
    const { DEFAULT_EXCLUSION_THRESHOLDS } = await import('../functions/core/exclusion-share.js');
    const guards = { allowEmpty: false, thresholds: DEFAULT_EXCLUSION_THRESHOLDS };
    const snapshot = await buildSnapshot(engine, {
      period: periodFromKey('2026-10', 'UTC'),
      currency: 'USD',
      now: new Date('2026-11-23T07:00:00Z'),
      guards,
    });
    const dq = [...sqlById.values()].filter(
      (sql) => /\bdq_reason\b/.test(sql) && sql.includes('AS dq_table'),
    );
    expect(dq).toHaveLength(1);
    expect(dq[0]).toMatch(/'accounts' AS dq_table[\s\S]*UNION ALL[\s\S]*'survey_responses' AS dq_table/);
    expect(
      snapshot.stats.perQuery.filter((q) => q.name.startsWith('data_quality_')).map((q) => q.name),
    ).toEqual(['data_quality_small_tables']);
    const accounts = snapshot.dataQuality.tables.find((t) => t.table === 'accounts');
    expect(accounts).toMatchObject({ present: true, rowsRead: 15, rowsUsed: 10, rowsExcluded: 5 });
    expect(snapshot.dataQuality.tables.find((t) => t.table === 'survey_responses')).toMatchObject({
      rowsRead: 40,
      rowsUsed: 40,
      rowsExcluded: 0,
      latest: '2026-10-31T18:00:00.000Z',
    });
    expect(snapshot.dataQuality.excluded.filter((e) => e.table === 'accounts')).toEqual([
      expect.objectContaining({ reason: 'duplicate_id', rows: 2 }),
      expect.objectContaining({
        reason: 'missing_required_field',
        rows: 3,
        example: expect.objectContaining({ file: 's3://cs-data/accounts/part-0.parquet', key: 'acc-0042' }),
      }),
    ]);
    // The run guards read the span from the same rows: no query reads the tables again for it.
    expect(snapshot.stats.perQuery.map((q) => q.name)).not.toContain('data_span');
    const sent = sqlById.size;
    await expect(
      buildSnapshot(engine, {
        period: periodFromKey('2026-12', 'UTC'),
        currency: 'USD',
        now: new Date('2027-01-02T07:00:00Z'),
        guards,
      }),
    ).rejects.toThrow(
      /^the period 2026-12 \(2026-12-01 to 2026-12-31\) is after the data ends \(2026-10-31\);/,
    );
    expect(sqlById.size).toBeGreaterThan(sent);
    await engine.close();
  });
});
