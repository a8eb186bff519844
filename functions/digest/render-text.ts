/**
 * The plain-text alternative: the same view as the HTML, for clients and readers that show
 * text only. Charts become their figures; colours become their written labels.
 */
import type { BlockView, ChangeView, DigestView, KpiView } from './view-model.js';

const ARROWS = { up: '▲', down: '▼', flat: '=' } as const;

function heading(text: string): string[] {
  return ['', text.toLocaleUpperCase(), '-'.repeat(Math.min(60, [...text].length))];
}

/** "+$1,020 (+2.1%) · better", or just "no change". */
export function changeWords(change: ChangeView): string {
  if (change.direction === 'flat') return change.assessment;
  return change.assessment ? `${change.text} · ${change.assessment}` : change.text;
}

function kpiLines(k: KpiView, withTrend: boolean): string[] {
  const lines = [`${k.label}: ${k.value}`];
  if (!k.available) lines.push(`  ${k.note ?? ''}`);
  else if (k.change) {
    lines.push(`  ${ARROWS[k.change.direction]} ${changeWords(k.change)}`);
  } else if (k.noChange) lines.push(`  ${k.noChange}`);
  if (k.remark) lines.push(`  ${k.remark}`);
  if (k.benchmark) lines.push(`  ${k.benchmark.text}`);
  if (withTrend && k.trend) lines.push(`  ${k.trend.alt}`);
  return lines;
}

function blockLines(b: BlockView): string[] {
  const lines: string[] = [];
  if (b.title) lines.push('', b.title);
  switch (b.kind) {
    case 'table':
      if (b.intro) lines.push(b.intro);
      if (b.rows.length === 0) {
        lines.push(b.empty);
        break;
      }
      for (const row of b.rows) {
        const [first, ...rest] = row;
        if (!first) continue;
        const head = first.sub ? `${first.text} (${first.sub})` : first.text;
        const cells = rest.map((c, i) => {
          const label = b.columns[i + 1]?.label ?? '';
          return `${label} ${c.text}${c.sub ? ` ${c.sub}` : ''}`;
        });
        lines.push(cells.length > 0 ? `- ${head}: ${cells.join('; ')}` : `- ${head}`);
      }
      if (b.note) lines.push(b.note);
      break;
    case 'comments':
      if (b.intro) lines.push(b.intro);
      if (b.comments.length === 0) lines.push(b.empty);
      for (const c of b.comments) lines.push(`- "${c.text}"`, `  ${c.meta}`);
      break;
    case 'facts':
      for (const item of b.items) lines.push(`${item.label}: ${item.value}`);
      break;
    case 'list':
      if (b.intro) lines.push(b.intro);
      for (const item of b.items) lines.push(`- ${item}`);
      break;
  }
  return lines;
}

export function renderText(view: DigestView): string {
  const lines: string[] = [
    ...view.exclusionWarnings.flatMap((w) => [`!! ${w}`, '']),
    view.title,
    view.periodName,
    view.periodLine,
    view.timeZoneLine,
    view.freshnessLine,
    ...view.staleLines.map((s) => `! ${s}`),
    ...(view.sizeNote ? [`i ${view.sizeNote}`] : []),
    view.generatedLine,
    view.dataQualitySummary,
  ];
  lines.push(...heading(view.headlineTitle));
  for (const k of view.headline) lines.push(...kpiLines(k, true));
  for (const section of view.sections) {
    lines.push(...heading(section.title));
    // Section KPIs carry a trend only where the section shows one (the web section's bars).
    for (const k of section.kpis) lines.push(...kpiLines(k, k.trend !== undefined));
    for (const b of section.blocks) lines.push(...blockLines(b));
  }
  if (view.attachments) {
    lines.push(...heading(view.attachments.title));
    for (const item of view.attachments.items) lines.push(`- ${item}`);
  }
  lines.push(...heading(view.dataQualityTitle));
  for (const b of view.dataQuality) lines.push(...blockLines(b));
  lines.push('', '--', view.footer, view.footerNotes, '');
  return lines.join('\n');
}
