/**
 * The snapshot's shape is defined once (functions/core/snapshot-schema.ts). These tests hold
 * the three things derived from it together: docs/snapshot.schema.json is what the script
 * generates, the generated JSON Schema and the digest's check refuse the same broken
 * snapshots, and both accept every snapshot the fixtures make.
 */
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { snapshotSchema } from '../functions/core/snapshot-schema.js';
import { KPI_IDS, type Snapshot } from '../functions/core/snapshot.js';
import { DigestRenderError } from '../functions/digest/errors.js';
import { assertRenderableSnapshot } from '../functions/digest/validate.js';
import { generatedSchemaFile, SCHEMA_FILE } from '../scripts/build-snapshot-schema.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

const committed = await readFile(SCHEMA_FILE, 'utf8');
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats.default(ajv);
const validateJson = ajv.compile(JSON.parse(committed) as object);

/** The message assertRenderableSnapshot throws, or null when it accepts the snapshot. */
function refusal(snapshot: unknown): string | null {
  try {
    assertRenderableSnapshot(snapshot as Snapshot);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(DigestRenderError);
    return (error as Error).message;
  }
}

type Json = Record<string, unknown> | unknown[];

/** A snapshot as read back from a store: plain JSON, free to be changed by a test. */
function stored(options: Parameters<typeof makeSnapshot>[0] = { kind: 'weekly' }): Json {
  return JSON.parse(JSON.stringify(makeSnapshot(options))) as Json;
}

const REMOVE = Symbol('remove');
/** A change to a snapshot: the path of a field (dots, numbers for list items) and its new value. */
type Edit = readonly [path: string, value: unknown];

function edited(snapshot: Json, edits: readonly Edit[]): Json {
  for (const [path, value] of edits) {
    const parts = path.split('.');
    const last = parts.pop() ?? '';
    let parent: unknown = snapshot;
    for (const part of parts) parent = (parent as Record<string, unknown>)[part];
    const target = parent as Record<string, unknown>;
    if (value === REMOVE) delete target[last];
    else target[last] = value;
  }
  return snapshot;
}

const elevenPoints = Array.from({ length: 11 }, (_, i) => ({ key: `2026-W${10 + i}`, value: 1 }));

describe('docs/snapshot.schema.json', () => {
  it('is what scripts/build-snapshot-schema.ts generates from the zod schema (npm run build:schema)', async () => {
    expect(committed === (await generatedSchemaFile()), 'run: npm run build:schema').toBe(true);
  });

  it('keeps the descriptions and the shared definitions', () => {
    const schema = JSON.parse(committed) as {
      $id: string;
      title: string;
      description: string;
      required: string[];
      $defs: Record<string, unknown>;
      properties: { kpis: { required: string[] } };
    };
    expect(schema.$id).toBe('https://github.com/cs-kpi-digest/snapshot.schema.json');
    expect(schema.title).toBe('KPI snapshot');
    expect(schema.description).toMatch(/^One period's customer-success KPIs/);
    expect(Object.keys(schema.$defs).sort()).toEqual(['kpi', 'movementRow', 'term', 'webPage', 'webSegment']);
    expect(schema.properties.kpis.required).toEqual([...KPI_IDS]);
    expect(committed).toContain('"description": "Rows the KPIs may use: no rule broken, one per key"');
  });
});

describe('the snapshot schema', () => {
  const variants: [string, Parameters<typeof makeSnapshot>[0]][] = [
    ['weekly', { kind: 'weekly' }],
    ['monthly', { kind: 'monthly', seed: 7 }],
    ['every KPI null', { kind: 'weekly', allNull: true }],
    ['hostile text', { kind: 'monthly', hostileStrings: true }],
    ['largest content', { kind: 'monthly', large: true }],
    ['without the web tables', { kind: 'weekly', absentTables: ['web_events', 'social_posts'] }],
  ];
  it.each(variants)('accepts a %s snapshot, in zod and in the generated JSON Schema', (_name, options) => {
    const snapshot = stored(options);
    expect(validateJson(snapshot), JSON.stringify(validateJson.errors?.slice(0, 3))).toBe(true);
    expect(snapshotSchema.safeParse(snapshot).success).toBe(true);
    expect(refusal(snapshot)).toBeNull();
  });

  /** Broken snapshots, the path the digest's check must name, and what it must say. */
  const hostile: [string, Edit[], RegExp][] = [
    ['a missing KPI', [['kpis.nps', REMOVE]], /kpis\.nps is missing \(every KPI of the catalog/],
    ['an older schema version', [['schemaVersion', 1]], /schemaVersion must be 2 \(got 1\)/],
    [
      'a non-number value',
      [['kpis.csat.value', '87']],
      /kpis\.csat\.value must be a finite number \(got "87"\)/,
    ],
    ['an unknown unit', [['kpis.mrr.unit', 'dollars']], /kpis\.mrr\.unit is not a known unit/],
    [
      'an unknown tone',
      [['kpis.nps.benchmark', { level: 'good', tone: 'pink', target: '>30' }]],
      /kpis\.nps\.benchmark\.tone must be one of good, neutral, bad \(got "pink"\)/,
    ],
    [
      'an unknown level',
      [['kpis.nps.benchmark', { level: 'meh', tone: 'good', target: '>30' }]],
      /kpis\.nps\.benchmark\.level must be one of excellent, /,
    ],
    [
      'a null value without reason',
      [
        ['kpis.ltv.value', null],
        ['kpis.ltv.reason', REMOVE],
      ],
      /kpis\.ltv\.reason must say why the value is not available/,
    ],
    [
      'a blank reason',
      [
        ['kpis.ltv.value', null],
        ['kpis.ltv.reason', '  '],
      ],
      /kpis\.ltv\.reason must say why/,
    ],
    [
      'a day that does not exist',
      [['period.lastDay', '2026-02-30']],
      /period\.lastDay must be a date YYYY-MM-DD/,
    ],
    ['a lower-case currency', [['currency', 'usd']], /currency must be an ISO 4217 code/],
    [
      'a generatedAt that is no instant',
      [['generatedAt', 'yesterday']],
      /generatedAt must be an ISO-8601 instant/,
    ],
    [
      'an unknown period kind',
      [['period.kind', 'daily']],
      /period\.kind must be weekly or monthly \(got "daily"\)/,
    ],
    ['a short trend', [['kpis.mrr.trend', elevenPoints]], /kpis\.mrr\.trend must have exactly 12 items/],
    [
      'a trend point without value',
      [['kpis.mrr.trend.3.value', REMOVE]],
      /kpis\.mrr\.trend\[3\]\.value must be a finite number \(got nothing\)/,
    ],
    ['missing details', [['details', REMOVE]], /details is missing or not an object/],
    [
      'a list that is no list',
      [['details.topFeatures', {}]],
      /details\.topFeatures is missing or not an array/,
    ],
    ['an unknown engine', [['stats.engine', 'sqlite']], /stats\.engine must be duckdb or athena/],
    [
      'a table present as a string',
      [['dataQuality.tables.0.present', 'yes']],
      /dataQuality\.tables\[0\]\.present must be true or false/,
    ],
    [
      'a fractional row count',
      [['dataQuality.totalExcluded', 1.5]],
      /dataQuality\.totalExcluded must be a whole number \(got 1\.5\)/,
    ],
    ['an unknown field', [['kpis.mrr.colour', 'red']], /kpis\.mrr has unknown field colour/],
    [
      'a number as account name',
      [['details.accountsAtRisk.0.accountName', 42]],
      /details\.accountsAtRisk\[0\]\.accountName must be a string \(got 42\)/,
    ],
    [
      'an absolute example file',
      [['dataQuality.excluded.0.example', { file: '/home/me/invoices.csv' }]],
      /dataQuality\.excluded\[0\]\.example\.file must be relative to the data folder/,
    ],
  ];
  it.each(hostile)('refuses %s, in zod and in the generated JSON Schema', (_name, edits, message) => {
    const snapshot = edited(stored({ kind: 'monthly' }), edits);
    expect(validateJson(snapshot)).toBe(false);
    expect(refusal(snapshot)).toMatch(/^cannot render the digest: the snapshot is incomplete or invalid: /);
    expect(refusal(snapshot)).toMatch(message);
  });

  // JSON Schema cannot state these; the zod refinements (and so the digest's check) do.
  const beyondJsonSchema: [string, Edit[], RegExp][] = [
    [
      'a zone that does not exist',
      [['period.timezone', 'Nowhere/City']],
      /period\.timezone must be an IANA time zone/,
    ],
    [
      'rows that do not add up',
      [
        ['dataQuality.tables.0.rowsRead', 5],
        ['dataQuality.tables.0.rowsUsed', 3],
        ['dataQuality.tables.0.rowsExcluded', 1],
      ],
      /dataQuality\.tables\[0\] must have rowsRead = rowsUsed \+ rowsExcluded/,
    ],
    [
      'a NaN that never went through JSON',
      [['kpis.csat.delta', Number.NaN]],
      /kpis\.csat\.delta must be a finite number \(got NaN\)/,
    ],
    [
      'an infinite value',
      [['kpis.mrr.previous', Number.POSITIVE_INFINITY]],
      /kpis\.mrr\.previous must be a finite number \(got Infinity\)/,
    ],
  ];
  it.each(beyondJsonSchema)('refuses %s in the zod schema', (_name, edits, message) => {
    const snapshot = edited(stored({ kind: 'weekly' }), edits);
    expect(snapshotSchema.safeParse(snapshot).success).toBe(false);
    expect(refusal(snapshot)).toMatch(message);
  });

  it('lists every problem with its path, at most 20', () => {
    const snapshot = edited(
      stored({ kind: 'weekly' }),
      KPI_IDS.slice(0, 25).map((id): Edit => [`kpis.${id}.value`, 'x']),
    );
    const problems = (refusal(snapshot) ?? '').replace(/^.*invalid: /, '').split('; ');
    expect(problems).toHaveLength(20);
    expect(problems[0]).toBe('kpis.mrr.value must be a finite number (got "x")');
    expect(refusal(null)).toMatch(/invalid: snapshot is missing or not an object$/);
  });

  it('derives read-only types from the schema', () => {
    // Checked by tsc: writing to any level of a snapshot does not compile.
    const mutate = (s: Snapshot): void => {
      // @ts-expect-error the snapshot is read-only
      s.kpis.mrr.value = 1;
      // @ts-expect-error its lists too
      s.details.topFeatures.push({ eventName: 'x', users: 1, adoptionPct: 1 });
      // @ts-expect-error and its records
      s.kpis.nps.detail!['median'] = 1;
    };
    expect(mutate).toBeTypeOf('function');
  });
});
