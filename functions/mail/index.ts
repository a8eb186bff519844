/** The digest: rendering (renderDigest) and delivery (createMailer). */
export { renderDigest, MAX_HTML_BYTES, type RenderDigestOptions } from './render.js';
export { createMailer, type MailerConfig } from './create-mailer.js';
export { DigestRenderError, MailDeliveryError } from './errors.js';
export { LOCALES, DEFAULT_LOCALE, parseLocale, isLocale, type Locale } from './locale.js';
export { PERIOD_HEADER } from './headers.js';
export { buildDigestView, type DigestView } from './view.js';
export type { SmtpConfig } from './smtp.js';
export type { SesConfig } from './ses.js';
export type { DigestMessage, Mailer, SendResult } from './mailer.js';
