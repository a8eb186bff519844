/**
 * The CSM snapshot: one book of one period as written to
 * `csm/<kind>/<key>/<owner-hash>.json` (docs/csm-snapshot.schema.json), and the team's view of
 * all books that the company snapshot carries when CSM digests are on (`details.csmBooks`).
 * Figures are stored at the snapshot's precision (functions/core/precision.ts).
 */
import { DECIMALS, roundTo } from './precision.js';
import {
  BOOK_HEADLINE,
  type BookBridge,
  type BookHeadlineId,
  type CsmBook,
  type CsmBooks,
} from './csm-books.js';
import type { HealthComponents, KpiUnit, Snapshot, SnapshotDetails } from './snapshot.js';

export const CSM_SCHEMA_VERSION = 1;

export const BOOK_HEADLINE_UNITS: Readonly<Record<BookHeadlineId, KpiUnit>> = {
  mrr: 'currency',
  customers: 'count',
  net_new_mrr: 'currency',
  net_revenue_retention: 'percent',
  health_score: 'score',
  nps: 'score',
};

export interface CsmFigure {
  readonly value: number | null;
  readonly previous: number | null;
  readonly company: number | null;
  readonly unit: KpiUnit;
  readonly reason?: string;
}

/** A book as stored: CsmBook's contents, rounded, with the period and the company snapshot it belongs to. */
export interface CsmSnapshot {
  readonly schemaVersion: typeof CSM_SCHEMA_VERSION;
  readonly owner: string;
  /** sha256 of the owner address: the file name, and the delivery ledger's key. */
  readonly ownerHash: string;
  readonly period: Snapshot['period'];
  readonly currency: string;
  readonly generatedAt: string;
  /** The store key of the company snapshot the book was made with. */
  readonly companySnapshot: string;
  readonly headline: Readonly<Record<BookHeadlineId, CsmFigure>>;
  readonly bridge: { readonly current: BookBridge; readonly previous: BookBridge };
  readonly accountsAtRisk: number | null;
  readonly accounts: CsmBook['accounts'];
  readonly movements: CsmBook['movements'];
  readonly atRisk: CsmBook['atRisk'];
  readonly healthDrops: CsmBook['healthDrops'];
  readonly renewals: CsmBook['renewals'];
  readonly monthlyRenewals: CsmBook['monthlyRenewals'];
  readonly surveys: CsmBook['surveys'];
  readonly tickets: CsmBook['tickets'];
  readonly invoices: CsmBook['invoices'];
}

/** What the company snapshot records of the books (present only when CSM digests are on). */
export type TeamBooks = NonNullable<SnapshotDetails['csmBooks']>;

const money = (v: number): number => roundTo(v, DECIMALS.currency);
const score = (v: number): number => roundTo(v, DECIMALS.score);
const maybe = (v: number | null, unit: KpiUnit): number | null =>
  v === null ? null : roundTo(v, DECIMALS[unit]);

function roundBridge(b: BookBridge): BookBridge {
  return {
    mrrStart: money(b.mrrStart),
    fxAdjustment: money(b.fxAdjustment),
    new: money(b.new),
    reactivation: money(b.reactivation),
    expansion: money(b.expansion),
    contraction: money(b.contraction),
    churn: money(b.churn),
    mrrEnd: money(b.mrrEnd),
  };
}

const roundComponents = (c: HealthComponents): HealthComponents => ({
  frequency: score(c.frequency),
  breadth: score(c.breadth),
  depth: score(c.depth),
  sentiment: score(c.sentiment),
  supportBilling: score(c.supportBilling),
});

export function csmSnapshot(
  book: CsmBook & { readonly owner: string },
  context: {
    readonly ownerHash: string;
    readonly company: Pick<Snapshot, 'period' | 'currency' | 'generatedAt'>;
    readonly companySnapshot: string;
  },
): CsmSnapshot {
  const headline = Object.fromEntries(
    BOOK_HEADLINE.map((id) => {
      const f = book.headline[id];
      const unit = BOOK_HEADLINE_UNITS[id];
      return [
        id,
        {
          value: maybe(f.value, unit),
          previous: maybe(f.previous, unit),
          company: maybe(f.company, unit),
          unit,
          ...(f.value === null && f.reason ? { reason: f.reason } : {}),
        },
      ];
    }),
  ) as Record<BookHeadlineId, CsmFigure>;
  return {
    schemaVersion: CSM_SCHEMA_VERSION,
    owner: book.owner,
    ownerHash: context.ownerHash,
    period: context.company.period,
    currency: context.company.currency,
    generatedAt: context.company.generatedAt,
    companySnapshot: context.companySnapshot,
    headline,
    bridge: { current: roundBridge(book.bridge[0]), previous: roundBridge(book.bridge[1]) },
    accountsAtRisk: book.accountsAtRisk,
    accounts: book.accounts.map((a) => ({
      ...a,
      mrrStart: money(a.mrrStart),
      mrrEnd: money(a.mrrEnd),
      mrrChange: money(a.mrrChange),
      healthScore: maybe(a.healthScore, 'score'),
      previousHealthScore: maybe(a.previousHealthScore, 'score'),
    })),
    movements: book.movements.map((m) => ({
      ...m,
      mrrStart: money(m.mrrStart),
      mrrEnd: money(m.mrrEnd),
      amount: money(m.amount),
    })),
    atRisk: book.atRisk.map((a) => ({
      ...a,
      mrr: money(a.mrr),
      healthScore: score(a.healthScore),
      components: roundComponents(a.components),
    })),
    healthDrops: book.healthDrops.map((d) => ({
      ...d,
      mrr: money(d.mrr),
      healthScore: score(d.healthScore),
      previousHealthScore: score(d.previousHealthScore),
      fell: d.fell.map((f) => ({ ...f, from: score(f.from), to: score(f.to) })),
    })),
    renewals: book.renewals.map((r) => ({ ...r, mrr: money(r.mrr) })),
    monthlyRenewals: { rows: book.monthlyRenewals.rows, mrr: money(book.monthlyRenewals.mrr) },
    surveys: book.surveys,
    tickets: book.tickets,
    invoices: book.invoices.map((i) => ({
      ...i,
      amount: money(i.amount),
      amountReporting: money(i.amountReporting),
    })),
  };
}

/** The team's view of the books, for the company snapshot and the team digest. */
export function teamBooks(books: CsmBooks): TeamBooks {
  return {
    domains: books.domains,
    books: books.books.map((b) => ({
      owner: b.owner,
      status: b.status,
      accounts: b.accounts.length,
      mrr: money(b.bridge[0].mrrEnd),
      accountsAtRisk: b.accountsAtRisk,
      netRevenueRetention: maybe(b.headline.net_revenue_retention.value, 'percent'),
    })),
    rejectedOwners: books.rejected,
  };
}
