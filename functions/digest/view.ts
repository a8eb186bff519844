/**
 * Builds the digest's view model (view-model.ts): a pure function from a snapshot and a locale
 * to every string the mail shows, already formatted and ordered. Text from the data is cleaned here and escaped by the
 * HTML renderer; `fromData` marks it so the markup can isolate right-to-left text.
 */
import { localDay, type PeriodKind } from '../core/period.js';
import { KPI_META } from '../core/kpi-meta.js';
import {
  HEADLINE_KPIS,
  KPI_IDS,
  SECTION_TREND_KPIS,
  type AtRiskAccount,
  type KpiId,
  type KpiSection,
  type KpiUnit,
  type KpiValue,
  type MrrMovementRow,
  type Snapshot,
  type TermCount,
  type WebDetails,
  type WebPageStats,
  type WebSegmentStats,
} from '../core/snapshot.js';
import type { TableName } from '../contract/contract.js';
import { Formatter, parseInstant } from './format.js';
import { MESSAGES, type Messages } from './i18n/index.js';
import type { Locale } from './locale.js';
import { matchReason } from './reasons.js';
import { cleanText } from './text.js';
import { teamBooksBlocks } from './view-team-books.js';
import {
  OPTIONAL_BLOCKS,
  type Tone,
  type ChangeView,
  type BenchmarkView,
  type TrendBarView,
  type TrendView,
  type KpiView,
  type CellView,
  type TableBlock,
  type CommentsBlock,
  type ListBlock,
  type BlockView,
  type SectionView,
  type DigestView,
  type OptionalBlockId,
  type ViewOptions,
} from './view-model.js';
import { SOCIAL_KPIS, WEB_KPIS } from '../core/kpis/web.js';

export const TABLE_ROW_LIMIT = 15;
/** Names from the data are cut to this many characters in tables (the CSV has them whole). */
export const MAX_TABLE_NAME = 60;

export const SECTION_ORDER: readonly KpiSection[] = [
  'revenue',
  'customers',
  'onboarding',
  'engagement',
  'voice',
  'support',
  'billing',
  'web',
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
  web: ['page_views', 'unique_visitors', 'bounce_rate', 'social_engagement_rate'],
};

/** The optional tables of the web section and the KPIs each one feeds. */
const WEB_SECTION_TABLES: readonly { readonly table: TableName; readonly kpis: readonly KpiId[] }[] = [
  { table: 'web_events', kpis: WEB_KPIS },
  { table: 'social_posts', kpis: SOCIAL_KPIS },
];

/** Pages the monthly digest lists (the snapshot and the CSV attachment hold more). */
const PAGES_SHOWN = 10;
const EXIT_PAGES_SHOWN = 5;

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
  seconds: 0.05,
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
    readonly options: ViewOptions = {},
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
        note: this.m.notAvailable(this.reason(k.reason)),
        ...(withTrend && k.trend ? { trend: this.trend(id, k) } : {}),
      };
    }
    const view: KpiView = {
      id,
      label,
      value: this.f.value(k.value, unit),
      available: true,
      ...(this.change(id, k) ?? { noChange: this.m.noPrevious }),
      ...(k.benchmark ? { benchmark: this.benchmark(id, k.benchmark) } : {}),
      // The catalog's conversion counts accounts that start paying in the period over those
      // created in it: the first group may include older accounts, so it can pass 100 %.
      ...(id === 'conversion_rate' && k.value > 100 ? { remark: this.m.conversionOver100 } : {}),
      ...(withTrend && k.trend ? { trend: this.trend(id, k) } : {}),
    };
    return view;
  }

  /** The report's reason in the reader's language (functions/digest/reasons.ts). */
  reason(raw: string | undefined): string {
    const match = matchReason(raw ?? '');
    if (!match) return this.m.reasonUnknown;
    const [a = '', b = ''] = match.args.map((arg) => cleanText(arg, 120));
    return this.m.kpiReasons[match.key](a, b);
  }

  /** "Above target (lower is better) · target ≤ 2 / 5": above and below in the reader's terms. */
  benchmark(id: KpiId, b: NonNullable<KpiValue['benchmark']>): BenchmarkView {
    const level = this.m.benchmarkLevels[b.level];
    const direction =
      KPI_META[id].higherIsBetter === false && (b.level === 'above' || b.level === 'below')
        ? ` (${this.m.lowerIsBetter})`
        : '';
    return { text: `${level}${direction} · ${this.m.benchmark(cleanText(b.target, 40))}`, tone: b.tone };
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
    const low = values.length > 0 ? Math.min(...values) : 0;
    const high = values.length > 0 ? Math.max(...values) : 0;
    const last = bars[bars.length - 1]?.display ?? this.m.noData;
    return {
      bars,
      low,
      high,
      scale: this.m.trendScale(this.f.value(low, k.unit), this.f.value(high, k.unit), last),
      alt,
      firstLabel: bars[0]?.label ?? '',
      lastLabel: bars[bars.length - 1]?.label ?? '',
    };
  }

  name(text: string | null, fallback: string, max = MAX_NAME): string {
    const cleaned = text === null ? '' : cleanText(text, max);
    return cleaned === '' ? fallback : cleaned;
  }

  movementName(text: string, max = MAX_NAME): string {
    return text === '(none)' ? this.m.noneName : this.name(text, this.m.noneName, max);
  }

  movementsTable(
    id: 'byPlan' | 'bySegment',
    title: string,
    rows: readonly MrrMovementRow[],
    firstColumn: string,
  ): TableBlock {
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
    // The largest rows by MRR; the attached CSV has them all.
    const shown = sorted.slice(0, TABLE_ROW_LIMIT);
    const more = sorted.length - shown.length;
    const file = id === 'byPlan' ? this.m.byPlanFile : this.m.bySegmentFile;
    return {
      kind: 'table',
      id,
      title: `${title} (${this.snapshot.currency})`,
      columns,
      rows: shown.map((r) => {
        const gained = r.new + r.reactivation + r.expansion;
        const lost = r.contraction + r.churn;
        return [
          { text: this.movementName(r.name, MAX_TABLE_NAME), align: 'left', fromData: true },
          { text: amount(r.mrrStart), align: 'right' },
          { text: amount(gained, true), align: 'right' },
          { text: amount(-lost, true), align: 'right' },
          ...(showFx ? [{ text: amount(r.fxAdjustment, true), align: 'right' as const }] : []),
          { text: amount(r.mrrEnd), align: 'right', strong: true },
        ];
      }),
      empty: this.m.movementsNone,
      note:
        more > 0
          ? `${this.m.tableMore(this.f.count(more), more, file)} ${this.m.movementsNote}`
          : this.m.movementsNote,
      leadRow: true,
    };
  }

  atRiskTable(limit: number): TableBlock {
    const all = this.snapshot.details.accountsAtRisk;
    const shown = all.slice(0, limit);
    // The snapshot keeps only the largest critical accounts; the KPI counts them all.
    const kpiTotal = this.snapshot.kpis.accounts_at_risk.value;
    const total = kpiTotal === null ? all.length : Math.max(kpiTotal, all.length);
    const more = total - shown.length;
    const band = (a: AtRiskAccount): Tone =>
      a.band === 'critical' ? 'bad' : a.band === 'at_risk' ? 'neutral' : 'good';
    return {
      kind: 'table',
      title: this.m.atRiskTitle,
      ...(shown.length > 0
        ? {
            intro: this.m.atRiskIntro(this.f.count(shown.length), shown.length, this.f.count(total), total),
          }
        : {}),
      columns: [
        { label: this.m.columns.account, align: 'left' },
        { label: this.m.columns.mrr, align: 'right' },
        { label: this.m.columns.health, align: 'right' },
      ],
      rows: shown.map((a) => [
        {
          text: this.name(a.accountName, this.m.unnamedAccount, MAX_TABLE_NAME),
          sub: [
            this.name(a.segment, this.m.noSegment, MAX_TABLE_NAME),
            this.name(a.csmOwner, this.m.noOwner, MAX_TABLE_NAME),
          ].join(' · '),
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
      ...(more > 0 ? { note: this.m.atRiskMore(this.f.count(more), more) } : {}),
    };
  }

  comments(limit: number, withCount: boolean): CommentsBlock {
    const feedback = this.snapshot.details.feedback;
    return {
      kind: 'comments',
      id: 'comments',
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
              this.movementsTable(
                'bySegment',
                this.m.bySegmentTitle,
                d.mrrMovements.bySegment,
                this.m.columns.segment,
              ),
              this.movementsTable('byPlan', this.m.byPlanTitle, d.mrrMovements.byPlan, this.m.columns.plan),
            ]
          : [];
      case 'customers': {
        const blocks: BlockView[] = [];
        if (monthly) {
          blocks.push({
            kind: 'facts',
            title: this.m.healthBandsTitle,
            // Each band with its score range (the catalog's): "Critical (below 40)" is the KPI above.
            items: (['healthy', 'at_risk', 'critical'] as const).map((band) => ({
              label: `${this.m.bands[band]} (${this.m.bandRanges[band]})`,
              value: this.f.count(
                band === 'healthy'
                  ? d.healthBands.healthy
                  : band === 'at_risk'
                    ? d.healthBands.atRisk
                    : d.healthBands.critical,
              ),
            })),
          });
        }
        blocks.push(this.atRiskTable(limits.atRisk));
        // CSM digests on: every CSM's book (docs/csm-digests.md).
        if (d.csmBooks)
          blocks.push(...teamBooksBlocks(d.csmBooks, this.locale, this.f, this.snapshot.period.key));
        return blocks;
      }
      case 'engagement':
        return monthly
          ? [
              {
                kind: 'table',
                id: 'features',
                title: this.m.featuresTitle,
                columns: [
                  { label: this.m.columns.feature, align: 'left' },
                  { label: this.m.columns.users, align: 'right' },
                  { label: this.m.columns.adoption, align: 'right' },
                ],
                rows: d.topFeatures.slice(0, 10).map((feature) => [
                  {
                    text: this.name(feature.eventName, this.m.noneName, MAX_TABLE_NAME),
                    align: 'left',
                    fromData: true,
                  },
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
            id: 'promoterTerms',
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

  /** A block stays unless the size budget dropped it. */
  kept(block: BlockView): boolean {
    return block.kind === 'list' || block.id === undefined || !(this.options.omit?.has(block.id) ?? false);
  }

  omittedTitle(id: OptionalBlockId): string {
    switch (id) {
      case 'promoterTerms':
        return `${this.m.detractorTermsTitle}, ${this.m.promoterTermsTitle}`;
      case 'features':
        return this.m.featuresTitle;
      case 'byPlan':
        return this.m.byPlanTitle;
      case 'bySegment':
        return this.m.bySegmentTitle;
      case 'comments':
        return this.m.commentsTitle;
      case 'dataQualityTables':
        return `${this.m.dataQualityTitle} (${this.m.columns.table})`;
    }
  }

  sizeNote(): string | null {
    const omitted = OPTIONAL_BLOCKS.filter((id) => this.options.omit?.has(id) ?? false);
    return omitted.length === 0
      ? null
      : this.m.sizeDropped(omitted.map((id) => this.omittedTitle(id)).join('; '));
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
        kpis: ids
          .filter((id) => !this.absentOptionalKpis().has(id))
          .map((id) => this.kpi(id, SECTION_TREND_KPIS.includes(id))),
        blocks: (section === 'web' ? this.webBlocks() : this.sectionBlocks(section)).filter((b) =>
          this.kept(b),
        ),
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
    const unavailable = this.unavailableKpis();
    if (unavailable.length > 0) {
      // One line per reason: dozens of unavailable KPIs usually share a handful of causes.
      const byReason = new Map<string, string[]>();
      for (const id of unavailable) {
        const reason = this.reason(this.snapshot.kpis[id].reason);
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
    // An absent optional table is not a problem of the data: the web section says why it is out.
    const listed = dq.tables.filter((t) => t.present || !this.isOptionalTable(t.table));
    if (this.kind === 'monthly' || listed.some((t) => !t.present)) {
      const tables = this.kind === 'monthly' ? listed : listed.filter((t) => !t.present);
      blocks.push({
        kind: 'table',
        ...(this.kind === 'monthly' ? { id: 'dataQualityTables' as const } : {}),
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
                text: this.m.tableAbsent(this.reason(t.reason)),
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
        ...(d.mrrMovements.byPlan.length > TABLE_ROW_LIMIT
          ? [this.m.plansFile(this.f.count(d.mrrMovements.byPlan.length), d.mrrMovements.byPlan.length)]
          : []),
        ...(d.mrrMovements.bySegment.length > TABLE_ROW_LIMIT
          ? [
              this.m.segmentsFile(
                this.f.count(d.mrrMovements.bySegment.length),
                d.mrrMovements.bySegment.length,
              ),
            ]
          : []),
        ...(d.web && this.tablePresent('web_events')
          ? [this.m.web.topPagesFile(this.f.count(d.web.topPages.length), d.web.topPages.length)]
          : []),
      ],
    };
  }

  tablePresent(table: TableName): boolean {
    return this.snapshot.dataQuality.tables.some((t) => t.table === table && t.present);
  }

  isOptionalTable(table: TableName): boolean {
    return WEB_SECTION_TABLES.some((t) => t.table === table);
  }

  /** Why an optional table is absent, as the data-quality check recorded it, in the reader's language. */
  absentReason(table: TableName): string {
    const recorded = this.snapshot.dataQuality.tables.find((t) => t.table === table)?.reason;
    return this.reason(recorded);
  }

  /** KPIs of the web section whose optional table is absent: the section says why, once. */
  absentOptionalKpis(): ReadonlySet<KpiId> {
    return new Set(WEB_SECTION_TABLES.filter((t) => !this.tablePresent(t.table)).flatMap((t) => t.kpis));
  }

  /** KPIs without a value, other than those of absent optional tables. */
  unavailableKpis(): KpiId[] {
    const optional = this.absentOptionalKpis();
    return KPI_IDS.filter((id) => this.snapshot.kpis[id].value === null && !optional.has(id));
  }

  webBlocks(): BlockView[] {
    const w = this.m.web;
    const hasWeb = this.tablePresent('web_events');
    const hasSocial = this.tablePresent('social_posts');
    const line = (text: string): ListBlock => ({ kind: 'list', title: '', intro: text, items: [] });
    if (!hasWeb && !hasSocial) {
      const reasons = [this.absentReason('web_events'), this.absentReason('social_posts')].join('; ');
      return [line(w.sectionUnavailable(reasons))];
    }
    const blocks: BlockView[] = [];
    if (!hasWeb) blocks.push(line(w.websiteUnavailable(this.absentReason('web_events'))));
    if (!hasSocial) blocks.push(line(w.socialUnavailable(this.absentReason('social_posts'))));
    const d = this.snapshot.details.web;
    if (this.kind !== 'monthly' || !d) return blocks;
    if (hasWeb) blocks.push(...this.websiteBlocks(d));
    if (hasSocial) blocks.push(this.socialTable(d));
    return blocks;
  }

  websiteBlocks(d: WebDetails): BlockView[] {
    const w = this.m.web;
    // Table cells give seconds with the SI symbol: "61 s" keeps the columns of a phone narrow.
    const seconds = (v: number | null): string =>
      v === null ? this.m.noData : `${this.f.number(v, 0)}\u00a0s`;
    const pageCell = (p: WebPageStats): CellView => ({
      text: this.name(p.page, this.m.noneName),
      align: 'left',
      fromData: true,
    });
    const optionalPercent = (v: number | null): string => (v === null ? this.m.noData : this.f.percent(v));
    // Known customers against anonymous visitors: one row per figure, so that two figure
    // columns fit a phone.
    const known = d.knownCustomers;
    const anonymous = d.anonymous;
    const figure = (label: string, of: (s: WebSegmentStats) => string): CellView[] => [
      { text: label, align: 'left', wrap: true },
      { text: of(known), align: 'right' },
      { text: of(anonymous), align: 'right' },
    ];
    const ratio = (v: number | null): string => (v === null ? this.m.noData : this.f.number(v, 2));
    return [
      {
        kind: 'table',
        title: w.topPagesTitle,
        columns: [
          { label: w.columns.page, align: 'left' },
          { label: w.columns.views, align: 'right' },
          { label: w.columns.exitRate, align: 'right' },
          { label: w.columns.timeOnPage, align: 'right' },
        ],
        rows: d.topPages
          .slice(0, PAGES_SHOWN)
          .map((p) => [
            pageCell(p),
            { text: this.f.count(p.views), align: 'right' },
            { text: this.f.percent(p.exitRate), align: 'right' },
            { text: seconds(p.avgTimeOnPageSeconds), align: 'right' },
          ]),
        empty: w.topPagesNone,
        leadRow: true,
      },
      {
        kind: 'table',
        title: w.topExitPagesTitle,
        columns: [
          { label: w.columns.page, align: 'left' },
          { label: w.columns.exits, align: 'right' },
          { label: w.columns.exitRate, align: 'right' },
        ],
        rows: d.topExitPages
          .slice(0, EXIT_PAGES_SHOWN)
          .map((p) => [
            pageCell(p),
            { text: this.f.count(p.exits), align: 'right' },
            { text: this.f.percent(p.exitRate), align: 'right' },
          ]),
        empty: w.topExitPagesNone,
        leadRow: true,
      },
      {
        kind: 'facts',
        title: w.visitorsTitle,
        items: [
          { label: this.m.kpiLabels.unique_visitors, value: this.f.count(d.visitors) },
          {
            label: w.newVisitors,
            value: `${this.f.count(d.newVisitors)} (${optionalPercent(d.newVisitorShare)})`,
          },
        ],
      },
      {
        kind: 'table',
        title: w.segmentsTitle,
        columns: [
          { label: '', align: 'left' },
          { label: w.known, align: 'right' },
          { label: w.anonymous, align: 'right' },
        ],
        rows: [
          figure(w.columns.visitors, (s) => this.f.count(s.visitors)),
          figure(w.columns.views, (s) => this.f.count(s.pageViews)),
          figure(w.columns.bounceRate, (s) => optionalPercent(s.bounceRate)),
          figure(w.columns.pagesPerSession, (s) => ratio(s.pagesPerSession)),
          figure(w.columns.timeOnPage, (s) => seconds(s.avgTimeOnPageSeconds)),
        ],
        empty: this.m.noRows,
      },
    ];
  }

  socialTable(d: WebDetails): TableBlock {
    const w = this.m.web;
    return {
      kind: 'table',
      title: w.socialTitle,
      columns: [
        { label: w.columns.platform, align: 'left' },
        { label: w.columns.posts, align: 'right' },
        { label: w.columns.impressions, align: 'right' },
        { label: w.columns.engagementRate, align: 'right' },
      ],
      rows: d.socialByPlatform.map((s) => [
        { text: this.name(s.platform, this.m.noneName), align: 'left', fromData: true },
        { text: this.f.count(s.posts), align: 'right' },
        { text: this.f.count(s.impressions), align: 'right' },
        {
          text: s.engagementRate === null ? this.m.noData : this.f.percent(s.engagementRate),
          align: 'right',
        },
      ]),
      empty: w.socialNone,
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
    const unavailable = this.unavailableKpis().length;
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
      sizeNote: this.sizeNote(),
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
      dataQuality: this.dataQualityBlocks().filter((b) => this.kept(b)),
      footer: this.m.footer(ENGINE_NAMES[s.stats.engine], this.f.dateOrInstant(s.generatedAt)),
      footerNotes: [
        this.m.footerNotes,
        ...(s.stats.trend?.storedFrom ? [this.m.trendAsReported(s.stats.trend.storedFrom)] : []),
      ].join(' '),
    };
  }
}

/** Every string of the digest for `snapshot` in `locale`. Pure: same input, same view. */
export function buildDigestView(snapshot: Snapshot, locale: Locale, options: ViewOptions = {}): DigestView {
  return new ViewBuilder(snapshot, locale, options).build();
}
