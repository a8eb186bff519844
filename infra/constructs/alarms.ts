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
    const period = Duration.minutes(5);

    this.errors = new cloudwatch.Alarm(this, 'Errors', {
      alarmDescription: 'The report function failed; a digest may not have been sent.',
      metric: props.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.deadLetters = new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmDescription:
        'A scheduled run could not be delivered or failed after its retries; see the dead-letter queue.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const timeoutMs = props.functionTimeout.toMilliseconds();
    this.duration = new cloudwatch.Alarm(this, 'DurationNearTimeout', {
      alarmDescription: `A run took over ${DURATION_ALARM_SHARE * 100}% of the ${props.functionTimeout.toSeconds()} s timeout.`,
      metric: props.function.metricDuration({ period, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: Math.round(timeoutMs * DURATION_ALARM_SHARE),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    for (const alarm of [this.errors, this.deadLetters, this.duration]) alarm.addAlarmAction(notify);
  }
}
