/**
 * The usage and web rollups on AWS (functions/adapters/rollups/athena.ts,
 * functions/app/rollup-job.ts): S3 is a real S3-protocol server (s3rver, with S3's conditional
 * writes), Athena a mocked client that behaves as Athena does for an UNLOAD: it refuses a TO
 * location that holds objects, writes its files there, and can fail (leaving a partial file
 * behind, as Athena leaves orphans) or throttle; a SELECT (the web long-session check) answers
 * with a result set.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  TooManyRequestsException,
  type GetQueryExecutionCommandInput,
  type GetQueryResultsCommandInput,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { TrinoSQL } from 'dt-sql-parser';
import { AthenaEngine } from '../functions/adapters/engines/athena.js';
import { renderAthenaParameter } from '../functions/adapters/engines/athena-values.js';
import {
  AthenaUsageRollups,
  MANIFEST_KEY,
  WEB_MANIFEST_KEY,
  parseS3Folder,
} from '../functions/adapters/rollups/athena.js';
import { RollupJobError, parseRollupEvent, runRollupJob } from '../functions/app/rollup-job.js';
import { InputError } from '../functions/core/input-error.js';
import {
  ROLLUP_VERSION,
  WEB_ROLLUP_VERSION,
  parseManifest,
  rollupCalendar,
  type RollupManifest,
} from '../functions/core/rollup-plan.js';
import { composeQuery, dataQualityQuery, loadSql } from '../functions/sql/compose.js';
import { startLocalS3, type LocalS3 } from './store-s3-server.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { LocalUsageRollups } from '../functions/adapters/rollups/local.js';
import { generateSampleData } from '../functions/sample/generate.js';
import {
  ROLLUP_COLUMNS,
  ROLLUP_ROW_ORDER,
  ROLLUP_TABLES,
  WEB_ROLLUP_TABLES,
} from '../functions/core/rollup-plan.js';

const BUCKET = 'cs-kpi-data';
const RAW_PREFIX = 'data/usage_events';
const RAW_WEB_PREFIX = 'data/web_events';
const ROLLUP_PREFIX = 'usage_rollups';
const ZONE = 'Europe/Warsaw';

interface SentQuery {
  readonly id: string;
  readonly sql: string;
  readonly params: readonly string[];
  readonly location: string;
  readonly workgroup: string | undefined;
}

const athenaClient = new AthenaClient({ region: 'eu-central-1' });
const athena = mockClient(athenaClient);
let s3: LocalS3;
let sent: SentQuery[] = [];
/** Athena's answer to a query: null = it succeeds, else the error message it fails with. */
let failWith: (query: SentQuery) => string | null = () => null;
let throttleStarts = 0;
/** What the long-session check (web_rollup_check.sql) finds. */
let longSessions = '0';
const states = new Map<string, { state: 'SUCCEEDED' | 'FAILED'; reason?: string }>();

function splitUri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  return { bucket: m?.[1] ?? '', key: m?.[2] ?? '' };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function putRaw(dt: string, name: string, body: string): Promise<void> {
  await s3.client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: `${RAW_PREFIX}/dt=${dt}/${name}`, Body: body }),
  );
}

async function putWeb(dt: string, name: string, body: string): Promise<void> {
  await s3.client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: `${RAW_WEB_PREFIX}/dt=${dt}/${name}`, Body: body }),
  );
}

async function storedManifest(key = MANIFEST_KEY): Promise<RollupManifest | null> {
  try {
    const out = await s3.client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `${ROLLUP_PREFIX}/${key}` }),
    );
    return parseManifest(JSON.parse((await out.Body?.transformToString('utf-8')) ?? ''));
  } catch {
    return null;
  }
}

async function clearBucket(): Promise<void> {
  for (const key of await keysUnder('')) {
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  }
}

function engine(): AthenaEngine {
  return new AthenaEngine({
    client: athenaClient,
    workgroup: 'cs-kpi-digest-queries',
    database: 'cs_kpi',
    tables: { usage_events: 'usage_events', web_events: 'web_events' },
    pollIntervalMs: 10,
    sleep: async () => undefined,
    random: () => 0,
  });
}

function rollups(options: { timezone?: string; now?: () => Date; web?: boolean } = {}): {
  adapter: AthenaUsageRollups;
  engine: AthenaEngine;
} {
  const e = engine();
  return {
    engine: e,
    adapter: new AthenaUsageRollups({
      runner: e,
      s3: s3.client,
      rawUsage: { bucket: BUCKET, prefix: RAW_PREFIX },
      ...(options.web ? { rawWeb: { bucket: BUCKET, prefix: RAW_WEB_PREFIX } } : {}),
      rollups: { bucket: BUCKET, prefix: ROLLUP_PREFIX },
      timezone: options.timezone ?? ZONE,
      ...(options.now ? { now: options.now } : {}),
    }),
  };
}

const dayOf = (q: SentQuery): string => /dt=(\d{4}-\d{2}-\d{2})\//.exec(q.location)?.[1] ?? '';
const tableOf = (q: SentQuery): string => /usage_rollups\/([a-z_]+)\/dt=/.exec(q.location)?.[1] ?? '';

beforeAll(async () => {
  s3 = await startLocalS3({ bucket: BUCKET, likeS3: true });
});
afterAll(async () => {
  athena.restore();
  await s3?.stop();
});

beforeEach(async () => {
  await clearBucket();
  sent = [];
  failWith = () => null;
  throttleStarts = 0;
  longSessions = '0';
  states.clear();
  athena.reset();
  athena.on(StartQueryExecutionCommand).callsFake(async (input: StartQueryExecutionCommandInput) => {
    if (throttleStarts > 0) {
      throttleStarts -= 1;
      throw new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    }
    const sql = input.QueryString ?? '';
    const query: SentQuery = {
      id: `q-${sent.length + 1}`,
      sql,
      params: input.ExecutionParameters ?? [],
      location: /\nTO '([^']+)'\n/.exec(sql)?.[1] ?? '',
      workgroup: input.WorkGroup,
    };
    sent.push(query);
    if (!sql.startsWith('UNLOAD ')) {
      const failure = failWith(query);
      states.set(query.id, failure === null ? { state: 'SUCCEEDED' } : { state: 'FAILED', reason: failure });
      return { QueryExecutionId: query.id };
    }
    const { bucket, key } = splitUri(query.location);
    const file = { Bucket: bucket, Key: `${key}${query.id}_00000.snappy.parquet`, Body: 'PAR1 rows PAR1' };
    const failure = failWith(query);
    if (failure !== null) {
      // Athena does not delete what a failed query already wrote.
      await s3.client.send(new PutObjectCommand({ ...file, Key: `${key}${query.id}_partial` }));
      states.set(query.id, { state: 'FAILED', reason: failure });
    } else if ((await keysUnder(key)).length > 0) {
      states.set(query.id, {
        state: 'FAILED',
        reason: `HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists: ${query.location}`,
      });
    } else {
      await s3.client.send(new PutObjectCommand(file));
      states.set(query.id, { state: 'SUCCEEDED' });
    }
    return { QueryExecutionId: query.id };
  });
  athena.on(GetQueryExecutionCommand).callsFake((input: GetQueryExecutionCommandInput) => {
    const id = input.QueryExecutionId ?? '';
    const s = states.get(id) ?? { state: 'FAILED', reason: 'unknown query' };
    return {
      QueryExecution: {
        QueryExecutionId: id,
        StatementType: 'DML',
        Status: {
          State: s.state,
          ...(s.reason
            ? {
                StateChangeReason: s.reason,
                AthenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: s.reason },
              }
            : {}),
        },
        Statistics: { DataScannedInBytes: 1_048_576, EngineExecutionTimeInMillis: 900 },
      },
    };
  });
  athena.on(GetQueryResultsCommand).callsFake((input: GetQueryResultsCommandInput) => {
    const query = sent.find((q) => q.id === input.QueryExecutionId);
    if (!query || query.sql.startsWith('UNLOAD ')) throw new Error('an UNLOAD has no rows to read');
    // The only SELECTs the rollups run: usage_rollup_check.sql and web_rollup_check.sql, one
    // bigint column.
    return {
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [{ Name: 'long_sessions', Type: 'bigint', CatalogName: 'hive', Nullable: 'UNKNOWN' }],
        },
        Rows: [{ Data: [{ VarCharValue: 'long_sessions' }] }, { Data: [{ VarCharValue: longSessions }] }],
      },
    };
  });
});

describe('the rollup job on Athena', () => {
  it('empties each day prefix and UNLOADs the rollup SQL files into it, values bound', async () => {
    await putRaw('2026-11-21', 'part-0.parquet', 'raw day one');
    await putRaw('2026-11-22', 'part-0.parquet', 'raw day two');
    // An old object in a day's prefix (say from an earlier build): it must go before the UNLOAD.
    await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${ROLLUP_PREFIX}/usage_user_days/dt=2026-11-22/old_00000`,
        Body: 'old',
      }),
    );
    const { adapter, engine: e } = rollups();
    const result = await adapter.sync({});
    expect(result).toMatchObject({
      timezone: ZONE,
      built: ['2026-11-22', '2026-11-21'],
      removed: [],
      pending: [],
      failed: null,
      current: 0,
      bytesScanned: 6 * 1_048_576,
    });
    expect(sent).toHaveLength(6);
    expect(new Set(sent.map((q) => q.workgroup))).toEqual(new Set(['cs-kpi-digest-queries']));

    const sources = await e.sources();
    for (const [dt, before, after] of [
      ['2026-11-21', '2026-11-20', '2026-11-22'],
      ['2026-11-22', '2026-11-21', '2026-11-23'],
    ] as const) {
      // As the local adapter's batch of this one day: the calendar of the day ± 1.
      const ctx = { sources, currency: 'USD', periods: rollupCalendar(before, after, ZONE) };
      const values = (read: readonly string[]) =>
        [...read, dt, dt, dt, dt].map((value) => ({ type: 'varchar' as const, value }));
      // The session part reads the day ± 1; the user-day UNLOAD gives it the day alone (its
      // session rows are not kept), so it reads one raw day.
      const sessionPass = composeQuery('rollup_usage_days', values([before, after]), ctx);
      const userDayPass = composeQuery('rollup_usage_days', values([dt, dt]), ctx);
      const quality = dataQualityQuery('usage_events', ctx, { fromDt: dt, toDt: dt }, { byPartition: true });
      const byTable = new Map(sent.filter((q) => dayOf(q) === dt).map((q) => [tableOf(q), q]));
      expect([...byTable.keys()].sort()).toEqual(['usage_quality', 'usage_sessions', 'usage_user_days']);
      expect(byTable.get('usage_sessions')?.params.slice(-6)).toEqual(
        [before, after, dt, dt, dt, dt].map((v) => `'${v}'`),
      );
      expect(byTable.get('usage_user_days')?.params.slice(-6)).toEqual(Array(6).fill(`'${dt}'`));
      for (const [table, inner] of [
        ['usage_user_days', userDayPass],
        ['usage_sessions', sessionPass],
        ['usage_quality', quality],
      ] as const) {
        const q = byTable.get(table);
        expect(q?.location).toBe(`s3://${BUCKET}/${ROLLUP_PREFIX}/${table}/dt=${dt}/`);
        // The SELECT inside is the composed query file, unchanged; only the wrapper is added.
        expect(q?.sql.startsWith('UNLOAD (SELECT ')).toBe(true);
        expect(q?.sql).toContain(inner?.sql ?? 'missing');
        expect(
          q?.sql.endsWith(
            `\nORDER BY ${ROLLUP_ROW_ORDER[table]})\nTO '${q?.location}'\nWITH (format = 'PARQUET', compression = 'ZSTD')`,
          ),
        ).toBe(true);
        expect(q?.params).toEqual(inner?.params.map(renderAthenaParameter));
        expect(q?.params.filter((p) => p === `'${dt}'`).length).toBeGreaterThanOrEqual(2);
        // The day is a bound value inside the query; only the validated location holds it as text.
        const inside = (q?.sql ?? '').slice(0, (q?.sql ?? '').lastIndexOf('\nTO '));
        expect(inside).not.toContain(dt);
      }
      // The file's own WITH joins the composed one: everything from its first step on is verbatim.
      const file = loadSql('rollup_usage_days').trim();
      expect(byTable.get('usage_user_days')?.sql).toContain(
        file.slice(file.indexOf('WITH session_days AS (') + 5),
      );
      expect(byTable.get('usage_user_days')?.sql).toContain(
        'UNLOAD (SELECT local_day, account_id, user_id, events, features FROM (',
      );
      expect(byTable.get('usage_sessions')?.sql).toContain(
        'UNLOAD (SELECT local_day, session_id, sessions, session_ms, first_at, last_at FROM (',
      );
      expect(byTable.get('usage_sessions')?.sql).toContain(
        ") AS day_rows WHERE part = 'session'\nORDER BY local_day, session_id)\nTO ",
      );
    }
    // The old object is gone; each prefix holds what its UNLOAD wrote.
    expect(await keysUnder(`${ROLLUP_PREFIX}/usage_user_days/dt=2026-11-22/`)).toHaveLength(1);
    expect(await keysUnder(`${ROLLUP_PREFIX}/usage_user_days/dt=2026-11-22/old`)).toEqual([]);

    const manifest = await storedManifest();
    expect(manifest).toMatchObject({ version: ROLLUP_VERSION, timezone: ZONE, dataSource: 'athena:cs_kpi' });
    expect(Object.keys(manifest?.days ?? {})).toEqual(['2026-11-21', '2026-11-22']);
    // A day's fingerprint is its neighbours' and its own ('-': no partition).
    expect(manifest?.days['2026-11-21']?.fingerprint).toMatch(/^-\+[0-9a-f]{32}\+[0-9a-f]{32}$/);
    expect(manifest?.days['2026-11-22']?.fingerprint).toMatch(/^[0-9a-f]{32}\+[0-9a-f]{32}\+-$/);
  });

  it('the SELECT inside each UNLOAD parses with the Trino grammar', async () => {
    await putRaw('2026-11-22', 'part-0.parquet', 'raw');
    await rollups().adapter.sync({});
    const parser = new TrinoSQL();
    for (const q of sent) {
      const inner = q.sql.slice('UNLOAD ('.length, q.sql.lastIndexOf(')\nTO '));
      expect(parser.validate(inner), tableOf(q)).toEqual([]);
    }
  });

  it('a rerun builds nothing; a rewritten raw file (new ETag) rebuilds that day and its neighbours', async () => {
    await putRaw('2026-11-21', 'part-0.parquet', 'raw day one');
    await putRaw('2026-11-22', 'part-0.parquet', 'raw day two');
    await rollups().adapter.sync({});
    const first = await storedManifest();
    sent = [];
    const rerun = await rollups().adapter.sync({});
    expect(rerun).toMatchObject({ built: [], current: 2, failed: null });
    expect(sent).toEqual([]);
    expect(await storedManifest()).toEqual(first);

    // Same key, same size, other content: only the ETag tells. 11-20 reads 11-21 beside it,
    // 11-23 does not exist yet; 11-19 is two days away.
    await putRaw('2026-11-19', 'part-0.parquet', 'raw day zero');
    await putRaw('2026-11-20', 'part-0.parquet', 'raw day zero');
    await rollups().adapter.sync({});
    const second = await storedManifest();
    sent = [];
    await putRaw('2026-11-21', 'part-0.parquet', 'raw day ONE');
    const stale = await rollups().adapter.sync({});
    expect(stale).toMatchObject({ built: ['2026-11-22', '2026-11-21', '2026-11-20'], current: 1 });
    expect(sent.map(dayOf).sort()).toEqual(
      ['2026-11-20', '2026-11-21', '2026-11-22'].flatMap((dt) => [dt, dt, dt]),
    );
    // Rebuilt over their own earlier files: each prefix was emptied first (else Athena refuses).
    for (const table of ['usage_user_days', 'usage_sessions', 'usage_quality']) {
      expect(await keysUnder(`${ROLLUP_PREFIX}/${table}/dt=2026-11-21/`)).toHaveLength(1);
    }
    const after = await storedManifest();
    expect(after?.days['2026-11-19']).toEqual(second?.days['2026-11-19']);
    for (const dt of ['2026-11-20', '2026-11-21', '2026-11-22']) {
      expect(after?.days[dt]?.fingerprint, dt).not.toBe(second?.days[dt]?.fingerprint);
    }
    expect(first?.days['2026-11-22']).toBeDefined();

    // A file added to a day makes it stale too; a file Athena does not read (_SUCCESS) does not.
    sent = [];
    await putRaw('2026-11-22', '_SUCCESS', '');
    expect((await rollups().adapter.sync({})).built).toEqual([]);
    await putRaw('2026-11-22', 'part-1.parquet', 'late rows');
    expect((await rollups().adapter.sync({})).built).toEqual(['2026-11-22', '2026-11-21']);
  });

  it('a failed UNLOAD leaves its day unrecorded and the job fails; the next run rebuilds it', async () => {
    for (const dt of ['2026-11-20', '2026-11-21', '2026-11-22']) await putRaw(dt, 'part-0.parquet', dt);
    failWith = (q) =>
      dayOf(q) === '2026-11-21' && tableOf(q) === 'usage_sessions'
        ? 'HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://cs-kpi-data/data/usage_events/dt=2026-11-21/part-0.parquet'
        : null;
    const { adapter } = rollups();
    const error = await runRollupJob({ rollups: adapter }, { dryRun: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollupJobError);
    expect((error as RollupJobError).message).toMatch(
      /^usage rollup of 2026-11-21 failed: Athena query "rollup_usage_sessions" failed: HIVE_CANNOT_OPEN_SPLIT/,
    );
    expect((error as RollupJobError).result).toMatchObject({
      built: ['2026-11-22'],
      pending: ['2026-11-20'],
      failed: { dt: '2026-11-21' },
    });
    // Newest first: 11-22 was recorded, 11-21 failed, 11-20 was not started.
    expect(Object.keys((await storedManifest())?.days ?? {})).toEqual(['2026-11-22']);
    expect(sent.filter((q) => dayOf(q) === '2026-11-20')).toEqual([]);

    // The next run: the failed day's orphaned partial file is emptied away and the day rebuilt.
    failWith = () => null;
    sent = [];
    const summary = await runRollupJob({ rollups: rollups().adapter }, { dryRun: false });
    expect(summary).toMatchObject({ built: ['2026-11-21', '2026-11-20'], pending: [], current: 1 });
    expect(await keysUnder(`${ROLLUP_PREFIX}/usage_sessions/dt=2026-11-21/`)).toEqual([
      `${ROLLUP_PREFIX}/usage_sessions/dt=2026-11-21/q-2_00000.snappy.parquet`,
    ]);
    expect(Object.keys((await storedManifest())?.days ?? {})).toEqual([
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
  });

  it('retries a throttled StartQueryExecution', async () => {
    await putRaw('2026-11-22', 'part-0.parquet', 'raw');
    throttleStarts = 2;
    const result = await rollups().adapter.sync({});
    expect(result).toMatchObject({ built: ['2026-11-22'], failed: null });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(5);
    expect(sent).toHaveLength(3);
  });

  it('a manifest of another zone (or version, or data) rebuilds every day in the deployment zone', async () => {
    await putRaw('2026-11-21', 'part-0.parquet', 'one');
    await putRaw('2026-11-22', 'part-0.parquet', 'two');
    await rollups({ timezone: 'UTC' }).adapter.sync({});
    sent = [];
    const result = await rollups({ timezone: ZONE }).adapter.sync({});
    expect(result).toMatchObject({ built: ['2026-11-22', '2026-11-21'], current: 0 });
    expect(sent).toHaveLength(6);
    expect((await storedManifest())?.timezone).toBe(ZONE);
  });

  it('removes the rollups of a raw day that is gone, files first, and rebuilds the day beside it', async () => {
    await putRaw('2026-11-21', 'part-0.parquet', 'one');
    await putRaw('2026-11-22', 'part-0.parquet', 'two');
    await rollups().adapter.sync({});
    await s3.client.send(
      new DeleteObjectCommand({ Bucket: BUCKET, Key: `${RAW_PREFIX}/dt=2026-11-21/part-0.parquet` }),
    );
    const result = await rollups().adapter.sync({});
    expect(result).toMatchObject({ built: ['2026-11-22'], removed: ['2026-11-21'], current: 0 });
    for (const table of ['usage_user_days', 'usage_sessions', 'usage_quality']) {
      expect(await keysUnder(`${ROLLUP_PREFIX}/${table}/dt=2026-11-21/`)).toEqual([]);
    }
    expect(Object.keys((await storedManifest())?.days ?? {})).toEqual(['2026-11-22']);
  });

  it('a dry run changes nothing; a run builds at most maxDays, newest first; none starts past the deadline', async () => {
    for (const dt of ['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22']) {
      await putRaw(dt, 'part-0.parquet', dt);
    }
    const dry = await runRollupJob({ rollups: rollups().adapter, maxDays: 3 }, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, built: ['2026-11-22', '2026-11-21', '2026-11-20'] });
    expect(dry.pending).toEqual(['2026-11-19']);
    expect(sent).toEqual([]);
    expect(await storedManifest()).toBeNull();

    const limited = await runRollupJob(
      { rollups: rollups().adapter, maxDays: 2 },
      { fromDt: '2026-11-20', toDt: '2026-11-22', dryRun: false },
    );
    expect(limited).toMatchObject({ built: ['2026-11-22', '2026-11-21'], pending: ['2026-11-20'] });

    let clock = Date.parse('2026-11-23T00:30:00Z');
    const late = rollups({ now: () => new Date((clock += 60_000)) });
    const result = await runRollupJob(
      { rollups: late.adapter, startNoDayAfter: new Date('2026-11-23T00:30:30Z') },
      { dryRun: false },
    );
    expect(result).toMatchObject({ built: [], pending: ['2026-11-20', '2026-11-19'] });
  });

  it('reads the invocation event strictly', () => {
    expect(parseRollupEvent({ source: 'rollup-schedule', scheduledTime: '2026-11-23T00:30:00Z' })).toEqual({
      dryRun: false,
    });
    expect(parseRollupEvent({ fromDt: '2026-11-01', toDt: '2026-11-30', dryRun: true })).toEqual({
      fromDt: '2026-11-01',
      toDt: '2026-11-30',
      dryRun: true,
    });
    expect(() => parseRollupEvent({ fromDt: '2026-02-30' })).toThrow(InputError);
    expect(() => parseRollupEvent({ fromDt: '2026-11-30', toDt: '2026-11-01' })).toThrow(/is after toDt/);
    expect(() => parseRollupEvent({ dryrun: true })).toThrow(/unknown field\(s\) dryrun/);
  });

  it('accepts only plain S3 folders, and no quote in a rollup location', () => {
    expect(parseS3Folder('s3://cs-kpi-rollups/usage_rollups/', true)).toEqual({
      bucket: 'cs-kpi-rollups',
      prefix: 'usage_rollups',
    });
    expect(parseS3Folder("s3://cs-kpi-rollups/it's/", true)).toBeNull();
    expect(parseS3Folder("s3://cs-kpi-data/it's/", false)).toEqual({ bucket: 'cs-kpi-data', prefix: "it's" });
    expect(parseS3Folder('s3://Not_A_Bucket/x/', false)).toBeNull();
    expect(
      () =>
        new AthenaUsageRollups({
          runner: engine(),
          s3: s3.client,
          rawUsage: { bucket: BUCKET, prefix: RAW_PREFIX },
          rollups: { bucket: BUCKET, prefix: "x' OR 1=1 --" },
          timezone: 'UTC',
        }),
    ).toThrow(/not a plain S3 folder/);
  });
});

describe('the web rollups on Athena', () => {
  const webDays = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'];
  const sessionColumns = ROLLUP_COLUMNS.web_sessions.map((c) => c.name).join(', ');
  const pageColumns = ROLLUP_COLUMNS.web_pages.map((c) => c.name).join(', ');

  it('UNLOADs rollup_web_days.sql of the day ± 1 and the web_events quality of the day, one per table', async () => {
    await putWeb('2026-11-21', 'part-0.parquet', 'web day one');
    await putWeb('2026-11-22', 'part-0.parquet', 'web day two');
    const { adapter, engine: e } = rollups({ web: true });
    expect(adapter.tables).toEqual(['usage_events', 'web_events']);
    const result = await adapter.sync({ table: 'web_events' });
    expect(result).toMatchObject({
      timezone: ZONE,
      built: ['2026-11-22', '2026-11-21'],
      removed: [],
      failed: null,
      bytesScanned: 6 * 1_048_576,
    });
    expect(sent).toHaveLength(6);
    const sources = await e.sources();
    for (const [dt, before, after] of [
      ['2026-11-21', '2026-11-20', '2026-11-22'],
      ['2026-11-22', '2026-11-21', '2026-11-23'],
    ] as const) {
      // As the local adapter's batch of this one day: the calendar and values of the day ± 1.
      const ctx = { sources, currency: 'USD', periods: rollupCalendar(before, after, ZONE) };
      const values = [before, after, dt, dt].map((value) => ({ type: 'varchar' as const, value }));
      const days = composeQuery('rollup_web_days', values, ctx);
      const quality = dataQualityQuery('web_events', ctx, { fromDt: dt, toDt: dt }, { byPartition: true });
      const byTable = new Map(sent.filter((q) => dayOf(q) === dt).map((q) => [tableOf(q), q]));
      expect([...byTable.keys()].sort()).toEqual([...WEB_ROLLUP_TABLES].sort());
      for (const [table, inner, wrapper] of [
        ['web_sessions', days, `UNLOAD (SELECT ${sessionColumns} FROM (`],
        ['web_pages', days, `UNLOAD (SELECT ${pageColumns} FROM (`],
        [
          'web_quality',
          quality,
          'UNLOAD (SELECT reason, row_count, distinct_keys, latest, example, span_from, span_to FROM (',
        ],
      ] as const) {
        const q = byTable.get(table);
        expect(q?.location).toBe(`s3://${BUCKET}/${ROLLUP_PREFIX}/${table}/dt=${dt}/`);
        expect(q?.sql.startsWith(wrapper), table).toBe(true);
        // The composed query file, unchanged, with its values bound; only the wrapper is added.
        expect(q?.sql).toContain(inner?.sql ?? 'missing');
        expect(q?.params).toEqual(inner?.params.map(renderAthenaParameter));
        const inside = (q?.sql ?? '').slice(0, (q?.sql ?? '').lastIndexOf('\nTO '));
        expect(inside).not.toContain(dt);
      }
      // The file's own WITH joins the composed one: everything from its first step on is verbatim.
      const file = loadSql('rollup_web_days').trim();
      expect(byTable.get('web_sessions')?.sql).toContain(file.slice(file.indexOf('WITH deduped AS (') + 5));
      // The pass reads the neighbour partitions and keeps the day's rows.
      expect(byTable.get('web_sessions')?.params).toEqual([
        `'${before}'`,
        `'${after}'`,
        `'${dt}'`,
        `'${dt}'`,
      ]);
      expect(byTable.get('web_sessions')?.sql).toContain(
        ") AS day_rows WHERE part = 'session'\nORDER BY visitor_id, session_id, local_day)\nTO ",
      );
      expect(byTable.get('web_pages')?.sql).toContain(
        ") AS day_rows WHERE part = 'page' AND page IS NOT NULL\nORDER BY page, local_day)\nTO ",
      );
    }
    // Its own manifest; the usage manifest is not touched.
    const manifest = await storedManifest(WEB_MANIFEST_KEY);
    expect(manifest).toMatchObject({
      version: WEB_ROLLUP_VERSION,
      timezone: ZONE,
      dataSource: 'athena:cs_kpi',
    });
    expect(Object.keys(manifest?.days ?? {})).toEqual(['2026-11-21', '2026-11-22']);
    // A day's fingerprint is its neighbours' and its own ('-': no partition).
    expect(manifest?.days['2026-11-21']?.fingerprint).toMatch(/^-\+[0-9a-f]{32}\+[0-9a-f]{32}$/);
    expect(manifest?.days['2026-11-22']?.fingerprint).toMatch(/^[0-9a-f]{32}\+[0-9a-f]{32}\+-$/);
    expect(await storedManifest(MANIFEST_KEY)).toBeNull();
  });

  it('the SELECT inside each web UNLOAD and the long-session check parse with the Trino grammar', async () => {
    await putWeb('2026-11-22', 'part-0.parquet', 'web');
    const { adapter } = rollups({ web: true });
    await adapter.sync({ table: 'web_events' });
    expect(
      await adapter.prepare({
        table: 'web_events',
        timezone: ZONE,
        fromDt: '2026-11-22',
        toDt: '2026-11-22',
      }),
    ).toMatchObject({ usable: true });
    const parser = new TrinoSQL();
    const unloads = sent.filter((q) => q.sql.startsWith('UNLOAD '));
    expect(unloads).toHaveLength(3);
    for (const q of unloads) {
      const inner = q.sql.slice('UNLOAD ('.length, q.sql.lastIndexOf(')\nTO '));
      expect(parser.validate(inner), tableOf(q)).toEqual([]);
    }
    const checks = sent.filter((q) => !q.sql.startsWith('UNLOAD '));
    expect(checks).toHaveLength(1);
    expect(parser.validate(checks[0]?.sql ?? '')).toEqual([]);
  });

  it('a rerun builds nothing; a late file in day d rebuilds d − 1, d and d + 1, a removed day its neighbours', async () => {
    for (const dt of webDays) await putWeb(dt, 'part-0.parquet', `web ${dt}`);
    await rollups({ web: true }).adapter.sync({ table: 'web_events' });
    const first = await storedManifest(WEB_MANIFEST_KEY);
    expect(Object.keys(first?.days ?? {})).toEqual(webDays);
    sent = [];
    expect(await rollups({ web: true }).adapter.sync({ table: 'web_events' })).toMatchObject({
      built: [],
      current: 5,
    });
    expect(sent).toEqual([]);
    expect(await storedManifest(WEB_MANIFEST_KEY)).toEqual(first);

    // A late file of 2026-11-22: sessions of the day before and after may continue in it.
    await putWeb('2026-11-22', 'part-1.parquet', 'late web rows');
    const late = await rollups({ web: true }).adapter.sync({ table: 'web_events' });
    expect(late).toMatchObject({ built: ['2026-11-23', '2026-11-22', '2026-11-21'], current: 2 });
    expect([...new Set(sent.map(dayOf))].sort()).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    expect(sent).toHaveLength(9);
    // Rebuilt over their own earlier files: each prefix was emptied first (else Athena refuses).
    for (const table of WEB_ROLLUP_TABLES) {
      for (const dt of ['2026-11-21', '2026-11-22', '2026-11-23']) {
        expect(await keysUnder(`${ROLLUP_PREFIX}/${table}/dt=${dt}/`)).toHaveLength(1);
      }
    }
    const after = await storedManifest(WEB_MANIFEST_KEY);
    expect(after?.days['2026-11-20']).toEqual(first?.days['2026-11-20']);
    expect(after?.days['2026-11-24']).toEqual(first?.days['2026-11-24']);

    // The last day's files are gone: its rollups go, the day before it is rebuilt.
    sent = [];
    await s3.client.send(
      new DeleteObjectCommand({ Bucket: BUCKET, Key: `${RAW_WEB_PREFIX}/dt=2026-11-24/part-0.parquet` }),
    );
    const removed = await rollups({ web: true }).adapter.sync({ table: 'web_events' });
    expect(removed).toMatchObject({ built: ['2026-11-23'], removed: ['2026-11-24'] });
    for (const table of WEB_ROLLUP_TABLES) {
      expect(await keysUnder(`${ROLLUP_PREFIX}/${table}/dt=2026-11-24/`)).toEqual([]);
    }
  });

  it('the job syncs both sets; a failed web UNLOAD leaves the web manifest untouched and fails the run', async () => {
    for (const dt of ['2026-11-21', '2026-11-22']) {
      await putRaw(dt, 'part-0.parquet', `usage ${dt}`);
      await putWeb(dt, 'part-0.parquet', `web ${dt}`);
    }
    failWith = (q) =>
      dayOf(q) === '2026-11-21' && tableOf(q) === 'web_pages'
        ? 'HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://cs-kpi-data/data/web_events/dt=2026-11-21/part-0.parquet'
        : null;
    const error = await runRollupJob({ rollups: rollups({ web: true }).adapter }, { dryRun: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RollupJobError);
    expect((error as RollupJobError).message).toMatch(
      /^web rollup of 2026-11-21 failed: Athena query "rollup_web_pages" failed: HIVE_CANNOT_OPEN_SPLIT/,
    );
    // The usage set was built whole; the web set kept its newest day, not the failed one.
    expect(Object.keys((await storedManifest(MANIFEST_KEY))?.days ?? {})).toEqual([
      '2026-11-21',
      '2026-11-22',
    ]);
    expect(Object.keys((await storedManifest(WEB_MANIFEST_KEY))?.days ?? {})).toEqual(['2026-11-22']);

    failWith = () => null;
    sent = [];
    const summary = await runRollupJob({ rollups: rollups({ web: true }).adapter }, { dryRun: false });
    expect(summary).toMatchObject({
      built: [],
      current: 2,
      web: { built: ['2026-11-21'], removed: [], pending: [], current: 1, bytesScanned: 3 * 1_048_576 },
    });
    expect(sent.map(tableOf).sort()).toEqual(['web_pages', 'web_quality', 'web_sessions']);
    // The failed day's orphan is gone: one file per prefix.
    expect(await keysUnder(`${ROLLUP_PREFIX}/web_pages/dt=2026-11-21/`)).toHaveLength(1);
    expect(Object.keys((await storedManifest(WEB_MANIFEST_KEY))?.days ?? {})).toEqual([
      '2026-11-21',
      '2026-11-22',
    ]);
    // Without the web folder configured, the job syncs the usage rollups alone.
    sent = [];
    const usageOnly = await runRollupJob({ rollups: rollups().adapter }, { dryRun: false });
    expect(usageOnly.web).toBeUndefined();
  });
});

describe('a report over the Athena rollups (prepare)', () => {
  const window = { timezone: ZONE, fromDt: '2026-11-16', toDt: '2026-11-22' };

  it('builds the few missing or stale days of its window itself, checks for long sessions, then reads the rollups', async () => {
    for (const dt of ['2026-11-15', '2026-11-21', '2026-11-22', '2026-11-23']) {
      await putRaw(dt, 'part-0.parquet', dt);
    }
    const ready = await rollups().adapter.prepare(window);
    // 2026-11-15 (the day before the window) and 2026-11-23 (after it) are read, not built.
    expect(ready).toEqual({ usable: true, timezone: ZONE, built: ['2026-11-22', '2026-11-21'], removed: [] });
    const unloads = sent.filter((q) => q.sql.startsWith('UNLOAD '));
    expect(new Set(unloads.map(dayOf))).toEqual(new Set(['2026-11-21', '2026-11-22']));
    // The session UNLOAD of 11-22 reads 11-23 beside it.
    expect(
      unloads.find((q) => dayOf(q) === '2026-11-22' && tableOf(q) === 'usage_sessions')?.params.slice(-6),
    ).toEqual([
      "'2026-11-21'",
      "'2026-11-23'",
      "'2026-11-22'",
      "'2026-11-22'",
      "'2026-11-22'",
      "'2026-11-22'",
    ]);
    // Then the check, on Athena, over the Glue table of the sessions rollup: built before checked.
    const check = sent.filter((q) => !q.sql.startsWith('UNLOAD '));
    expect(check).toHaveLength(1);
    expect(check[0]?.sql).toContain(loadSql('usage_rollup_check').trim());
    expect(check[0]?.sql).toContain('FROM usage_rollup_sessions AS s');
    expect(check[0]?.params).toEqual(["'2026-11-16'", "'2026-11-22'"]);
    expect(sent.indexOf(check[0] as SentQuery)).toBe(sent.length - 1);
    expect(new TrinoSQL().validate(check[0]?.sql ?? '')).toEqual([]);

    sent = [];
    expect(await rollups().adapter.prepare(window)).toEqual({
      usable: true,
      timezone: ZONE,
      built: [],
      removed: [],
    });
    expect(sent.filter((q) => q.sql.startsWith('UNLOAD '))).toEqual([]);

    // A session of those days lasting over 24 hours: the raw events.
    sent = [];
    longSessions = '2';
    expect(await rollups().adapter.prepare(window)).toEqual({
      usable: false,
      reason:
        "2 usage sessions of the report's days last over 24 hours: only the raw events give their figures",
    });
    expect(sent.filter((q) => q.sql.startsWith('UNLOAD '))).toEqual([]);

    // A check that fails: the raw events too.
    failWith = (q) =>
      q.sql.includes('usage_rollup_sessions') ? 'TABLE_NOT_FOUND: usage_rollup_sessions' : null;
    const unreadable = await rollups().adapter.prepare(window);
    expect(unreadable.usable === false && unreadable.reason).toMatch(
      /^the usage rollups cannot be read: .*TABLE_NOT_FOUND/,
    );
  });

  it('offers no web rollups where the stack has none, and builds nothing for them', async () => {
    await putWeb('2026-11-22', 'part-0.parquet', 'web day');
    expect(await rollups().adapter.prepare({ ...window, table: 'web_events' })).toEqual({
      usable: false,
      reason: 'no web_events rollups are deployed',
    });
    expect(sent).toEqual([]);
  });

  it('web: builds the few missing days itself, checks for long sessions on Athena, then reads the rollups', async () => {
    for (const dt of ['2026-11-15', '2026-11-21', '2026-11-22', '2026-11-23']) {
      await putWeb(dt, 'part-0.parquet', `web ${dt}`);
    }
    const web = { ...window, table: 'web_events' as const };
    const ready = await rollups({ web: true }).adapter.prepare(web);
    // 2026-11-15 (the day before the window) and 2026-11-23 (after it) are read, not built.
    expect(ready).toEqual({ usable: true, timezone: ZONE, built: ['2026-11-22', '2026-11-21'], removed: [] });
    const check = sent.filter((q) => !q.sql.startsWith('UNLOAD '));
    expect(check).toHaveLength(1);
    expect(check[0]?.sql).toContain(loadSql('web_rollup_check').trim());
    expect(check[0]?.sql).toContain('FROM web_rollup_sessions AS s');
    expect(check[0]?.params).toEqual(["'2026-11-16'", "'2026-11-22'"]);
    // Built before checked.
    expect(sent.indexOf(check[0] as SentQuery)).toBe(sent.length - 1);

    sent = [];
    longSessions = '2';
    expect(await rollups({ web: true }).adapter.prepare(web)).toEqual({
      usable: false,
      reason:
        "2 web sessions of the report's days last over 24 hours: only the raw events give their figures",
    });
    expect(sent.filter((q) => q.sql.startsWith('UNLOAD '))).toEqual([]);

    expect(await rollups({ web: true }).adapter.prepare({ ...web, timezone: 'UTC' })).toEqual({
      usable: false,
      reason: `the web rollups are in ${ZONE}, the report in UTC`,
    });
  });

  it('web: reads the raw events with too many days to build, or when a day fails', async () => {
    for (let d = 10; d <= 22; d += 1) await putWeb(`2026-11-${d}`, 'part-0.parquet', `web ${d}`);
    const web = { ...window, table: 'web_events' as const };
    expect(await rollups({ web: true }).adapter.prepare({ ...web, fromDt: '2026-11-10' })).toEqual({
      usable: false,
      reason:
        "13 days of the report's window are not rolled up or are stale (a report builds at most 7; the daily rollup job builds the rest)",
    });
    expect(sent).toEqual([]);
    failWith = (q) =>
      dayOf(q) === '2026-11-20' ? 'Access Denied (Service: Amazon S3; Status Code: 403)' : null;
    const failed = await rollups({ web: true }).adapter.prepare(web);
    expect(failed.usable === false && failed.reason).toMatch(
      /^the web rollups cannot be written: 2026-11-20: Athena query "rollup_web_[a-z_]+" failed: Access Denied/,
    );
    expect(Object.keys((await storedManifest(WEB_MANIFEST_KEY))?.days ?? {})).toEqual([
      '2026-11-21',
      '2026-11-22',
    ]);
    expect(sent.filter((q) => !q.sql.startsWith('UNLOAD '))).toEqual([]);
  });

  it('reads the raw events, saying why, in another zone, with too many days to build, or when a day fails', async () => {
    for (let d = 10; d <= 22; d += 1) await putRaw(`2026-11-${d}`, 'part-0.parquet', `day ${d}`);
    expect(await rollups().adapter.prepare({ ...window, timezone: 'UTC' })).toEqual({
      usable: false,
      reason: `the usage rollups are in ${ZONE}, the report in UTC`,
    });
    const wide = await rollups().adapter.prepare({ ...window, fromDt: '2026-11-10' });
    expect(wide).toEqual({
      usable: false,
      reason:
        "13 days of the report's window are not rolled up or are stale (a report builds at most 7; the daily rollup job builds the rest)",
    });
    expect(sent).toEqual([]);

    failWith = (q) =>
      dayOf(q) === '2026-11-20' ? 'Access Denied (Service: Amazon S3; Status Code: 403)' : null;
    const failed = await rollups().adapter.prepare(window);
    expect(failed.usable).toBe(false);
    expect(failed.usable === false && failed.reason).toMatch(
      /^the usage rollups cannot be written: 2026-11-20: Athena query "rollup_usage_[a-z_]+" failed: Access Denied/,
    );
    expect(Object.keys((await storedManifest())?.days ?? {})).toEqual(['2026-11-21', '2026-11-22']);
  });
});

describe('the rollup tables have one set of columns', () => {
  it('the local adapter writes exactly the columns the UNLOADs select and the Glue tables declare, usage and web', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rollup-columns-'));
    try {
      await generateSampleData({
        outDir: join(root, 'data'),
        seed: 5,
        endDate: '2026-11-22',
        months: 1,
        accounts: 20,
        usageEvents: 2_000,
      });
      const duck = await DuckDbEngine.open({ dataDir: join(root, 'data') });
      try {
        const local = new LocalUsageRollups({
          engine: duck,
          rollupDir: join(root, 'rollups'),
          timezone: ZONE,
        });
        expect((await local.sync()).usable).toBe(true);
        expect((await local.sync(undefined, 'web_events')).usable).toBe(true);
        const glueType: Readonly<Record<string, string>> = {
          DATE: 'date',
          VARCHAR: 'string',
          BIGINT: 'bigint',
          INTEGER: 'int',
          'VARCHAR[]': 'array<string>',
          TIMESTAMP: 'timestamp',
        };
        for (const table of [...ROLLUP_TABLES, ...WEB_ROLLUP_TABLES]) {
          const files = join(root, 'rollups', table, '*', '*.parquet').replace(/'/g, "''");
          const described = await duck.query({
            name: 'describe_rollup',
            sql: `DESCRIBE SELECT * FROM read_parquet('${files}', hive_partitioning = false)`,
            params: [],
          });
          const columns = described.rows.map((r) => ({
            name: String(r.column_name),
            glueType: glueType[String(r.column_type)] ?? String(r.column_type),
          }));
          expect(columns, table).toEqual(
            ROLLUP_COLUMNS[table].map((c) => ({ name: c.name, glueType: c.glueType })),
          );
        }
      } finally {
        await duck.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
