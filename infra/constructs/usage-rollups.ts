import {
  Aws,
  Duration,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  aws_glue as glue,
  aws_iam as iam,
  aws_lambda_destinations as destinations,
  aws_s3 as s3,
  aws_scheduler as scheduler,
  aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { errorsMetric, reachedAlarm } from './alarms.js';
import { fileURLToPath } from 'node:url';
import {
  ROLLUP_RELATIONS,
  ROLLUP_TABLES,
  WEB_ROLLUP_TABLES,
  type RollupTable,
} from '../../functions/core/rollup-plan.js';
import { deliveryTiming } from '../../functions/core/delivery-timing.js';
import type { DigestConfig } from '../config.js';
import { rollupTableInput } from '../glue-tables.js';
import { acknowledgeWildcardResources } from '../nag.js';
import type { DataLake } from './data-lake.js';
import { privateBucket } from './private-bucket.js';
import type { Query } from './query.js';
import { ReportFunction } from './report-function.js';
import { dailyInvoke } from './schedules.js';

/** The rollup tables and their manifest live under this prefix of the rollup bucket. */
export const ROLLUP_KEY_PREFIX = 'usage_rollups';

/** Daily at 00:30 in the deployment's zone: yesterday's local day has ended everywhere in it. */
export const ROLLUP_SCHEDULE_CRON: scheduler.CronOptionsWithTimezone = { minute: '30', hour: '0' };

/** A first run over a long history builds 62 days; the longest timeout leaves room for them. */
export const ROLLUP_FUNCTION_TIMEOUT_SECONDS = 900;

export const ROLLUP_HANDLER_ENTRY = fileURLToPath(
  new URL('../../functions/handlers/rollups/handler.ts', import.meta.url),
);

export interface RollupStoreProps {
  readonly config: DigestConfig;
  readonly data: DataLake;
  readonly accessLogs: s3.IBucket;
}

/**
 * Where the usage rollups live: a private bucket (not versioned: every day can be rebuilt from
 * the raw events) and one Glue table per rollup, partition-projected on `dt` like the raw tables.
 * Where web_events is a deployed table too, its three web rollup tables live beside them (same
 * prefix, their own manifest): optional as the table is.
 */
export class RollupStore extends Construct {
  readonly bucket: s3.Bucket;
  readonly tables: Readonly<Partial<Record<RollupTable, glue.CfnTable>>>;
  readonly databaseName: string;
  /** True when the web rollups are built too (web_events is a deployed table of the stack). */
  readonly web: boolean;
  /** The function environment that names the rollups and the raw event files. */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: RollupStoreProps) {
    super(scope, id);
    const { config, data } = props;
    const usage = data.tables.find((t) => t.contractName === 'usage_events');
    if (usage === undefined) throw new Error('the usage rollups need usage_events deployed as a table');
    // Built from the raw files' listing, so only a deployed table (not a view) has web rollups.
    const webEvents = data.tables.find((t) => t.contractName === 'web_events');
    this.web = webEvents !== undefined;
    this.databaseName = data.databaseName;
    this.bucket = privateBucket(this, 'Bucket', {
      accessLogs: props.accessLogs,
      accessLogPrefix: 'usage-rollups',
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    const tables: Partial<Record<RollupTable, glue.CfnTable>> = {};
    for (const table of this.rollupTables()) {
      const resource = new glue.CfnTable(this, `Table-${table}`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: data.databaseName,
        tableInput: rollupTableInput(table, {
          location: `s3://${this.bucket.bucketName}/${ROLLUP_KEY_PREFIX}/${table}/`,
          partitionRangeStart: config.partitionRangeStart,
        }),
      });
      resource.addResourceDependency(data.database);
      tables[table] = resource;
    }
    this.tables = tables;
    this.environment = {
      USAGE_ROLLUPS_LOCATION: `s3://${this.bucket.bucketName}/${ROLLUP_KEY_PREFIX}/`,
      USAGE_EVENTS_LOCATION: `s3://${data.bucket.bucketName}/${usage.keyPrefix}`,
      ...(webEvents ? { WEB_EVENTS_LOCATION: `s3://${data.bucket.bucketName}/${webEvents.keyPrefix}` } : {}),
    };
  }

  /** The rollup tables of the stack: the usage ones, and the web ones where web_events is deployed. */
  rollupTables(): readonly RollupTable[] {
    return this.web ? [...ROLLUP_TABLES, ...WEB_ROLLUP_TABLES] : ROLLUP_TABLES;
  }

  /**
   * Reading the rollups (Athena reads them with the caller's permissions) and their manifests:
   * the rollup Glue tables and the objects under the rollup prefix, nothing else of the bucket.
   */
  grantRead(role: iam.Role, sid: string): void {
    const stack = this.bucket.stack;
    const glueArn = (resource: string) => stack.formatArn({ service: 'glue', resource });
    const objects = this.bucket.arnForObjects(`${ROLLUP_KEY_PREFIX}/*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `${sid}Tables`,
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [
          glueArn('catalog'),
          glueArn(`database/${this.databaseName}`),
          ...this.rollupTables().map((t) => glueArn(`table/${this.databaseName}/${ROLLUP_RELATIONS[t]}`)),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: `${sid}Files`, actions: ['s3:GetObject'], resources: [objects] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `${sid}List`,
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${ROLLUP_KEY_PREFIX}/*`] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `${sid}Locate`,
        actions: ['s3:GetBucketLocation'],
        resources: [this.bucket.bucketArn],
      }),
    );
    acknowledgeWildcardResources(
      role,
      [objects],
      'The rollup files are named per day and by Athena at run time; read only, under the usage_rollups/ prefix of the rollup bucket.',
    );
  }

  /**
   * Building days: emptying a day's prefixes (DeleteObjects), Athena's UNLOAD writing into them
   * (with the caller's permissions, multipart included) and the manifest's conditional writes,
   * all under the rollup prefix only.
   */
  grantBuild(role: iam.Role, sid: string): void {
    const objects = this.bucket.arnForObjects(`${ROLLUP_KEY_PREFIX}/*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `${sid}Write`,
        actions: [
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        resources: [objects],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `${sid}Uploads`,
        actions: ['s3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
    );
    acknowledgeWildcardResources(
      role,
      [objects],
      'A day is rebuilt by deleting and writing the files under its dt= prefixes, named at run time; write access is limited to the usage_rollups/ prefix.',
    );
  }
}

export interface RollupJobProps {
  readonly config: DigestConfig;
  readonly store: RollupStore;
  readonly data: DataLake;
  readonly query: Query;
  /** The report function's environment (Athena, zone), to which the rollup locations are added. */
  readonly environment: Readonly<Record<string, string>>;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
  /** Handler module; functions/handlers/rollups/handler.ts unless a test bundles another one. */
  readonly entry?: string;
}

/**
 * The daily rollup job: its function (the report function's bundle and role pattern), an
 * EventBridge Scheduler schedule shortly after local midnight and an alarm on its errors.
 * Least privilege: the Athena workgroup, the usage_events (and web_events) table and files
 * (read), the rollup tables (read) and the rollup prefix (read, write, delete).
 */
export class RollupJob extends Construct {
  readonly function: ReportFunction;
  readonly schedule: scheduler.Schedule;
  readonly schedulerRole: iam.Role;
  readonly errors: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RollupJobProps) {
    super(scope, id);
    const { config } = props;
    this.function = new ReportFunction(this, 'Function', {
      memoryMb: config.lambdaMemoryMb,
      timeoutSeconds: ROLLUP_FUNCTION_TIMEOUT_SECONDS,
      logRetentionDays: config.logRetentionDays,
      entry: props.entry ?? ROLLUP_HANDLER_ENTRY,
      environment: { ...props.environment, ...props.store.environment },
    });
    this.function.function.node.addDependency(props.query.workGroup);
    const role = this.function.role;
    props.query.grantQuery(role);
    props.data.grantUsageEventsRead(role);
    if (props.store.web) props.data.grantEventsRead(role, 'web_events');
    props.store.grantRead(role, 'ReadRollups');
    props.store.grantBuild(role, 'BuildRollups');

    const timing = deliveryTiming(ROLLUP_FUNCTION_TIMEOUT_SECONDS);
    this.function.function.configureAsyncInvoke({
      retryAttempts: timing.retryAttempts,
      maxEventAge: Duration.seconds(timing.maxEventAgeSeconds),
      onFailure: new destinations.SqsDestination(props.deadLetterQueue),
    });

    ({ role: this.schedulerRole, schedule: this.schedule } = dailyInvoke(this, {
      function: this.function.function,
      cron: ROLLUP_SCHEDULE_CRON,
      timezone: config.timezone,
      description: `Daily usage rollups, 00:30 ${config.timezone}`,
      roleDescription: 'Lets the daily usage rollup schedule invoke the rollup function',
      deadLetterQueue: props.deadLetterQueue,
      timing,
      source: 'rollup-schedule',
    }));

    this.errors = reachedAlarm(this, 'Errors', {
      description:
        'The usage rollup function failed; reports read the raw events for the days it did not build.',
      metric: errorsMetric(this.function.function),
    });
    this.errors.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}
