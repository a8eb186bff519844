/**
 * Untrusted text (account names, comments, plans, features) before it is shown anywhere:
 * HTML escaping and a clean-up that keeps every script and emoji but drops what could
 * spoof or break the layout.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// C0/C1 controls (tab and newlines are handled as whitespace), explicit bidi embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069): a name like "\u202Efdp.exe" must not
// reverse the text around it. Letters of right-to-left scripts are kept; the markup isolates
// them with dir="auto". Zero-width joiners stay: emoji sequences need them.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Untrusted text made safe to show: unsafe control characters removed, whitespace runs
 * (newlines included) collapsed to one space, and cut at `maxLength` user-perceived
 * characters with an ellipsis (never inside an emoji or a combining sequence).
 */
export function cleanText(text: string, maxLength = 200): string {
  const collapsed = text.replace(UNSAFE_CHARS, '').replace(/\s+/gu, ' ').trim();
  if (collapsed.length <= maxLength) return collapsed;
  const out: string[] = [];
  for (const { segment } of segmenter.segment(collapsed)) {
    if (out.length === maxLength) return `${out.join('').trimEnd()}…`;
    out.push(segment);
  }
  return out.join('');
}

/** Header values (the subject) must stay on one line. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
