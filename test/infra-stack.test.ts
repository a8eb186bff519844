import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASYNC_RETRY_DELAYS_MS, deliveryTiming } from '../functions/core/delivery-timing.js';
import { resolveConfig, type RawConfig } from '../infra/config.js';
import { CsKpiDigestStack } from '../infra/stack.js';

/** The feature flags cdk.json gives the real app, without bundling the Lambda (fast). */
function testApp(): App {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
}

function synth(raw: RawConfig): Template {
  // The stack as before the usage rollups; test/infra-rollups.test.ts covers them.
  const config = resolveConfig({ usageRollups: false, ...raw });
  const stack = new CsKpiDigestStack(testApp(), 'Test', { config });
  return Template.fromStack(stack);
}

type Json = unknown;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Record<string, Record<string, Json>>;
}

/** Renders CloudFormation intrinsics as readable text: `<Logical.Arn>`, `<AWS::Partition>`. */
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

function logicalId(template: Template, type: string, props: Record<string, Json> = {}): string {
  const ids = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(ids, `one ${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return ids[0] as string;
}

/** The statements of the policies attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  return policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function statement(statements: Statement[], sid: string): Statement {
  const found = statements.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${JSON.stringify(statements.map((s) => s.Sid))}`);
  return found;
}

const resources = (s: Statement): string[] => list(s.Resource).map(flat).sort();

describe('CsKpiDigestStack with a created data bucket and an address identity', () => {
  let template: Template;
  let dataBucket: string;
  let snapshotBucket: string;
  let resultsBucket: string;
  let accessLogBucket: string;
  let reportStatements: Statement[];

  beforeAll(() => {
    template = synth({
      sender: 'digest@acme.io',
      recipients: 'cs@acme.io,ceo@acme.io',
      timezone: 'Europe/Warsaw',
      currency: 'EUR',
      locale: 'pl',
      bytesScannedCutoffPerQuery: 5 * 1024 ** 3,
      alarmEmail: 'ops@acme.io',
      lambdaTimeoutSeconds: 600,
      lambdaMemoryMb: 1536,
      logRetentionDays: 30,
      logLevel: 'DEBUG',
    });
    dataBucket = logicalId(template, 'AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'data/' }),
    });
    snapshotBucket = logicalId(template, 'AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'snapshots/' }),
    });
    resultsBucket = logicalId(template, 'AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'athena-results/' }),
    });
    accessLogBucket = logicalId(template, 'AWS::S3::Bucket', { LoggingConfiguration: Match.absent() });
    reportStatements = roleStatements(template, 'ReportRole');
  });

  describe('data', () => {
    it('creates a private, encrypted, access-logged data bucket that is kept on stack deletion', () => {
      template.hasResource('AWS::S3::Bucket', {
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LoggingConfiguration: { DestinationBucketName: { Ref: accessLogBucket }, LogFilePrefix: 'data/' },
        },
        DeletionPolicy: 'Retain',
      });
    });

    it('creates the Glue database and one table per contract table', () => {
      template.hasResourceProperties('AWS::Glue::Database', {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: Match.objectLike({ Name: 'cs_kpi' }),
      });
      template.resourceCountIs('AWS::Glue::Table', 10);
    });

    it('projects the dt partitions of usage_events onto the data folder', () => {
      template.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: 'cs_kpi',
        TableInput: Match.objectLike({
          Name: 'usage_events',
          TableType: 'EXTERNAL_TABLE',
          PartitionKeys: [Match.objectLike({ Name: 'dt', Type: 'string' })],
          Parameters: Match.objectLike({
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': '2020-01-01,NOW',
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'storage.location.template': {
              'Fn::Join': ['', ['s3://', { Ref: dataBucket }, '/data/usage_events/dt=${dt}/']],
            },
          }),
          StorageDescriptor: Match.objectLike({
            Location: { 'Fn::Join': ['', ['s3://', { Ref: dataBucket }, '/data/usage_events/']] },
            SerdeInfo: Match.objectLike({
              SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            }),
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          }),
        }),
      });
      template.hasResourceProperties('AWS::Glue::Table', {
        TableInput: Match.objectLike({
          Name: 'web_events',
          Parameters: Match.objectLike({
            'storage.location.template': {
              'Fn::Join': ['', ['s3://', { Ref: dataBucket }, '/data/web_events/dt=${dt}/']],
            },
          }),
        }),
      });
    });

    it('does not partition the other tables', () => {
      template.hasResourceProperties('AWS::Glue::Table', {
        TableInput: Match.objectLike({
          Name: 'subscriptions',
          PartitionKeys: [],
          Parameters: { EXTERNAL: 'TRUE', classification: 'parquet' },
        }),
      });
    });
  });

  describe('query', () => {
    it('enforces the workgroup configuration: engine v3, encrypted results, scan cutoff', () => {
      template.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: 'CsKpiDigest-queries',
        State: 'ENABLED',
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          BytesScannedCutoffPerQuery: 5 * 1024 ** 3,
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          ResultConfiguration: {
            OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: resultsBucket }, '/athena-results/']] },
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
            ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
          },
        },
      });
    });

    it('expires query results', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'athena-results/' }),
        BucketEncryption: Match.anyValue(),
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Status: 'Enabled',
              ExpirationInDays: 7,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            }),
          ],
        },
      });
    });
  });

  describe('snapshots', () => {
    it('is versioned, encrypted and private', () => {
      const bucket = template.toJSON().Resources[snapshotBucket] as { Properties: Record<string, Json> };
      expect(bucket.Properties).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
    });

    it.each(['data', 'snapshots', 'results', 'access logs'])(
      'the %s bucket refuses requests without TLS 1.2',
      (name) => {
        const id = {
          data: dataBucket,
          snapshots: snapshotBucket,
          results: resultsBucket,
          'access logs': accessLogBucket,
        }[name];
        template.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: id },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 's3:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
              Match.objectLike({
                Effect: 'Deny',
                Action: 's3:*',
                Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
              }),
            ]),
          },
        });
      },
    );
  });

  describe('report function', () => {
    it('runs the bundled handler on Node 22, arm64, with the configured size', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 1536,
        Timeout: 600,
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ReportLogGroup') } },
      });
    });

    it('sets every environment variable the handler reads', () => {
      const fn = logicalId(template, 'AWS::Lambda::Function');
      const env = (template.toJSON().Resources[fn].Properties.Environment.Variables ?? {}) as Record<
        string,
        Json
      >;
      expect(env).toEqual({
        NODE_OPTIONS: '--enable-source-maps',
        SQL_DIR: '/var/task/sql',
        ATHENA_DATABASE: 'cs_kpi',
        ATHENA_WORKGROUP: 'CsKpiDigest-queries',
        ATHENA_TABLES: expect.any(String),
        SNAPSHOT_BUCKET: { Ref: snapshotBucket },
        SNAPSHOT_PREFIX: '',
        MAIL_SENDER: 'digest@acme.io',
        MAIL_RECIPIENTS: 'cs@acme.io,ceo@acme.io',
        SES_CONFIGURATION_SET: { Ref: expect.stringMatching(/^MailConfigurationSet/) },
        SES_MAX_SEND_RATE: '14',
        REPORT_TIMEZONE: 'Europe/Warsaw',
        REPORT_CURRENCY: 'EUR',
        REPORT_FX_BASE: 'USD',
        REPORT_LOCALE: 'pl',
        EXCLUDED_WARN_PERCENT: '5',
        EXCLUDED_STOP_PERCENT: '50',
        POWERTOOLS_SERVICE_NAME: 'cs-kpi-digest',
        POWERTOOLS_METRICS_NAMESPACE: 'CsKpiDigest',
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
      });
      expect(JSON.parse(env.ATHENA_TABLES as string)).toEqual({
        accounts: 'accounts',
        subscriptions: 'subscriptions',
        invoices: 'invoices',
        usage_events: 'usage_events',
        survey_responses: 'survey_responses',
        support_tickets: 'support_tickets',
        cs_costs: 'cs_costs',
        fx_rates: 'fx_rates',
        web_events: 'web_events',
        social_posts: 'social_posts',
      });
    });

    it('keeps its logs for the configured retention', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('derives retries and event age from the function timeout and the delivery lease', () => {
      const timing = deliveryTiming(600);
      expect(timing.leaseMs).toBeLessThan(ASYNC_RETRY_DELAYS_MS[0] ?? 0);
      template.hasResourceProperties('AWS::Lambda::Function', { Timeout: timing.functionTimeoutMs / 1000 });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: timing.retryAttempts,
        MaximumEventAgeInSeconds: timing.maxEventAgeSeconds,
      });
      const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
        Properties: { Target: { RetryPolicy: Json } };
      }[];
      for (const schedule of schedules) {
        expect(schedule.Properties.Target.RetryPolicy).toEqual({
          MaximumRetryAttempts: timing.retryAttempts,
          MaximumEventAgeInSeconds: timing.maxEventAgeSeconds,
        });
      }
    });

    it('sends runs that fail after Lambda retries to the dead-letter queue', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] },
          },
        },
      });
    });
  });

  describe('schedules', () => {
    it.each([
      ['weekly', 'cron(0 7 ? * MON *)'],
      ['monthly', 'cron(0 7 1 * ? *)'],
    ])('runs the %s digest at 07:00 in the configured time zone', (period, expression) => {
      const schedules = template.findResources('AWS::Scheduler::Schedule', {
        Properties: { ScheduleExpression: expression },
      });
      const [schedule] = Object.values(schedules) as { Properties: Record<string, Json> }[];
      expect(Object.keys(schedules)).toHaveLength(1);
      const props = schedule?.Properties as {
        ScheduleExpressionTimezone: string;
        State: string;
        FlexibleTimeWindow: Json;
        Target: {
          Input: string;
          RetryPolicy: Json;
          DeadLetterConfig: { Arn: Json };
          Arn: Json;
          RoleArn: Json;
        };
      };
      expect(props.ScheduleExpressionTimezone).toBe('Europe/Warsaw');
      expect(props.State).toBe('ENABLED');
      expect(props.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(JSON.parse(props.Target.Input)).toEqual({
        source: 'schedule',
        period,
        scheduledTime: '<aws.scheduler.scheduled-time>',
      });
      expect(props.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
      expect(flat(props.Target.DeadLetterConfig.Arn)).toMatch(/^<SchedulesDeadLetterQueue\w+\.Arn>$/);
      expect(flat(props.Target.Arn)).toMatch(/^<ReportFunction\w+\.Arn>$/);
      expect(flat(props.Target.RoleArn)).toMatch(/^<SchedulesRole\w+\.Arn>$/);
    });

    it('has an encrypted dead-letter queue that refuses requests without TLS', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('lets only schedules of this account assume the scheduler role, to invoke this function', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: {
                  'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                  'aws:SourceArn': Match.anyValue(),
                },
              },
            }),
          ],
        },
      });
      const statements = roleStatements(template, 'SchedulesRole');
      expect(statements.map((s) => [s.Action, resources(s)])).toEqual([
        [
          'lambda:InvokeFunction',
          [
            expect.stringMatching(/^<ReportFunction\w+\.Arn>$/),
            expect.stringMatching(/^<ReportFunction\w+\.Arn>:\*$/),
          ],
        ],
        ['sqs:SendMessage', [expect.stringMatching(/^<SchedulesDeadLetterQueue\w+\.Arn>$/)]],
      ]);
    });
  });

  describe('mail', () => {
    it('creates the sender identity with a configuration set that requires TLS', () => {
      template.hasResourceProperties('AWS::SES::EmailIdentity', {
        EmailIdentity: 'digest@acme.io',
        ConfigurationSetAttributes: {
          ConfigurationSetName: { Ref: Match.stringLikeRegexp('^MailConfigurationSet') },
        },
      });
      template.hasResourceProperties('AWS::SES::ConfigurationSet', {
        DeliveryOptions: { TlsPolicy: 'REQUIRE' },
        ReputationOptions: { ReputationMetricsEnabled: true },
        SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      });
    });
  });

  describe('alarms', () => {
    it('alarms on errors, dead letters and a duration near the timeout, to the SNS topic', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
      const topic = { Ref: Match.stringLikeRegexp('^AlarmsTopic') };
      const common = {
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        Period: 300,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
      };
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...common,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Threshold: 1,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...common,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 1,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...common,
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Statistic: 'Maximum',
        Threshold: 480_000, // 80 % of 600 s
      });
    });

    it('subscribes the alarm address and refuses publishing without TLS', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@acme.io',
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  it('outputs what the deployment guide refers to', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of [
      'ReportFunctionName',
      'ReportLogGroupName',
      'DataBucketName',
      'GlueDatabaseName',
      'AthenaWorkGroupName',
      'SnapshotBucketName',
      'DeadLetterQueueUrl',
      'AlarmTopicArn',
    ]) {
      expect(outputs).toContain(name);
    }
  });

  describe('least privilege of the report function', () => {
    it('never grants a bare wildcard resource or action', () => {
      for (const s of [...reportStatements, ...roleStatements(template, 'SchedulesRole')]) {
        expect(list(s.Action).filter((a) => a.includes('*'))).toEqual([]);
        expect(resources(s)).not.toContain('*');
        expect(s.Effect).toBe('Allow');
      }
    });

    it('runs Athena queries in its own workgroup only', () => {
      const s = statement(reportStatements, 'RunQueriesInWorkGroup');
      expect(list(s.Action).sort()).toEqual([
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:GetWorkGroup',
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
      ]);
      expect(resources(s)).toEqual([
        'arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/CsKpiDigest-queries',
      ]);
    });

    it('reads only this Glue database and its tables', () => {
      const s = statement(reportStatements, 'ReadContractTables');
      expect(
        list(s.Action).every((a) => /^glue:Get(Database|Table|Tables|Partition|Partitions)$/.test(a)),
      ).toBe(true);
      const glue = 'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>';
      expect(resources(s)).toEqual(
        [
          `${glue}:catalog`,
          `${glue}:database/cs_kpi`,
          ...[
            'accounts',
            'subscriptions',
            'invoices',
            'usage_events',
            'survey_responses',
            'support_tickets',
            'cs_costs',
            'fx_rates',
            'web_events',
            'social_posts',
          ].map((t) => `${glue}:table/cs_kpi/${t}`),
        ].sort(),
      );
    });

    it('reads only the table folders of the data bucket', () => {
      const read = statement(reportStatements, 'ReadTableFiles');
      expect(read.Action).toBe('s3:GetObject');
      expect(resources(read)).toHaveLength(10);
      for (const r of resources(read))
        expect(r).toMatch(new RegExp(`^<${dataBucket}\\.Arn>/data/[a-z_]+/\\*$`));
      const listing = statement(reportStatements, 'ListTableFiles');
      expect(resources(listing)).toEqual([`<${dataBucket}.Arn>`]);
      expect(listing.Condition).toEqual({
        StringLike: { 's3:prefix': expect.arrayContaining(['data/accounts/*', 'data/usage_events/*']) },
      });
      expect((listing.Condition?.StringLike?.['s3:prefix'] as string[]).length).toBe(10);
    });

    it('writes the snapshot bucket only under snapshots/ and deliveries/', () => {
      const s = statement(reportStatements, 'ReadWriteSnapshotsAndDeliveries');
      expect(list(s.Action).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
      expect(resources(s)).toEqual([
        `<${snapshotBucket}.Arn>/deliveries/*`,
        `<${snapshotBucket}.Arn>/snapshots/*`,
      ]);
      const writes = reportStatements.filter((st) => list(st.Action).some((a) => a === 's3:PutObject'));
      expect(writes.flatMap(resources).sort()).toEqual(
        [
          `<${resultsBucket}.Arn>/athena-results/*`,
          `<${snapshotBucket}.Arn>/deliveries/*`,
          `<${snapshotBucket}.Arn>/snapshots/*`,
        ].sort(),
      );
    });

    it('reads and writes Athena results under the results prefix', () => {
      const s = statement(reportStatements, 'ReadWriteQueryResults');
      expect(resources(s)).toEqual([`<${resultsBucket}.Arn>/athena-results/*`]);
    });

    it('sends mail only from the configured address, identity and configuration set', () => {
      const s = statement(reportStatements, 'SendDigestMail');
      expect(s.Action).toBe('ses:SendRawEmail');
      expect(resources(s)).toEqual([
        expect.stringMatching(
          /^arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set\/<MailConfigurationSet\w+>$/,
        ),
        'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/digest@acme.io',
      ]);
      expect(s.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'digest@acme.io' } });
    });

    it('has no managed policies (its own role, not AWSLambdaBasicExecutionRole)', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        }),
        ManagedPolicyArns: Match.absent(),
      });
    });
  });
});

describe('CsKpiDigestStack with an existing bucket, JSON data and a domain identity', () => {
  let template: Template;
  let reportStatements: Statement[];

  beforeAll(() => {
    template = synth({
      sender: 'digest@mail.acme.io',
      senderIdentity: 'acme.io',
      createSenderIdentity: false,
      recipients: ['cs@acme.io'],
      dataBucket: 'acme-lake',
      dataBucketKmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666',
      dataPrefix: 'raw/cs',
      dataFormat: 'json',
      databaseName: 'acme_cs',
      tables: ['accounts', 'subscriptions', 'usage_events'],
      tableNames: { accounts: 'crm_accounts' },
      partitionRangeStart: '2023-06-01',
      stackName: 'AcmeDigest',
    });
    reportStatements = roleStatements(template, 'ReportRole');
  });

  it('imports the bucket instead of creating one', () => {
    // access logs, Athena results and snapshots only
    template.resourceCountIs('AWS::S3::Bucket', 3);
    template.resourceCountIs('AWS::S3::Bucket', 3);
    expect(
      Object.keys(
        template.findResources('AWS::S3::Bucket', {
          Properties: { LoggingConfiguration: { LogFilePrefix: 'data/' } },
        }),
      ),
    ).toEqual([]);
  });

  it('deploys only the configured tables, renamed, as JSON over the existing bucket', () => {
    template.resourceCountIs('AWS::Glue::Table', 3);
    template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: Match.objectLike({ Name: 'acme_cs' }),
    });
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'acme_cs',
      TableInput: Match.objectLike({
        Name: 'crm_accounts',
        Parameters: { EXTERNAL: 'TRUE', classification: 'json' },
        StorageDescriptor: Match.objectLike({
          Location: 's3://acme-lake/raw/cs/accounts/',
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          SerdeInfo: {
            SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            Parameters: { 'ignore.malformed.json': 'FALSE', 'case.insensitive': 'TRUE' },
          },
        }),
      }),
    });
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'usage_events',
        Parameters: Match.objectLike({
          'projection.dt.range': '2023-06-01,NOW',
          'storage.location.template': 's3://acme-lake/raw/cs/usage_events/dt=${dt}/',
        }),
      }),
    });
  });

  it('tells the function the renamed tables and the workgroup of this stack', () => {
    const fn = logicalId(template, 'AWS::Lambda::Function');
    const env = template.toJSON().Resources[fn].Properties.Environment.Variables as Record<string, string>;
    expect(JSON.parse(env.ATHENA_TABLES as string)).toEqual({
      accounts: 'crm_accounts',
      subscriptions: 'subscriptions',
      usage_events: 'usage_events',
    });
    expect(env.ATHENA_DATABASE).toBe('acme_cs');
    expect(env.ATHENA_WORKGROUP).toBe('AcmeDigest-queries');
    expect(env.MAIL_SENDER).toBe('digest@mail.acme.io');
  });

  it('scopes reads to the configured prefixes of the existing bucket and its KMS key', () => {
    expect(resources(statement(reportStatements, 'ReadTableFiles'))).toEqual([
      'arn:<AWS::Partition>:s3:::acme-lake/raw/cs/accounts/*',
      'arn:<AWS::Partition>:s3:::acme-lake/raw/cs/subscriptions/*',
      'arn:<AWS::Partition>:s3:::acme-lake/raw/cs/usage_events/*',
    ]);
    expect(statement(reportStatements, 'ListTableFiles').Condition).toEqual({
      StringLike: { 's3:prefix': ['raw/cs/accounts/*', 'raw/cs/subscriptions/*', 'raw/cs/usage_events/*'] },
    });
    const glue = 'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>';
    expect(resources(statement(reportStatements, 'ReadContractTables'))).toEqual([
      `${glue}:catalog`,
      `${glue}:database/acme_cs`,
      `${glue}:table/acme_cs/crm_accounts`,
      `${glue}:table/acme_cs/subscriptions`,
      `${glue}:table/acme_cs/usage_events`,
    ]);
    const decrypt = statement(reportStatements, 'DecryptDataBucket');
    expect(decrypt.Action).toBe('kms:Decrypt');
    expect(resources(decrypt)).toEqual([
      'arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666',
    ]);
    expect(flat(decrypt.Condition?.StringEquals?.['kms:ViaService'])).toBe('s3.<AWS::Region>.amazonaws.com');
  });

  it('references the existing domain identity without creating it', () => {
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    const s = statement(reportStatements, 'SendDigestMail');
    expect(resources(s)).toContain(
      'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/acme.io',
    );
    expect(s.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'digest@mail.acme.io' } });
  });

  it('has no alarm subscription when no alarm address is configured', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });
});

describe('CsKpiDigestStack creating a domain identity', () => {
  it('outputs the DKIM records to publish', () => {
    const template = synth({ sender: 'digest@acme.io', senderIdentity: 'acme.io', recipients: 'cs@acme.io' });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'acme.io' });
    const outputs = Object.keys(template.findOutputs('*')).filter((k) => k.includes('DkimRecord'));
    expect(outputs.map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'MailDkimRecord1',
      'MailDkimRecord2',
      'MailDkimRecord3',
    ]);
  });
});

describe('CsKpiDigestStack with contract tables provided as views', () => {
  let template: Template;
  let reportStatements: Statement[];

  beforeAll(() => {
    template = synth({
      sender: 'digest@acme.io',
      recipients: 'cs@acme.io',
      views: { subscriptions: 'stripe_subscriptions', invoices: 'stripe_invoices' },
      sourceTables: ['billing.stripe_subscriptions_raw', 'billing.stripe_invoices_raw'],
      sourceLocations: ['s3://acme-billing-exports/stripe/'],
    });
    reportStatements = roleStatements(template, 'ReportRole');
  });

  it('deploys no Glue table for them but tells the function their names', () => {
    template.resourceCountIs('AWS::Glue::Table', 8);
    for (const name of ['subscriptions', 'invoices', 'stripe_subscriptions', 'stripe_invoices']) {
      expect(
        Object.keys(
          template.findResources('AWS::Glue::Table', { Properties: { TableInput: { Name: name } } }),
        ),
      ).toEqual([]);
    }
    const fn = logicalId(template, 'AWS::Lambda::Function');
    const env = template.toJSON().Resources[fn].Properties.Environment.Variables as Record<string, string>;
    expect(
      Object.entries(JSON.parse(env.ATHENA_TABLES as string) as Record<string, string>).slice(0, 3),
    ).toEqual([
      ['accounts', 'accounts'],
      ['subscriptions', 'stripe_subscriptions'],
      ['invoices', 'stripe_invoices'],
    ]);
  });

  it('lets the function read the views, the tables they read and their source location only', () => {
    const glue = 'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>';
    expect(resources(statement(reportStatements, 'ReadContractTables'))).toEqual(
      expect.arrayContaining([
        `${glue}:table/cs_kpi/stripe_subscriptions`,
        `${glue}:table/cs_kpi/stripe_invoices`,
        `${glue}:database/billing`,
        `${glue}:table/billing/stripe_subscriptions_raw`,
        `${glue}:table/billing/stripe_invoices_raw`,
      ]),
    );
    expect(resources(statement(reportStatements, 'ReadViewSource0'))).toEqual([
      'arn:<AWS::Partition>:s3:::acme-billing-exports/stripe/*',
    ]);
    expect(statement(reportStatements, 'ListViewSource0').Condition).toEqual({
      StringLike: { 's3:prefix': ['stripe/*'] },
    });
  });
});
