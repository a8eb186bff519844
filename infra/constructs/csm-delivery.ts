import {
  Duration,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  aws_iam as iam,
  aws_lambda_event_sources as sources,
  aws_s3 as s3,
  aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue.js';
import { errorsMetric, reachedAlarm, visibleMessagesMetric } from './alarms.js';
import { fileURLToPath } from 'node:url';
import {
  CSM_DELIVERY_CONCURRENCY,
  CSM_DELIVERY_TIMEOUT_SECONDS,
  CSM_MAX_RECEIVE_COUNT,
  CSM_VISIBILITY_TIMEOUT_SECONDS,
} from '../../functions/core/csm-batch.js';
import { acknowledgeWildcardResources } from '../nag.js';
import { ReportFunction } from './report-function.js';

export const CSM_DIGESTS_HANDLER_ENTRY = fileURLToPath(
  new URL('../../functions/handlers/csm-digests/handler.ts', import.meta.url),
);

/** Where the CSM snapshots are stored, and the delivery ledger. */
export const CSM_SNAPSHOT_PREFIX = 'csm/';
const LEDGER_PREFIX = 'deliveries/';

export interface CsmDeliveryProps {
  readonly memoryMb: number;
  readonly logRetentionDays: number;
  /** The report function's environment (the delivery function reads the same settings). */
  readonly environment: Readonly<Record<string, string>>;
  readonly bucket: s3.IBucket;
  readonly alarmTopic: sns.ITopic;
  /** Handler module; functions/handlers/csm-digests/handler.ts unless a test bundles another one. */
  readonly entry?: string;
}

/**
 * The CSM digests' own delivery (docs/csm-digests.md#fan-out): an encrypted queue the report
 * function puts batches of owners on, and a function that takes one message (one batch) at a
 * time, at most CSM_DELIVERY_CONCURRENCY at once, and sends those digests from their stored
 * snapshots. A message not delivered after CSM_MAX_RECEIVE_COUNT tries goes to a dead-letter
 * queue that alarms as soon as it holds one.
 */
export class CsmDelivery extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: ReportFunction;
  readonly deadLetters: cloudwatch.Alarm;
  readonly errors: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CsmDeliveryProps) {
    super(scope, id);

    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself the dead-letter queue of the CSM digest queue.',
    );

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A received batch stays hidden well past the function's timeout and the delivery lease.
      visibilityTimeout: Duration.seconds(CSM_VISIBILITY_TIMEOUT_SECONDS),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: CSM_MAX_RECEIVE_COUNT },
    });

    this.function = new ReportFunction(this, 'Function', {
      description: 'Sends one batch of CSM digests from their stored snapshots',
      memoryMb: props.memoryMb,
      timeoutSeconds: CSM_DELIVERY_TIMEOUT_SECONDS,
      logRetentionDays: props.logRetentionDays,
      entry: props.entry ?? CSM_DIGESTS_HANDLER_ENTRY,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: `${props.environment.POWERTOOLS_SERVICE_NAME ?? 'cs-kpi-digest'}-csm`,
        CSM_DELIVERY_CONCURRENCY: String(CSM_DELIVERY_CONCURRENCY),
      },
    });
    // One message is one batch; a batch not fully sent is reported and comes back alone.
    this.function.function.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: 1,
        maxConcurrency: CSM_DELIVERY_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );

    const role = this.function.role;
    const snapshots = props.bucket.arnForObjects(`${CSM_SNAPSHOT_PREFIX}*`);
    const ledger = props.bucket.arnForObjects(`${LEDGER_PREFIX}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadCsmSnapshots', actions: ['s3:GetObject'], resources: [snapshots] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeliveryLedger',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [ledger],
      }),
    );
    // Without it S3 answers a missing ledger record (a first send) with 403 instead of 404.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListBucket',
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
      }),
    );
    acknowledgeWildcardResources(
      role,
      [snapshots, ledger],
      'CSM snapshot and ledger keys are named by period and owner hash at run time; read only under csm/, read-write under deliveries/.',
    );

    const notify = new actions.SnsAction(props.alarmTopic);
    this.deadLetters = reachedAlarm(this, 'DeadLetters', {
      description:
        'A batch of CSM digests could not be delivered after its retries; see the delivery function log.',
      metric: visibleMessagesMetric(this.deadLetterQueue),
    });
    this.deadLetters.addAlarmAction(notify);
    this.errors = reachedAlarm(this, 'Errors', {
      description: 'The CSM delivery function failed as a whole (e.g. misconfigured).',
      metric: errorsMetric(this.function.function),
    });
    this.errors.addAlarmAction(notify);
  }

  /** The report function may put batches on the queue, and nothing else. */
  grantDispatch(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DispatchCsmDigests',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
      }),
    );
  }
}
