import { readFileSync } from 'node:fs';
import { App, Validations, aws_iam as iam } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type RawConfig } from '../infra/config.js';
import { defineDigestApp } from '../infra/digest-app.js';
import { CsKpiDigestStack } from '../infra/stack.js';

function testApp(context: Record<string, unknown> = {}): App {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
}

interface Finding {
  readonly rule: string;
  readonly severity: string;
  readonly paths: readonly string[];
}

/** Every unacknowledged AwsSolutions finding, errors and warnings alike. */
function nagFindings(scope: IConstruct): Finding[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity ?? 'error',
    paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? '?'),
  }));
}

/** Every acknowledgment recorded in the tree, with the path it was recorded on. */
function acknowledgments(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

const variants: [string, RawConfig][] = [
  [
    'created bucket, address identity, alarm e-mail',
    {
      sender: 'digest@acme.io',
      recipients: 'cs@acme.io',
      alarmEmail: 'ops@acme.io',
      timezone: 'Europe/Warsaw',
    },
  ],
  [
    'existing KMS-encrypted bucket, JSON, renamed subset of tables, referenced domain identity',
    {
      sender: 'digest@mail.acme.io',
      senderIdentity: 'acme.io',
      createSenderIdentity: false,
      recipients: ['cs@acme.io', 'ceo@acme.io'],
      dataBucket: 'acme-lake',
      dataBucketKmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666',
      dataPrefix: '',
      dataFormat: 'json',
      tables: ['accounts', 'usage_events'],
      tableNames: { accounts: 'crm_accounts' },
    },
  ],
  [
    'created domain identity',
    { sender: 'digest@acme.io', senderIdentity: 'acme.io', recipients: 'cs@acme.io' },
  ],
];

describe('cdk-nag AwsSolutions', () => {
  it.each(variants)('has no unacknowledged finding: %s', (_name, raw) => {
    const app = testApp();
    new CsKpiDigestStack(app, 'Nag', { config: resolveConfig(raw) });
    expect(nagFindings(app)).toEqual([]);
  });

  it('gives every acknowledgment a reason and keeps wildcard acknowledgments to single resources', () => {
    const app = testApp();
    new CsKpiDigestStack(app, 'Nag', { config: resolveConfig(variants[0]?.[1] ?? {}) });
    const acks = acknowledgments(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThan(40);
      // Never a whole rule for IAM wildcards: each acknowledgment names one resource.
      expect(ack.id).not.toMatch(/IAM5$/);
      if (ack.id.includes('IAM5')) expect(ack.id).toMatch(/IAM5\[Resource::.+\*\]$/);
    }
    // Acknowledged on the resources they concern, never on the stack or the app.
    expect(acks.map((a) => a.path).filter((p) => p === 'Nag' || p === '')).toEqual([]);
    expect(acks.map((a) => a.id.replace(/^annotation::/i, '').replace(/\[.*$/, '')).sort()).toEqual([
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      // The report role's read of the alert log (alerts/fired/*).
      'AwsSolutions-IAM5',
      // The usage rollups: the report and rollup roles read and write usage_rollups/* (4), the
      // rollup role reads the usage_events folder and Athena results (2), its scheduler role
      // invokes its function versions (1).
      'AwsSolutions-IAM5',
      // The web rollups: the rollup role reads the web_events folder (1).
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      // The rollup function's runtime.
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SNS2',
      'AwsSolutions-SQS3',
    ]);
  });

  it('still reports a wildcard that nobody acknowledged', () => {
    const app = testApp();
    const stack = new CsKpiDigestStack(app, 'Nag', { config: resolveConfig(variants[0]?.[1] ?? {}) });
    stack.report.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
    );
    expect(nagFindings(app)).toEqual([
      {
        rule: 'AwsSolutions-IAM5[Resource::*]',
        severity: 'error',
        paths: ['Nag/Report/Role/DefaultPolicy/Resource'],
      },
    ]);
  });

  it('runs as a validation plugin of the real app, so a synth fails on a finding', () => {
    const clean = testApp({ sender: 'digest@acme.io', recipients: 'cs@acme.io' });
    defineDigestApp(clean);
    expect(() => clean.synth()).not.toThrow();

    const dirty = testApp({ sender: 'digest@acme.io', recipients: 'cs@acme.io' });
    const { stack } = defineDigestApp(dirty);
    stack.report.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ses:*'], resources: ['*'] }));
    expect(() => dirty.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });
});
