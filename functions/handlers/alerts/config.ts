/** The alert function's environment: the report's settings plus the rules, recipients and topic. */
import { loadConfig, type RuntimeConfig } from '../report/config.js';
import { AlertRulesError, parseAlertRulesJson, type AlertRule } from '../../core/alert-rules.js';
import { InputError } from '../../core/input-error.js';
import { EXPECTED, isEmailAddress, notA, problem } from '../../core/validators.js';

export interface AlertConfig extends RuntimeConfig {
  readonly alerts: {
    readonly rules: readonly AlertRule[];
    readonly recipients: readonly string[];
    readonly topicArn: string | null;
  };
}

const TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Checked once at cold start: a bad rule fails every invocation with the same clear line. */
export function loadAlertConfig(env: Readonly<Record<string, string | undefined>>): AlertConfig {
  const base = loadConfig(env);
  const problems: string[] = [];
  let rules: AlertRule[] = [];
  try {
    rules = parseAlertRulesJson(env.ALERT_RULES ?? '[]');
  } catch (error) {
    if (!(error instanceof AlertRulesError)) throw error;
    problems.push(`ALERT_RULES ${error.message}`);
  }
  const recipients = (env.ALERT_RECIPIENTS ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  for (const bad of recipients.filter((r) => !isEmailAddress(r))) {
    problems.push(problem('ALERT_RECIPIENTS', notA(bad, EXPECTED.email)));
  }
  const topicArn = env.ALERT_TOPIC_ARN?.trim() || null;
  if (topicArn !== null && !TOPIC_ARN_RE.test(topicArn))
    problems.push(`ALERT_TOPIC_ARN "${topicArn}" is not an SNS topic ARN`);
  if (recipients.length === 0 && topicArn === null)
    problems.push('ALERT_RECIPIENTS and ALERT_TOPIC_ARN are both empty: alerts would go nowhere');
  if (problems.length > 0) throw new InputError(`invalid environment: ${problems.join('; ')}`);
  return { ...base, alerts: { rules, recipients, topicArn } };
}
