/**
 * The web queries on Athena (mocked client, realistic responses): the partition bounds they
 * send, in the steady state (trend points 2–11 stored: periods 0 and 1 only) and with every
 * trend point computed, and the result rows read back into KPIs.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-athena';
import { AthenaEngine } from '../functions/adapters/engines/athena.js';
import { createKpiContext } from '../functions/app/context.js';
import { periodFromKey } from '../functions/core/period.js';
import { webGroup } from '../functions/core/kpis/web.js';
import { STORED_FROM_INDEX } from '../functions/app/trend-history.js';

const client = new AthenaClient({ region: 'eu-central-1' });
const athena = mockClient(client);

const WEB_COLUMNS: readonly [string, string][] = [
  ['grain', 'varchar'],
  ['period_index', 'integer'],
  ['known', 'integer'],
  ['page', 'varchar'],
  ['page_views', 'bigint'],
  ['visitors', 'bigint'],
  ['sessions_with_views', 'bigint'],
  ['sessions', 'bigint'],
  ['bounces', 'bigint'],
  ['timed_views', 'bigint'],
  ['time_on_page_seconds', 'double'],
  ['exits', 'bigint'],
  ['impressions', 'bigint'],
  ['clicks', 'bigint'],
  ['scrolled_views', 'bigint'],
  ['scroll_pct_sum', 'bigint'],
  ['visitors_0_1', 'bigint'],
];

function results(
  columns: readonly [string, string][],
  rows: (string | undefined)[][],
): GetQueryResultsCommandOutput {
  return {
    $metadata: {},
    ResultSet: {
      ResultSetMetadata: {
        ColumnInfo: columns.map(([Name, Type]) => ({ Name, Type, CatalogName: 'hive', Nullable: 'UNKNOWN' })),
      },
      Rows: [columns.map(([name]) => name), ...rows].map((r) => ({
        Data: r.map((v) => (v === undefined ? {} : { VarCharValue: v })),
      })),
    },
  };
}

function engine(): AthenaEngine {
  return new AthenaEngine({
    client,
    workgroup: 'cs-kpi-digest',
    database: 'cs_data',
    tables: { web_events: 'web_events', social_posts: 'social_posts' },
    pollIntervalMs: 1,
    timeoutMs: 60_000,
    sleep: async () => undefined,
    random: () => 0.5,
  });
}

beforeEach(() => {
  athena.reset();
  let n = 0;
  athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString?: string }) => {
    n += 1;
    return { QueryExecutionId: `${input.QueryString?.includes('"web_events"') ? 'web' : 'social'}-${n}` };
  });
  athena.on(GetQueryExecutionCommand).callsFake(async (input: { QueryExecutionId?: string }) => ({
    QueryExecution: {
      QueryExecutionId: input.QueryExecutionId,
      Status: { State: 'SUCCEEDED' },
      Statistics: { DataScannedInBytes: 52_428_800, EngineExecutionTimeInMillis: 2_100 },
    },
  }));
  athena.on(GetQueryResultsCommand).callsFake(async (input: { QueryExecutionId?: string }) =>
    input.QueryExecutionId?.startsWith('web')
      ? results(WEB_COLUMNS, [
          // period 0: 120 views, 40 visitors, 50 sessions with views, 48 started, 12 bounces …
          [
            'period',
            '0',
            undefined,
            undefined,
            '120',
            '40',
            '50',
            '48',
            '12',
            '70',
            '4200.0',
            '50',
            '300',
            '21',
            '60',
            '3300',
            '55',
          ],
          [
            'period',
            '1',
            undefined,
            undefined,
            '100',
            '30',
            '45',
            '44',
            '22',
            '55',
            '2750.0',
            '45',
            '0',
            '0',
            '0',
            undefined,
            '55',
          ],
          [
            'visitors',
            undefined,
            undefined,
            undefined,
            '220',
            '55',
            '95',
            '92',
            '34',
            '125',
            '6950.0',
            '95',
            '300',
            '21',
            '60',
            '3300',
            '55',
          ],
        ])
      : results(
          [
            ['grain', 'varchar'],
            ['period_index', 'integer'],
            ['platform', 'varchar'],
            ['posts', 'bigint'],
            ['impressions', 'bigint'],
            ['engagements', 'bigint'],
          ],
          [['period', '0', undefined, '3', '8000', '240']],
        ),
  );
});

const started = (): { sql: string; params: readonly string[] }[] =>
  athena.commandCalls(StartQueryExecutionCommand).map((c) => ({
    sql: c.args[0].input.QueryString ?? '',
    params: c.args[0].input.ExecutionParameters ?? [],
  }));

describe('web queries on Athena', () => {
  it('send the dt bounds of periods 0 and 1 (± 1 day) when trend points 2–11 are stored', async () => {
    const e = engine();
    const { context } = await createKpiContext(e, {
      period: periodFromKey('2026-W46', 'Europe/Warsaw'),
      currency: 'USD',
      calendarLength: STORED_FROM_INDEX + 1,
    });
    const result = await webGroup.compute(context);
    const web = started().filter((q) => q.sql.includes('"web_events"'));
    expect(web).toHaveLength(1);
    expect(web[0]?.sql).toContain('FROM "cs_data"."web_events"');
    expect(web[0]?.sql).toMatch(/WHERE e\.dt BETWEEN \? AND \?/);
    // W45 starts 2026-11-01 23:00Z: a day earlier is dt 2026-10-31; W46 ends 11-15 23:00Z: a day
    // later is dt 2026-11-16. The only parameters: the partition bounds, as typed literals.
    expect(web[0]?.params).toEqual(["'2026-10-31'", "'2026-11-16'"]);
    // The rows read back: 120 / 50 pages per session, 12 / 48 bounces, 21 / 300 clicks.
    expect(result.values.pages_per_session?.[0]?.value).toBeCloseTo(2.4, 12);
    expect(result.values.bounce_rate?.[0]?.value).toBeCloseTo(25, 12);
    expect(result.values.click_through_rate?.[0]?.value).toBeCloseTo(7, 12);
    expect(result.values.avg_time_on_page_seconds?.[0]?.value).toBeCloseTo(60, 12);
    expect(result.values.avg_scroll_depth?.[0]?.value).toBeCloseTo(55, 12);
    // New visitors: 55 of periods 0 and 1 together − 30 of period 1 = 25 of 40.
    expect(result.details?.web?.newVisitors).toBe(25);
    expect(result.values.social_engagement_rate?.[0]?.value).toBeCloseTo(3, 12);
    expect(result.values.page_views).toHaveLength(2);
  });

  it('send the dt bounds of all 12 trend periods when every trend point is computed', async () => {
    const e = engine();
    const { context } = await createKpiContext(e, {
      period: periodFromKey('2026-11', 'UTC'),
      currency: 'USD',
    });
    const result = await webGroup.compute(context);
    const web = started().filter((q) => q.sql.includes('"web_events"'));
    // 2025-12 … 2026-11: from 2025-11-30 (a day before 2025-12-01) to 2026-12-01.
    expect(web[0]?.params).toEqual(["'2025-11-30'", "'2026-12-01'"]);
    expect(result.values.page_views).toHaveLength(12);
    // The social query reads the small table whole and sends no parameters.
    const social = started().filter((q) => q.sql.includes('"social_posts"'));
    expect(social).toHaveLength(1);
    expect(social[0]?.params).toEqual([]);
  });
});
