/**
 * The view model of a CSM digest: one CSM's book (a CsmSnapshot) as localised text, tables
 * and the CSV of the book's accounts. Lists longer than `limit` rows are cut, the rest named in
 * a note that points to the CSV (render-csm.ts lowers the limit until the HTML fits).
 */
import type { CsmSnapshot } from '../core/csm-snapshot.js';
import { BOOK_HEADLINE } from '../core/csm-books.js';
import type { KpiUnit } from '../core/snapshot.js';
import { toCsv } from './csv.js';
import { Formatter, parseInstant } from './format.js';
import { CSM_MESSAGES, type CsmMessages } from './i18n/csm.js';
import { MESSAGES } from './i18n/index.js';
import type { Locale } from './locale.js';
import { cleanText } from './text.js';
import type { BlockView, CellView, TableBlock } from './view-model.js';

export interface CsmDigestView {
  readonly locale: Locale;
  readonly subject: string;
  readonly preheader: string;
  readonly title: string;
  readonly periodName: string;
  readonly periodLine: string;
  readonly timeZoneLine: string;
  readonly intro: string;
  readonly headlineTitle: string;
  readonly headline: TableBlock;
  readonly blocks: readonly BlockView[];
  readonly attachmentsTitle: string;
  readonly attachmentLines: readonly string[];
  readonly footer: string;
  readonly csv: { readonly filename: string; readonly content: string };
}

export interface CsmViewOptions {
  /** Rows shown per list (the at-risk list has its own limit); the rest are in the CSV. */
  readonly limit?: number;
  readonly atRiskLimit?: number;
}

const NAME_MAX = 48;
const COMMENT_MAX = 280;

function moreNote(m: CsmMessages, shown: number, total: number, file: string): string | undefined {
  return total > shown ? m.more(total - shown, file) : undefined;
}

/**
 * One Formatter per locale, currency and time zone: a run renders a digest per CSM, and building
 * the Intl formats is most of the cost of a small book's digest.
 */
const formatters = new Map<string, Formatter>();
function formatterFor(locale: Locale, currency: string, timezone: string): Formatter {
  const key = `${locale}|${currency}|${timezone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Formatter(locale, currency, timezone);
    formatters.set(key, f);
  }
  return f;
}

export function csvFilename(snapshot: CsmSnapshot): string {
  return `book-${snapshot.period.key}.csv`;
}

/** The CSV of the book: every account with the period's figures. */
export function bookCsv(snapshot: CsmSnapshot): string {
  const atRisk = new Set(snapshot.atRisk.map((a) => a.accountId));
  return toCsv(
    [
      'account_id',
      'account_name',
      'segment',
      'csm_owner',
      'mrr_start',
      'mrr_end',
      'movement',
      'mrr_change',
      'currency',
      'health_score',
      'previous_health_score',
      'band',
      'at_risk',
    ],
    snapshot.accounts.map((a) => [
      a.accountId,
      a.accountName,
      a.segment,
      snapshot.owner,
      a.mrrStart,
      a.mrrEnd,
      a.movement,
      a.mrrChange,
      snapshot.currency,
      a.healthScore,
      a.previousHealthScore,
      a.band,
      atRisk.has(a.accountId) ? 'yes' : 'no',
    ]),
  );
}

export function buildCsmDigestView(
  snapshot: CsmSnapshot,
  locale: Locale,
  options: CsmViewOptions = {},
): CsmDigestView {
  const m = CSM_MESSAGES[locale];
  const common = MESSAGES[locale];
  const f = formatterFor(locale, snapshot.currency, snapshot.period.timezone);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const atRiskLimit = options.atRiskLimit ?? Number.POSITIVE_INFINITY;
  const file = csvFilename(snapshot);
  const name = (accountName: string | null, accountId: string): CellView => ({
    text: cleanText(accountName ?? accountId, NAME_MAX),
    align: 'left',
    fromData: true,
  });
  const money = (v: number, signed = false): CellView => ({
    text: f.currency(v, { signed, compact: true }),
    align: 'right',
    ...(signed ? { tone: v < 0 ? ('bad' as const) : ('good' as const) } : {}),
  });
  const value = (v: number | null, unit: KpiUnit): string => (v === null ? m.notAvailable : f.value(v, unit));
  const list = <T>(
    title: string,
    empty: string,
    columns: TableBlock['columns'],
    items: readonly T[],
    row: (item: T) => CellView[],
    max = limit,
  ): TableBlock => {
    const shown = items.slice(0, Math.max(0, max));
    const note = moreNote(m, shown.length, items.length, file);
    return {
      kind: 'table',
      title,
      columns,
      rows: shown.map(row),
      empty,
      ...(note ? { note } : {}),
    };
  };
  const L = 'left' as const;
  const R = 'right' as const;
  const c = m.columns;

  const headline: TableBlock = {
    kind: 'table',
    title: '',
    columns: [
      { label: c.figure, align: L },
      { label: c.book, align: R },
      { label: c.previous, align: R },
      { label: c.company, align: R },
    ],
    rows: BOOK_HEADLINE.map((id) => {
      const fig = snapshot.headline[id];
      return [
        { text: m.figures[id], align: L },
        { text: value(fig.value, fig.unit), align: R, strong: true },
        { text: value(fig.previous, fig.unit), align: R },
        { text: value(fig.company, fig.unit), align: R },
      ];
    }),
    empty: '',
  };

  const blocks: BlockView[] = [
    list(
      m.movementsTitle,
      m.movementsNone,
      [
        { label: c.account, align: L },
        { label: c.movement, align: L },
        { label: c.amount, align: R },
        { label: c.mrr, align: R },
      ],
      snapshot.movements,
      (mv) => [
        name(mv.accountName, mv.accountId),
        { text: m.movements[mv.movement], align: L },
        money(mv.amount, true),
        money(mv.mrrEnd),
      ],
    ),
    list(
      m.atRiskTitle,
      m.atRiskNone,
      [
        { label: c.account, align: L },
        { label: c.health, align: R },
        { label: c.mrr, align: R },
      ],
      snapshot.atRisk,
      (a) => [
        name(a.accountName, a.accountId),
        { text: f.number(a.healthScore, 0), align: R, tone: 'bad' },
        money(a.mrr),
      ],
      atRiskLimit,
    ),
    list(
      m.healthDropsTitle,
      m.healthDropsNone,
      [
        { label: c.account, align: L },
        { label: c.health, align: R },
        { label: c.fell, align: L },
      ],
      snapshot.healthDrops,
      (d) => [
        name(d.accountName, d.accountId),
        {
          text: `${f.number(d.previousHealthScore, 0)} → ${f.number(d.healthScore, 0)}`,
          align: R,
          tone: 'bad',
        },
        {
          text: d.fell
            .map(
              (x) => `${m.components[x.component]} ${f.number(x.from * 100, 0)}→${f.number(x.to * 100, 0)}`,
            )
            .join(', '),
          align: L,
          wrap: true,
        },
      ],
    ),
    list(
      m.renewalsTitle,
      m.renewalsNone,
      [
        { label: c.account, align: L },
        { label: c.termEnd, align: R },
        { label: c.mrr, align: R },
      ],
      snapshot.renewals,
      (r) => [
        name(r.accountName, r.accountId),
        { text: f.day(r.termEnd), sub: `${m.renewalWindow(r.window)} · ${m.inDays(r.days)}`, align: R },
        money(r.mrr),
      ],
    ),
    ...(snapshot.monthlyRenewals.rows > 0
      ? [
          {
            kind: 'list' as const,
            title: '',
            items: [
              m.monthlyRenewals(snapshot.monthlyRenewals.rows, f.currency(snapshot.monthlyRenewals.mrr)),
            ],
          },
        ]
      : []),
    list(
      m.surveysTitle,
      m.surveysNone,
      [
        { label: c.account, align: L },
        { label: c.score, align: R },
      ],
      snapshot.surveys,
      (s) => [
        {
          ...name(s.accountName, s.accountId),
          sub: s.comment === null ? m.noComment : `“${cleanText(s.comment, COMMENT_MAX)}”`,
        },
        {
          text: `${s.survey.toUpperCase()} ${f.number(s.score, 0)}`,
          ...(s.detractor ? { sub: m.detractor, tone: 'bad' as const } : {}),
          align: R,
        },
      ],
    ),
    list(
      m.ticketsTitle,
      m.ticketsNone,
      [
        { label: c.account, align: L },
        { label: c.opened, align: R },
      ],
      snapshot.tickets,
      (t) => [
        name(t.accountName, t.accountId),
        {
          text: f.day(parseInstant(t.createdAt).toISOString().slice(0, 10)),
          sub: m.ageDays(t.ageDays),
          align: R,
        },
      ],
    ),
    list(
      m.invoicesTitle,
      m.invoicesNone,
      [
        { label: c.account, align: L },
        { label: c.due, align: R },
        { label: c.amount, align: R },
      ],
      snapshot.invoices,
      (i) => [
        name(i.accountName, i.accountId),
        { text: f.day(i.dueAt.slice(0, 10)), align: R },
        money(i.amountReporting),
      ],
    ),
  ];

  const p = snapshot.period;
  const week = /^(\d{4})-W(\d{2})$/.exec(p.key);
  const periodName =
    p.kind === 'monthly'
      ? f.month(p.firstDay)
      : week
        ? common.weekName(Number(week[2]), Number(week[1]))
        : p.key;
  const mrr = snapshot.headline.mrr.value;
  const subject = m.subject(
    periodName,
    snapshot.accounts.length,
    mrr === null ? m.notAvailable : f.currency(mrr),
  );
  const intro = m.intro(snapshot.owner, snapshot.accounts.length);
  return {
    locale,
    subject,
    preheader: intro,
    title: m.title[p.kind],
    periodName,
    periodLine: common.periodLine(f.dayRange(p.firstDay, p.lastDay)),
    timeZoneLine: common.timeZoneLine(p.timezone),
    intro,
    headlineTitle: m.headlineTitle,
    headline,
    blocks,
    attachmentsTitle: m.csvTitle,
    attachmentLines: [m.csvLine(file, snapshot.accounts.length)],
    footer: m.footer(f.dateOrInstant(snapshot.generatedAt)),
    csv: { filename: file, content: bookCsv(snapshot) },
  };
}
