import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobLogger } from '../app/job.js';

/** The Powertools logger as the jobs and adapters log through (a message, optional attributes). */
export function jobLogger(logger: Logger): JobLogger {
  const at =
    (level: 'info' | 'warn' | 'error') =>
    (message: string, attributes?: Record<string, unknown>): void => {
      if (attributes) logger[level](message, attributes);
      else logger[level](message);
    };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}
