/** The digest: its view model and rendering (renderDigest). Transports: functions/adapters/mailers. */
export { renderDigest, MAX_HTML_BYTES, type RenderDigestOptions } from './render.js';
export { DigestRenderError } from './errors.js';
export { LOCALES, DEFAULT_LOCALE, parseLocale, isLocale, type Locale } from './locale.js';
export { buildDigestView } from './view.js';
export { type DigestView } from './view-model.js';
