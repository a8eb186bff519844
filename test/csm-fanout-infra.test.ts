/**
 * The CSM digests' queue and delivery function in the stack: only with csmDigests on (off, the
 * template has no queue, function or permission of theirs); an encrypted, TLS-only queue with a
 * dead-letter queue that alarms; one message per invocation, two at once, partial batch
 * failures; least privilege for both functions; no unacknowledged cdk-nag finding.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type RawConfig } from '../infra/config.js';
import { CsKpiDigestStack } from '../infra/stack.js';
import {
  CSM_DELIVERY_CONCURRENCY,
  CSM_DELIVERY_TIMEOUT_SECONDS,
  CSM_MAX_RECEIVE_COUNT,
  CSM_VISIBILITY_TIMEOUT_SECONDS,
} from '../functions/core/csm-batch.js';

const BASE: RawConfig = { sender: 'digest@acme.com', recipients: 'cs@acme.com' };
const ON: RawConfig = { ...BASE, csmDigests: true, csmDomains: ['acme.com'] };

function synth(raw: RawConfig): { app: App; stack: CsKpiDigestStack; template: Template } {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CsKpiDigestStack(app, 'Test', { config: resolveConfig(raw) });
  return { app, stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (t: Template): Record<string, Resource> => t.toJSON().Resources as Record<string, Resource>;

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of the policies attached to a role (by the role's logical id). */
function statementsOf(t: Template, roleId: string): Statement[] {
  return Object.values(resources(t))
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(roleId))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]): string[] =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

/** The logical id of a construct's CloudFormation resource. */
const idOf = (stack: CsKpiDigestStack, c: IConstruct): string =>
  stack.getLogicalId(c.node.defaultChild as CfnElement);

describe('CSM delivery in the stack', () => {
  it('is absent with csmDigests off: no queue, function or permission of its own', () => {
    const off = synth(BASE);
    const domainsOnly = synth({ ...BASE, csmDomains: ['acme.com'] });
    for (const { template, stack } of [off, domainsOnly]) {
      // The schedules' dead-letter queue only.
      expect(Object.keys(template.findResources('AWS::SQS::Queue'))).toHaveLength(1);
      expect(template.findResources('AWS::Lambda::EventSourceMapping')).toEqual({});
      expect(stack.csmDelivery).toBeUndefined();
      const json = JSON.stringify(template.toJSON());
      for (const mark of ['CsmDelivery', 'CSM_QUEUE_URL', 'DispatchCsmDigests', 'ReadCsmSnapshots'])
        expect(json.includes(mark), mark).toBe(false);
    }
    expect(Object.keys(off.template.findResources('AWS::Lambda::Function'))).toHaveLength(
      Object.keys(domainsOnly.template.findResources('AWS::Lambda::Function')).length,
    );
  });

  it('with csmDigests on: an encrypted TLS-only queue, a dead-letter queue and its alarm', () => {
    const { template, stack } = synth(ON);
    const delivery = stack.csmDelivery;
    expect(delivery).toBeDefined();
    const dlqId = idOf(stack, delivery!.deadLetterQueue);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: CSM_VISIBILITY_TIMEOUT_SECONDS,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: CSM_MAX_RECEIVE_COUNT,
      },
    });
    // Both queues refuse requests without TLS.
    const queuePolicies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const tlsOnly = queuePolicies.filter((p) => JSON.stringify(p).includes('"aws:SecureTransport":"false"'));
    expect(tlsOnly.length).toBeGreaterThanOrEqual(3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
  });

  it('feeds the delivery function one message at a time, two at once, with partial batch failures', () => {
    const { template, stack } = synth(ON);
    const fnId = idOf(stack, stack.csmDelivery!.function.function);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: CSM_DELIVERY_CONCURRENCY },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const fn = resources(template)[fnId]!;
    expect(fn.Properties.Timeout).toBe(CSM_DELIVERY_TIMEOUT_SECONDS);
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      CSM_DELIVERY_CONCURRENCY: '2',
      CSM_DOMAINS: 'acme.com',
      SES_MAX_SEND_RATE: '14',
    });
    expect(env.CSM_QUEUE_URL).toBeUndefined();
    // The report function knows the queue.
    const reportId = idOf(stack, stack.report.function);
    const reportEnv = (
      resources(template)[reportId]!.Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    const queueId = idOf(stack, stack.csmDelivery!.queue);
    expect(reportEnv.CSM_QUEUE_URL).toEqual({ Ref: queueId });
  });

  it('grants least privilege: the report may only send to the queue, the delivery reads csm/ and the ledger', () => {
    const { template, stack } = synth(ON);
    const queueId = idOf(stack, stack.csmDelivery!.queue);
    const report = statementsOf(template, idOf(stack, stack.report.role));
    // Of the CSM queue it may only send (its other queue statement is the schedules' dead letters).
    const onQueue = report.filter((s) => JSON.stringify(s.Resource).includes(queueId));
    expect(onQueue).toEqual([
      {
        Sid: 'DispatchCsmDigests',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      },
    ]);
    expect(report.filter((s) => JSON.stringify(s.Resource) === '"*"')).toEqual([]);
    // It writes the CSM snapshots it hands over.
    expect(JSON.stringify(report.find((s) => s.Sid === 'WriteCsmSnapshots'))).toContain('/csm/*');

    const delivery = statementsOf(template, idOf(stack, stack.csmDelivery!.function.role));
    const bySid = Object.fromEntries(delivery.filter((s) => s.Sid).map((s) => [s.Sid, s]));
    expect(actionsOf([bySid.ReadCsmSnapshots!])).toEqual(['s3:GetObject']);
    expect(JSON.stringify(bySid.ReadCsmSnapshots!.Resource)).toContain('/csm/*');
    expect(actionsOf([bySid.DeliveryLedger!])).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(JSON.stringify(bySid.DeliveryLedger!.Resource)).toContain('/deliveries/*');
    expect(actionsOf([bySid.SendDigestMail!])).toEqual(['ses:SendRawEmail']);
    const all = actionsOf(delivery);
    // No query engine, no other bucket prefix, no send to the queue.
    expect(all.filter((a) => a.startsWith('athena:') || a.startsWith('glue:'))).toEqual([]);
    expect(all).not.toContain('sqs:SendMessage');
    expect(all.filter((a) => a.startsWith('sqs:')).sort()).toEqual(
      [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const { app } = synth(ON);
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
