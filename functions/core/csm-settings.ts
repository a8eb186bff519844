/**
 * The CSM digest settings (`csmDigests`, `csmDomains`, `csmSkipEmpty`) as the CLI, the Lambda's
 * environment and the CDK config give them, checked in one place (docs/csm-digests.md).
 */
import { normaliseDomain } from './csm-books.js';

export interface CsmConfig {
  readonly enabled: boolean;
  readonly domains: readonly string[];
  readonly skipEmpty: boolean;
}

export const CSM_DISABLED: CsmConfig = { enabled: false, domains: [], skipEmpty: true };

/** The domains of a comma-separated list or an array, lower-cased; the problems, if any. */
export function parseCsmDomains(value: string | readonly string[]): {
  readonly domains: string[];
  readonly problems: string[];
} {
  const items = (typeof value === 'string' ? value.split(',') : [...value])
    .map((d) => d.trim())
    .filter((d) => d !== '');
  const domains: string[] = [];
  const problems: string[] = [];
  for (const item of items) {
    try {
      const domain = normaliseDomain(item);
      if (!domains.includes(domain)) domains.push(domain);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { domains, problems };
}

/** Why the settings cannot be used, or null. */
export function csmConfigProblem(config: CsmConfig): string | null {
  if (config.enabled && config.domains.length === 0) {
    return 'csmDigests is on but csmDomains is empty: no CSM address could receive a digest';
  }
  return null;
}

const BOOLEAN = /^(true|false)$/i;

/** The settings from the Lambda's environment (CSM_DIGESTS, CSM_DOMAINS, CSM_SKIP_EMPTY). */
export function csmConfigFromEnv(env: Readonly<Record<string, string | undefined>>): {
  readonly config: CsmConfig;
  readonly problems: readonly string[];
} {
  const problems: string[] = [];
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    if (!BOOLEAN.test(raw)) {
      problems.push(`${name} must be true or false, got "${raw}"`);
      return fallback;
    }
    return raw.toLowerCase() === 'true';
  };
  const enabled = flag('CSM_DIGESTS', false);
  const skipEmpty = flag('CSM_SKIP_EMPTY', true);
  const parsed = parseCsmDomains(env.CSM_DOMAINS ?? '');
  problems.push(...parsed.problems.map((p) => `CSM_DOMAINS: ${p}`));
  const config = { enabled, domains: parsed.domains, skipEmpty };
  const problem = csmConfigProblem(config);
  if (problem) problems.push(problem);
  return { config, problems };
}
