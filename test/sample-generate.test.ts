/**
 * The seeded sample-data generator: determinism, Parquet schema = contract, dt partitions,
 * the contract-breaking rows it reports, and the realism the KPI demos rely on.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, type TableName, type TableSpec, sqlType } from '../functions/contract/contract.js';
import {
  type GenerateOptions,
  type GenerateResult,
  SampleOptionsError,
  generateSampleData,
} from '../functions/sample/generate.js';

const BASE: Omit<GenerateOptions, 'outDir'> = {
  seed: 7,
  endDate: '2026-03-15',
  months: 12,
  accounts: 150,
  usageEvents: 30_000,
};

let root: string;
let first: GenerateResult;
let second: GenerateResult;
let otherSeed: GenerateResult;
let instance: DuckDBInstance;
let db: DuckDBConnection;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sample-generate-'));
  first = await generateSampleData({ ...BASE, outDir: join(root, 'a') });
  second = await generateSampleData({ ...BASE, outDir: join(root, 'b') });
  otherSeed = await generateSampleData({ ...BASE, seed: 8, includeBadRows: false, outDir: join(root, 'c') });
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
});

afterAll(() => {
  db?.closeSync();
  instance?.closeSync();
  if (root) rmSync(root, { recursive: true, force: true });
});

const sqlString = (text: string): string => `'${text.replace(/'/g, "''")}'`;

function glob(dir: string, spec: TableSpec): string {
  return spec.partitionedBy ? join(dir, spec.name, '*', '*.parquet') : join(dir, spec.name, '*.parquet');
}

/** The table's rows exactly as stored (no partition column). */
function source(dir: string, spec: TableSpec): string {
  return `read_parquet(${sqlString(glob(dir, spec))}, hive_partitioning = false)`;
}

async function rows(sql: string): Promise<unknown[][]> {
  return (await db.runAndReadAll(sql)).getRows();
}

async function scalar(sql: string): Promise<number> {
  const value = (await rows(sql))[0]?.[0];
  return Number(value);
}

async function parquetFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** A digest of every row in stored order. */
async function fingerprint(dir: string, spec: TableSpec): Promise<string> {
  const columns = spec.columns.map((c) => `coalesce(CAST("${c.name}" AS VARCHAR), '<null>')`).join(", '|', ");
  const sql = `SELECT md5(string_agg(concat(${columns}), chr(10) ORDER BY filename, file_row_number))
    FROM read_parquet(${sqlString(glob(dir, spec))}, hive_partitioning = false, filename = true, file_row_number = true)`;
  return String((await rows(sql))[0]?.[0]);
}

describe('determinism', () => {
  it('writes byte-identical files for the same options', async () => {
    const filesA = await parquetFiles(join(root, 'a'));
    const filesB = await parquetFiles(join(root, 'b'));
    expect(filesA.length).toBeGreaterThan(CONTRACT.length);
    expect(filesB).toEqual(filesA);
    for (const file of filesA) {
      expect(readFileSync(join(root, 'b', file)).equals(readFileSync(join(root, 'a', file))), file).toBe(
        true,
      );
    }
    expect(second.tables).toEqual(first.tables);
    expect(second.badRows).toEqual(first.badRows);
    expect(readFileSync(join(root, 'b', 'manifest.json'), 'utf8')).toBe(
      readFileSync(join(root, 'a', 'manifest.json'), 'utf8'),
    );
  });

  it('gives the same rows in the same order for the same seed and different rows for another seed', async () => {
    for (const spec of CONTRACT) {
      const a = await fingerprint(join(root, 'a'), spec);
      expect(await fingerprint(join(root, 'b'), spec), spec.name).toBe(a);
      expect(await fingerprint(join(root, 'c'), spec), spec.name).not.toBe(a);
    }
  });
});

describe('layout and schema', () => {
  it('lists exactly the files it wrote, with the row counts found in them', async () => {
    const onDisk = await parquetFiles(join(root, 'a'));
    expect(first.tables.map((t) => t.table)).toEqual(CONTRACT.map((t) => t.name));
    expect(first.tables.flatMap((t) => t.files).sort()).toEqual(onDisk);
    for (const spec of CONTRACT) {
      const table = first.tables.find((t) => t.table === spec.name);
      expect(table?.rows, spec.name).toBe(
        await scalar(`SELECT count(*) FROM ${source(join(root, 'a'), spec)}`),
      );
      expect(table?.rows, spec.name).toBeGreaterThan(0);
      if (!spec.partitionedBy) expect(table?.files).toEqual([`${spec.name}/part-0.parquet`]);
    }
  });

  it('stores every column with the contract name and type, in every file', async () => {
    for (const spec of CONTRACT) {
      const described = await rows(`DESCRIBE SELECT * FROM ${source(join(root, 'a'), spec)}`);
      expect(
        described.map((r) => [r[0], r[1]]),
        spec.name,
      ).toEqual(spec.columns.map((c) => [c.name, sqlType(c.type).toUpperCase()]));
      // Every file carries the same columns (DESCRIBE over a glob only shows the first file's).
      const fileCount = (first.tables.find((t) => t.table === spec.name)?.files ?? []).length;
      const perColumn = await rows(
        `SELECT name, count(DISTINCT file_name) FROM parquet_schema(${sqlString(glob(join(root, 'a'), spec))}) WHERE num_children IS NULL GROUP BY name`,
      );
      expect(perColumn.length, spec.name).toBe(spec.columns.length);
      for (const [name, files] of perColumn)
        expect(Number(files), `${spec.name}.${String(name)}`).toBe(fileCount);
    }
  });

  it('partitions usage_events and web_events by the UTC date of occurred_at', async () => {
    for (const spec of CONTRACT.filter((t) => t.partitionedBy === 'dt')) {
      const table = first.tables.find((t) => t.table === spec.name);
      for (const file of table?.files ?? [])
        expect(file).toMatch(new RegExp(`^${spec.name}/dt=\\d{4}-\\d{2}-\\d{2}/[^/]+\\.parquet$`));
      const hive = `read_parquet(${sqlString(glob(join(root, 'a'), spec))}, hive_partitioning = true, hive_types = {'dt': DATE})`;
      expect(
        await scalar(`SELECT count(*) FROM ${hive} WHERE dt IS DISTINCT FROM CAST(occurred_at AS DATE)`),
      ).toBe(0);
      expect(await scalar(`SELECT count(DISTINCT dt) FROM ${hive}`)).toBe(table?.files.length);
      // Each file is in time order.
      const unordered = `SELECT count(*) FROM (
          SELECT occurred_at < lag(occurred_at) OVER (PARTITION BY filename ORDER BY file_row_number) AS back
          FROM read_parquet(${sqlString(glob(join(root, 'a'), spec))}, hive_partitioning = false, filename = true, file_row_number = true))
        WHERE back`;
      expect(await scalar(unordered), spec.name).toBe(0);
    }
  });

  it('generates the usage events within 10 % of the target', () => {
    const usage = first.tables.find((t) => t.table === 'usage_events');
    expect(usage?.rows).toBeGreaterThan(BASE.usageEvents! * 0.9);
    expect(usage?.rows).toBeLessThan(BASE.usageEvents! * 1.1);
  });
});

type Counts = Map<string, number>;

/** Counts rows breaking the contract, the way the data-quality section defines it. */
async function contractViolations(dir: string): Promise<Counts> {
  const counts: Counts = new Map();
  const fx = CONTRACT.find((t) => t.name === 'fx_rates');
  if (!fx) throw new Error('no fx_rates');
  // The reporting currency (USD here) and every currency with a rate.
  await db.run(
    `CREATE OR REPLACE TEMP VIEW fx_currencies AS SELECT DISTINCT currency FROM ${source(dir, fx)} UNION SELECT 'USD'`,
  );
  // The generator quotes every rate in USD, the default base.
  await db.run(`CREATE OR REPLACE TEMP VIEW fx_configured_base AS SELECT 'USD' AS currency`);
  await db.run(`CREATE OR REPLACE TEMP VIEW fx_base AS SELECT 'USD' AS currency`);
  for (const spec of CONTRACT) {
    const from = source(dir, spec);
    const add = (reason: string, n: number): void => {
      if (n > 0) counts.set(`${spec.name}:${reason}`, (counts.get(`${spec.name}:${reason}`) ?? 0) + n);
    };
    const keyNull = spec.key.map((k) => `"${k}" IS NULL`).join(' OR ');
    add('null_key', await scalar(`SELECT count(*) FROM ${from} WHERE ${keyNull}`));
    const required = spec.columns.filter((c) => !c.nullable && !spec.key.includes(c.name));
    if (required.length > 0) {
      const missing = required.map((c) => `"${c.name}" IS NULL`).join(' OR ');
      add(
        'missing_required_field',
        await scalar(`SELECT count(*) FROM ${from} WHERE NOT (${keyNull}) AND (${missing})`),
      );
    }
    const key = `row(${spec.key.map((k) => `"${k}"`).join(', ')})`;
    add(
      'duplicate_id',
      await scalar(`SELECT count(*) - count(DISTINCT ${key}) FROM ${from} WHERE NOT (${keyNull})`),
    );
    for (const rule of spec.rules) {
      // Partition rules compare with dt, the folder the file is in.
      const ruleFrom = spec.partitionedBy
        ? from.replace('hive_partitioning = false', 'hive_partitioning = true')
        : from;
      await db.run(`CREATE OR REPLACE TEMP VIEW rule_source AS SELECT * FROM ${ruleFrom}`);
      add(rule.reason, await scalar(`SELECT count(*) FROM rule_source WHERE (${rule.violation}) IS TRUE`));
    }
  }
  return counts;
}

describe('contract-breaking rows', () => {
  it('holds exactly the bad rows it reports, each breaking one rule', async () => {
    const expected: Counts = new Map(first.badRows.map((b) => [`${b.table}:${b.reason}`, b.rows]));
    expect(await contractViolations(join(root, 'a'))).toEqual(expected);
  });

  it('covers every case the contract lists, across tables', () => {
    const reasons = new Set(first.badRows.map((b) => b.reason));
    for (const reason of [
      'null_key',
      'negative_amount',
      'end_before_start',
      'unknown_currency',
      'score_out_of_scale',
      'duplicate_id',
      'mixed_fx_base',
    ]) {
      expect(reasons.has(reason as never), reason).toBe(true);
    }
    expect(first.badRows).toContainEqual({ table: 'usage_events', reason: 'duplicate_id', rows: 3 });
    expect(new Set(first.badRows.map((b) => b.table)).size).toBeGreaterThanOrEqual(8);
  });

  it('writes only valid rows without bad rows', async () => {
    expect(otherSeed.badRows).toEqual([]);
    expect(await contractViolations(join(root, 'c'))).toEqual(new Map());
  });
});

describe('realism', () => {
  const dir = (): string => join(root, 'a');
  const from = (table: TableName): string => {
    const spec = CONTRACT.find((t) => t.name === table);
    if (!spec) throw new Error(table);
    return source(dir(), spec);
  };

  it('keeps every reference inside the dataset', async () => {
    for (const table of [
      'subscriptions',
      'invoices',
      'usage_events',
      'survey_responses',
      'support_tickets',
    ] as const) {
      expect(
        await scalar(
          `SELECT count(*) FROM ${from(table)} WHERE account_id NOT IN (SELECT account_id FROM ${from('accounts')} WHERE account_id IS NOT NULL)`,
        ),
        table,
      ).toBe(0);
    }
    // A user belongs to one account.
    expect(
      await scalar(
        `SELECT count(*) FROM (SELECT user_id FROM ${from('usage_events')} GROUP BY 1 HAVING count(DISTINCT account_id) > 1)`,
      ),
    ).toBe(0);
  });

  it('has segments, regions, CSM owners and onboarding milestones', async () => {
    const segments = (await rows(`SELECT DISTINCT segment FROM ${from('accounts')}`)).map((r) => r[0]);
    expect(segments).toEqual(expect.arrayContaining(['SMB', 'Mid-Market', 'Enterprise', null]));
    expect(await scalar(`SELECT count(DISTINCT region) FROM ${from('accounts')}`)).toBeGreaterThanOrEqual(4);
    expect(await scalar(`SELECT count(*) FROM ${from('accounts')} WHERE csm_owner NOT LIKE '%_@_%.%'`)).toBe(
      0,
    );
    const share = await scalar(
      `SELECT avg(CASE WHEN onboarded_at IS NOT NULL THEN 1 ELSE 0 END) FROM ${from('accounts')}`,
    );
    expect(share).toBeGreaterThan(0.6);
    expect(
      await scalar(`SELECT count(DISTINCT CAST(created_at AS DATE)) FROM ${from('accounts')}`),
    ).toBeGreaterThan(60);
  });

  it('has trials, plan intervals, currencies with rates, plan changes, churn, reactivation and conversion', async () => {
    const subs = from('subscriptions');
    expect(await scalar(`SELECT count(*) FROM ${subs} WHERE is_trial AND amount > 0`)).toBeGreaterThan(0);
    const intervals = (
      await rows(`SELECT DISTINCT interval_months FROM ${subs} WHERE interval_months > 0 ORDER BY 1`)
    ).map((r) => r[0]);
    expect(intervals).toEqual([1, 3, 12]);
    const currencies = (
      await rows(
        `SELECT DISTINCT currency FROM ${subs} WHERE currency IN ('USD','EUR','GBP','PLN','IDR') ORDER BY 1`,
      )
    ).map((r) => r[0]);
    expect(currencies).toEqual(['EUR', 'GBP', 'IDR', 'PLN', 'USD']);
    const fxCurrencies = (await rows(`SELECT DISTINCT currency FROM ${from('fx_rates')} ORDER BY 1`)).map(
      (r) => r[0],
    );
    expect(fxCurrencies).toEqual(['EUR', 'GBP', 'IDR', 'PLN']);
    expect(
      await scalar(
        `SELECT count(*) FROM ${from('fx_rates')} WHERE date >= (SELECT min(start_date) FROM ${subs})`,
      ),
    ).toBeGreaterThan(0);
    expect(
      await scalar(
        `SELECT (SELECT min(date) FROM ${from('fx_rates')}) < (SELECT min(start_date) FROM ${subs})`,
      ),
    ).toBe(1);

    // Successor rows: same subscription, starting the day the previous row ends.
    const changes = `SELECT p.plan AS old_plan, n.plan AS new_plan, p.quantity AS old_q, n.quantity AS new_q, p.is_trial AS was_trial, n.is_trial AS is_trial
      FROM ${subs} p JOIN ${subs} n ON n.subscription_id = p.subscription_id AND n.start_date = p.end_date`;
    expect(
      await scalar(`SELECT count(*) FROM (${changes}) WHERE was_trial AND NOT is_trial`),
    ).toBeGreaterThan(0);
    expect(
      await scalar(
        `SELECT count(*) FROM (${changes}) WHERE NOT was_trial AND old_plan = new_plan AND new_q > old_q`,
      ),
    ).toBeGreaterThan(0);
    expect(
      await scalar(
        `SELECT count(*) FROM (${changes}) WHERE NOT was_trial AND old_plan = new_plan AND new_q < old_q`,
      ),
    ).toBeGreaterThan(0);
    expect(
      await scalar(
        `SELECT count(*) FROM (${changes}) WHERE old_plan <> new_plan AND NOT was_trial AND old_plan <> 'Free'`,
      ),
    ).toBeGreaterThan(0);
    // Churn: a paid row ends with no successor; reactivation: the account pays again later.
    const churned = `SELECT p.account_id, p.end_date FROM ${subs} p
      WHERE p.end_date IS NOT NULL AND NOT p.is_trial AND p.amount > 0
        AND NOT EXISTS (SELECT 1 FROM ${subs} n WHERE n.subscription_id = p.subscription_id AND n.start_date = p.end_date)`;
    expect(await scalar(`SELECT count(*) FROM (${churned})`)).toBeGreaterThan(3);
    expect(
      await scalar(
        `SELECT count(*) FROM (${churned}) c WHERE EXISTS (SELECT 1 FROM ${subs} s WHERE s.account_id = c.account_id AND s.start_date > c.end_date AND NOT s.is_trial AND s.amount > 0)`,
      ),
    ).toBeGreaterThan(0);
  });

  it('has paid, late, open overdue, void and uncollectible invoices', async () => {
    const inv = from('invoices');
    const statuses = (
      await rows(`SELECT DISTINCT status FROM ${inv} WHERE status <> 'refunded' ORDER BY 1`)
    ).map((r) => r[0]);
    expect(statuses).toEqual(['open', 'paid', 'uncollectible', 'void']);
    expect(await scalar(`SELECT count(*) FROM ${inv} WHERE CAST(paid_at AS DATE) > due_at`)).toBeGreaterThan(
      0,
    );
    expect(
      await scalar(
        `SELECT count(*) FROM ${inv} WHERE status = 'open' AND paid_at IS NULL AND due_at < DATE '2026-03-15'`,
      ),
    ).toBeGreaterThan(0);
  });

  it('has usage with skewed features, sessions and data up to the end date', async () => {
    const usage = from('usage_events');
    const features = (
      await rows(`SELECT event_name, count(*) AS n FROM ${usage} GROUP BY 1 ORDER BY n DESC`)
    ).map((r) => Number(r[1]));
    expect(features.length).toBeGreaterThanOrEqual(8);
    expect(features[0]).toBeGreaterThan(5 * (features[features.length - 1] ?? 0));
    expect(await scalar(`SELECT count(*) FROM ${usage} WHERE session_id IS NULL`)).toBeGreaterThan(0);
    expect(
      await scalar(
        `SELECT avg(n) FROM (SELECT count(*) AS n FROM ${usage} WHERE session_id IS NOT NULL GROUP BY session_id)`,
      ),
    ).toBeGreaterThan(2);
    // The last complete ISO week before the day after endDate (2026-03-09 .. 2026-03-15) has activity every weekday.
    const days = await scalar(
      `SELECT count(DISTINCT CAST(occurred_at AS DATE)) FROM ${usage} WHERE occurred_at >= TIMESTAMP '2026-03-09' AND occurred_at < TIMESTAMP '2026-03-14'`,
    );
    expect(days).toBe(5);
    expect(await scalar(`SELECT max(occurred_at) < TIMESTAMP '2026-03-16' FROM ${usage}`)).toBe(1);
    // Healthier accounts are busier: the busiest fifth of paying accounts does far more than the quietest fifth.
    const perAccount = (await rows(`SELECT count(*) AS n FROM ${usage} GROUP BY account_id ORDER BY n`)).map(
      (r) => Number(r[0]),
    );
    const fifth = Math.floor(perAccount.length / 5);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(perAccount.slice(-fifth))).toBeGreaterThan(10 * sum(perAccount.slice(0, fifth)));
  });

  it('has nps, csat and ces answers on their scales with comments in three languages', async () => {
    const survey = from('survey_responses');
    const scales = (
      await rows(
        `SELECT DISTINCT survey, scale_max FROM ${survey} WHERE scale_max <> 10 OR survey = 'nps' ORDER BY 1, 2`,
      )
    ).map((r) => `${String(r[0])}/${String(r[1])}`);
    expect(scales).toEqual(expect.arrayContaining(['ces/5', 'ces/7', 'csat/5', 'nps/10']));
    expect(await scalar(`SELECT count(*) FROM ${survey} WHERE comment IS NULL`)).toBeGreaterThan(0);
    expect(
      await scalar(`SELECT count(*) FROM ${survey} WHERE regexp_matches(comment, '[ąćęłńóśźż]')`),
    ).toBeGreaterThan(0);
    expect(
      await scalar(
        `SELECT count(*) FROM ${survey} WHERE regexp_matches(comment, '\\b(sangat|tapi|terima kasih|lambat)\\b')`,
      ),
    ).toBeGreaterThan(0);
    expect(
      await scalar(`SELECT count(*) FROM ${survey} WHERE comment LIKE '%&%' OR comment LIKE '%"%'`),
    ).toBeGreaterThan(0);
    // Promoters and detractors use different words.
    const promoter = await scalar(
      `SELECT count(*) FROM ${survey} WHERE survey = 'nps' AND score >= 9 AND regexp_matches(lower(comment), 'slow|bugs|expensive')`,
    );
    const detractor = await scalar(
      `SELECT count(*) FROM ${survey} WHERE survey = 'nps' AND score <= 6 AND regexp_matches(lower(comment), 'slow|bugs|expensive')`,
    );
    expect(promoter).toBe(0);
    expect(detractor).toBeGreaterThan(0);
  });

  it('has support tickets over several channels, mostly first-contact, some reopened and some open', async () => {
    const tickets = from('support_tickets');
    expect(await scalar(`SELECT count(DISTINCT channel) FROM ${tickets}`)).toBeGreaterThanOrEqual(4);
    expect(
      await scalar(`SELECT avg(CASE WHEN contact_count = 1 THEN 1 ELSE 0 END) FROM ${tickets}`),
    ).toBeGreaterThan(0.45);
    expect(await scalar(`SELECT count(*) FROM ${tickets} WHERE reopened`)).toBeGreaterThan(0);
    expect(await scalar(`SELECT count(*) FROM ${tickets} WHERE resolved_at IS NULL`)).toBeGreaterThan(0);
  });

  it('has monthly CS costs in USD and EUR, web events and social posts', async () => {
    const costs = (
      await rows(
        `SELECT DISTINCT currency FROM ${from('cs_costs')} WHERE currency IN ('USD', 'EUR') ORDER BY 1`,
      )
    ).map((r) => r[0]);
    expect(costs).toEqual(['EUR', 'USD']);
    expect(
      await scalar(`SELECT count(DISTINCT month) FROM ${from('cs_costs')} WHERE extract(DAY FROM month) = 1`),
    ).toBe(13);
    const types = (await rows(`SELECT DISTINCT event_type FROM ${from('web_events')} ORDER BY 1`)).map(
      (r) => r[0],
    );
    expect(types).toEqual(['click', 'impression', 'page_view', 'scroll']);
    expect(
      await scalar(`SELECT count(DISTINCT platform) FROM ${from('social_posts')}`),
    ).toBeGreaterThanOrEqual(3);
  });
});

describe('options', () => {
  it('rejects invalid options before writing anything', async () => {
    const outDir = join(root, 'never');
    await expect(generateSampleData({ ...BASE, outDir, endDate: '2026-02-30' })).rejects.toThrow(
      SampleOptionsError,
    );
    await expect(generateSampleData({ ...BASE, outDir, months: 0 })).rejects.toThrow(/months/);
    await expect(generateSampleData({ ...BASE, outDir, seed: -1 })).rejects.toThrow(/seed/);
    await expect(readdir(outDir)).rejects.toThrow();
  });

  it('regenerates over its own output without leaving stale files, and never over other data', async () => {
    const outDir = join(root, 'again');
    const small = { seed: 1, endDate: '2026-01-31', accounts: 20, usageEvents: 1_000 };
    await generateSampleData({ ...small, months: 3, outDir });
    const shorter = await generateSampleData({ ...small, months: 1, outDir });
    expect(shorter.tables.flatMap((t) => t.files).sort()).toEqual(await parquetFiles(outDir));
    expect(JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'))).toMatchObject({
      months: 1,
      startDate: '2026-01-01',
    });

    const theirs = join(root, 'theirs');
    mkdirSync(join(theirs, 'accounts'), { recursive: true });
    writeFileSync(join(theirs, 'accounts', 'export.csv'), 'account_id\nA1\n');
    await expect(generateSampleData({ ...small, outDir: theirs })).rejects.toThrow(/not empty/);
    expect(readFileSync(join(theirs, 'accounts', 'export.csv'), 'utf8')).toBe('account_id\nA1\n');
  });
});
