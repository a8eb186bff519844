/**
 * The deployed entry point (functions/handlers/report/handler.ts) with its real AWS wiring, the AWS
 * clients mocked: the environment reaches Athena and S3 as configured.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { ReportHandler } from '../functions/handlers/report/runtime.js';

const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);
let handler: ReportHandler;

beforeAll(async () => {
  vi.stubEnv('AWS_REGION', 'eu-central-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('ATHENA_DATABASE', 'cs_data');
  vi.stubEnv('ATHENA_WORKGROUP', 'cs-kpi-digest-queries');
  vi.stubEnv('ATHENA_TABLES', '{"accounts":"accounts_v1","subscriptions":"subscriptions"}');
  vi.stubEnv('SNAPSHOT_BUCKET', 'cs-kpi-snapshots');
  vi.stubEnv('SNAPSHOT_PREFIX', '');
  vi.stubEnv('MAIL_SENDER', 'digest@example.com');
  vi.stubEnv('MAIL_RECIPIENTS', 'ana@example.com');
  vi.stubEnv('REPORT_TIMEZONE', 'Europe/Warsaw');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'cs-kpi-digest');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'CsKpiDigest');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  // Imported after the environment is set: the module reads it at load, like a cold start.
  ({ handler } = await import('../functions/handlers/report/handler.js'));
});

afterAll(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  athena.restore();
  s3.restore();
});

beforeEach(() => {
  athena.reset();
  s3.reset();
});

describe('deployed handler wiring', () => {
  it('queries Athena in the configured workgroup and database and names a failing query', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-1',
        Status: {
          State: 'FAILED',
          StateChangeReason: 'TABLE_NOT_FOUND: Table awsdatacatalog.cs_data.accounts_v1 does not exist',
          AthenaError: {
            ErrorCategory: 2,
            Retryable: false,
            ErrorMessage: 'TABLE_NOT_FOUND: Table awsdatacatalog.cs_data.accounts_v1 does not exist',
          },
        },
      },
    });
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'NoSuchKey',
        $fault: 'client',
        $metadata: { httpStatusCode: 404 },
        message: 'NoSuchKey',
      }),
    );
    await expect(handler({ period: 'weekly', dryRun: true }, { awsRequestId: 'req-aws-1' })).rejects.toThrow(
      /Athena query "[a-z0-9_]+" failed: TABLE_NOT_FOUND: Table awsdatacatalog\.cs_data\.accounts_v1 does not exist \(query execution q-1\)/,
    );
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts.length).toBeGreaterThan(0);
    for (const input of starts) {
      expect(input.WorkGroup).toBe('cs-kpi-digest-queries');
      expect(input.QueryExecutionContext).toEqual({ Catalog: 'AwsDataCatalog', Database: 'cs_data' });
    }
    // Only configured tables are read, by their Glue names.
    const sql = starts.map((s) => s.QueryString ?? '').join('\n');
    expect(sql).toMatch(/"cs_data"\."(accounts_v1|subscriptions)"/);
    expect(sql).not.toMatch(/"cs_data"\."invoices"/);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    // Nothing was stored: the report failed before its snapshot existed.
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('refuses a bad payload before touching AWS', async () => {
    await expect(
      handler({ period: 'weekly', date: '2026-02-30' }, { awsRequestId: 'req-aws-2' }),
    ).rejects.toThrow(/invalid payload: date: "2026-02-30" is not a date written YYYY-MM-DD/);
    expect(athena.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });
});
