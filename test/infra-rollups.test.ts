/**
 * The usage (and web) rollups in the stack (infra/constructs/usage-rollups.ts): the config key,
 * the Glue tables with `dt` projection and the rollup SQL's columns, the daily schedule in the
 * deployment's zone, the error alarm, least privilege of the rollup and report roles, cdk-nag;
 * the web rollup tables only where web_events is a deployed table.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ROLLUP_COLUMNS,
  ROLLUP_RELATIONS,
  ROLLUP_TABLES,
  WEB_ROLLUP_TABLES,
} from '../functions/core/rollup-plan.js';
import { TABLE_NAMES } from '../functions/contract/contract.js';
import { ConfigError, resolveConfig, type RawConfig } from '../infra/config.js';
import { CsKpiDigestStack } from '../infra/stack.js';

const BASE: RawConfig = { sender: 'digest@acme.io', recipients: 'cs@acme.io', timezone: 'Europe/Warsaw' };

function testApp(): App {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
}

function problems(raw: RawConfig): readonly string[] {
  try {
    resolveConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

type Json = unknown;
interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Record<string, Record<string, Json>>;
}

function flat(node: Json): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && node !== null) {
    const n = node as Record<string, Json>;
    if (Array.isArray(n['Fn::Join'])) {
      const [sep, parts] = n['Fn::Join'] as [string, Json[]];
      return parts.map(flat).join(sep);
    }
    if (Array.isArray(n['Fn::GetAtt'])) {
      const [id, attr] = n['Fn::GetAtt'] as [string, string];
      return `<${id}.${attr}>`;
    }
    if (typeof n.Ref === 'string') return `<${n.Ref}>`;
  }
  return JSON.stringify(node);
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  return policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('usageRollups configuration', () => {
  it('is on by default when usage_events is a deployed table, off when it is a view', () => {
    expect(resolveConfig(BASE).usageRollups).toBe(true);
    expect(resolveConfig({ ...BASE, usageRollups: 'false' }).usageRollups).toBe(false);
    expect(resolveConfig({ ...BASE, views: { usage_events: 'events_view' } }).usageRollups).toBe(false);
  });

  it('refuses rollups without a deployed usage_events table, a non-boolean, and a clashing table name', () => {
    expect(problems({ ...BASE, usageRollups: true, views: { usage_events: 'events_view' } })).toEqual([
      'usageRollups: needs usage_events deployed as a table of the stack; it is provided as a view (set usageRollups=false)',
    ]);
    expect(problems({ ...BASE, usageRollups: true, tables: 'accounts' })).toEqual([
      'usageRollups: needs usage_events among the deployed tables (set usageRollups=false)',
    ]);
    expect(problems({ ...BASE, usageRollups: 'yes' })).toEqual([
      'usageRollups: must be true or false, got "yes"',
    ]);
    expect(problems({ ...BASE, tableNames: { accounts: 'usage_rollup_sessions' } })).toEqual([
      'tableNames: usage_rollup_sessions is the name of a usage rollup table; choose another name',
    ]);
  });
});

describe('the usage rollups in the stack', () => {
  let template: Template;
  let stack: CsKpiDigestStack;

  beforeAll(() => {
    stack = new CsKpiDigestStack(testApp(), 'Rollups', {
      config: resolveConfig({ ...BASE, alarmEmail: 'ops@acme.io' }),
    });
    template = Template.fromStack(stack);
  });

  const rollupBucket = (): string =>
    `<${stack.getLogicalId(stack.rollups?.store.bucket.node.defaultChild as never)}>`;
  const dataBucket = (): string => `<${stack.getLogicalId(stack.data.bucket.node.defaultChild as never)}>`;

  it('declares one Glue table per rollup, usage and web, Parquet, projected on dt, with the rollup SQL columns', () => {
    const tables = Object.values(template.findResources('AWS::Glue::Table')) as {
      Properties: { DatabaseName: string; TableInput: Record<string, Json> };
    }[];
    expect(stack.rollups?.store.web).toBe(true);
    for (const table of [...ROLLUP_TABLES, ...WEB_ROLLUP_TABLES]) {
      const found = tables.find((t) => t.Properties.TableInput.Name === ROLLUP_RELATIONS[table]);
      expect(found, table).toBeDefined();
      const input = found?.Properties.TableInput as {
        Parameters: Record<string, Json>;
        PartitionKeys: { Name: string; Type: string }[];
        StorageDescriptor: {
          Location: Json;
          InputFormat: string;
          SerdeInfo: { SerializationLibrary: string };
          Columns: { Name: string; Type: string }[];
        };
      };
      expect(found?.Properties.DatabaseName).toBe('cs_kpi');
      expect(input.PartitionKeys.map((k) => [k.Name, k.Type])).toEqual([['dt', 'string']]);
      expect(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(
        ROLLUP_COLUMNS[table].map((c) => [c.name, c.glueType]),
      );
      expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
        'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      );
      expect(input.StorageDescriptor.InputFormat).toBe(
        'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      );
      const location = `s3://${rollupBucket()}/usage_rollups/${table}/`;
      expect(flat(input.StorageDescriptor.Location)).toBe(location);
      expect(input.Parameters['projection.enabled']).toBe('true');
      expect(input.Parameters['projection.dt.type']).toBe('date');
      expect(input.Parameters['projection.dt.format']).toBe('yyyy-MM-dd');
      expect(input.Parameters['projection.dt.range']).toBe('2020-01-01,NOW');
      expect(flat(input.Parameters['storage.location.template'])).toBe(`${location}dt=\${dt}/`);
    }
  });

  it('declares the sessions rollup with its summary and boundary columns', () => {
    const tables = Object.values(template.findResources('AWS::Glue::Table')) as {
      Properties: {
        TableInput: { Name: string; StorageDescriptor: { Columns: { Name: string; Type: string }[] } };
      };
    }[];
    const sessions = tables.find((t) => t.Properties.TableInput.Name === 'usage_rollup_sessions');
    // Summary rows: sessions and session_ms per local start day; boundary rows: session_id,
    // first_at and last_at of a session that crosses into a neighbour partition.
    expect(sessions?.Properties.TableInput.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual([
      ['local_day', 'date'],
      ['session_id', 'string'],
      ['sessions', 'bigint'],
      ['session_ms', 'bigint'],
      ['first_at', 'timestamp'],
      ['last_at', 'timestamp'],
    ]);
  });

  it('runs the rollup function daily at 00:30 in the deployment zone, with its own schedule role and the DLQ', () => {
    const schedules = template.findResources('AWS::Scheduler::Schedule', {
      Properties: { ScheduleExpression: 'cron(30 0 * * ? *)' },
    });
    expect(Object.keys(schedules)).toHaveLength(1);
    const props = (Object.values(schedules)[0] as { Properties: Record<string, Json> }).Properties as {
      ScheduleExpressionTimezone: string;
      FlexibleTimeWindow: Json;
      Target: { Arn: Json; Input: string; DeadLetterConfig: Json; RetryPolicy: Json };
    };
    expect(props.ScheduleExpressionTimezone).toBe('Europe/Warsaw');
    expect(props.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(JSON.parse(props.Target.Input)).toEqual({
      source: 'rollup-schedule',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    const fn = stack.getLogicalId(stack.rollups?.job.function.function.node.defaultChild as never);
    expect(flat(props.Target.Arn)).toBe(`<${fn}.Arn>`);
    expect(props.Target.DeadLetterConfig).toBeDefined();
  });

  it('gives the rollup function the rollup locations, the zone and a 900 s timeout', () => {
    const fn = stack.getLogicalId(stack.rollups?.job.function.function.node.defaultChild as never);
    const resource = template.toJSON().Resources[fn] as {
      Properties: { Timeout: number; Environment: { Variables: Record<string, Json> } };
    };
    expect(resource.Properties.Timeout).toBe(900);
    const env = resource.Properties.Environment.Variables;
    expect(flat(env.USAGE_ROLLUPS_LOCATION)).toBe(`s3://${rollupBucket()}/usage_rollups/`);
    expect(flat(env.USAGE_EVENTS_LOCATION)).toBe(`s3://${dataBucket()}/data/usage_events/`);
    expect(flat(env.WEB_EVENTS_LOCATION)).toBe(`s3://${dataBucket()}/data/web_events/`);
    expect(env.REPORT_TIMEZONE).toBe('Europe/Warsaw');
    // The report function reads (and tops up) the same rollups.
    const report = stack.getLogicalId(stack.report.function.node.defaultChild as never);
    const reportEnv = (template.toJSON().Resources[report] as typeof resource).Properties.Environment
      .Variables;
    expect(flat(reportEnv.USAGE_ROLLUPS_LOCATION)).toBe(`s3://${rollupBucket()}/usage_rollups/`);
    expect(flat(reportEnv.USAGE_EVENTS_LOCATION)).toBe(`s3://${dataBucket()}/data/usage_events/`);
    expect(flat(reportEnv.WEB_EVENTS_LOCATION)).toBe(`s3://${dataBucket()}/data/web_events/`);
  });

  it('alarms on the rollup function errors, to the alarm topic', () => {
    const fn = stack.getLogicalId(stack.rollups?.job.function.function.node.defaultChild as never);
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }] },
      }),
    ) as { Properties: { Threshold: number; AlarmActions: Json[]; ComparisonOperator: string } }[];
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties.Threshold).toBe(1);
    expect(alarms[0]?.Properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    const topic = stack.getLogicalId(stack.alarms.topic.node.defaultChild as never);
    expect(alarms[0]?.Properties.AlarmActions.map(flat)).toEqual([`<${topic}>`]);
  });

  it('scopes the rollup role: the workgroup, usage_events only, read-write under usage_rollups/ only', () => {
    const roleId = stack.getLogicalId(stack.rollups?.job.function.role.node.defaultChild as never);
    const statements = roleStatements(template, roleId);
    const bySid = new Map(statements.map((s) => [s.Sid, s]));
    const resourcesOf = (sid: string): string[] => list(bySid.get(sid)?.Resource).map(flat).sort();
    const actionsOf = (sid: string): string[] => list(bySid.get(sid)?.Action ?? []).sort();

    expect(resourcesOf('RunQueriesInWorkGroup')).toEqual([
      'arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/CsKpiDigest-queries',
    ]);
    // The raw events: read only, their folder only; no other contract table.
    expect(resourcesOf('ReadUsageEventsTable')).toEqual(
      [
        'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:catalog',
        'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:database/cs_kpi',
        'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/cs_kpi/usage_events',
      ].sort(),
    );
    expect(actionsOf('ReadUsageEventsFiles')).toEqual(['s3:GetObject']);
    expect(resourcesOf('ReadUsageEventsFiles')).toEqual([
      `<${dataBucket().slice(1, -1)}.Arn>/data/usage_events/*`,
    ]);
    expect(bySid.get('ListUsageEventsFiles')?.Condition).toEqual({
      StringLike: { 's3:prefix': ['data/usage_events/*'] },
    });
    // The raw web events the same way, for the web rollups.
    expect(resourcesOf('ReadWebEventsTable')).toEqual(
      [
        'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:catalog',
        'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:database/cs_kpi',
        'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/cs_kpi/web_events',
      ].sort(),
    );
    expect(actionsOf('ReadWebEventsFiles')).toEqual(['s3:GetObject']);
    expect(resourcesOf('ReadWebEventsFiles')).toEqual([
      `<${dataBucket().slice(1, -1)}.Arn>/data/web_events/*`,
    ]);
    expect(bySid.get('ListWebEventsFiles')?.Condition).toEqual({
      StringLike: { 's3:prefix': ['data/web_events/*'] },
    });
    // No other contract table: only the two event tables' folders are readable.
    const readable = statements
      .filter((s) => list(s.Action).includes('s3:GetObject'))
      .flatMap((s) => list(s.Resource).map(flat))
      .filter((r) => r.includes(dataBucket().slice(1, -1)));
    expect(readable.sort()).toEqual(
      [
        `<${dataBucket().slice(1, -1)}.Arn>/data/usage_events/*`,
        `<${dataBucket().slice(1, -1)}.Arn>/data/web_events/*`,
      ].sort(),
    );
    expect(bySid.has('ReadContractTables')).toBe(false);
    // The rollups: write and delete under usage_rollups/ only.
    const rollupObjects = `<${rollupBucket().slice(1, -1)}.Arn>/usage_rollups/*`;
    expect(actionsOf('BuildRollupsWrite')).toEqual(
      ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListMultipartUploadParts', 's3:PutObject'].sort(),
    );
    expect(resourcesOf('BuildRollupsWrite')).toEqual([rollupObjects]);
    expect(resourcesOf('ReadRollupsFiles')).toEqual([rollupObjects]);
    expect(bySid.get('ReadRollupsList')?.Condition).toEqual({
      StringLike: { 's3:prefix': ['usage_rollups/*'] },
    });
    expect(resourcesOf('ReadRollupsTables')).toEqual(
      [
        'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:catalog',
        'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:database/cs_kpi',
        ...[...ROLLUP_TABLES, ...WEB_ROLLUP_TABLES].map(
          (t) =>
            `arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/cs_kpi/${ROLLUP_RELATIONS[t]}`,
        ),
      ].sort(),
    );
    // Nothing writes or deletes outside the rollup prefix (Athena results aside), and no mail.
    for (const s of statements) {
      const actions = list(s.Action);
      if (actions.some((a) => a === 's3:PutObject' || a === 's3:DeleteObject')) {
        expect(
          list(s.Resource)
            .map(flat)
            .every((r) => r === rollupObjects || r.endsWith('/athena-results/*')),
          s.Sid,
        ).toBe(true);
      }
      expect(actions.some((a) => a.startsWith('ses:') || a === '*')).toBe(false);
    }
  });

  it('lets the report role read the rollups and build days under usage_rollups/ only', () => {
    const roleId = stack.getLogicalId(stack.report.role.node.defaultChild as never);
    const statements = roleStatements(template, roleId);
    const rollupObjects = `<${rollupBucket().slice(1, -1)}.Arn>/usage_rollups/*`;
    const build = statements.find((s) => s.Sid === 'BuildRollupsWrite');
    expect(list(build?.Resource).map(flat)).toEqual([rollupObjects]);
    expect(statements.find((s) => s.Sid === 'ReadRollupsFiles')).toBeDefined();
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });

  it('without web_events among the tables: the usage rollups alone, no web table, folder or grant; cdk-nag clean', () => {
    const usageOnly = new CsKpiDigestStack(testApp(), 'UsageRollupsOnly', {
      config: resolveConfig({
        ...BASE,
        tables: TABLE_NAMES.filter((t) => t !== 'web_events').join(','),
      }),
    });
    const t = Template.fromStack(usageOnly);
    expect(usageOnly.rollups?.store.web).toBe(false);
    const names = (
      Object.values(t.findResources('AWS::Glue::Table')) as { Properties: { TableInput: { Name: string } } }[]
    ).map((r) => r.Properties.TableInput.Name);
    for (const table of ROLLUP_TABLES) expect(names).toContain(ROLLUP_RELATIONS[table]);
    for (const table of WEB_ROLLUP_TABLES) expect(names).not.toContain(ROLLUP_RELATIONS[table]);
    expect(names).not.toContain('web_events');
    t.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.not(Match.objectLike({ WEB_EVENTS_LOCATION: Match.anyValue() })) },
    });
    const roleId = usageOnly.getLogicalId(usageOnly.rollups?.job.function.role.node.defaultChild as never);
    const sids = roleStatements(t, roleId).map((s) => s.Sid);
    expect(sids).toContain('ReadUsageEventsTable');
    expect(sids.filter((sid) => sid?.includes('WebEvents'))).toEqual([]);
    // The schedule and the alarm are the same ones.
    expect(
      Object.keys(
        t.findResources('AWS::Scheduler::Schedule', {
          Properties: { ScheduleExpression: 'cron(30 0 * * ? *)' },
        }),
      ),
    ).toHaveLength(1);
    const report = new AwsSolutionsChecks().validateScope(usageOnly);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('deploys none of it with usageRollups=false', () => {
    const off = new CsKpiDigestStack(testApp(), 'NoRollups', {
      config: resolveConfig({ ...BASE, usageRollups: false }),
    });
    const t = Template.fromStack(off);
    expect(off.rollups).toBeUndefined();
    expect(Object.keys(t.findResources('AWS::Scheduler::Schedule'))).toHaveLength(2);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.not(Match.objectLike({ USAGE_ROLLUPS_LOCATION: Match.anyValue() })) },
    });
  });
});
