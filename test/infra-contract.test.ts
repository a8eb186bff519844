import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, TABLE_NAMES, glueType, tableSpec } from '../functions/contract/contract.js';
import { resolveConfig } from '../infra/config.js';
import { glueTableInput, partitionProjection } from '../infra/glue-tables.js';
import { CsKpiDigestStack } from '../infra/stack.js';
import { CONTRACT_DOCS_PATH, renderContractDocs } from '../scripts/contract-docs.js';

interface GlueColumn {
  Name: string;
  Type: string;
  Comment?: string;
}
interface GlueTable {
  Properties: {
    TableInput: {
      Name: string;
      PartitionKeys: GlueColumn[];
      StorageDescriptor: { Columns: GlueColumn[] };
    };
  };
}

describe('Glue tables of the deployed stack', () => {
  let tables: Map<string, GlueTable['Properties']['TableInput']>;

  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new CsKpiDigestStack(app, 'Contract', {
      // The usage rollup tables are not contract tables (test/infra-rollups.test.ts).
      config: resolveConfig({ sender: 'digest@acme.io', recipients: 'cs@acme.io', usageRollups: false }),
    });
    const found = Template.fromStack(stack).findResources('AWS::Glue::Table') as Record<string, GlueTable>;
    tables = new Map(
      Object.values(found).map((t) => [t.Properties.TableInput.Name, t.Properties.TableInput]),
    );
  });

  it('has exactly one table per contract table', () => {
    expect([...tables.keys()].sort()).toEqual([...TABLE_NAMES].sort());
  });

  it.each(CONTRACT.map((t) => [t.name, t] as const))(
    '%s has exactly the contract columns, in order',
    (name, spec) => {
      const table = tables.get(name);
      expect(table?.StorageDescriptor.Columns.map((c) => [c.Name, c.Type, c.Comment])).toEqual(
        spec.columns.map((c) => [c.name, glueType(c.type), c.description]),
      );
    },
  );

  // Spelled out independently of the schema module: a change to these is a contract change.
  it('spells the types the way Athena reads them', () => {
    const columns = (name: string) =>
      Object.fromEntries((tables.get(name)?.StorageDescriptor.Columns ?? []).map((c) => [c.Name, c.Type]));
    expect(columns('subscriptions')).toEqual({
      subscription_id: 'string',
      account_id: 'string',
      plan: 'string',
      amount: 'decimal(18,4)',
      currency: 'string',
      interval_months: 'int',
      quantity: 'int',
      is_trial: 'boolean',
      start_date: 'date',
      end_date: 'date',
    });
    expect(columns('fx_rates')).toEqual({
      date: 'date',
      currency: 'string',
      rate: 'double',
      base_currency: 'string',
    });
    expect(columns('social_posts')).toMatchObject({ impressions: 'bigint', engagements: 'bigint' });
    expect(columns('usage_events')).toMatchObject({ occurred_at: 'timestamp', event_id: 'string' });
  });

  it('partitions exactly the event tables, by a dt string that is not a data column', () => {
    const partitioned = [...tables.entries()].filter(([, t]) => t.PartitionKeys.length > 0).map(([n]) => n);
    expect(partitioned.sort()).toEqual(['usage_events', 'web_events']);
    for (const name of partitioned) {
      const t = tables.get(name);
      expect(t?.PartitionKeys.map((k) => [k.Name, k.Type])).toEqual([['dt', 'string']]);
      expect(t?.StorageDescriptor.Columns.map((c) => c.Name)).not.toContain('dt');
    }
  });
});

describe('glueTableInput', () => {
  it('renders the projection parameters for a partitioned table', () => {
    expect(partitionProjection('s3://lake/data/usage_events/', '2021-03-01')).toEqual({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2021-03-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template': 's3://lake/data/usage_events/dt=${dt}/',
    });
  });

  it('renders a table that is not partitioned without projection', () => {
    const input = glueTableInput(tableSpec('invoices'), {
      glueName: 'billing_invoices',
      location: 's3://lake/invoices/',
      format: 'json',
      partitionRangeStart: '2020-01-01',
    });
    expect(input.name).toBe('billing_invoices');
    expect(input.partitionKeys).toEqual([]);
    expect(input.parameters).toEqual({ EXTERNAL: 'TRUE', classification: 'json' });
  });
});

describe('docs/data-contract.md', () => {
  it('is generated from the schema module and up to date (npx tsx scripts/contract-docs.ts)', () => {
    expect(readFileSync(CONTRACT_DOCS_PATH, 'utf8')).toBe(renderContractDocs());
  });

  it('documents every column of every table with its type and nullability', () => {
    const docs = renderContractDocs();
    for (const table of CONTRACT) {
      const section = docs.split(`\n## ${table.name}\n`)[1]?.split('\n## ')[0] ?? '';
      for (const c of table.columns) {
        expect(section).toMatch(
          new RegExp(
            `\\| \`${c.name}\`( \\(key\\))? \\| [^|]+ \\| ${c.type === 'decimal' ? 'decimal\\(18,4\\)' : c.type} \\| ${c.nullable ? 'yes' : 'no'} \\|`,
          ),
        );
      }
      for (const rule of table.rules) expect(section).toContain(rule.description);
    }
  });
});
