/**
 * Trend charts as HTML-table bars: no image to block, fetch or attach, and the same bars in
 * Gmail, Outlook (Word engine: cell heights and bgcolor, no CSS layout) and Apple Mail. The
 * table carries role="img" and an aria-label that states every figure; the plain-text part
 * repeats them.
 *
 * Bars start at zero (a cut-off axis would exaggerate small changes); negative values hang
 * below the baseline.
 */
import { h, join, type SafeHtml } from './safe-html.js';
import type { TrendView } from './view.js';

export interface BarChartStyle {
  readonly height: number;
  readonly barWidth: number;
  readonly gap: number;
  readonly color: string;
  readonly currentColor: string;
  readonly emptyColor: string;
}

export const DEFAULT_CHART_STYLE: BarChartStyle = {
  height: 36,
  barWidth: 8,
  gap: 2,
  color: '#a9c1f0',
  currentColor: '#1d4ed8',
  emptyColor: '#d7dce3',
};

/** Width in pixels of a chart of `bars` bars. */
export function chartWidth(bars: number, style: BarChartStyle = DEFAULT_CHART_STYLE): number {
  return bars * (style.barWidth + style.gap) + style.gap;
}

export function barChart(trend: TrendView, style: BarChartStyle = DEFAULT_CHART_STYLE): SafeHtml {
  const values = trend.bars.map((b) => b.value).filter((v): v is number => v !== null);
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const span = top - bottom || 1;
  // Pixel heights of the parts above and below zero; a bar that is not 0 gets at least 1 px.
  const topHeight = bottom < 0 ? Math.round((style.height * top) / span) : style.height;
  const bottomHeight = style.height - topHeight;
  const px = (v: number): number => Math.max(1, Math.round((style.height * Math.abs(v)) / span));
  // Each bar is an empty cell whose bottom (or top) border is the bar: borders and cell
  // heights are what every client, Outlook's Word engine included, draws the same way.
  const cell = (edge: 'bottom' | 'top', rowHeight: number, barHeight: number, color: string): SafeHtml => {
    const bar = Math.min(barHeight, rowHeight);
    return h`<td width="${style.barWidth}" height="${rowHeight - bar}" style="border-${edge}:${bar}px solid ${color}"></td>`;
  };
  const empty = (rowHeight: number): SafeHtml => h`<td width="${style.barWidth}" height="${rowHeight}"></td>`;

  const above = trend.bars.map((b) => {
    if (b.value === null || b.value === 0) return cell('bottom', topHeight, 1, style.emptyColor);
    if (b.value < 0) return empty(topHeight);
    return cell('bottom', topHeight, px(b.value), b.current ? style.currentColor : style.color);
  });
  const rows = [h`<tr>${join(above)}</tr>`];
  if (bottom < 0) {
    const below = trend.bars.map((b) =>
      b.value !== null && b.value < 0
        ? cell('top', bottomHeight, px(b.value), b.current ? style.currentColor : style.color)
        : empty(bottomHeight),
    );
    rows.push(h`<tr>${join(below)}</tr>`);
  }
  return h`<table role="img" aria-label="${trend.alt}" cellpadding="0" cellspacing="${style.gap}" border="0" style="border-collapse:separate;font-size:0;line-height:0">${join(rows)}</table>`;
}
