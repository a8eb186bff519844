/**
 * Generates docs/data-contract.md from the schema module (functions/contract/contract.ts), the
 * single source of truth for the tables. A test fails when the committed file is stale.
 *
 *   npx tsx scripts/contract-docs.ts          # rewrite docs/data-contract.md
 *   npx tsx scripts/contract-docs.ts --check  # exit 1 if it is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CONTRACT,
  glueType,
  sqlType,
  type ColumnSpec,
  type DataQualityReason,
  type TableSpec,
} from '../functions/contract/contract.js';

export const CONTRACT_DOCS_PATH = fileURLToPath(new URL('../docs/data-contract.md', import.meta.url));

const REASONS: Readonly<Record<DataQualityReason, string>> = {
  null_key: 'a key column is null',
  missing_required_field: 'a column that is not nullable is null',
  negative_amount: 'an amount or count is below zero',
  end_before_start: 'an end, due or follow-up time is before its start',
  unknown_currency:
    'a currency that is neither the reporting currency nor the base of fx_rates, and has no rate in fx_rates',
  score_out_of_scale: 'a score or percentage outside its scale',
  invalid_value:
    'a value that cannot be read exactly as its column type (an unreadable timestamp or date, a year past 9999, a fraction in an integer column, a number that does not fit), or a value outside the allowed set or range',
  malformed_row:
    'the record cannot be read as a row at all: a CSV line with more or fewer fields than the header, bytes that are not UTF-8, a line that is not a JSON object, or a JSON object, array, number or boolean where text is expected; every other row of the file is still used, and the example names the file and line',
  partition_mismatch:
    'an event stored under `dt=D` whose `occurred_at` is on another UTC day; it is counted, not moved into the period it belongs to (fix the pipeline that partitions the files)',
  duplicate_id: 'a second row with the same key (the first by the table’s keep-first order is kept)',
  mixed_fx_base: 'an exchange rate quoted in another base currency than the rest of fx_rates',
};

/** Text inside a Markdown table cell: pipes would end the cell, newlines the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const code = (text: string): string => `\`${text}\``;

function columnRow(c: ColumnSpec, table: TableSpec): string {
  const isKey = table.key.includes(c.name);
  const type = c.type === 'decimal' ? 'decimal(18,4)' : c.type;
  return `| ${code(c.name)}${isKey ? ' (key)' : ''} | ${type} | ${glueType(c.type)} | ${c.nullable ? 'yes' : 'no'} | ${cell(c.description)} |`;
}

function tableSection(t: TableSpec): string {
  const lines: string[] = [];
  lines.push(`## ${t.name}`, '');
  lines.push(cell(t.description), '');
  const facts = [
    `- Key: ${t.key.map(code).join(', ')}; of several rows with the same key the first by ${t.keepFirstBy.map(code).join(', ')} is kept.`,
  ];
  if (t.partitionedBy) {
    facts.push(
      `- Partitioned by ${code(t.partitionedBy)}: folders ${code(`${t.name}/dt=YYYY-MM-DD/`)}, the UTC date of ${code('occurred_at')}. In Athena the partitions are projected, so new days need no maintenance.`,
    );
  }
  if (t.dedupeInQueries) {
    facts.push(
      `- Duplicate ${code(t.key.join(', '))} values are counted once by the queries and counted as duplicates in the data-quality section.`,
    );
  }
  facts.push(`- Freshness: the latest ${code(t.freshnessColumn)} tells how recent the table is.`);
  facts.push(
    t.optional
      ? '- Optional: without it, the digest leaves out its website and social figures with one line saying why; the rest of the report is unchanged.'
      : '- Read by the digest. Without it, the KPIs that need it show as not available, with the reason.',
  );
  lines.push(...facts, '');
  if (t.notes) lines.push(...t.notes.flatMap((note) => [note, '']));
  lines.push('| column | type | Athena / Glue type | nullable | meaning |', '|---|---|---|---|---|');
  lines.push(...t.columns.map((c) => columnRow(c, t)), '');
  lines.push('Rows left out of every KPI and counted in the data-quality section:', '');
  lines.push('| reason | when | rule (SQL, true for a bad row) |', '|---|---|---|');
  lines.push(`| ${code('null_key')} | ${t.key.map(code).join(' or ')} is null | |`);
  const required = t.columns.filter((c) => !c.nullable && !t.key.includes(c.name)).map((c) => code(c.name));
  if (required.length > 0) {
    lines.push(`| ${code('missing_required_field')} | one of ${required.join(', ')} is null | |`);
  }
  for (const rule of t.rules) {
    lines.push(`| ${code(rule.reason)} | ${cell(rule.description)} | ${code(cell(rule.violation))} |`);
  }
  lines.push(`| ${code('duplicate_id')} | a second row with the same ${t.key.map(code).join(', ')} | |`, '');
  return lines.join('\n');
}

export function renderContractDocs(): string {
  const out: string[] = [
    '# Data contract',
    '',
    '<!-- Generated from functions/contract/contract.ts by `npx tsx scripts/contract-docs.ts`. Do not edit by hand. -->',
    '',
    'The tables the product reads, their columns and the rules a row must follow. The same schema',
    'module defines the local DuckDB views, the row validation, the Glue tables of the CDK stack and',
    'this page. To map your own data onto these tables, see [data-mapping.md](data-mapping.md).',
    '',
    'Rules may refer to `fx_currencies` (the reporting currency, the base of `fx_rates` and every currency with a rate in it),',
    '`fx_configured_base` (the configured base currency) and `fx_base` (the base of the `fx_rates` table).',
    '',
    'Conventions:',
    '',
    '- Timestamps are UTC instants; dates are calendar dates. Money is `decimal(18,4)` in the row’s own',
    '  `currency` (ISO 4217, upper case) and is converted to the reporting currency with `fx_rates`.',
    '- Layout: one folder per table, `<table>/`, under the data root locally or under `s3://<bucket>/<dataPrefix>/`',
    '  in AWS (Parquet by default; newline-delimited JSON when the stack is deployed with `dataFormat: json`).',
    '- Table names can be changed by the deployment configuration (`tableNames`); column names never.',
    '- A table that is missing switches off the KPIs that need it; a row that breaks a rule is left out',
    '  and counted by table and reason. Neither aborts a report. Every row read is either used or',
    '  counted: the snapshot gives `rowsRead`, `rowsUsed` and `rowsExcluded` per table, and',
    '  `rowsRead = rowsUsed + rowsExcluded`.',
    '- A file that cannot be read at all stops the report with one line naming the file (exit code 2',
    '  on the CLI, an `InputError` in Lambda) and nothing is sent: a zero-byte or truncated Parquet',
    '  file, binary data in a `.csv`/`.json` file, a CSV file without a header row naming the table’s',
    '  columns.',
    '',
    'Reading values (local CSV and NDJSON files, and Parquet columns of another type than the contract’s):',
    '',
    '- CSV: comma-separated, a header row, fields with commas, quotes or line breaks in double quotes',
    '  (RFC 4180). Columns are matched by header name; unknown columns are ignored. NDJSON: one JSON',
    '  object per line. Blank lines are not rows. An empty or whitespace-only value counts as missing, so a',
    '  blank key is a `null_key`.',
    '- Timestamps: `YYYY-MM-DD`, optionally `T` or a space and `HH:MM[:SS[.fraction]]`, optionally `Z`',
    '  or a UTC offset `+HH`, `+HHMM`, `+HH:MM` within ±23:59; no offset means UTC. Anything else',
    '  (`yesterday`, a leap second `23:59:60`, lower-case `t`/`z`, a zone name, an epoch number, an',
    '  offset beyond ±24 h) is `invalid_value`, never guessed. Dates: `YYYY-MM-DD`. Years past 9999',
    '  are `invalid_value` in every format.',
    '- Integers: digits with an optional sign (`3.0` reads as 3); a fraction (`2.7`), in text or in a',
    '  Parquet DOUBLE column, is `invalid_value`, never rounded. Money (`decimal(18,4)`) keeps four',
    '  decimal places; digits beyond the fourth are rounded half away from zero (float artefacts of',
    '  exports such as `19.990000000000002`), and a value that does not fit is `invalid_value`.',
    '- A key or required text field that is empty or only spaces counts as null.',
    '- NDJSON values: text columns take JSON strings only (a number, boolean, object or array there is',
    '  a `malformed_row`, the rest of the file is still used); other columns take strings or JSON',
    '  scalars of their kind (numbers keep every digit); an object or array is a `malformed_row`.',
    '- A record that cannot be read as a row (`malformed_row`) is counted with its file and line',
    '  (`example.file`, `example.line`, `example.problem` in the snapshot). A zero-byte CSV file stops',
    '  the run (it has no header row); a zero-byte NDJSON file is a file with no rows.',
    '',
    'Events and their `dt` partition (a choice for finance teams: a figure must never move silently):',
    '',
    '- An event stored under `dt=D` whose `occurred_at` falls on another UTC day is',
    '  `partition_mismatch`: counted in the reports that read partition D and used in none. It is not',
    '  moved to the day it belongs to, because queries read only the partitions of their days (as',
    '  Athena does) and such a file means the pipeline that writes it partitions wrongly (for example',
    '  by local instead of UTC day); fix the pipeline and the rows count again.',
    '- Without `dt=` folders the engine takes `dt` from `occurred_at`. A row whose `occurred_at` is',
    '  empty or unreadable then belongs to no day: every report counts it (`missing_required_field`',
    '  or `invalid_value`), so it is never lost. Under `dt=` folders such a row is counted by the',
    '  reports that read its partition.',
    '',
    '| table | read by the digest | key | partitioned | columns |',
    '|---|---|---|---|---|',
    ...CONTRACT.map(
      (t) =>
        `| [${t.name}](#${t.name}) | ${t.optional ? 'no (optional)' : 'yes'} | ${t.key.map(code).join(', ')} | ${t.partitionedBy ? code(t.partitionedBy) : ''} | ${t.columns.length} |`,
    ),
    '',
    ...CONTRACT.map(tableSection),
    '## Data-quality reasons',
    '',
    '| reason | meaning |',
    '|---|---|',
    ...Object.entries(REASONS).map(([reason, meaning]) => `| ${code(reason)} | ${meaning} |`),
    '',
    '## Types',
    '',
    'How each contract type is spelled in the Glue catalog and in SQL casts (both Athena and DuckDB):',
    '',
    '| contract type | Glue / Hive DDL | SQL cast |',
    '|---|---|---|',
    ...(['string', 'timestamp', 'date', 'decimal', 'int', 'bigint', 'boolean', 'double'] as const).map(
      (t) => `| ${t} | ${code(glueType(t))} | ${code(sqlType(t))} |`,
    ),
    '',
  ];
  return out.join('\n');
}

function main(argv: readonly string[]): void {
  const rendered = renderContractDocs();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(CONTRACT_DOCS_PATH, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== rendered) {
      console.error('docs/data-contract.md is out of date: run npx tsx scripts/contract-docs.ts');
      process.exit(1);
    }
    console.log('docs/data-contract.md is up to date');
    return;
  }
  writeFileSync(CONTRACT_DOCS_PATH, rendered);
  console.log(`wrote ${CONTRACT_DOCS_PATH}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
