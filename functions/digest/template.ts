/**
 * Fills a compiled template's slots: `{{name}}` takes text (escaped here), `{{{name}}}` takes
 * SafeHtml built by render-html.ts. Every slot must be filled and every value used, so a
 * template and its renderer can never drift apart unnoticed.
 */
import { SafeHtml } from './safe-html.js';
import { escapeHtml } from './text.js';

const SLOT = /\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{\s*([\w.]+)\s*\}\}/g;

export class TemplateFillError extends Error {
  override readonly name = 'TemplateFillError';
}

export interface SlotValues {
  readonly text: Readonly<Record<string, string>>;
  readonly html: Readonly<Record<string, SafeHtml>>;
}

/** The slots a template declares, by kind. */
export function templateSlots(template: string): { text: Set<string>; html: Set<string> } {
  const text = new Set<string>();
  const html = new Set<string>();
  for (const m of template.matchAll(SLOT)) {
    if (m[1] !== undefined) html.add(m[1]);
    else if (m[2] !== undefined) text.add(m[2]);
  }
  return { text, html };
}

export function fillTemplate(template: string, values: SlotValues): string {
  const used = new Set<string>();
  const problems: string[] = [];
  // One pass over the template: a value is never scanned again, so text that looks like a
  // slot ("{{x}}" in an account name) stays text.
  const out = template.replace(SLOT, (whole, htmlName: string | undefined, textName: string | undefined) => {
    if (htmlName !== undefined) {
      const value = values.html[htmlName];
      if (!(value instanceof SafeHtml)) {
        problems.push(`no HTML for slot {{{${htmlName}}}}`);
        return whole;
      }
      if (value.length === 0) problems.push(`slot {{{${htmlName}}}} rendered empty`);
      used.add(`html:${htmlName}`);
      return value.toString();
    }
    const name = textName ?? '';
    const value = values.text[name];
    if (typeof value !== 'string') {
      problems.push(`no text for slot {{${name}}}`);
      return whole;
    }
    if (value.trim() === '') problems.push(`slot {{${name}}} rendered empty`);
    used.add(`text:${name}`);
    return escapeHtml(value);
  });
  for (const name of Object.keys(values.text)) {
    if (!used.has(`text:${name}`)) problems.push(`the template has no slot {{${name}}}`);
  }
  for (const name of Object.keys(values.html)) {
    if (!used.has(`html:${name}`)) problems.push(`the template has no slot {{{${name}}}}`);
  }
  if (problems.length > 0) throw new TemplateFillError(problems.join('; '));
  return out;
}
