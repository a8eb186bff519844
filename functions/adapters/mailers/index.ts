/** Transports for the mailer port: outbox (local files, the default), SMTP, SES. */
export { createMailer, type MailerConfig } from './create-mailer.js';
export type { SmtpConfig } from './smtp.js';
export type { SesConfig } from './ses.js';
export { MailDeliveryError, PERIOD_HEADER } from '../../app/ports/mailer.js';
export type { DigestMessage, Mailer, SendResult } from '../../app/ports/mailer.js';
