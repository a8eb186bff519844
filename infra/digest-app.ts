import { Annotations, type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveConfig, type DigestConfig } from './config.js';
import { readRawConfig } from './config-source.js';
import { CsKpiDigestStack } from './stack.js';

export interface DigestApp {
  readonly stack: CsKpiDigestStack;
  readonly config: DigestConfig;
  readonly demo: boolean;
}

/**
 * Reads and validates the configuration from the app's context, adds the stack, and registers
 * cdk-nag's AwsSolutions checks so every synth (and so every deploy) fails on an
 * unacknowledged finding. Throws ConfigError on bad configuration.
 */
export function defineDigestApp(app: App, cwd = process.cwd()): DigestApp {
  const source = readRawConfig((key) => app.node.tryGetContext(key), cwd);
  const config = resolveConfig(source.raw);
  const stack = new CsKpiDigestStack(app, config.stackName, {
    config,
    description: 'Customer-success KPI digest: weekly and monthly KPI snapshots e-mailed from Athena data',
  });
  if (source.demo) {
    Annotations.of(stack).addWarningV2(
      'cs-kpi-digest:demo-configuration',
      'No sender, recipients or config file given: synthesized with the demo addresses at example.com, which SES can never verify. ' +
        'Deploy with -c sender=... -c recipients=... or -c config=path/to/config.json.',
    );
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stack, config, demo: source.demo };
}
