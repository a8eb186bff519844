import {
  Duration,
  Validations,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  aws_lambda as lambda,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface AlarmsProps {
  readonly function: lambda.IFunction;
  readonly functionTimeout: Duration;
  readonly deadLetterQueue: sqs.IQueue;
  /** Optional address subscribed to the alarm topic (it must confirm the subscription). */
  readonly alarmEmail: string | undefined;
}

/** Alarm when a run uses this share of the timeout: the next slower month would time out. */
export const DURATION_ALARM_SHARE = 0.8;

/** The period every alarm of the stack looks at. */
export const ALARM_PERIOD = Duration.minutes(5);

/**
 * An alarm on the first period in which `metric` reaches `threshold` (default 1: any error,
 * any dead letter); no data is no alarm.
 */
export function reachedAlarm(
  scope: Construct,
  id: string,
  props: { readonly description: string; readonly metric: cloudwatch.IMetric; readonly threshold?: number },
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold ?? 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** A function's errors, summed over the alarm period. */
export function errorsMetric(fn: lambda.IFunction): cloudwatch.IMetric {
  return fn.metricErrors({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM });
}

/** The most messages a (dead-letter) queue held visible in the alarm period. */
export function visibleMessagesMetric(queue: sqs.IQueue): cloudwatch.IMetric {
  return queue.metricApproximateNumberOfMessagesVisible({
    period: ALARM_PERIOD,
    statistic: cloudwatch.Stats.MAXIMUM,
  });
}

/**
 * Alarms on what means "a digest did not go out or is about to stop going out": function
 * errors, anything in the dead-letter queue, and runs close to the timeout. All go to one
 * SNS topic.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly errors: cloudwatch.Alarm;
  readonly deadLetters: cloudwatch.Alarm;
  readonly duration: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'KPI digest alarms',
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names and states. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key would cost more than the rest of the stack.',
    });
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const notify = new actions.SnsAction(this.topic);

    this.errors = reachedAlarm(this, 'Errors', {
      description: 'The report function failed; a digest may not have been sent.',
      metric: errorsMetric(props.function),
    });
    this.deadLetters = reachedAlarm(this, 'DeadLetters', {
      description:
        'A scheduled run could not be delivered or failed after its retries; see the dead-letter queue.',
      metric: visibleMessagesMetric(props.deadLetterQueue),
    });
    const timeoutMs = props.functionTimeout.toMilliseconds();
    this.duration = reachedAlarm(this, 'DurationNearTimeout', {
      description: `A run took over ${DURATION_ALARM_SHARE * 100}% of the ${props.functionTimeout.toSeconds()} s timeout.`,
      metric: props.function.metricDuration({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: Math.round(timeoutMs * DURATION_ALARM_SHARE),
    });

    for (const alarm of [this.errors, this.deadLetters, this.duration]) alarm.addAlarmAction(notify);
  }
}
