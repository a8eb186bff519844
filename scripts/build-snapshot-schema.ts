/**
 * Writes docs/snapshot.schema.json, the JSON Schema of the KPI snapshot, from its zod schema
 * (functions/core/snapshot-schema.ts), so the file published for consumers never drifts from
 * the types and the check the digest runs. test/snapshot-schema.test.ts fails when the
 * committed file is not what this script writes.
 *
 *   npm run build:schema                                # regenerate
 *   npx tsx scripts/build-snapshot-schema.ts --check    # exit 1 if the file is out of date
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { snapshotSchema } from '../functions/core/snapshot-schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_FILE = path.join(ROOT, 'docs', 'snapshot.schema.json');
export const SCHEMA_ID = 'https://github.com/cs-kpi-digest/snapshot.schema.json';

/** The JSON Schema (draft 2020-12) of a snapshot as written to the store. */
export function snapshotJsonSchema(): Record<string, unknown> {
  // `output`: the snapshot as the report writes it. Refinements (an IANA zone, the row sum)
  // have no JSON Schema form and are left out; the zod parse checks them.
  const { $schema, title, description, ...rest } = z.toJSONSchema(snapshotSchema, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'throw',
  });
  return { $schema, $id: SCHEMA_ID, title, description, ...rest };
}

/** The file's text, formatted as the repository formats JSON. */
export async function generatedSchemaFile(): Promise<string> {
  const options = (await resolveConfig(SCHEMA_FILE)) ?? {};
  return format(JSON.stringify(snapshotJsonSchema(), null, 2), { ...options, filepath: SCHEMA_FILE });
}

async function main(argv: readonly string[]): Promise<number> {
  const expected = await generatedSchemaFile();
  if (argv.includes('--check')) {
    const current = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
    if (current !== expected) {
      console.error('docs/snapshot.schema.json is out of date: run npm run build:schema');
      return 1;
    }
    console.log('docs/snapshot.schema.json is up to date');
    return 0;
  }
  await writeFile(SCHEMA_FILE, expected);
  console.log(`wrote ${path.relative(ROOT, SCHEMA_FILE)} (${Buffer.byteLength(expected)} bytes)`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
