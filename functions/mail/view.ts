/**
 * The digest's view model: a pure function from a snapshot and a locale to every string the
 * mail shows, already formatted and ordered. HTML and plain text are both rendered from it,
 * so they always say the same thing. Text from the data is cleaned here and escaped by the
 * HTML renderer; `fromData` marks it so the markup can isolate right-to-left text.
 */
import { localDay, type PeriodKind } from '../core/period.js';
import { KPI_META } from '../core/kpi-meta.js';
import {
  HEADLINE_KPIS,
  KPI_IDS,
  type AtRiskAccount,
  type KpiId,
  type KpiSection,
  type KpiUnit,
  type KpiValue,
  type MrrMovementRow,
  type Snapshot,
  type TermCount,
} from '../core/snapshot.js';
import { Formatter, parseInstant } from './format.js';
import { MESSAGES, type Messages } from './i18n/index.js';
import type { Locale } from './locale.js';
import { cleanText } from './text.js';

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
  readonly title: string;
  readonly intro?: string;
  readonly comments: readonly { readonly text: string; readonly meta: string }[];
  readonly empty: string;
}

export interface FactsBlock {
  readonly kind: 'facts';
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

export const SECTION_ORDER: readonly KpiSection[] = [
  'revenue',
  'customers',
  'onboarding',
  'engagement',
  'voice',
  'support',
  'billing',
];

/** The weekly digest's key figures per section (the monthly one shows every KPI). */
export const WEEKLY_SECTION_KPIS: Readonly<Record<KpiSection, readonly KpiId[]>> = {
  revenue: ['mrr_new', 'mrr_expansion', 'mrr_contraction', 'mrr_churn'],
  customers: ['customers_new', 'customers_churned', 'health_score', 'accounts_at_risk'],
  onboarding: ['avg_days_to_onboard', 'time_to_first_value_days'],
  engagement: ['dau', 'active_account_rate'],
  voice: ['ces', 'survey_responses'],
  support: ['avg_first_response_hours', 'tickets_opened'],
  billing: ['late_payment_rate', 'overdue_amount'],
};

const LIMITS = {
  weekly: { atRisk: 5, comments: 3 },
  monthly: { atRisk: 10, comments: 5 },
} as const;

/** Half of the smallest step each unit is displayed with. */
const FLAT_BELOW: Readonly<Record<KpiUnit, number>> = {
  currency: 0.005,
  percent: 0.05,
  count: 0.05,
  ratio: 0.005,
  score: 0.05,
  days: 0.05,
  hours: 0.05,
  minutes: 0.05,
};

/** Tables whose rows apply forward in time: an old newest row is normal for them. */
const FORWARD_TABLES: ReadonlySet<string> = new Set(['fx_rates', 'cs_costs']);

const MAX_NAME = 80;
const MAX_COMMENT = 400;
const ENGINE_NAMES = { duckdb: 'DuckDB', athena: 'Amazon Athena' } as const;

class ViewBuilder {
  readonly m: Messages;
  readonly f: Formatter;
  readonly kind: PeriodKind;

  constructor(
    readonly snapshot: Snapshot,
    readonly locale: Locale,
  ) {
    this.m = MESSAGES[locale];
    this.f = new Formatter(locale, snapshot.currency, snapshot.period.timezone);
    this.kind = snapshot.period.kind;
  }

  kpi(id: KpiId, withTrend: boolean): KpiView {
    const k: KpiValue = this.snapshot.kpis[id];
    const label = this.m.kpiLabels[id];
    const unit = k.unit;
    if (k.value === null) {
      return {
        id,
        label,
        value: this.m.notAvailableShort,
        available: false,
        note: this.m.notAvailable(cleanText(k.reason ?? '', 240)),
        ...(withTrend && k.trend ? { trend: this.trend(id, k) } : {}),
      };
    }
    const view: KpiView = {
      id,
      label,
      value: this.f.value(k.value, unit),
      available: true,
      ...(this.change(id, k) ?? { noChange: this.m.noPrevious }),
      ...(k.benchmark
        ? {
            benchmark: {
              text: `${this.m.benchmarkLevels[k.benchmark.level]} · ${this.m.benchmark(cleanText(k.benchmark.target, 40))}`,
              tone: k.benchmark.tone,
            },
          }
        : {}),
      ...(withTrend && k.trend ? { trend: this.trend(id, k) } : {}),
    };
    return view;
  }

  change(id: KpiId, k: KpiValue): { change: ChangeView } | null {
    if (k.value === null || k.previous === null) return null;
    const delta = k.delta ?? k.value - k.previous;
    // A change too small to show at the display's precision is no change: "▲ +0 pp" would
    // call a rounding difference a trend.
    const flat = Math.abs(delta) < FLAT_BELOW[k.unit];
    let text = flat ? '' : this.f.change(delta, k.unit, this.m.percentagePoints);
    if (!flat && (k.unit === 'currency' || k.unit === 'count')) {
      const relative = this.f.relativeChange(k.value, k.previous);
      if (relative !== null) text += ` (${relative})`;
    }
    const direction = flat ? 'flat' : delta > 0 ? 'up' : 'down';
    const higherIsBetter = KPI_META[id].higherIsBetter;
    let tone: Tone = 'neutral';
    let assessment = this.m.assessment.unchanged;
    if (direction !== 'flat') {
      assessment = '';
      if (higherIsBetter !== null) {
        const better = (direction === 'up') === higherIsBetter;
        tone = better ? 'good' : 'bad';
        assessment = better ? this.m.assessment.better : this.m.assessment.worse;
      }
    }
    return { change: { text, direction, assessment, tone } };
  }

  trend(id: KpiId, k: KpiValue): TrendView {
    const points = k.trend ?? [];
    const bars: TrendBarView[] = points.map((p, i) => ({
      label: this.f.periodPoint(p.key, this.kind),
      value: p.value,
      display: p.value === null ? this.m.noData : this.f.value(p.value, k.unit),
      current: i === points.length - 1,
    }));
    const values = points.map((p) => p.value).filter((v): v is number => v !== null);
    const figures = bars.map((b) => `${b.label} ${b.display}`).join('; ');
    let alt = this.m.trendAlt(this.m.kpiLabels[id], points.length, this.kind, figures);
    if (values.length > 1) {
      alt += ` ${this.m.trendRange(this.f.value(Math.min(...values), k.unit), this.f.value(Math.max(...values), k.unit))}`;
    }
    return { bars, alt, firstLabel: bars[0]?.label ?? '', lastLabel: bars[bars.length - 1]?.label ?? '' };
  }

  name(text: string | null, fallback: string): string {
    const cleaned = text === null ? '' : cleanText(text, MAX_NAME);
    return cleaned === '' ? fallback : cleaned;
  }

  movementName(text: string): string {
    return text === '(none)' ? this.m.noneName : this.name(text, this.m.noneName);
  }

  movementsTable(title: string, rows: readonly MrrMovementRow[], firstColumn: string): TableBlock {
    // Six columns must fit a phone: short amounts, the currency once in the title.
    const amount = (v: number, signed = false): string => this.f.compactAmount(v, signed);
    const showFx = rows.some((r) => Math.abs(r.fxAdjustment) >= 0.005);
    const columns = [
      { label: firstColumn, align: 'left' as const },
      { label: this.m.columns.start, align: 'right' as const },
      { label: this.m.columns.gained, align: 'right' as const },
      { label: this.m.columns.lost, align: 'right' as const },
      ...(showFx ? [{ label: this.m.columns.fx, align: 'right' as const }] : []),
      { label: this.m.columns.end, align: 'right' as const },
    ];
    const sorted = [...rows].sort((a, b) => b.mrrEnd - a.mrrEnd || a.name.localeCompare(b.name));
    return {
      kind: 'table',
      title: `${title} (${this.snapshot.currency})`,
      columns,
      rows: sorted.map((r) => {
        const gained = r.new + r.reactivation + r.expansion;
        const lost = r.contraction + r.churn;
        return [
          { text: this.movementName(r.name), align: 'left', fromData: true },
          { text: amount(r.mrrStart), align: 'right' },
          { text: amount(gained, true), align: 'right' },
          { text: amount(-lost, true), align: 'right' },
          ...(showFx ? [{ text: amount(r.fxAdjustment, true), align: 'right' as const }] : []),
          { text: amount(r.mrrEnd), align: 'right', strong: true },
        ];
      }),
      empty: this.m.movementsNone,
      note: this.m.movementsNote,
      leadRow: true,
    };
  }

  atRiskTable(limit: number): TableBlock {
    const all = this.snapshot.details.accountsAtRisk;
    const shown = all.slice(0, limit);
    const band = (a: AtRiskAccount): Tone =>
      a.band === 'critical' ? 'bad' : a.band === 'at_risk' ? 'neutral' : 'good';
    return {
      kind: 'table',
      title: this.m.atRiskTitle,
      ...(shown.length > 0 ? { intro: this.m.atRiskIntro(this.f.count(shown.length), shown.length) } : {}),
      columns: [
        { label: this.m.columns.account, align: 'left' },
        { label: this.m.columns.mrr, align: 'right' },
        { label: this.m.columns.health, align: 'right' },
      ],
      rows: shown.map((a) => [
        {
          text: this.name(a.accountName, this.m.unnamedAccount),
          sub: [this.name(a.segment, this.m.noSegment), this.name(a.csmOwner, this.m.noOwner)].join(' · '),
          align: 'left',
          fromData: true,
          strong: true,
        },
        { text: this.f.currency(a.mrr), align: 'right' },
        {
          text: this.f.number(a.healthScore, 0),
          sub: this.m.bands[a.band],
          align: 'right',
          tone: band(a),
          strong: true,
        },
      ]),
      empty: this.m.atRiskNone,
      ...(all.length > shown.length
        ? { note: this.m.atRiskMore(this.f.count(all.length - shown.length), all.length - shown.length) }
        : {}),
    };
  }

  comments(limit: number, withCount: boolean): CommentsBlock {
    const feedback = this.snapshot.details.feedback;
    return {
      kind: 'comments',
      title: this.m.commentsTitle,
      ...(withCount
        ? { intro: this.m.commentCount(this.f.count(feedback.commentCount), feedback.commentCount) }
        : {}),
      comments: feedback.latestDetractorComments.slice(0, limit).map((c) => ({
        text: cleanText(c.comment, MAX_COMMENT),
        meta: [
          this.name(c.accountName, this.m.unnamedAccount),
          `${cleanText(c.survey, 10).toUpperCase()} ${this.f.number(c.score, 1)}`,
          this.f.dateOrInstant(c.respondedAt),
        ].join(' · '),
      })),
      empty: this.m.commentsNone,
    };
  }

  terms(terms: readonly TermCount[]): string {
    if (terms.length === 0) return this.m.termsNone;
    return terms
      .slice(0, 8)
      .map((t) => `${cleanText(t.term, 40)} (${this.f.count(t.count)})`)
      .join(', ');
  }

  sectionBlocks(section: KpiSection): BlockView[] {
    const d = this.snapshot.details;
    const monthly = this.kind === 'monthly';
    const limits = LIMITS[this.kind];
    switch (section) {
      case 'revenue':
        return monthly
          ? [
              this.movementsTable(this.m.bySegmentTitle, d.mrrMovements.bySegment, this.m.columns.segment),
              this.movementsTable(this.m.byPlanTitle, d.mrrMovements.byPlan, this.m.columns.plan),
            ]
          : [];
      case 'customers': {
        const blocks: BlockView[] = [];
        if (monthly) {
          blocks.push({
            kind: 'facts',
            title: this.m.healthBandsTitle,
            items: [
              { label: this.m.bands.healthy, value: this.f.count(d.healthBands.healthy) },
              { label: this.m.bands.at_risk, value: this.f.count(d.healthBands.atRisk) },
              { label: this.m.bands.critical, value: this.f.count(d.healthBands.critical) },
            ],
          });
        }
        blocks.push(this.atRiskTable(limits.atRisk));
        return blocks;
      }
      case 'engagement':
        return monthly
          ? [
              {
                kind: 'table',
                title: this.m.featuresTitle,
                columns: [
                  { label: this.m.columns.feature, align: 'left' },
                  { label: this.m.columns.users, align: 'right' },
                  { label: this.m.columns.adoption, align: 'right' },
                ],
                rows: d.topFeatures.slice(0, 10).map((feature) => [
                  { text: this.name(feature.eventName, this.m.noneName), align: 'left', fromData: true },
                  { text: this.f.count(feature.users), align: 'right' },
                  { text: this.f.percent(feature.adoptionPct), align: 'right' },
                ]),
                empty: this.m.featuresNone,
              },
            ]
          : [];
      case 'voice': {
        const blocks: BlockView[] = [this.comments(limits.comments, monthly)];
        if (monthly) {
          blocks.push({
            kind: 'facts',
            title: '',
            items: [
              {
                label: this.m.detractorTermsTitle,
                value: this.terms(d.feedback.detractorTerms),
                fromData: true,
              },
              {
                label: this.m.promoterTermsTitle,
                value: this.terms(d.feedback.promoterTerms),
                fromData: true,
              },
            ],
          });
        }
        return blocks;
      }
      default:
        return [];
    }
  }

  sections(): SectionView[] {
    return SECTION_ORDER.map((section) => {
      const ids =
        this.kind === 'weekly'
          ? WEEKLY_SECTION_KPIS[section]
          : KPI_IDS.filter((id) => KPI_META[id].section === section && !HEADLINE_KPIS.includes(id));
      return {
        id: section,
        title: this.m.sections[section],
        kpis: ids.map((id) => this.kpi(id, false)),
        blocks: this.sectionBlocks(section),
      };
    });
  }

  latestOf(tableLatest: string): number {
    return /^\d{4}-\d{2}-\d{2}$/.test(tableLatest)
      ? Date.parse(`${tableLatest}T23:59:59Z`)
      : parseInstant(tableLatest).getTime();
  }

  freshness(): { line: string; stale: string[] } {
    const present = this.snapshot.dataQuality.tables.filter((t) => t.present && t.latest !== null);
    if (present.length === 0) return { line: this.m.noFreshData, stale: [] };
    const newest = present.reduce((a, b) =>
      this.latestOf(b.latest ?? '') > this.latestOf(a.latest ?? '') ? b : a,
    );
    // A table whose newest row is older than the period itself has nothing for it: say so.
    const stale = present
      .filter((t) => {
        if (FORWARD_TABLES.has(t.table)) return false;
        const latest = t.latest ?? '';
        const day = /^\d{4}-\d{2}-\d{2}$/.test(latest)
          ? latest
          : localDay(parseInstant(latest), this.snapshot.period.timezone);
        return day < this.snapshot.period.firstDay;
      })
      .map((t) => this.m.staleTable(t.table, this.f.dateOrInstant(t.latest ?? '')));
    return { line: this.m.dataUpTo(this.f.dateOrInstant(newest.latest ?? '')), stale };
  }

  dataQualityBlocks(): BlockView[] {
    const dq = this.snapshot.dataQuality;
    const blocks: BlockView[] = [];
    if (dq.totalExcluded > 0) {
      blocks.push({
        kind: 'list',
        title: '',
        intro: this.m.excludedIntro(this.f.count(dq.totalExcluded), dq.totalExcluded),
        items: [...dq.excluded]
          .filter((e) => e.rows > 0)
          .sort((a, b) => b.rows - a.rows || a.table.localeCompare(b.table))
          .map(
            (e) =>
              `${e.table}, ${this.m.reasons[e.reason] ?? cleanText(e.reason, 40)}: ${this.f.count(e.rows)}`,
          ),
      });
    } else {
      blocks.push({ kind: 'list', title: '', intro: this.m.noExclusions, items: [] });
    }
    const unavailable = KPI_IDS.filter((id) => this.snapshot.kpis[id].value === null);
    if (unavailable.length > 0) {
      // One line per reason: 48 unavailable KPIs usually share a handful of causes.
      const byReason = new Map<string, string[]>();
      for (const id of unavailable) {
        const reason = cleanText(this.snapshot.kpis[id].reason ?? '', 240);
        byReason.set(reason, [...(byReason.get(reason) ?? []), this.m.kpiLabels[id]]);
      }
      blocks.push({
        kind: 'list',
        title: '',
        intro: this.m.unavailableIntro(this.f.count(unavailable.length), unavailable.length),
        items: [...byReason].map(([reason, labels]) => `${labels.join(', ')}: ${reason}`),
      });
    } else {
      blocks.push({ kind: 'list', title: '', intro: this.m.allAvailable, items: [] });
    }
    if (this.kind === 'monthly' || dq.tables.some((t) => !t.present)) {
      const tables = this.kind === 'monthly' ? dq.tables : dq.tables.filter((t) => !t.present);
      blocks.push({
        kind: 'table',
        title: '',
        columns: [
          { label: this.m.columns.table, align: 'left' },
          { label: this.m.columns.newest, align: 'left' },
          { label: this.m.columns.excluded, align: 'right' },
        ],
        rows: tables.map((t) => [
          { text: t.table, align: 'left' },
          t.present
            ? {
                text: t.latest === null ? this.m.noRows : this.f.dateOrInstant(t.latest),
                align: 'left',
                wrap: true,
              }
            : {
                text: this.m.tableAbsent(cleanText(t.reason ?? '', 160)),
                align: 'left',
                tone: 'bad',
                wrap: true,
              },
          { text: this.f.count(t.rowsExcluded), align: 'right' },
        ]),
        empty: this.m.noRows,
      });
    }
    return blocks;
  }

  attachments(): ListBlock | null {
    if (this.kind !== 'monthly') return null;
    const d = this.snapshot.details;
    return {
      kind: 'list',
      title: this.m.attachmentsTitle,
      items: [
        this.m.accountMovementsFile(
          this.f.count(d.mrrMovements.byAccount.length),
          d.mrrMovements.byAccount.length,
        ),
        this.m.atRiskFile(this.f.count(d.accountsAtRisk.length), d.accountsAtRisk.length),
      ],
    };
  }

  periodName(): string {
    const p = this.snapshot.period;
    if (p.kind === 'monthly') return this.f.month(p.firstDay);
    const week = /^(\d{4})-W(\d{2})$/.exec(p.key);
    return week ? this.m.weekName(Number(week[2]), Number(week[1])) : cleanText(p.key, 20);
  }

  subject(periodName: string, headline: readonly KpiView[]): string {
    const mrr = headline.find((k) => k.id === 'mrr') ?? this.kpi('mrr', false);
    let figure = `${mrr.label} ${mrr.value}`;
    const k = this.snapshot.kpis.mrr;
    if (k.value !== null && k.previous !== null) {
      const relative = this.f.relativeChange(k.value, k.previous);
      figure += ` (${relative ?? mrr.change?.text ?? ''})`;
    }
    return `${this.m.subjectName[this.kind]} · ${periodName}: ${figure}`;
  }

  preheader(headline: readonly KpiView[]): string {
    const pick: readonly KpiId[] = ['net_new_mrr', 'net_revenue_retention', 'customer_churn_rate', 'nps'];
    const parts = pick
      .map((id) => headline.find((k) => k.id === id) ?? this.kpi(id, false))
      .map((k) => `${k.label} ${k.value}`);
    const risk = this.kpi('accounts_at_risk', false);
    parts.push(`${risk.label} ${risk.value}`);
    return parts.join(' · ');
  }

  dataQualitySummary(unavailable: number): string {
    const excluded = this.snapshot.dataQuality.totalExcluded;
    const parts = [
      ...(excluded > 0 ? [this.m.excludedShort(this.f.count(excluded), excluded)] : []),
      ...(unavailable > 0 ? [this.m.unavailableShort(this.f.count(unavailable), unavailable)] : []),
    ];
    return this.m.seeDataQuality(parts.join(', '));
  }

  build(): DigestView {
    const s = this.snapshot;
    const headline = HEADLINE_KPIS.map((id) => this.kpi(id, true));
    const periodName = this.periodName();
    const unavailable = KPI_IDS.filter((id) => s.kpis[id].value === null).length;
    const clean = s.dataQuality.totalExcluded === 0 && unavailable === 0;
    const freshness = this.freshness();
    return {
      locale: this.locale,
      kind: this.kind,
      periodKey: s.period.key,
      title: this.m.digestTitle[this.kind],
      periodName,
      periodLine: this.m.periodLine(this.f.dayRange(s.period.firstDay, s.period.lastDay)),
      timeZoneLine: this.m.timeZoneLine(s.period.timezone),
      freshnessLine: freshness.line,
      staleLines: freshness.stale,
      exclusionWarnings: (s.dataQuality.warnings ?? []).map((w) =>
        this.m.excludedShareWarning(
          w.table,
          this.f.percent(w.share * 100),
          this.f.count(w.rowsExcluded),
          this.f.count(w.rowsRead),
          this.f.percent(w.threshold * 100),
        ),
      ),
      generatedLine: this.m.generatedAt(this.f.dateOrInstant(s.generatedAt)),
      dataQualitySummary: clean ? this.m.dataQualityClean : this.dataQualitySummary(unavailable),
      dataQualityTone: clean ? 'good' : 'neutral',
      subject: this.subject(periodName, headline),
      preheader: this.preheader(headline),
      headlineTitle: `${this.m.headlineTitle} · ${this.m.vsPrevious[this.kind]}`,
      headline,
      sections: this.sections(),
      attachments: this.attachments(),
      dataQualityTitle: this.m.dataQualityTitle,
      dataQuality: this.dataQualityBlocks(),
      footer: this.m.footer(ENGINE_NAMES[s.stats.engine], this.f.dateOrInstant(s.generatedAt)),
      footerNotes: [
        this.m.footerNotes,
        ...(s.stats.trend?.storedFrom ? [this.m.trendAsReported(s.stats.trend.storedFrom)] : []),
      ].join(' '),
    };
  }
}

/** Every string of the digest for `snapshot` in `locale`. Pure: same input, same view. */
export function buildDigestView(snapshot: Snapshot, locale: Locale): DigestView {
  return new ViewBuilder(snapshot, locale).build();
}
