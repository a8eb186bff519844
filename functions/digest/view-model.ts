/**
 * The digest's view model: every string the mail shows, already formatted and ordered, as
 * functions/digest/view.ts builds it from a snapshot. HTML and plain text are both rendered
 * from it, so they always say the same thing.
 */
import type { PeriodKind } from '../core/period.js';
import type { KpiId, KpiSection } from '../core/snapshot.js';
import type { Locale } from './locale.js';

export type Tone = 'good' | 'neutral' | 'bad';

export interface ChangeView {
  /** The signed change, e.g. "+$1,020 (+2.1%)" or "+0.4 pp". */
  readonly text: string;
  readonly direction: 'up' | 'down' | 'flat';
  /** better / worse / no change, in words: the colour only repeats it. */
  readonly assessment: string;
  readonly tone: Tone;
}

export interface BenchmarkView {
  /** e.g. "Good · benchmark 75–85 %". */
  readonly text: string;
  readonly tone: Tone;
}

export interface TrendBarView {
  readonly label: string;
  readonly value: number | null;
  readonly display: string;
  readonly current: boolean;
}

export interface TrendView {
  readonly bars: readonly TrendBarView[];
  /** The value range the bars are drawn over (each chart its own), e.g. 0.9 … 1.2 M. */
  readonly low: number;
  readonly high: number;
  /** "Scale $1.02M to $1.10M; latest $1.10M": under the chart. */
  readonly scale: string;
  /** States every figure: the chart's alternative text and its plain-text form. */
  readonly alt: string;
  readonly firstLabel: string;
  readonly lastLabel: string;
}

export interface KpiView {
  readonly id: KpiId;
  readonly label: string;
  readonly value: string;
  readonly available: boolean;
  /** Why the value is not available. */
  readonly note?: string;
  readonly change?: ChangeView;
  /** Shown instead of a change when there is no previous value. */
  readonly noChange?: string;
  readonly benchmark?: BenchmarkView;
  /** A remark under the value (e.g. why a rate exceeds 100 %). */
  readonly remark?: string;
  readonly trend?: TrendView;
}

export interface CellView {
  readonly text: string;
  readonly sub?: string;
  readonly align: 'left' | 'right';
  readonly tone?: Tone;
  readonly strong?: boolean;
  /** Untrusted text from the data (shown with its own direction; may wrap). */
  readonly fromData?: boolean;
  /** Text that may wrap (figures never do). */
  readonly wrap?: boolean;
}

export interface TableBlock {
  readonly kind: 'table';
  /** Names the block for the size budget (render.ts drops optional blocks by this id). */
  readonly id?: OptionalBlockId;
  readonly title: string;
  readonly intro?: string;
  readonly columns: readonly { readonly label: string; readonly align: 'left' | 'right' }[];
  readonly rows: readonly (readonly CellView[])[];
  /** Shown instead of the table when it has no rows. */
  readonly empty: string;
  readonly note?: string;
  /** Show each row's first cell on a line of its own above the figures (wide tables on phones). */
  readonly leadRow?: boolean;
}

export interface CommentsBlock {
  readonly kind: 'comments';
  readonly id?: OptionalBlockId;
  readonly title: string;
  readonly intro?: string;
  readonly comments: readonly { readonly text: string; readonly meta: string }[];
  readonly empty: string;
}

export interface FactsBlock {
  readonly kind: 'facts';
  readonly id?: OptionalBlockId;
  readonly title: string;
  readonly items: readonly { readonly label: string; readonly value: string; readonly fromData?: boolean }[];
}

export interface ListBlock {
  readonly kind: 'list';
  readonly title: string;
  readonly intro?: string;
  readonly items: readonly string[];
}

export type BlockView = TableBlock | CommentsBlock | FactsBlock | ListBlock;

export interface SectionView {
  readonly id: KpiSection;
  readonly title: string;
  readonly kpis: readonly KpiView[];
  readonly blocks: readonly BlockView[];
}

export interface DigestView {
  readonly locale: Locale;
  readonly kind: PeriodKind;
  readonly periodKey: string;
  readonly title: string;
  readonly periodName: string;
  readonly periodLine: string;
  readonly timeZoneLine: string;
  readonly freshnessLine: string;
  readonly staleLines: readonly string[];
  /** What was left out to keep the e-mail under the size limit (null: nothing). */
  readonly sizeNote: string | null;
  /** Tables of which many rows were excluded: shown first, above everything else. */
  readonly exclusionWarnings: readonly string[];
  readonly generatedLine: string;
  readonly dataQualitySummary: string;
  readonly dataQualityTone: Tone;
  readonly subject: string;
  readonly preheader: string;
  readonly headlineTitle: string;
  readonly headline: readonly KpiView[];
  readonly sections: readonly SectionView[];
  readonly attachments: ListBlock | null;
  readonly dataQualityTitle: string;
  readonly dataQuality: readonly BlockView[];
  readonly footer: string;
  readonly footerNotes: string;
}

/**
 * Blocks the digest can do without, least important first: when the HTML would be over the
 * size at which Gmail clips a message, render.ts leaves them out in this order, with a note.
 */
export const OPTIONAL_BLOCKS = [
  'promoterTerms',
  'features',
  'byPlan',
  'bySegment',
  'comments',
  'dataQualityTables',
] as const;
export type OptionalBlockId = (typeof OPTIONAL_BLOCKS)[number];

export interface ViewOptions {
  /** Blocks to leave out (to keep the HTML under the size limit). */
  readonly omit?: ReadonlySet<OptionalBlockId>;
}

/** Rows a long table shows; the rest are in the attached CSV. */
