/**
 * The team digest's "Books of business" blocks (present when CSM digests are on): per CSM the
 * book's MRR, accounts at risk and NRR; the unassigned accounts; the owners that receive nothing.
 */
import type { TeamBooks } from '../core/csm-snapshot.js';
import type { Formatter } from './format.js';
import { CSM_MESSAGES } from './i18n/csm.js';
import type { Locale } from './locale.js';
import { cleanText } from './text.js';
import { toCsv } from './csv.js';
import type { BlockView, CellView } from './view-model.js';

const OWNER_MAX = 60;

/** Rows of the per-CSM table in the mail (largest books first); every book is in the CSV. */
export const TEAM_BOOKS_ROWS = 25;

export function teamBooksCsvName(key: string): string {
  return `csm-books-${key}.csv`;
}

/** Every book of the period as CSV, for the team digest's attachment. */
export function teamBooksCsv(books: TeamBooks, currency: string): string {
  return toCsv(
    ['csm_owner', 'status', 'accounts', 'mrr', 'currency', 'accounts_at_risk', 'net_revenue_retention_pct'],
    books.books.map((b) => [
      b.owner,
      b.status,
      b.accounts,
      b.mrr,
      currency,
      b.accountsAtRisk,
      b.netRevenueRetention,
    ]),
  );
}

export function teamBooksBlocks(
  books: TeamBooks,
  locale: Locale,
  f: Formatter,
  key: string,
  limit = TEAM_BOOKS_ROWS,
): BlockView[] {
  const m = CSM_MESSAGES[locale];
  const c = m.columns;
  const na = (v: number | null, show: (x: number) => string): string =>
    v === null ? m.notAvailable : show(v);
  const valid = books.books
    .filter((b) => b.status === 'valid')
    .sort((a, b) => b.mrr - a.mrr || ((a.owner ?? '') < (b.owner ?? '') ? -1 : 1));
  const rows: CellView[][] = valid.slice(0, limit).map((b) => [
    { text: cleanText(b.owner ?? '', OWNER_MAX), align: 'left', fromData: true },
    { text: f.count(b.accounts), align: 'right' },
    { text: f.currency(b.mrr, { compact: true }), align: 'right' },
    {
      text: na(b.accountsAtRisk, (x) => f.count(x)),
      align: 'right',
      ...(b.accountsAtRisk ? { tone: 'bad' as const } : {}),
    },
    { text: na(b.netRevenueRetention, (x) => f.percent(x)), align: 'right' },
  ]);
  const unassigned = books.books.find((b) => b.status === 'unassigned');
  const notes = [
    ...(valid.length > limit ? [m.more(valid.length - limit, teamBooksCsvName(key))] : []),
    ...(unassigned ? [m.unassignedLine(unassigned.accounts, f.currency(unassigned.mrr))] : []),
  ];
  const blocks: BlockView[] = [
    {
      kind: 'table',
      title: m.teamTitle,
      intro: m.teamIntro,
      columns: [
        { label: c.csm, align: 'left' },
        { label: c.accounts, align: 'right' },
        { label: c.mrr, align: 'right' },
        { label: c.atRisk, align: 'right' },
        { label: c.nrr, align: 'right' },
      ],
      rows,
      empty: m.teamIntro,
      ...(notes.length > 0 ? { note: notes.join(' ') } : {}),
    },
  ];
  if (books.rejectedOwners.length > 0) {
    blocks.push({
      kind: 'list',
      title: m.rejectedTitle,
      items: books.rejectedOwners.map((r) =>
        m.rejectedLine(cleanText(r.owner, OWNER_MAX), m.rejectedReasons[r.reason], r.accounts),
      ),
    });
  }
  return blocks;
}
