/**
 * The CSM digest rendered in en, id and pl: a 200-account book with activity on every account
 * stays within Gmail's 102 KB clip and its CSV has every account; a small book shows every
 * list in full; text from the data is escaped; the team digest's per-CSM blocks.
 */
import { describe, expect, it } from 'vitest';
import { csmSnapshot } from '../functions/core/csm-snapshot.js';
import { recipientHash } from '../functions/app/delivery-ledger.js';
import type { CsmBook, CsmBooks } from '../functions/core/csm-books.js';
import { renderCsmDigest } from '../functions/digest/render-csm.js';
import { MAX_HTML_BYTES } from '../functions/digest/render.js';
import { LOCALES } from '../functions/digest/locale.js';
import { teamBooksBlocks } from '../functions/digest/view-team-books.js';
import { teamBooks } from '../functions/core/csm-snapshot.js';
import { Formatter } from '../functions/digest/format.js';
import { bookRows } from './helpers/csm-books-data.js';
import { CSM_TEST_COMPANY } from './helpers/csm-delivery-parts.js';

function snapshotOf(books: CsmBooks, owner: string) {
  const book = books.books.find((b) => b.owner === owner) as CsmBook & { owner: string };
  return csmSnapshot(book, {
    ownerHash: recipientHash(owner),
    company: CSM_TEST_COMPANY,
    companySnapshot: 'snapshots/weekly/2026-W47.json',
  });
}

const SUBJECT = {
  en: /^Your book · Week 47, 2026: 200 accounts/,
  id: /^Portofolio Anda · Minggu ke-47, 2026: 200 akun/,
  pl: /^Twój portfel · Tydzień 47, 2026: 200 kont/,
};

describe('CSM digest size', () => {
  const books = bookRows(['ana@acme.com', 'bo@acme.com'], 200);
  const snapshot = snapshotOf(books, 'ana@acme.com');

  it.each(LOCALES)('a 200-account book fits under 102 KB in %s, with every account in the CSV', (locale) => {
    const message = renderCsmDigest(snapshot, { locale, from: 'digest@acme.com' });
    const bytes = Buffer.byteLength(message.html, 'utf8');
    expect(bytes).toBeLessThanOrEqual(MAX_HTML_BYTES);
    expect(message.subject).toMatch(SUBJECT[locale]);
    expect(message.to).toEqual(['ana@acme.com']);
    const csv = String(message.attachments[0]?.content ?? '');
    expect(message.attachments[0]?.filename).toBe('book-2026-W47.csv');
    expect(csv.trim().split('\n')).toHaveLength(201);
    // Only this CSM's accounts, anywhere in the message.
    expect(csv).not.toContain('B1-');
    expect(message.html).not.toContain('of bo@acme.com');
    expect(message.text).not.toContain('of bo@acme.com');
    // Names from the data are escaped.
    expect(message.html).toContain('&lt;Account&gt;');
    expect(message.html).not.toContain('<Account>');
    // The biggest account at risk is listed; a list cut to fit says where the rest are.
    expect(message.html).toContain('Account&gt; 199 of ana@acme.com');
    expect(message.html).toContain('book-2026-W47.csv');
  });

  it('shows every list in full when it fits: all accounts at risk, not a top 10', () => {
    const small = snapshotOf(bookRows(['ana@acme.com'], 30), 'ana@acme.com');
    expect(small.atRisk).toHaveLength(20);
    const message = renderCsmDigest(small, { locale: 'en', from: 'digest@acme.com' });
    for (const a of small.atRisk)
      expect(message.text).toContain(`<Account> ${a.accountId.slice(3).replace(/^0+(?=\d)/, '')} of`);
    expect(message.text).not.toContain('more in book-');
    expect(message.text).toContain('Accounts at risk (health below 40)');
    expect(message.text).toContain('Health fell by 15 points or more');
    expect(message.text).toContain('Renewals in the next 90 days');
    expect(message.text).toContain('Open tickets older than 3 days');
    expect(message.text).toContain('Overdue invoices');
    // Detractors first.
    const surveys = message.text.split('Survey responses')[1] ?? '';
    expect(surveys.indexOf('detractor')).toBeGreaterThan(-1);
    expect(surveys.indexOf('NPS 0')).toBeLessThan(surveys.indexOf('NPS 10'));
  });
});

describe('team digest: books of business', () => {
  it('lists each CSM with book MRR, at risk and NRR, the unassigned line and the rejected owners', () => {
    const books = bookRows(['ana@acme.com', 'bo@acme.com', 'eve@gmail.com', 'not an owner', null], 5);
    const blocks = teamBooksBlocks(teamBooks(books), 'en', new Formatter('en', 'USD', 'UTC'), '2026-W47');
    const [table, rejected] = blocks;
    expect(table?.kind).toBe('table');
    if (table?.kind !== 'table' || rejected?.kind !== 'list') throw new Error('unexpected blocks');
    expect(table.rows.map((r) => r[0]?.text)).toEqual(['ana@acme.com', 'bo@acme.com']);
    expect(table.note).toMatch(/^5 accounts have no owner \(MRR \$/);
    expect(rejected.items).toEqual([
      'eve@gmail.com: outside the allowed domains, 5 accounts',
      'not an owner: not an e-mail address, 5 accounts',
    ]);
  });
});
