/**
 * The query engine of a command: DuckDB over a local folder, or `--engine athena`, the very
 * AthenaEngine the Lambda runs, over the deployment's workgroup and database, with credentials
 * and region from the standard AWS chain (environment, profile, SSO, instance role).
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaEngine } from '../adapters/engines/athena.js';
import { DuckDbEngine } from '../adapters/engines/duckdb.js';
import type { QueryEngine } from '../app/ports/query-engine.js';
import { TABLE_NAMES, type TableName } from '../contract/contract.js';
import { catalogNameSchema, EXPECTED, isCatalogName, notA, oneOfSchema } from '../core/validators.js';
import { checkFlag, UsageError } from './usage-error.js';

export const ENGINE_KINDS = ['duckdb', 'athena'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export interface AthenaSettings {
  readonly workgroup: string;
  readonly database: string;
  readonly tables: Partial<Record<TableName, string>>;
}

export type EngineChoice =
  { readonly kind: 'duckdb' } | { readonly kind: 'athena'; readonly athena: AthenaSettings };

export const ENGINE_USAGE = `  --engine duckdb|athena    where the queries run (default duckdb, over --data)
  --workgroup NAME          Athena workgroup (default $ATHENA_WORKGROUP; the stack's AthenaWorkGroupName)
  --database NAME           Glue database (default $ATHENA_DATABASE; the stack's GlueDatabaseName)
  --tables JSON             contract table → Glue table, e.g. '{"accounts":"crm_accounts"}'
                            (default $ATHENA_TABLES, else every contract table under its own name)
`;

/** The engine flags, validated; Athena settings fall back to the Lambda's variable names. */
export function parseEngineFlags(
  values: { engine?: string; workgroup?: string; database?: string; tables?: string },
  env: NodeJS.ProcessEnv,
): EngineChoice {
  const kind: EngineKind = checkFlag(oneOfSchema(ENGINE_KINDS), '--engine', values.engine ?? 'duckdb');
  if (kind === 'duckdb') {
    for (const flag of ['workgroup', 'database', 'tables'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to --engine athena only`);
    }
    return { kind };
  }
  const workgroup = values.workgroup ?? env.ATHENA_WORKGROUP ?? '';
  if (workgroup.trim() === '') {
    throw new UsageError(
      '--engine athena needs --workgroup (or ATHENA_WORKGROUP): the stack output AthenaWorkGroupName',
    );
  }
  const database = values.database ?? env.ATHENA_DATABASE ?? '';
  if (database === '') {
    throw new UsageError(
      '--engine athena needs --database (or ATHENA_DATABASE): the stack output GlueDatabaseName',
    );
  }
  checkFlag(catalogNameSchema, '--database', database);
  const tablesText = values.tables ?? env.ATHENA_TABLES;
  let tables: Partial<Record<TableName, string>> = Object.fromEntries(TABLE_NAMES.map((t) => [t, t]));
  if (tablesText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(tablesText) as unknown;
    } catch {
      throw new UsageError(`--tables is not JSON (expected e.g. '{"accounts":"crm_accounts"}')`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError('--tables must be a JSON object of contract table → Glue table');
    }
    tables = {};
    for (const [table, glue] of Object.entries(parsed)) {
      if (!(TABLE_NAMES as readonly string[]).includes(table)) {
        throw new UsageError(`--tables: "${table}" is not a contract table (${TABLE_NAMES.join(', ')})`);
      }
      if (typeof glue !== 'string' || !isCatalogName(glue)) {
        throw new UsageError(`--tables.${table}: ${notA(glue, EXPECTED.catalogName)}`);
      }
      tables[table as TableName] = glue;
    }
  }
  return { kind, athena: { workgroup, database, tables } };
}

export interface OpenEngineOptions {
  /** The data folder (DuckDB). */
  readonly dataDir: string;
  /** Injectable for tests; default a client of the standard credential chain and region. */
  readonly athenaClient?: AthenaClient;
}

export async function openEngine(choice: EngineChoice, options: OpenEngineOptions): Promise<QueryEngine> {
  if (choice.kind === 'duckdb') return DuckDbEngine.open({ dataDir: options.dataDir });
  return new AthenaEngine({
    ...(options.athenaClient ? { client: options.athenaClient } : {}),
    workgroup: choice.athena.workgroup,
    database: choice.athena.database,
    tables: choice.athena.tables,
  });
}
