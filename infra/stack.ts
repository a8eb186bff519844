import { deliveryTiming } from '../functions/core/delivery-timing.js';
import {
  CfnOutput,
  Duration,
  Stack,
  type StackProps,
  aws_iam as iam,
  aws_lambda_destinations as destinations,
} from 'aws-cdk-lib';
import { acknowledgeWildcardResources } from './nag.js';
import type { Construct } from 'constructs';
import type { DigestConfig } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { Alerts } from './constructs/alerts.js';
import { DataLake } from './constructs/data-lake.js';
import { Mail } from './constructs/mail.js';
import { AccessLogs } from './constructs/private-bucket.js';
import { Query } from './constructs/query.js';
import { ReportFunction } from './constructs/report-function.js';
import { Schedules } from './constructs/schedules.js';
import { Snapshots } from './constructs/snapshots.js';
import { RollupJob, RollupStore } from './constructs/usage-rollups.js';
import { CSM_SNAPSHOT_PREFIX, CsmDelivery } from './constructs/csm-delivery.js';

export interface CsKpiDigestStackProps extends StackProps {
  readonly config: DigestConfig;
  /** The alert function's handler module (tests bundle a small one). */
  readonly alertsEntry?: string;
  /** The rollup function's handler module (tests bundle a small one). */
  readonly rollupsEntry?: string;
  /** The CSM delivery function's handler module (tests bundle a small one). */
  readonly csmDigestsEntry?: string;
}

export const POWERTOOLS_SERVICE_NAME = 'cs-kpi-digest';
export const POWERTOOLS_METRICS_NAMESPACE = 'CsKpiDigest';

/**
 * The whole product in one stack:
 *
 *   schedules ──► report function ──► query (Athena) ──► data lake (Glue tables over S3)
 *                      │          └──► snapshots (S3)
 *                      └──► mail (SES)          alarms watch the function and the DLQ
 */
export class CsKpiDigestStack extends Stack {
  readonly data: DataLake;
  readonly query: Query;
  readonly snapshots: Snapshots;
  readonly mail: Mail;
  readonly report: ReportFunction;
  readonly schedules: Schedules;
  readonly alarms: Alarms;
  /** The daily alerts, when the configuration has rules. */
  readonly alerts: Alerts | undefined;
  /** The CSM digests' queue and delivery function (config csmDigests). */
  readonly csmDelivery: CsmDelivery | undefined;
  /** The usage rollups and their daily job (config usageRollups). */
  readonly rollups: { readonly store: RollupStore; readonly job: RollupJob } | undefined;

  constructor(scope: Construct, id: string, props: CsKpiDigestStackProps) {
    super(scope, id, props);
    // Access logs are delivered under a bucket policy, not ACLs (every bucket here disables
    // ACLs). Set on the stack so it holds whatever cdk.json the app was run with.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { config } = props;

    const accessLogs = new AccessLogs(this, 'AccessLogs');

    this.data = new DataLake(this, 'Data', { config, accessLogs: accessLogs.bucket });

    this.query = new Query(this, 'Query', {
      workGroupName: `${config.stackName}-queries`,
      bytesScannedCutoffPerQuery: config.bytesScannedCutoffPerQuery,
      resultsRetentionDays: config.queryResultsRetentionDays,
      accessLogs: accessLogs.bucket,
    });

    this.snapshots = new Snapshots(this, 'Snapshots', { accessLogs: accessLogs.bucket });

    const rollupStore = config.usageRollups
      ? new RollupStore(this, 'UsageRollups', { config, data: this.data, accessLogs: accessLogs.bucket })
      : undefined;

    this.mail = new Mail(this, 'Mail', {
      sender: config.sender,
      identity: config.senderIdentity,
      createIdentity: config.createSenderIdentity,
    });

    const environment = {
      ATHENA_DATABASE: this.data.databaseName,
      ATHENA_WORKGROUP: this.query.workGroupName,
      ATHENA_TABLES: JSON.stringify(this.data.tableMap()),
      SNAPSHOT_BUCKET: this.snapshots.bucket.bucketName,
      SNAPSHOT_PREFIX: '',
      MAIL_SENDER: config.sender,
      MAIL_RECIPIENTS: config.recipients.join(','),
      SES_CONFIGURATION_SET: this.mail.configurationSet.configurationSetName,
      SES_MAX_SEND_RATE: String(config.sesMaxSendRate),
      REPORT_TIMEZONE: config.timezone,
      REPORT_CURRENCY: config.currency,
      REPORT_FX_BASE: config.fxBase,
      REPORT_LOCALE: config.locale,
      EXCLUDED_WARN_PERCENT: String(config.excludedWarnPercent),
      EXCLUDED_STOP_PERCENT: String(config.excludedStopPercent),
      // Only when CSM digests are configured: otherwise the function is exactly as before.
      ...(config.csmDigests || config.csmDomains.length > 0
        ? {
            CSM_DIGESTS: String(config.csmDigests),
            CSM_DOMAINS: config.csmDomains.join(','),
            CSM_SKIP_EMPTY: String(config.csmSkipEmpty),
          }
        : {}),
      POWERTOOLS_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
    };
    this.report = new ReportFunction(this, 'Report', {
      memoryMb: config.lambdaMemoryMb,
      timeoutSeconds: config.lambdaTimeoutSeconds,
      logRetentionDays: config.logRetentionDays,
      // The report reads the rollups and builds the few missing days of its window itself.
      environment: { ...environment, ...(rollupStore?.environment ?? {}) },
    });
    // The workgroup must exist before the function can run a query in it.
    this.report.function.node.addDependency(this.query.workGroup);

    const role = this.report.role;
    this.data.grantQueryRead(role);
    this.query.grantQuery(role);
    this.snapshots.grantReadWrite(role);
    this.mail.grantSend(role);
    if (environment.CSM_DOMAINS !== undefined) {
      // The report writes each CSM's snapshot (csm/<kind>/<key>/<owner-hash>.json) before any send.
      const csmSnapshots = this.snapshots.bucket.arnForObjects(`${CSM_SNAPSHOT_PREFIX}*`);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WriteCsmSnapshots',
          actions: ['s3:PutObject'],
          resources: [csmSnapshots],
        }),
      );
      acknowledgeWildcardResources(
        role,
        [csmSnapshots],
        'CSM snapshot keys are named by period and owner hash at run time; write only, under csm/.',
      );
    }
    rollupStore?.grantRead(role, 'ReadRollups');
    rollupStore?.grantBuild(role, 'BuildRollups');

    // Lease, function timeout and retries fit together by construction (docs/runtime.md#timings).
    const timing = deliveryTiming(config.lambdaTimeoutSeconds);
    this.schedules = new Schedules(this, 'Schedules', {
      function: this.report.function,
      timezone: config.timezone,
      timing,
    });

    // Scheduler hands the event over asynchronously; a run that still fails after Lambda's own
    // retries lands in the same dead-letter queue, so one alarm covers "a digest did not go out".
    this.report.function.configureAsyncInvoke({
      retryAttempts: timing.retryAttempts,
      maxEventAge: Duration.seconds(timing.maxEventAgeSeconds),
      onFailure: new destinations.SqsDestination(this.schedules.deadLetterQueue),
    });

    this.alarms = new Alarms(this, 'Alarms', {
      function: this.report.function,
      functionTimeout: this.report.timeout,
      deadLetterQueue: this.schedules.deadLetterQueue,
      alarmEmail: config.alarmEmail,
    });

    // CSM digests are delivered by a function of their own, fed by a queue (docs/csm-digests.md#fan-out).
    this.csmDelivery = undefined;
    if (config.csmDigests) {
      const csmDelivery = new CsmDelivery(this, 'CsmDelivery', {
        memoryMb: config.lambdaMemoryMb,
        logRetentionDays: config.logRetentionDays,
        environment,
        bucket: this.snapshots.bucket,
        alarmTopic: this.alarms.topic,
        ...(props.csmDigestsEntry ? { entry: props.csmDigestsEntry } : {}),
      });
      this.report.function.addEnvironment('CSM_QUEUE_URL', csmDelivery.queue.queueUrl);
      csmDelivery.grantDispatch(this.report.role);
      this.mail.grantSend(csmDelivery.function.role);
      new CfnOutput(this, 'CsmDeliveryFunctionName', { value: csmDelivery.function.function.functionName });
      new CfnOutput(this, 'CsmDeadLetterQueueUrl', { value: csmDelivery.deadLetterQueue.queueUrl });
      this.csmDelivery = csmDelivery;
    }

    this.rollups = undefined;
    if (rollupStore !== undefined) {
      const job = new RollupJob(this, 'UsageRollupJob', {
        config,
        store: rollupStore,
        data: this.data,
        query: this.query,
        environment: { ...environment, POWERTOOLS_SERVICE_NAME: `${POWERTOOLS_SERVICE_NAME}-rollups` },
        deadLetterQueue: this.schedules.deadLetterQueue,
        alarmTopic: this.alarms.topic,
        ...(props.rollupsEntry ? { entry: props.rollupsEntry } : {}),
      });
      this.rollups = { store: rollupStore, job };
      new CfnOutput(this, 'RollupFunctionName', { value: job.function.function.functionName });
      new CfnOutput(this, 'RollupBucketName', { value: rollupStore.bucket.bucketName });
    }

    // The digest lists the period's alerts at its top: it reads their log (granted with or
    // without rules, so a missing log is a 404, never a 403 that would stop the digest).
    const alertLog = this.snapshots.bucket.arnForObjects('alerts/fired/*');
    this.report.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadAlertLog', actions: ['s3:GetObject'], resources: [alertLog] }),
    );
    acknowledgeWildcardResources(
      this.report.role,
      [alertLog],
      'The alert log is keyed by period and day at run time; read only, under alerts/fired/.',
    );
    this.alerts = undefined;
    if (config.alerts.length > 0) {
      this.alerts = new Alerts(this, 'Alerts', {
        timezone: config.timezone,
        memoryMb: config.lambdaMemoryMb,
        timeoutSeconds: config.lambdaTimeoutSeconds,
        logRetentionDays: config.logRetentionDays,
        environment: { ...environment, POWERTOOLS_SERVICE_NAME: `${POWERTOOLS_SERVICE_NAME}-alerts` },
        rulesJson: config.alertRulesJson,
        recipients: config.alertRecipients,
        deadLetterQueue: this.schedules.deadLetterQueue,
        alarmTopic: this.alarms.topic,
        ...(props.alertsEntry ? { entry: props.alertsEntry } : {}),
      });
      const alertRole = this.alerts.function.role;
      this.alerts.function.function.node.addDependency(this.query.workGroup);
      this.data.grantQueryRead(alertRole);
      this.query.grantQuery(alertRole);
      this.alerts.grantStore(this.snapshots.bucket);
      this.mail.grantSend(alertRole);
      new CfnOutput(this, 'AlertTopicArn', {
        description: 'Subscribe chat tools (AWS Chatbot, a webhook) to the alerts here',
        value: this.alerts.topic.topicArn,
      });
      new CfnOutput(this, 'AlertFunctionName', { value: this.alerts.function.function.functionName });
    }

    new CfnOutput(this, 'ReportFunctionName', {
      description: 'Invoke it by hand: aws lambda invoke --function-name <this> ...',
      value: this.report.function.functionName,
    });
    new CfnOutput(this, 'ReportLogGroupName', { value: this.report.logGroup.logGroupName });
    new CfnOutput(this, 'DataBucketName', {
      description: `Put each table under s3://<this>/${config.dataPrefix === '' ? '' : `${config.dataPrefix}/`}<table>/`,
      value: this.data.bucket.bucketName,
    });
    new CfnOutput(this, 'GlueDatabaseName', { value: this.data.databaseName });
    new CfnOutput(this, 'AthenaWorkGroupName', { value: this.query.workGroupName });
    new CfnOutput(this, 'SnapshotBucketName', { value: this.snapshots.bucket.bucketName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.schedules.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
