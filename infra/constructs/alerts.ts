import {
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  aws_iam as iam,
  aws_kms as kms,
  aws_scheduler as scheduler,
  aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { errorsMetric, reachedAlarm } from './alarms.js';
import { fileURLToPath } from 'node:url';
import { acknowledgeWildcardResources } from '../nag.js';
import { ReportFunction } from './report-function.js';
import { deliveryTiming } from '../../functions/core/delivery-timing.js';
import { dailyInvoke } from './schedules.js';

/** Every day at 06:00 in the deployment's time zone: an hour before the digests, which list the alerts. */
export const ALERT_SCHEDULE_CRON: scheduler.CronOptionsWithTimezone = { minute: '0', hour: '6' };

/** The keys the alert function writes: its snapshots of the period so far, its state and its log. */
export const ALERT_KEY_PREFIX = 'alerts/';

export const ALERT_HANDLER_ENTRY = fileURLToPath(
  new URL('../../functions/handlers/alerts/handler.ts', import.meta.url),
);

export interface AlertsProps {
  readonly timezone: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  /** The report function's environment, to which the alert settings are added. */
  readonly environment: Readonly<Record<string, string>>;
  readonly rulesJson: string;
  readonly recipients: readonly string[];
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
  /** Handler module; functions/handlers/alerts/handler.ts unless a test bundles another one. */
  readonly entry?: string;
}

/**
 * The daily alerts: an EventBridge Scheduler schedule, the alert function (the report
 * function's bundle and role pattern, its own handler) and an encrypted SNS topic that chat
 * tools subscribe to. The function's permissions are granted by the stack like the report's.
 */
export class Alerts extends Construct {
  readonly function: ReportFunction;
  readonly topic: sns.Topic;
  readonly schedule: scheduler.Schedule;
  readonly schedulerRole: iam.Role;
  readonly errors: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);

    // The AWS-managed SNS key: encrypted at rest at no key cost; publishers in the account may use it.
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'KPI alerts',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'TopicKey', 'alias/aws/sns'),
    });

    this.function = new ReportFunction(this, 'Function', {
      memoryMb: props.memoryMb,
      timeoutSeconds: props.timeoutSeconds,
      logRetentionDays: props.logRetentionDays,
      entry: props.entry ?? ALERT_HANDLER_ENTRY,
      environment: {
        ...props.environment,
        ALERT_RULES: props.rulesJson,
        ALERT_RECIPIENTS: props.recipients.join(','),
        ALERT_TOPIC_ARN: this.topic.topicArn,
      },
    });
    // Publish only; the AWS-managed key's own policy lets account principals use it through SNS,
    // so no KMS permission is granted (topic.grantPublish would grant kms on every key).
    this.function.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );

    ({ role: this.schedulerRole, schedule: this.schedule } = dailyInvoke(this, {
      function: this.function.function,
      cron: ALERT_SCHEDULE_CRON,
      timezone: props.timezone,
      description: `Daily KPI alerts, 06:00 ${props.timezone}`,
      roleDescription: 'Lets the daily KPI alert schedule invoke the alert function',
      deadLetterQueue: props.deadLetterQueue,
      timing: deliveryTiming(props.timeoutSeconds),
      source: 'alert-schedule',
    }));

    this.errors = reachedAlarm(this, 'Errors', {
      description: 'The alert function failed; an alert may not have been sent.',
      metric: errorsMetric(this.function.function),
    });
    this.errors.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }

  /**
   * The alert state and log under `alerts/` (read, write, delete: a claim is released when its
   * alert could not go out), and the complete periods' snapshots (read only).
   */
  grantStore(bucket: { arnForObjects(keyPattern: string): string; bucketArn: string }): void {
    const role = this.function.role;
    const alertObjects = bucket.arnForObjects(`${ALERT_KEY_PREFIX}*`);
    const snapshotObjects = bucket.arnForObjects('snapshots/*');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AlertState',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [alertObjects],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSnapshots',
        actions: ['s3:GetObject'],
        resources: [snapshotObjects],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListSnapshots',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
      }),
    );
    acknowledgeWildcardResources(
      role,
      [alertObjects, snapshotObjects],
      'Alert and snapshot keys are named by period at run time; access is limited to the alerts/ (read-write) and snapshots/ (read) prefixes.',
    );
  }
}
