/**
 * The Athena query engine: runs the composed report SQL in a workgroup, with bound parameters,
 * bounded parallelism, polling with backoff, retries on throttling and a hard timeout.
 */
import { randomUUID } from 'node:crypto';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { TABLE_NAMES, type TableName } from '../../contract/contract.js';
import { InputError } from '../../core/input-error.js';
import { EXPECTED, isCatalogName, notA, problem } from '../../core/validators.js';
import {
  type QueryEngine,
  type QueryRequest,
  type QueryResult,
  type QueryStats,
  type TableSource,
} from '../../app/ports/query-engine.js';
import { type Row, type SqlValue } from '../../core/sql-values.js';
import { AthenaQueryError, parseCell, renderAthenaParameter, type TypedColumn } from './athena-values.js';
import { estimateQueryCostUsd, type AthenaQueryCost, type AthenaTotals } from './athena-cost.js';
import {
  ADAPTER_RETRIES_CLIENT_CONFIG,
  ATHENA_RETRY,
  backoffCeilingMs,
  isTransientAwsError,
} from '../aws/retry.js';

export interface AthenaEngineLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
}

export interface AthenaEngineConfig {
  /** Defaults to a client for the ambient region and credentials. */
  readonly client?: AthenaClient;
  readonly workgroup: string;
  readonly database: string;
  /** Contract table name → Glue table name; a table not listed is absent. */
  readonly tables: Partial<Record<TableName, string>>;
  /** Defaults to AwsDataCatalog. */
  readonly catalog?: string;
  /** Queries running at the same time (default 4). */
  readonly maxConcurrent?: number;
  /** First delay between status polls (default 500 ms); it grows ×1.5 up to 5 s. */
  readonly pollIntervalMs?: number;
  /** Longest a single query may run before it is stopped (default 5 minutes). */
  readonly timeoutMs?: number;
  /** Price per terabyte scanned (default 5 USD). */
  readonly pricePerTbUsd?: number;
  /** Attempts for a throttled or transient call or a retryable failed query (default 5). */
  readonly maxAttempts?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: a number in [0, 1) for retry jitter. */
  readonly random?: () => number;
  readonly logger?: AthenaEngineLogger;
}

const MAX_POLL_INTERVAL_MS = 5_000;

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** A counting semaphore: at most `limit` holders at a time, served in arrival order. */
class Semaphore {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so #active stays the same.
      if (next) next();
      else this.#active -= 1;
    }
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One attempt's outcome that may be retried: Athena says the failure was transient. */
class RetryableQueryFailure extends Error {
  constructor(readonly final: AthenaQueryError) {
    super(final.message);
  }
}

export class AthenaEngine implements QueryEngine {
  readonly kind = 'athena' as const;
  readonly dataSource: string;
  readonly #client: AthenaClient;
  readonly #ownsClient: boolean;
  readonly #workgroup: string;
  readonly #database: string;
  readonly #catalog: string;
  readonly #tables: ReadonlyMap<TableName, string>;
  readonly #semaphore: Semaphore;
  readonly #pollIntervalMs: number;
  readonly #timeoutMs: number;
  readonly #pricePerTbUsd: number;
  readonly #maxAttempts: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #logger: AthenaEngineLogger | undefined;
  readonly #costs: AthenaQueryCost[] = [];

  constructor(config: AthenaEngineConfig) {
    if (!config.workgroup.trim()) throw new InputError('Athena workgroup is empty');
    if (!isCatalogName(config.database)) {
      throw new InputError(problem('Athena database', notA(config.database, EXPECTED.catalogName)));
    }
    this.dataSource = `athena:${config.database}`;
    const tables = new Map<TableName, string>();
    for (const [table, glueTable] of Object.entries(config.tables)) {
      if (!(TABLE_NAMES as readonly string[]).includes(table)) {
        throw new InputError(
          `"${table}" is not a contract table (expected one of ${TABLE_NAMES.join(', ')})`,
        );
      }
      if (glueTable === undefined) continue;
      if (!isCatalogName(glueTable)) {
        throw new InputError(problem(`Glue table for ${table}`, notA(glueTable, EXPECTED.catalogName)));
      }
      tables.set(table as TableName, glueTable);
    }
    const positive = (value: number | undefined, fallback: number, what: string): number => {
      const v = value ?? fallback;
      if (!Number.isFinite(v) || v <= 0) throw new InputError(`${what} must be a positive number`);
      return v;
    };
    this.#ownsClient = config.client === undefined;
    this.#client = config.client ?? new AthenaClient(ADAPTER_RETRIES_CLIENT_CONFIG);
    this.#workgroup = config.workgroup;
    this.#database = config.database;
    this.#catalog = config.catalog ?? 'AwsDataCatalog';
    this.#tables = tables;
    this.#semaphore = new Semaphore(Math.floor(positive(config.maxConcurrent, 4, 'maxConcurrent')));
    this.#pollIntervalMs = positive(config.pollIntervalMs, 500, 'pollIntervalMs');
    this.#timeoutMs = positive(config.timeoutMs, 300_000, 'timeoutMs');
    this.#pricePerTbUsd = config.pricePerTbUsd ?? 5;
    this.#maxAttempts = Math.floor(positive(config.maxAttempts, ATHENA_RETRY.attempts, 'maxAttempts'));
    this.#sleep = config.sleep ?? defaultSleep;
    this.#random = config.random ?? Math.random;
    this.#logger = config.logger;
  }

  async sources(): Promise<readonly TableSource[]> {
    return TABLE_NAMES.map((table): TableSource => {
      const glueTable = this.#tables.get(table);
      return glueTable
        ? { table, relation: `"${this.#database}"."${glueTable}"` }
        : { table, relation: null, absentReason: 'not configured in the stack (tables)' };
    });
  }

  async query(request: QueryRequest): Promise<QueryResult> {
    return this.#run(request, true);
  }

  /**
   * Runs a statement that returns no rows to read (an `UNLOAD`, whose files Athena writes to its
   * TO location): the same retries, timeout and cost accounting as a query, without fetching
   * results.
   */
  async execute(request: QueryRequest): Promise<QueryStats> {
    return (await this.#run(request, false)).stats;
  }

  async #run(request: QueryRequest, fetchResults: boolean): Promise<QueryResult> {
    // Render before queueing so a bad parameter fails fast and never reaches Athena.
    const parameters = request.params.map(renderAthenaParameter);
    return this.#semaphore.run(async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await this.#runOnce(request, parameters, fetchResults);
        } catch (error) {
          if (error instanceof RetryableQueryFailure) {
            if (attempt >= this.#maxAttempts) throw error.final;
            this.#logger?.warn('Athena query failed transiently; retrying', {
              query: request.name,
              attempt,
              reason: error.final.reason,
            });
            await this.#sleep(this.#backoff(attempt));
            continue;
          }
          throw error;
        }
      }
    });
  }

  /** Bytes scanned and estimated cost of every query this engine has run so far. */
  totals(): AthenaTotals {
    const bytesScanned = this.#costs.reduce((sum, c) => sum + c.bytesScanned, 0);
    const estimatedCostUsd = this.#costs.reduce((sum, c) => sum + c.estimatedCostUsd, 0);
    return { queries: this.#costs.length, bytesScanned, estimatedCostUsd, perQuery: [...this.#costs] };
  }

  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }

  /** Exponential backoff with full jitter: a random delay up to 400 ms × 2^(attempt-1), capped at 10 s. */
  #backoff(attempt: number): number {
    return Math.max(50, Math.floor(this.#random() * backoffCeilingMs(ATHENA_RETRY, attempt)));
  }

  /** Sends one API call, retrying throttling and transient errors with jittered backoff. */
  async #call<T>(what: string, queryName: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await send();
      } catch (error) {
        if (!isTransientAwsError(error) || attempt >= this.#maxAttempts) {
          throw new AthenaQueryError(
            `Athena ${what} for query "${queryName}" failed: ${describeError(error)}`,
            queryName,
            undefined,
            describeError(error),
          );
        }
        this.#logger?.warn('Athena call throttled or failed transiently; retrying', {
          query: queryName,
          call: what,
          attempt,
          error: describeError(error),
        });
        await this.#sleep(this.#backoff(attempt));
      }
    }
  }

  #record(cost: Omit<AthenaQueryCost, 'estimatedCostUsd'>, billable: boolean): AthenaQueryCost {
    const entry: AthenaQueryCost = {
      ...cost,
      // Athena does not bill failed queries; cancelled (timed-out) ones pay for what they scanned.
      estimatedCostUsd: billable ? estimateQueryCostUsd(cost.bytesScanned, this.#pricePerTbUsd) : 0,
    };
    this.#costs.push(entry);
    this.#logger?.info('Athena query finished', { ...entry });
    return entry;
  }

  async #runOnce(
    request: QueryRequest,
    parameters: readonly string[],
    fetchResults: boolean,
  ): Promise<QueryResult> {
    const name = request.name;
    const started = Date.now();
    // The same token on every retry of this start makes a retried start idempotent.
    const clientRequestToken = randomUUID();
    const start = await this.#call('StartQueryExecution', name, () =>
      this.#client.send(
        new StartQueryExecutionCommand({
          QueryString: request.sql,
          WorkGroup: this.#workgroup,
          QueryExecutionContext: { Catalog: this.#catalog, Database: this.#database },
          ClientRequestToken: clientRequestToken,
          ...(parameters.length > 0 ? { ExecutionParameters: [...parameters] } : {}),
        }),
      ),
    );
    const id = start.QueryExecutionId;
    if (!id)
      throw new AthenaQueryError(`Athena returned no execution id for "${name}"`, name, undefined, 'no id');

    let slept = 0;
    let interval = this.#pollIntervalMs;
    let execution: QueryExecution | undefined;
    for (;;) {
      const status = await this.#call('GetQueryExecution', name, () =>
        this.#client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      execution = status.QueryExecution;
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      const bytesSoFar = execution?.Statistics?.DataScannedInBytes ?? 0;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const athenaError = execution?.Status?.AthenaError;
        const reason =
          athenaError?.ErrorMessage ?? execution?.Status?.StateChangeReason ?? `query ${state.toLowerCase()}`;
        this.#record(
          {
            name,
            queryExecutionId: id,
            state,
            milliseconds: Date.now() - started,
            rows: 0,
            bytesScanned: bytesSoFar,
          },
          state === 'CANCELLED',
        );
        const error = new AthenaQueryError(
          `Athena query "${name}" ${state === 'FAILED' ? 'failed' : 'was cancelled'}: ${reason} (query execution ${id})`,
          name,
          id,
          reason,
        );
        // Athena flags failures that are worth retrying (e.g. a transient internal error).
        if (state === 'FAILED' && athenaError?.Retryable === true) throw new RetryableQueryFailure(error);
        throw error;
      }
      // Wall time covers real runs; summed sleeps cover injected (instant) sleeps in tests.
      const elapsed = Math.max(Date.now() - started, slept);
      if (elapsed >= this.#timeoutMs) {
        try {
          await this.#client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        } catch (error) {
          this.#logger?.warn('StopQueryExecution failed', {
            query: name,
            queryExecutionId: id,
            error: describeError(error),
          });
        }
        this.#record(
          {
            name,
            queryExecutionId: id,
            state: 'TIMED_OUT',
            milliseconds: elapsed,
            rows: 0,
            bytesScanned: bytesSoFar,
          },
          true,
        );
        const reason = `did not finish within ${Math.round(this.#timeoutMs / 1000)} s and was stopped`;
        throw new AthenaQueryError(
          `Athena query "${name}" ${reason} (query execution ${id})`,
          name,
          id,
          reason,
        );
      }
      const wait = Math.min(interval, this.#timeoutMs - elapsed);
      await this.#sleep(wait);
      slept += wait;
      interval = Math.min(MAX_POLL_INTERVAL_MS, interval * 1.5);
    }

    const rows = fetchResults ? await this.#fetchRows(name, id) : [];
    const bytesScanned = execution?.Statistics?.DataScannedInBytes ?? 0;
    const milliseconds = execution?.Statistics?.EngineExecutionTimeInMillis ?? Date.now() - started;
    this.#record(
      { name, queryExecutionId: id, state: 'SUCCEEDED', milliseconds, rows: rows.length, bytesScanned },
      true,
    );
    return { rows, stats: { name, milliseconds, rows: rows.length, bytesScanned } };
  }

  async #fetchRows(name: string, id: string): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: TypedColumn[] | undefined;
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      const token = nextToken;
      const page: GetQueryResultsCommandOutput = await this.#call('GetQueryResults', name, () =>
        this.#client.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            MaxResults: 1000,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      columns ??= this.#columns(name, page.ResultSet?.ResultSetMetadata?.ColumnInfo);
      const pageRows = page.ResultSet?.Rows ?? [];
      // The first row of a SELECT's first page repeats the column names.
      for (const row of firstPage ? pageRows.slice(1) : pageRows) {
        const data = row.Data ?? [];
        const out: Record<string, SqlValue> = {};
        columns.forEach((column, i) => {
          out[column.name] = parseCell(data[i]?.VarCharValue, column, name);
        });
        rows.push(out);
      }
      firstPage = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  #columns(name: string, info: readonly ColumnInfo[] | undefined): TypedColumn[] {
    if (!info)
      throw new AthenaQueryError(
        `Athena query "${name}" returned no column metadata`,
        name,
        undefined,
        'no metadata',
      );
    return info.map((c) => ({ name: c.Name ?? '', type: c.Type ?? '' }));
  }
}
