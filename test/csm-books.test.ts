/**
 * Books of business on the hand-made fixture of test/helpers/csm-fixture.ts (every expected
 * figure derived there): three CSMs, one unassigned account, an owner outside the allow-list
 * and a malformed owner; each book holds exactly its accounts, each book's MRR identity holds
 * to the cent and the books add up to the company. Also: renewal windows at month ends and leap
 * days, health drops and an account changing owner during the period.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { createKpiContext } from '../functions/app/context.js';
import { periodFromKey } from '../functions/core/period.js';
import { buildSnapshot } from '../functions/app/report.js';
import { computeCsmBooks } from '../functions/core/csm-report.js';
import {
  addMonthsClamped,
  classifyOwner,
  healthDrops,
  nextTermEnd,
  normaliseDomain,
  renewalWindow,
  type CsmBook,
  type CsmBooks,
} from '../functions/core/csm-books.js';
import type { ScoredAccount } from '../functions/core/health.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import { CSM_DOMAINS, DEFAULT_OWNERS, writeBookFixture } from './helpers/csm-fixture.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function booksOf(owners = DEFAULT_OWNERS): Promise<{ books: CsmBooks; snapshot: Snapshot }> {
  const dir = writeBookFixture(owners);
  dirs.push(dir);
  const engine = await DuckDbEngine.open({ dataDir: dir });
  try {
    const period = periodFromKey('2026-10', 'UTC');
    const snapshot = await buildSnapshot(engine, {
      period,
      currency: 'USD',
      now: new Date('2026-11-02T08:00:00Z'),
    });
    const runtime = await createKpiContext(engine, { period, currency: 'USD' });
    try {
      return { books: await computeCsmBooks(runtime.context, { domains: CSM_DOMAINS }, snapshot), snapshot };
    } finally {
      await runtime.release();
    }
  } finally {
    await engine.close();
  }
}

function book(books: CsmBooks, owner: string | null): CsmBook {
  const found = books.books.find((b) => b.owner === owner);
  if (!found) throw new Error(`no book for ${String(owner)}`);
  return found;
}

const cents = (x: number): number => Math.round(x * 100);
const ids = (b: CsmBook): string[] => b.accounts.map((a) => a.accountId);

function identityGap(b: CsmBook, i: 0 | 1): number {
  const r = b.bridge[i];
  return cents(
    r.mrrStart + r.fxAdjustment + r.new + r.reactivation + r.expansion - r.contraction - r.churn - r.mrrEnd,
  );
}

describe('owner rule', () => {
  it('mails only addresses in an allowed domain; every other value is rejected with its reason', () => {
    expect(classifyOwner('ana@acme.com', ['acme.com'])).toBe('valid');
    expect(classifyOwner('ana@sub.acme.com', ['acme.com'])).toBe('csm_owner_outside_domains');
    expect(classifyOwner('eve@gmail.com', ['acme.com'])).toBe('csm_owner_outside_domains');
    expect(classifyOwner('not an owner', ['acme.com'])).toBe('csm_owner_not_an_address');
    expect(classifyOwner('ana@acme', ['acme.com'])).toBe('csm_owner_not_an_address');
    expect(classifyOwner('a,b@acme.com', ['acme.com'])).toBe('csm_owner_not_an_address');
    expect(classifyOwner(null, ['acme.com'])).toBe('unassigned');
    expect(classifyOwner('ana@acme.com', [])).toBe('csm_owner_outside_domains');
    expect(normaliseDomain(' @ACME.com')).toBe('acme.com');
    expect(() => normaliseDomain('acme')).toThrow(/not a domain/);
  });
});

describe('books of the hand-made fixture', () => {
  let books: CsmBooks;
  let snapshot: Snapshot;
  beforeAll(async () => {
    ({ books, snapshot } = await booksOf());
  }, 60_000);

  it('has one book per owner: three CSMs, two rejected owners, the unassigned book last', () => {
    expect(books.books.map((b) => [b.owner, b.status])).toEqual([
      ['ana@acme.com', 'valid'],
      ['bo@acme.com', 'valid'],
      ['cy@acme.com', 'valid'],
      ['eve@gmail.com', 'csm_owner_outside_domains'],
      ['not an owner', 'csm_owner_not_an_address'],
      [null, 'unassigned'],
    ]);
    expect(books.rejected).toEqual([
      { owner: 'eve@gmail.com', reason: 'csm_owner_outside_domains', accounts: 1, exampleAccountId: 'A6' },
      { owner: 'not an owner', reason: 'csm_owner_not_an_address', accounts: 1, exampleAccountId: 'A7' },
    ]);
  });

  it('puts exactly its accounts in each book (owners compared trimmed and case-insensitively)', () => {
    expect(ids(book(books, 'ana@acme.com'))).toEqual(['A1', 'A2']);
    expect(ids(book(books, 'bo@acme.com'))).toEqual(['A3', 'A8']);
    expect(ids(book(books, 'cy@acme.com'))).toEqual(['A4']);
    expect(ids(book(books, null))).toEqual(['A5']);
    expect(ids(book(books, 'eve@gmail.com'))).toEqual(['A6']);
    const ana = book(books, 'ana@acme.com');
    expect(ana.surveys.map((s) => s.responseId)).toEqual(['r2', 'r1']);
    expect(ana.tickets.map((t) => t.ticketId)).toEqual(['t1']);
    expect(ana.invoices).toEqual([]);
    expect(
      book(books, 'cy@acme.com').invoices.map((i) => [i.invoiceId, i.amountReporting, i.daysOverdue]),
    ).toEqual([['i1', 300, 21]]);
    expect(book(books, 'bo@acme.com').surveys.map((s) => s.responseId)).toEqual(['r3']);
    // The rejected owner's answer stays in its own book, never in a CSM's.
    expect(book(books, 'eve@gmail.com').surveys.map((s) => s.responseId)).toEqual(['r4']);
  });

  it("gives each book its bridge, to the cent, and the company's figure beside it", () => {
    const ana = book(books, 'ana@acme.com');
    expect(ana.bridge[0]).toMatchObject({ mrrStart: 200, expansion: 50, mrrEnd: 250 });
    expect(ana.headline.net_revenue_retention.value).toBeCloseTo(125, 9);
    expect(ana.headline.mrr).toMatchObject({ value: 250, previous: 200, company: 800 });
    expect(ana.headline.customers).toMatchObject({ value: 2, previous: 2, company: 5 + 2 });
    const bo = book(books, 'bo@acme.com');
    expect(bo.bridge[0]).toMatchObject({ mrrStart: 80, new: 200, churn: 80, mrrEnd: 200 });
    expect(bo.headline.net_revenue_retention.value).toBe(0);
    expect(bo.headline.net_new_mrr.value).toBe(120);
    expect(bo.movements.map((m) => [m.accountId, m.movement, m.amount])).toEqual([
      ['A3', 'new', 200],
      ['A8', 'churn', -80],
    ]);
    const cy = book(books, 'cy@acme.com');
    expect(cy.bridge[0]).toMatchObject({ mrrStart: 300, contraction: 100, mrrEnd: 200 });
    for (const b of books.books) {
      expect(identityGap(b, 0), `${String(b.owner)} period 0`).toBe(0);
      expect(identityGap(b, 1), `${String(b.owner)} period 1`).toBe(0);
    }
  });

  it('adds the books up to the company, exactly', () => {
    const sum = (f: (b: CsmBook) => number) => cents(books.books.reduce((s, b) => s + f(b), 0));
    expect(sum((b) => b.bridge[0].mrrEnd)).toBe(cents(snapshot.kpis.mrr.value ?? NaN));
    expect(sum((b) => b.bridge[0].mrrEnd)).toBe(80_000);
    expect(sum((b) => b.bridge[0].new)).toBe(cents(snapshot.kpis.mrr_new.value ?? NaN));
    expect(sum((b) => b.bridge[0].churn)).toBe(cents(snapshot.kpis.mrr_churn.value ?? NaN));
    expect(sum((b) => b.headline.customers.value ?? 0)).toBe(cents(snapshot.kpis.customers.value ?? NaN));
    expect(sum((b) => b.headline.mrr.previous ?? 0)).toBe(cents(snapshot.kpis.mrr.previous ?? NaN));
    // Decimal text: the exact sum of the closing balances, no floating point involved.
    const exact = books.books.reduce((s, b) => s + BigInt(b.mrrEndText.replace('.', '')), 0n);
    expect(exact).toBe(800n * 10n ** 12n);
  });

  it('lists all accounts at risk and the health drops with the components that fell', () => {
    const ana = book(books, 'ana@acme.com');
    expect(ana.atRisk.map((a) => [a.accountId, a.healthScore])).toEqual([['A1', 11.25]]);
    expect(ana.healthDrops).toHaveLength(1);
    const drop = ana.healthDrops[0];
    expect(drop?.previousHealthScore).toBe(100);
    expect(drop?.healthScore).toBe(11.25);
    expect(drop?.fell.map((f) => f.component).sort()).toEqual(
      ['breadth', 'depth', 'frequency', 'sentiment', 'supportBilling'].sort(),
    );
    // A2 used the product all along: no drop, not at risk.
    expect(ana.accounts.find((a) => a.accountId === 'A2')?.healthScore).toBeGreaterThan(70);
    // New and contracted accounts without usage are at risk too: all of them are listed.
    expect(book(books, 'bo@acme.com').atRisk.map((a) => a.accountId)).toEqual(['A3']);
    expect(book(books, 'cy@acme.com').atRisk.map((a) => a.accountId)).toEqual(['A4']);
  });

  it('lists renewals of the next 90 days by window with their MRR', () => {
    expect(
      book(books, 'ana@acme.com').renewals.map((r) => [r.subscriptionId, r.termEnd, r.window, r.mrr]),
    ).toEqual([['s2', '2026-11-15', 30, 100]]);
    expect(
      book(books, 'cy@acme.com').renewals.map((r) => [r.subscriptionId, r.termEnd, r.days, r.window]),
    ).toEqual([['s4', '2027-01-20', 81, 90]]);
    // Monthly rows are counted in one line: A1's 150 renews on 1 November.
    expect(book(books, 'ana@acme.com').monthlyRenewals).toEqual({ rows: 1, mrr: 150 });
  });
});

describe('an account changing owner during the period', () => {
  it("belongs, with its whole bridge, to the owner it has on the period's last day", async () => {
    // A3 was bo's when the month began and cy's when it ended.
    const { books } = await booksOf({ ...DEFAULT_OWNERS, A3: 'cy@acme.com' });
    const bo = book(books, 'bo@acme.com');
    const cy = book(books, 'cy@acme.com');
    expect(ids(bo)).toEqual(['A8']);
    expect(ids(cy)).toEqual(['A3', 'A4']);
    expect(bo.bridge[0]).toMatchObject({ mrrStart: 80, new: 0, churn: 80, mrrEnd: 0 });
    expect(cy.bridge[0]).toMatchObject({ mrrStart: 300, new: 200, contraction: 100, mrrEnd: 400 });
    expect(cy.surveys.map((s) => s.responseId)).toEqual(['r3']);
    for (const b of books.books) expect(identityGap(b, 0)).toBe(0);
    expect(cents(books.books.reduce((s, b) => s + b.bridge[0].mrrEnd, 0))).toBe(80_000);
  }, 60_000);
});

describe('renewal windows', () => {
  it('dates terms from the start with month ends clamped, also across leap days', () => {
    expect(addMonthsClamped('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsClamped('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonthsClamped('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonthsClamped('2024-02-29', 48)).toBe('2028-02-29');
    // Each term from the start, not from the previous (clamped) term end.
    const monthly = { startDate: '2026-01-31', endDate: null, intervalMonths: 1 };
    expect(nextTermEnd(monthly, '2026-02-28')).toBe('2026-03-31');
    expect(nextTermEnd(monthly, '2026-02-27')).toBe('2026-02-28');
    const leapAnnual = { startDate: '2024-02-29', endDate: null, intervalMonths: 12 };
    expect(nextTermEnd(leapAnnual, '2027-12-31')).toBe('2028-02-29');
    expect(nextTermEnd(leapAnnual, '2026-01-31')).toBe('2026-02-28');
    const quarterly = { startDate: '2025-11-30', endDate: null, intervalMonths: 3 };
    expect(nextTermEnd(quarterly, '2026-01-31')).toBe('2026-02-28');
    expect(nextTermEnd(quarterly, '2026-02-28')).toBe('2026-05-30');
    // A row ending before its term ends completes no term; one ending on it does.
    expect(nextTermEnd({ ...quarterly, endDate: '2026-02-27' }, '2026-01-31')).toBeNull();
    expect(nextTermEnd({ ...quarterly, endDate: '2026-02-28' }, '2026-01-31')).toBe('2026-02-28');
  });

  it('puts term ends in 30, 60 and 90 day windows after the last day', () => {
    expect(renewalWindow('2026-10-31', '2026-10-31')).toBeNull();
    expect(renewalWindow('2026-11-01', '2026-10-31')).toBe(30);
    expect(renewalWindow('2026-11-30', '2026-10-31')).toBe(30);
    expect(renewalWindow('2026-12-01', '2026-10-31')).toBe(60);
    expect(renewalWindow('2027-01-29', '2026-10-31')).toBe(90);
    expect(renewalWindow('2027-01-30', '2026-10-31')).toBeNull();
    // February of a leap year: 29 days after 31 January is 29 February, day 30 is 1 March.
    expect(renewalWindow('2028-02-29', '2028-01-31')).toBe(30);
    expect(renewalWindow('2028-03-01', '2028-01-31')).toBe(30);
    expect(renewalWindow('2028-03-02', '2028-01-31')).toBe(60);
    expect(renewalWindow('2027-03-02', '2027-01-31')).toBe(30);
    expect(renewalWindow('2027-03-03', '2027-01-31')).toBe(60);
  });
});

describe('health drops', () => {
  const scored = (
    accountId: string,
    healthScore: number,
    frequency: number,
    sentiment: number,
  ): ScoredAccount => ({
    accountId,
    accountName: accountId,
    segment: null,
    csmOwner: null,
    mrr: 10,
    healthScore,
    band: healthScore >= 70 ? 'healthy' : healthScore >= 40 ? 'at_risk' : 'critical',
    components: { frequency, breadth: 1, depth: 1, sentiment, supportBilling: 1 },
  });
  it('lists drops of 15 points or more, largest first, with the components that fell', () => {
    const drops = healthDrops(
      [scored('X', 60, 0.5, 1), scored('Y', 70, 1, 0.5), scored('Z', 50, 0.2, 0), scored('N', 10, 0, 0)],
      [scored('X', 75, 1, 1), scored('Y', 84.9, 1, 1), scored('Z', 90, 1, 1)],
    );
    expect(drops.map((d) => [d.accountId, d.previousHealthScore - d.healthScore])).toEqual([
      ['Z', 40],
      ['X', 15],
    ]);
    expect(drops[0]?.fell.map((f) => f.component)).toEqual(['sentiment', 'frequency']);
    expect(drops[1]?.fell).toEqual([{ component: 'frequency', from: 1, to: 0.5 }]);
  });
});
