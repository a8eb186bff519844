/**
 * CDK settings of CSM digests: validated at synth time, passed to the report function's
 * environment; off by default, leaving the function's environment as it was.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, type RawConfig } from '../infra/config.js';
import { CsKpiDigestStack } from '../infra/stack.js';

const BASE: RawConfig = { sender: 'digest@acme.com', recipients: 'cs@acme.com' };

function reportEnv(raw: RawConfig): Record<string, string> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CsKpiDigestStack(app, 'Test', { config: resolveConfig(raw) });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<
    string,
    { Type: string; Properties: { Environment?: { Variables?: Record<string, string> } } }
  >;
  const report = Object.values(resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::Function' &&
      r.Properties.Environment?.Variables?.MAIL_RECIPIENTS !== undefined,
  );
  return report?.Properties.Environment?.Variables ?? {};
}

function problems(raw: RawConfig): string[] {
  try {
    resolveConfig(raw);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('CSM digest settings at synth', () => {
  it('are off by default, and the function gets no CSM variable', () => {
    const config = resolveConfig(BASE);
    expect([config.csmDigests, config.csmDomains, config.csmSkipEmpty]).toEqual([false, [], true]);
    expect(Object.keys(reportEnv(BASE)).filter((k) => k.startsWith('CSM_'))).toEqual([]);
  });

  it('reach the report function when on', () => {
    const env = reportEnv({
      ...BASE,
      csmDigests: true,
      csmDomains: ['ACME.com', 'acme.co.uk'],
      csmSkipEmpty: false,
    });
    expect(env).toMatchObject({
      CSM_DIGESTS: 'true',
      CSM_DOMAINS: 'acme.com,acme.co.uk',
      CSM_SKIP_EMPTY: 'false',
    });
    // -c csmDigests=true -c csmDomains=acme.com, as the command line gives them.
    expect(resolveConfig({ ...BASE, csmDigests: 'true', csmDomains: 'acme.com' })).toMatchObject({
      csmDigests: true,
      csmDomains: ['acme.com'],
    });
  });

  it('stop the synth with a named problem', () => {
    expect(problems({ ...BASE, csmDigests: true })).toEqual([
      'csmDomains: csmDigests is on but csmDomains is empty: no CSM address could receive a digest',
    ]);
    expect(problems({ ...BASE, csmDigests: 'yes', csmDomains: ['acme'] })).toEqual([
      'csmDigests: must be true or false, got "yes"',
      'csmDomains: csmDomains: "acme" is not a domain name',
    ]);
    expect(problems({ ...BASE, csmSkipEmpty: 1 })).toEqual([
      'csmSkipEmpty: must be true or false, got number 1',
    ]);
  });
});
