/** The alerts in the stack: rules validated at synth, the daily schedule, the topic, least privilege, cdk-nag. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, type RawConfig } from '../infra/config.js';
import { CsKpiDigestStack } from '../infra/stack.js';

function testApp(): App {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
}

const BASE: RawConfig = { sender: 'digest@acme.io', recipients: 'cs@acme.io', timezone: 'Europe/Warsaw' };
const RULES = [
  { kpi: 'nps', below: 20 },
  { account: 'churn', mrrAtLeast: 1000, period: 'monthly' },
];

function problems(raw: RawConfig): readonly string[] {
  try {
    resolveConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
}

describe('alert configuration', () => {
  it('takes the rules as JSON (file or -c alerts=…), recipients defaulting to the digest’s', () => {
    const fromFile = resolveConfig({ ...BASE, alerts: RULES });
    expect(fromFile.alerts.map((r) => r.id)).toEqual(['nps.below.20', 'churn.mrrAtLeast.1000.monthly']);
    expect(fromFile.alertRecipients).toEqual(['cs@acme.io']);
    expect(JSON.parse(fromFile.alertRulesJson)).toEqual(RULES);
    const fromContext = resolveConfig({
      ...BASE,
      alerts: JSON.stringify(RULES),
      alertRecipients: 'lead@acme.io',
    });
    expect(fromContext.alerts).toHaveLength(2);
    expect(fromContext.alertRecipients).toEqual(['lead@acme.io']);
    expect(resolveConfig(BASE).alerts).toEqual([]);
  });

  it('fails the synth naming each bad rule', () => {
    expect(
      problems({
        ...BASE,
        alerts: [
          { kpi: 'nps', below: 20 },
          { kpi: 'mrr', changeBelowPct: 5 },
        ],
      }),
    ).toEqual([expect.stringMatching(/^alerts: rules\[1\]\.changeBelowPct: must be below 0/)]);
    expect(problems({ ...BASE, alerts: '[{"kpi":' })).toEqual([
      'alerts: must be a JSON list of rules such as [{"kpi":"nps","below":20}]',
    ]);
    expect(problems({ ...BASE, alerts: RULES, alertRecipients: 'not-an-address' })).toEqual([
      'alertRecipients: "not-an-address" is not an e-mail address (a plain address such as digest@example.com)',
    ]);
  });
});

describe('the alerts in the stack', () => {
  const app = testApp();
  const stack = new CsKpiDigestStack(app, 'Alerts', { config: resolveConfig({ ...BASE, alerts: RULES }) });
  const template = Template.fromStack(stack);
  const alerts = stack.alerts;
  if (!alerts) throw new Error('no alerts');
  const logical = (construct: { node: { defaultChild?: unknown } }): string =>
    stack.getLogicalId(construct.node.defaultChild as Parameters<typeof stack.getLogicalId>[0]);

  it('runs daily at 06:00 in the deployment time zone, before the digests, with the schedule’s time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Warsaw',
      Target: Match.objectLike({
        Input: JSON.stringify({ source: 'alert-schedule', scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: Match.anyValue(),
      }),
    });
  });

  it('publishes to an encrypted topic over TLS, and passes the rules to the function', () => {
    const topics = template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'KPI alerts' } });
    expect(JSON.stringify(topics)).toMatch(/alias\/aws\/sns/);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
    const fn = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ ALERT_RULES: JSON.stringify(RULES) }) } },
    });
    const env = (
      Object.values(fn)[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } }
    ).Properties.Environment.Variables;
    expect(env.ALERT_RECIPIENTS).toBe('cs@acme.io');
    expect(env.ALERT_TOPIC_ARN).toEqual({ Ref: logical(alerts.topic) });
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('cs-kpi-digest-alerts');
    expect(env.ATHENA_WORKGROUP).toBeDefined();
  });

  it('grants the alert function only what it uses', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const roleId = logical(alerts.function.role);
    const statements = Object.values(policies)
      .filter((p) =>
        JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleId),
      )
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
            .Statement,
      );
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toContain('sns:Publish');
    expect(actions).toContain('ses:SendRawEmail');
    expect(actions).toContain('athena:StartQueryExecution');
    const deletes = statements.filter((s) => JSON.stringify(s.Action).includes('s3:DeleteObject'));
    expect(deletes.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringMatching(/\/alerts\/\*/)]);
    const writes = statements.filter((s) => JSON.stringify(s.Action).includes('s3:PutObject'));
    for (const s of writes) expect(JSON.stringify(s.Resource)).not.toMatch(/snapshots\/|deliveries\//);
    expect(actions).not.toContain('sns:*');
  });

  it('alarms when the alert function fails, and stays clean under cdk-nag', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'The alert function failed; an alert may not have been sent.',
    });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('is left out when there are no rules', () => {
    // Without the usage rollups' daily schedule too (test/infra-rollups.test.ts).
    const plain = new CsKpiDigestStack(testApp(), 'Plain', {
      config: resolveConfig({ ...BASE, usageRollups: false }),
    });
    expect(plain.alerts).toBeUndefined();
    const t = Template.fromStack(plain);
    expect(Object.keys(t.findResources('AWS::Scheduler::Schedule'))).toHaveLength(2);
  });
});
