/**
 * Where the raw configuration comes from: an optional JSON file named by the `config`
 * context key, overlaid by individual context keys (`-c sender=…` on the command line, or
 * the `context` block of cdk.json). Validation lives in config.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONFIG_KEYS, ConfigError, type RawConfig } from './config.js';

/**
 * What a plain `cdk synth` uses when neither a config file nor a sender or recipients are
 * given, so the stack synthesizes offline in CI. Addresses at example.com can never be
 * verified in SES: a demo stack is for looking at, not for deploying.
 */
export const DEMO_CONFIG: RawConfig = {
  sender: 'digest@example.com',
  recipients: ['cs-team@example.com'],
};

export interface RawConfigSource {
  readonly raw: RawConfig;
  /** The config file that was read, if any. */
  readonly file: string | undefined;
  /** True when DEMO_CONFIG filled in the sender and recipients. */
  readonly demo: boolean;
}

/**
 * Collects raw configuration. `context` reads a context value (App.node.tryGetContext);
 * only the known keys are taken from it, because the context also carries CDK's own flags.
 */
export function readRawConfig(context: (key: string) => unknown, cwd = process.cwd()): RawConfigSource {
  const configPath = context('config');
  let fromFile: Record<string, unknown> = {};
  let file: string | undefined;
  if (configPath !== undefined && configPath !== null && configPath !== '') {
    if (typeof configPath !== 'string') throw new ConfigError(['config: must be the path of a JSON file']);
    file = resolve(cwd, configPath);
    fromFile = readConfigFile(file);
  }

  const fromContext: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = context(key);
    if (value !== undefined) fromContext[key] = value;
  }

  const raw: Record<string, unknown> = { ...fromFile, ...fromContext };
  const demo = file === undefined && raw.sender === undefined && raw.recipients === undefined;
  return { raw: demo ? { ...raw, ...DEMO_CONFIG } : raw, file, demo };
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`config: cannot read ${file} (${(error as Error).message})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError([`config: ${file} is not valid JSON (${(error as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`config: ${file} must hold a JSON object of configuration keys`]);
  }
  // A "$comment" or "//" key documents the file; it is not configuration.
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => !key.startsWith('$') && key !== '//'));
}
