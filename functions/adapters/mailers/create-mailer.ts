import { MailDeliveryError } from '../../app/ports/mailer.js';
import type { Mailer } from '../../app/ports/mailer.js';
import { OutboxMailer } from './outbox.js';
import { SesMailer, type SesConfig } from './ses.js';
import { SmtpMailer, type SmtpConfig } from './smtp.js';

export type MailerConfig =
  | { readonly transport: 'outbox'; readonly outDir: string }
  | ({ readonly transport: 'smtp' } & SmtpConfig)
  | ({ readonly transport: 'ses' } & SesConfig);

/** One small interface for every transport: outbox (local files, the default), SMTP, SES. */
export function createMailer(config: MailerConfig): Mailer {
  switch (config.transport) {
    case 'outbox':
      return new OutboxMailer(config.outDir);
    case 'smtp':
      return new SmtpMailer(config);
    case 'ses':
      return new SesMailer(config);
    default: {
      const unknown: never = config;
      throw new MailDeliveryError(`unknown mail transport ${JSON.stringify(unknown)}`, 'outbox');
    }
  }
}
