/**
 * Checks, before rendering, every part of a snapshot the digest shows. A snapshot read back
 * from a store is only JSON: a missing KPI or a NaN must stop the run with a message that
 * says where, not produce a mail with holes. The rules are the snapshot's schema
 * (core/snapshot-schema.ts); this module only words its problems.
 */
import type { z } from 'zod';
import { snapshotSchema } from '../core/snapshot-schema.js';
import type { Snapshot } from '../core/snapshot.js';
import { DigestRenderError } from './errors.js';

const MAX_PROBLEMS = 20;

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v)?.slice(0, 40) ?? typeof v;
}

/** kpis.ltv.trend[3].value */
function pathOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'snapshot';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

const EXPECTED_TYPE: Readonly<Record<string, string>> = {
  number: 'a finite number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  null: 'null',
};

function listed(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? v : show(v)));
  return shown.length <= 2 ? shown.join(' or ') : `one of ${shown.join(', ')}`;
}

/** What was expected, for the problems the schema does not word itself. */
const wording: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'object' || issue.expected === 'array')
        return `is missing or not an ${issue.expected}`;
      return `must be ${EXPECTED_TYPE[issue.expected] ?? issue.expected} (got ${show(issue.input)})`;
    case 'invalid_value':
      return `must be ${listed(issue.values)} (got ${show(issue.input)})`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const side = issue.exact ? 'exactly' : issue.code === 'too_small' ? 'at least' : 'at most';
      if (issue.origin === 'array') return `must have ${side} ${String(bound)} items`;
      if (issue.origin === 'string') return `must have ${side} ${String(bound)} characters`;
      return `must be ${side} ${String(bound)} (got ${show(issue.input)})`;
    }
    case 'invalid_format':
      return issue.format === 'regex'
        ? `must match ${issue.pattern ?? 'its pattern'} (got ${show(issue.input)})`
        : `must be a ${issue.format} (got ${show(issue.input)})`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    default:
      return undefined;
  }
};

/** Throws DigestRenderError listing (up to 20 of) the problems found. */
export function assertRenderableSnapshot(snapshot: Snapshot): void {
  const result = snapshotSchema.safeParse(snapshot, { error: wording });
  if (result.success) return;
  const problems = result.error.issues
    .slice(0, MAX_PROBLEMS)
    .map((issue) => `${pathOf(issue.path)} ${issue.message}`);
  throw new DigestRenderError(`the snapshot is incomplete or invalid: ${problems.join('; ')}`);
}
