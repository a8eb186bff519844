/**
 * Writes docs/snapshot.schema.json, the JSON Schema of the KPI snapshot, from its zod schema
 * (functions/core/snapshot-schema.ts), so the file published for consumers never drifts from
 * the types and the check the digest runs. test/snapshot-schema.test.ts fails when the
 * committed file is not what this script writes.
 *
 *   npm run build:schema                                # regenerate
 *   npx tsx scripts/build-snapshot-schema.ts --check    # exit 1 if the file is out of date
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { snapshotSchema } from '../functions/core/snapshot-schema.js';
import { runIfMain } from './generated-file.js';

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

runIfMain(import.meta.url, {
  file: SCHEMA_FILE,
  generate: generatedSchemaFile,
  rebuild: 'npm run build:schema',
});
