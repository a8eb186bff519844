/**
 * HTML built only through the `h` tag: every interpolated string is escaped, so text from the
 * data can never become markup. Markup is nested by interpolating SafeHtml values.
 */
import { escapeHtml } from './text.js';

export class SafeHtml {
  readonly #html: string;
  constructor(html: string) {
    this.#html = html;
  }
  toString(): string {
    return this.#html;
  }
  get length(): number {
    return this.#html.length;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot put ${value} into HTML`);
    return String(value);
  }
  return escapeHtml(String(value));
}

/** Tagged template: `h\`<td>${name}</td>\`` escapes `name` unless it is SafeHtml. */
export function h(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

export function join(parts: readonly SafeHtml[], separator = ''): SafeHtml {
  return new SafeHtml(parts.map(String).join(separator));
}
