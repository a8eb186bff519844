/**
 * The HTML fragments that fill the compiled MJML layout: KPI rows, tables, comments and
 * charts. Email-safe markup only: tables, inline styles, no CSS layout, no images.
 */
import { barChart, chartWidth } from './chart.js';
import { h, join, type SafeHtml } from './safe-html.js';
import { changeWords } from './render-text.js';
import type {
  BenchmarkView,
  BlockView,
  CellView,
  ChangeView,
  DigestView,
  KpiView,
  ListBlock,
  SectionView,
  Tone,
} from './view-model.js';

export const COLORS = {
  ink: '#111827',
  text: '#1f2937',
  muted: '#6b7280',
  faint: '#9ca3af',
  rule: '#e5e7eb',
} as const;

const TONE_TEXT: Readonly<Record<Tone, string>> = { good: '#0b6b35', neutral: '#6b4e00', bad: '#b42318' };
const TONE_BG: Readonly<Record<Tone, string>> = { good: '#e7f5ec', neutral: '#fff4dc', bad: '#fdecea' };
const TONE_MARK: Readonly<Record<Tone, string>> = { good: '✓', neutral: '•', bad: '!' };
const ARROWS = { up: '▲', down: '▼', flat: '=' } as const;

/**
 * Font settings are given once per table: every client inherits them into the cells. Layout
 * tables are role="presentation"; data tables (with column headers) are read as tables.
 */
function table(rows: SafeHtml, options: { data?: boolean; font?: string } = {}): SafeHtml {
  const font = options.font ?? '13px/18px';
  const [size, lineHeight] = font.split('/');
  return options.data
    ? h`<table width="100%" cellpadding="5" cellspacing="0" border="0" style="border-collapse:collapse;font-size:${size ?? ''};line-height:${lineHeight ?? ''};color:${COLORS.text}">${rows}</table>`
    : h`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:${size ?? ''};line-height:${lineHeight ?? ''};color:${COLORS.text}">${rows}</table>`;
}

function badge(b: BenchmarkView): SafeHtml {
  return h`<span style="display:inline-block;margin-top:4px;padding:1px 7px;border-radius:9px;font-size:11px;line-height:16px;font-weight:600;color:${TONE_TEXT[b.tone]};background:${TONE_BG[b.tone]}">${TONE_MARK[b.tone]} ${b.text}</span>`;
}

function changeLine(change: ChangeView | undefined, noChange: string | undefined, size: number): SafeHtml {
  if (!change)
    return h`<div style="font-size:${size}px;line-height:16px;color:${COLORS.faint}">${noChange}</div>`;
  return h`<div style="font-size:${size}px;line-height:16px;color:${TONE_TEXT[change.tone]}">${ARROWS[change.direction]} ${changeWords(change)}</div>`;
}

function note(text: string): SafeHtml {
  return h`<div style="font-size:12px;line-height:16px;color:${COLORS.muted}" dir="auto">${text}</div>`;
}

const CELL_RULE = `border-top:1px solid ${COLORS.rule}`;

/** One headline KPI: label, value, change, benchmark; its 12-period trend on the right. */
function headlineRow(k: KpiView): SafeHtml {
  const chart = k.trend
    ? h`<td width="${chartWidth(k.trend.bars.length)}" align="right" valign="bottom" style="padding:12px 0 10px 8px;${CELL_RULE}">${barChart(k.trend)}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="font-size:10px;line-height:14px;color:${COLORS.faint}">${k.trend.firstLabel}</td><td align="right" style="font-size:10px;line-height:14px;color:${COLORS.faint}">${k.trend.lastLabel}</td></tr><tr><td colspan="2" align="right" style="font-size:10px;line-height:14px;color:${COLORS.muted}">${k.trend.scale}</td></tr></table></td>`
    : null;
  return h`<tr><td valign="top" style="padding:12px 0 10px;${CELL_RULE}"><div style="font-size:13px;line-height:18px;color:${COLORS.muted}">${k.label}</div><div class="kpi-value" style="font-size:22px;line-height:28px;font-weight:700;color:${COLORS.ink}">${k.value}</div>${
    k.available ? changeLine(k.change, k.noChange, 12) : note(k.note ?? '')
  }${k.remark ? note(k.remark) : null}${k.benchmark ? badge(k.benchmark) : null}</td>${chart}</tr>`;
}

export function headlineHtml(view: DigestView): SafeHtml {
  return table(join(view.headline.map(headlineRow)));
}

/** A section KPI's trend (web section): the same bars as the headline, under the value. */
function sectionTrend(k: KpiView): SafeHtml | null {
  if (!k.trend) return null;
  return h`<table role="presentation" align="right" width="${chartWidth(k.trend.bars.length)}" cellpadding="0" cellspacing="0" border="0" style="margin-top:4px"><tr><td align="right">${barChart(k.trend)}</td></tr><tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="font-size:10px;line-height:14px;color:${COLORS.faint}">${k.trend.firstLabel}</td><td align="right" style="font-size:10px;line-height:14px;color:${COLORS.faint}">${k.trend.lastLabel}</td></tr></table></td></tr></table>`;
}

function kpiRow(k: KpiView): SafeHtml {
  return h`<tr><td valign="top" style="padding:7px 8px 7px 0;${CELL_RULE}">${k.label}${
    k.available ? null : note(k.note ?? '')
  }${k.remark ? note(k.remark) : null}${k.benchmark ? h`<br>${badge(k.benchmark)}` : null}</td><td valign="top" align="right" style="padding:7px 0;${CELL_RULE}"><b>${k.value}</b>${
    k.available ? changeLine(k.change, k.noChange, 12) : null
  }${sectionTrend(k)}</td></tr>`;
}

function blockTitle(title: string): SafeHtml | null {
  return title
    ? h`<div style="margin:18px 0 6px;font-size:15px;line-height:20px;font-weight:700;color:${COLORS.ink}">${title}</div>`
    : null;
}

function intro(text: string | undefined): SafeHtml | null {
  return text
    ? h`<div style="margin:6px 0;font-size:13px;line-height:18px;color:${COLORS.muted}">${text}</div>`
    : null;
}

function cell(c: CellView, rule = true): SafeHtml {
  const tone = c.tone ? `;color:${TONE_TEXT[c.tone]}` : '';
  // Text from the data keeps its own direction without turning the column around, and a
  // long name without spaces wraps instead of widening the table.
  const text = c.fromData ? h`<span dir="auto">${c.text}</span>` : c.text;
  const shown = c.strong ? h`<b>${text}</b>` : text;
  const sub = c.sub
    ? h`<div style="font-size:11px;line-height:15px${c.tone ? '' : `;color:${COLORS.muted}`}" dir="auto">${c.sub}</div>`
    : null;
  // Figures never wrap; only text from the data does.
  // Break inside a word only for a very long one: breaking every word (what the layout's
  // outer cell asks for) would squeeze names to a few letters a line.
  const breakWords = /\S{22,}/u.test(c.text) ? 'break-word' : 'normal';
  const border = rule ? CELL_RULE : 'padding-top:0';
  return c.fromData || c.wrap
    ? h`<td style="${border}${tone};word-break:${breakWords}">${shown}${sub}</td>`
    : h`<td align="${c.align}" nowrap style="${border}${tone}">${shown}${sub}</td>`;
}

function leadCell(c: CellView, span: number): SafeHtml {
  return h`<td colspan="${span}" style="${CELL_RULE};padding-bottom:0;font-weight:600"><span dir="auto">${c.text}</span></td>`;
}

function block(b: BlockView): SafeHtml {
  switch (b.kind) {
    case 'table': {
      if (b.rows.length === 0) return h`${blockTitle(b.title)}${intro(b.empty)}`;
      const columns = b.leadRow ? b.columns.slice(1) : b.columns;
      const head = columns.map(
        (c) =>
          h`<th align="${c.align}" style="word-break:normal;font-size:11px;color:${COLORS.muted};text-transform:uppercase">${c.label}</th>`,
      );
      const rows = b.rows.map((r) => {
        const [lead, ...rest] = r;
        if (!b.leadRow || !lead) return h`<tr>${join(r.map((c) => cell(c)))}</tr>`;
        return h`<tr>${leadCell(lead, columns.length)}</tr><tr>${join(rest.map((c) => cell(c, false)))}</tr>`;
      });
      return h`${blockTitle(b.title)}${intro(b.intro)}${table(h`<tr>${join(head)}</tr>${join(rows)}`, { data: true })}${b.note ? h`<div style="margin-top:6px">${note(b.note)}</div>` : null}`;
    }
    case 'comments': {
      const items = b.comments.map(
        (c) =>
          h`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0"><tr><td style="border-left:3px solid #d1d5db;padding:2px 0 2px 10px"><div dir="auto" style="font-size:14px;line-height:20px;color:${COLORS.text}">${c.text}</div><div dir="auto" style="font-size:12px;line-height:16px;color:${COLORS.muted}">${c.meta}</div></td></tr></table>`,
      );
      return h`${blockTitle(b.title)}${intro(b.intro)}${items.length > 0 ? join(items) : intro(b.empty)}`;
    }
    case 'facts':
      return h`${blockTitle(b.title)}${join(
        b.items.map(
          (i) =>
            h`<div style="margin:6px 0;font-size:13px;line-height:18px;color:${COLORS.text}"><b>${i.label}</b>: ${i.fromData ? h`<span dir="auto">${i.value}</span>` : i.value}</div>`,
        ),
      )}`;
    case 'list':
      return listBlock(b);
  }
}

function listBlock(b: ListBlock): SafeHtml {
  return h`${blockTitle(b.title)}${intro(b.intro)}${join(
    b.items.map(
      (i) =>
        h`<div dir="auto" style="margin:3px 0 3px 12px;font-size:13px;line-height:18px;color:${COLORS.text}">• ${i}</div>`,
    ),
  )}`;
}

export function sectionHtml(s: SectionView): SafeHtml {
  return h`${s.kpis.length > 0 ? table(join(s.kpis.map(kpiRow)), { font: '14px/20px' }) : null}${join(s.blocks.map(block))}`;
}

export function contextHtml(view: DigestView): SafeHtml {
  const line = (text: string) =>
    h`<div style="font-size:13px;line-height:19px;color:${COLORS.text}">${text}</div>`;
  const warnings = join(
    view.exclusionWarnings.map(
      (w) =>
        h`<div style="margin-bottom:8px;padding:8px 10px;border-radius:6px;font-size:13px;line-height:18px;font-weight:600;color:${TONE_TEXT.bad};background:${TONE_BG.bad}">${TONE_MARK.bad} ${w}</div>`,
    ),
  );
  return h`${warnings}${line(view.freshnessLine)}${join(view.staleLines.map((s) => h`<div style="font-size:13px;line-height:19px;color:${TONE_TEXT.bad}">! ${s}</div>`))}${view.sizeNote ? h`<div style="font-size:13px;line-height:19px;color:${TONE_TEXT.neutral}">i ${view.sizeNote}</div>` : null}${line(view.generatedLine)}<div style="margin-top:8px;padding:8px 10px;border-radius:6px;font-size:13px;line-height:18px;color:${TONE_TEXT[view.dataQualityTone]};background:${TONE_BG[view.dataQualityTone]}">${TONE_MARK[view.dataQualityTone]} ${view.dataQualitySummary}</div>`;
}

export function dataQualityHtml(view: DigestView): SafeHtml {
  return join(view.dataQuality.map(block));
}

export function attachmentsHtml(view: DigestView): SafeHtml {
  return view.attachments ? listBlock({ ...view.attachments, title: '' }) : h``;
}
