/**
 * renderCsmDigest: a CSM snapshot -> a complete DigestMessage (HTML within Gmail's clip size,
 * plain text, the CSV of the book). Lists are cut (longest-lived first: every list but the
 * accounts at risk, then those too) until the HTML fits; the CSV always has every account.
 */
import type { CsmSnapshot } from '../core/csm-snapshot.js';
import { CSM_TEMPLATE } from './compiled-templates.js';
import { DigestRenderError } from './errors.js';
import { isLocale, type Locale } from './locale.js';
import { CSM_HEADER, PERIOD_HEADER, type DigestMessage } from '../app/ports/mailer.js';
import { MAX_HTML_BYTES } from './render.js';
import { sectionHtml } from './render-html.js';
import { h, join } from './safe-html.js';
import { fillTemplate } from './template.js';
import { oneLine } from './text.js';
import { buildCsmDigestView, type CsmDigestView, type CsmViewOptions } from './view-csm.js';
import type { BlockView } from './view-model.js';

/** The list limits tried in turn, until the HTML fits. */
const FITS: readonly CsmViewOptions[] = [
  {},
  { limit: 50 },
  { limit: 25 },
  { limit: 10 },
  { limit: 10, atRiskLimit: 100 },
  { limit: 5, atRiskLimit: 50 },
  { limit: 5, atRiskLimit: 25 },
];

function csmHtml(view: CsmDigestView): string {
  const body = sectionHtml({ id: 'customers', title: '', kpis: [], blocks: view.blocks });
  return fillTemplate(CSM_TEMPLATE, {
    text: {
      lang: view.locale,
      subject: view.subject,
      preheader: view.preheader,
      title: view.title,
      periodName: view.periodName,
      periodLine: view.periodLine,
      timeZoneLine: view.timeZoneLine,
      headlineTitle: view.headlineTitle,
      attachmentsTitle: view.attachmentsTitle,
      footer: view.footer,
    },
    html: {
      context: h`<div style="font-size:13px;line-height:19px" dir="auto">${view.intro}</div>`,
      headline: sectionHtml({ id: 'customers', title: '', kpis: [], blocks: [view.headline] }),
      body,
      attachments: join(
        view.attachmentLines.map(
          (l) => h`<div style="margin:3px 0;font-size:13px;line-height:18px">• ${l}</div>`,
        ),
      ),
    },
  });
}

/** A block as plain-text lines: a table row is one line, "label value" per column. */
function blockLines(b: BlockView): string[] {
  const lines: string[] = b.title ? ['', b.title] : [];
  switch (b.kind) {
    case 'table':
      if (b.rows.length === 0 && b.empty) lines.push(b.empty);
      for (const row of b.rows) {
        const [first, ...rest] = row;
        if (!first) continue;
        const head = first.sub ? `${first.text} (${first.sub})` : first.text;
        const cells = rest.map(
          (c, i) => `${b.columns[i + 1]?.label ?? ''} ${c.text}${c.sub ? ` (${c.sub})` : ''}`,
        );
        lines.push(cells.length > 0 ? `- ${head}: ${cells.join('; ')}` : `- ${head}`);
      }
      if (b.note) lines.push(b.note);
      break;
    case 'list':
      for (const item of b.items) lines.push(item);
      break;
    case 'comments':
      for (const c of b.comments) lines.push(`- "${c.text}"`, `  ${c.meta}`);
      break;
    case 'facts':
      for (const item of b.items) lines.push(`${item.label}: ${item.value}`);
      break;
  }
  return lines;
}

export function csmText(view: CsmDigestView): string {
  return [
    view.title,
    view.periodName,
    view.periodLine,
    view.timeZoneLine,
    view.intro,
    '',
    view.headlineTitle,
    ...blockLines(view.headline),
    ...view.blocks.flatMap(blockLines),
    '',
    view.attachmentsTitle,
    ...view.attachmentLines.map((l) => `- ${l}`),
    '',
    '--',
    view.footer,
    '',
  ].join('\n');
}

/** The digest with as many rows as fit under `maxBytes`. */
export function fitCsmDigest(
  snapshot: CsmSnapshot,
  locale: Locale,
  maxBytes = MAX_HTML_BYTES,
): { view: CsmDigestView; html: string } {
  let last: { view: CsmDigestView; html: string } | null = null;
  for (const options of FITS) {
    const view = buildCsmDigestView(snapshot, locale, options);
    const html = csmHtml(view);
    last = { view, html };
    if (Buffer.byteLength(html, 'utf8') <= maxBytes) break;
  }
  return last as { view: CsmDigestView; html: string };
}

export function renderCsmDigest(
  snapshot: CsmSnapshot,
  options: { readonly locale: Locale; readonly from: string },
): DigestMessage {
  try {
    if (!isLocale(options.locale)) throw new DigestRenderError(`unknown locale "${String(options.locale)}"`);
    const { view, html } = fitCsmDigest(snapshot, options.locale);
    return {
      from: options.from,
      to: [snapshot.owner],
      subject: oneLine(view.subject),
      html,
      text: csmText(view),
      inlineImages: [],
      attachments: [
        { filename: view.csv.filename, contentType: 'text/csv; charset=utf-8', content: view.csv.content },
      ],
      headers: {
        [PERIOD_HEADER]: `${snapshot.period.kind}/${snapshot.period.key}`,
        [CSM_HEADER]: snapshot.ownerHash,
      },
    };
  } catch (error) {
    if (error instanceof DigestRenderError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new DigestRenderError(message, { cause: error });
  }
}
