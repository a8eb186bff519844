import {
  Duration,
  Stack,
  TimeZone,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_scheduler as scheduler,
  aws_scheduler_targets as targets,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { DeliveryTiming } from '../../functions/core/delivery-timing.js';
import type { PeriodKind } from '../../functions/core/period.js';
import { acknowledgeWildcardResources } from '../nag.js';

export interface SchedulesProps {
  readonly function: lambda.IFunction;
  /** IANA time zone the 07:00 is meant in. */
  readonly timezone: string;
  /** Retries and event age, derived with the function timeout and the delivery lease. */
  readonly timing: DeliveryTiming;
}

/** When each digest goes out: Mondays 07:00 for the week before, the 1st 07:00 for the month before. */
export const SCHEDULE_CRON: Readonly<Record<PeriodKind, scheduler.CronOptionsWithTimezone>> = {
  weekly: { minute: '0', hour: '7', weekDay: 'MON' },
  monthly: { minute: '0', hour: '7', day: '1' },
};

/** How often EventBridge Scheduler retries an invocation it could not hand over, and for how long. */
export function scheduleRetry(timing: DeliveryTiming): { retryAttempts: number; maxEventAge: Duration } {
  return { retryAttempts: timing.retryAttempts, maxEventAge: Duration.seconds(timing.maxEventAgeSeconds) };
}

/** A role that only schedules of the default group in this account may assume. */
export function schedulerRole(scope: Construct, id: string, description: string): iam.Role {
  const stack = Stack.of(scope);
  return new iam.Role(scope, id, {
    description,
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': stack.account,
          'aws:SourceArn': stack.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
          }),
        },
      },
    }),
  });
}

export interface DailyInvokeProps {
  readonly function: lambda.IFunction;
  /** When in the day (hour and minute), in `timezone`. */
  readonly cron: scheduler.CronOptionsWithTimezone;
  readonly timezone: string;
  readonly description: string;
  readonly roleDescription: string;
  readonly deadLetterQueue: sqs.IQueue;
  readonly timing: DeliveryTiming;
  /** The event's `source` (the handler tells a scheduled run from one by hand). */
  readonly source: string;
}

/**
 * A daily schedule that invokes one function in the deployment's time zone, as `SchedulerRole`
 * and `Daily` under `scope`: with retries, the dead-letter queue, and `{source, scheduledTime}`.
 */
export function dailyInvoke(
  scope: Construct,
  props: DailyInvokeProps,
): { readonly role: iam.Role; readonly schedule: scheduler.Schedule } {
  const role = schedulerRole(scope, 'SchedulerRole', props.roleDescription);
  const schedule = new scheduler.Schedule(scope, 'Daily', {
    description: props.description,
    schedule: scheduler.ScheduleExpression.cron({ ...props.cron, timeZone: TimeZone.of(props.timezone) }),
    timeWindow: scheduler.TimeWindow.off(),
    target: new targets.LambdaInvoke(props.function, {
      role,
      deadLetterQueue: props.deadLetterQueue,
      ...scheduleRetry(props.timing),
      input: scheduler.ScheduleTargetInput.fromObject({
        source: props.source,
        scheduledTime: scheduler.ContextAttribute.scheduledTime,
      }),
    }),
  });
  acknowledgeWildcardResources(
    role,
    [`${props.function.functionArn}:*`],
    'Added by the scheduler target (grantInvoke covers the function versions); it names this one function only.',
  );
  return { role, schedule };
}

/**
 * EventBridge Scheduler: one schedule per period kind, in the configured time zone (so 07:00
 * stays 07:00 across daylight-saving changes), with retries and a dead-letter queue for
 * invocations that still fail.
 */
export class Schedules extends Construct {
  readonly deadLetterQueue: sqs.Queue;
  readonly role: iam.Role;
  readonly schedules: Readonly<Record<PeriodKind, scheduler.Schedule>>;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);

    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself the dead-letter queue of the schedules and of failed asynchronous runs.',
    );

    // Only schedules of the default group in this account may assume the role.
    this.role = schedulerRole(this, 'Role', 'Lets the KPI digest schedules invoke the report function');

    const timeZone = TimeZone.of(props.timezone);
    const schedule = (period: PeriodKind, description: string) =>
      new scheduler.Schedule(this, period === 'weekly' ? 'Weekly' : 'Monthly', {
        description,
        schedule: scheduler.ScheduleExpression.cron({ ...SCHEDULE_CRON[period], timeZone }),
        timeWindow: scheduler.TimeWindow.off(),
        target: new targets.LambdaInvoke(props.function, {
          role: this.role,
          deadLetterQueue: this.deadLetterQueue,
          ...scheduleRetry(props.timing),
          // The handler reads exactly this shape; the scheduled time fixes which period is reported.
          input: scheduler.ScheduleTargetInput.fromObject({
            source: 'schedule',
            period,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
        }),
      });

    this.schedules = {
      weekly: schedule('weekly', `Weekly KPI digest, Mondays 07:00 ${props.timezone}`),
      monthly: schedule('monthly', `Monthly KPI digest, the 1st 07:00 ${props.timezone}`),
    };

    acknowledgeWildcardResources(
      this.role,
      [`${props.function.functionArn}:*`],
      'Added by the scheduler target (grantInvoke covers the function versions); it names this one function only.',
    );
  }
}
