import { Duration, Validations, aws_sqs as sqs } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * A dead-letter queue: encrypted (SSE-SQS), TLS only, messages kept 14 days. It has no
 * dead-letter queue of its own, which cdk-nag asks for; `reason` says whose it is.
 */
export function deadLetterQueue(scope: Construct, id: string, reason: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  return queue;
}
