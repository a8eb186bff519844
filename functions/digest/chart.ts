/**
 * Trend charts as HTML-table bars: no image to block, fetch or attach, and the same bars in
 * Gmail, Outlook (Word engine: cell heights and bgcolor, no CSS layout) and Apple Mail. The
 * table carries role="img" and an aria-label that states every figure; the plain-text part
 * repeats them.
 *
 * Each chart is drawn over its own range, stated under it (TrendView.scale, "Scale $1.02M to
 * $1.10M; latest $1.10M"): MRR moving by 2 % a month would look flat on bars from zero. When
 * every value has the same sign the bars start a little below the lowest value; when the
 * values cross zero, zero is the baseline and negative values hang below it.
 */
import { h, join, type SafeHtml } from './safe-html.js';
import type { TrendView } from './view-model.js';

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

/**
 * Where a chart's axis is: 0 when the values cross zero (or all sit at one value), else a
 * tenth of the range beyond the value nearest zero, but never past zero.
 */
export function chartAxis(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const low = Math.min(...values);
  const high = Math.max(...values);
  if (low === high || (low < 0 && high > 0)) return 0;
  const pad = (high - low) * 0.1;
  return low >= 0 ? Math.max(0, low - pad) : Math.min(0, high + pad);
}

export function barChart(trend: TrendView, style: BarChartStyle = DEFAULT_CHART_STYLE): SafeHtml {
  const axis = chartAxis(trend.bars.map((b) => b.value).filter((v): v is number => v !== null));
  // Heights are measured from the axis: a bar's length is its distance from it.
  const shifted = trend.bars.map((b) => (b.value === null ? null : b.value - axis));
  const values = shifted.filter((v): v is number => v !== null);
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const span = top - bottom || 1;
  // Pixel heights of the parts above and below the axis; a bar off the axis gets at least 1 px.
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
  const colour = (i: number): string => (trend.bars[i]?.current ? style.currentColor : style.color);

  const above = shifted.map((v, i) => {
    if (v === null || v === 0) return cell('bottom', topHeight, 1, style.emptyColor);
    if (v < 0) return empty(topHeight);
    return cell('bottom', topHeight, px(v), colour(i));
  });
  const rows = [h`<tr>${join(above)}</tr>`];
  if (bottom < 0) {
    const below = shifted.map((v, i) =>
      v !== null && v < 0 ? cell('top', bottomHeight, px(v), colour(i)) : empty(bottomHeight),
    );
    rows.push(h`<tr>${join(below)}</tr>`);
  }
  return h`<table role="img" aria-label="${trend.alt}" cellpadding="0" cellspacing="${style.gap}" border="0" style="border-collapse:separate;font-size:0;line-height:0">${join(rows)}</table>`;
}
