/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Configuration comes from context:
 * `-c config=path/to/config.json` and/or individual keys such as `-c sender=…`; see
 * docs/deployment.md.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from './config.js';
import { defineDigestApp } from './digest-app.js';

const app = new App();
try {
  defineDigestApp(app);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A readable list of every bad key, not a stack trace.
  console.error(error.message);
  process.exit(1);
}
