import { describe, expect, it } from 'vitest';
import { isContentTerm, STOP_WORDS, tokenize, topTerms } from '../functions/core/text-terms.js';

describe('tokenize', () => {
  it('lower-cases and splits on anything that is not a letter', () => {
    expect(tokenize('Slow EXPORTS, slow invoices. 2026: Slow!')).toEqual([
      'slow',
      'exports',
      'slow',
      'invoices',
      'slow',
    ]);
  });

  it('keeps Polish and other non-ASCII letters inside a term', () => {
    expect(tokenize('Zażółć gęślą jaźń — ŁÓDŹ')).toEqual(['zażółć', 'gęślą', 'jaźń', 'łódź']);
  });

  it('joins decomposed letters (NFD input) into the same term as composed ones', () => {
    const decomposed = 'Zaz\u0307o\u0301\u0142c\u0301 ga\u0328'; // "Zażółć gą" with combining marks
    expect(tokenize(decomposed)).toEqual(['zażółć', 'gą']);
  });

  it('keeps apostrophes and hyphens inside words, and drops a possessive', () => {
    expect(tokenize("Don’t break the team's self-service kadang-kadang")).toEqual([
      "don't",
      'break',
      'the',
      'team',
      'self-service',
      'kadang-kadang',
    ]);
  });

  it('treats markup, quotes, ampersands and emoji as separators', () => {
    expect(tokenize('<script>alert("x")</script> & 😡 "exports"')).toEqual([
      'script',
      'alert',
      'x',
      'script',
      'exports',
    ]);
  });
});

describe('stop words', () => {
  it('holds English, Indonesian and Polish function words', () => {
    for (const w of ['the', 'and', "don't", 'yang', 'dan', 'tidak', 'się', 'jest', 'bardzo', 'że', 'sie']) {
      expect(STOP_WORDS.has(w), w).toBe(true);
    }
  });

  it('keeps sentiment words, which are what the lists are for', () => {
    for (const w of ['like', 'baik', 'salah', 'dobrze', 'slow', 'lambat', 'wolny']) {
      expect(isContentTerm(w), w).toBe(true);
    }
  });

  it('drops terms shorter than three letters', () => {
    expect(isContentTerm('ui')).toBe(false);
    expect(isContentTerm('ąę')).toBe(false);
    expect(isContentTerm('api')).toBe(true);
  });
});

describe('topTerms', () => {
  it('counts content terms of English, Indonesian and Polish comments, stop words removed', () => {
    const comments = [
      // EN: export, slow, dashboard (the, is, really, and, too are stop words)
      'The export is really slow and the dashboard is slow too',
      // ID: "Ekspor sangat lambat dan dashboard tidak jelas" -> ekspor, lambat, dashboard, jelas
      'Ekspor sangat lambat dan dashboard tidak jelas',
      // PL: "Eksport jest bardzo wolny, a dashboard się zawiesza" -> eksport, wolny, dashboard, zawiesza
      'Eksport jest bardzo wolny, a dashboard się zawiesza',
    ];
    // dashboard: 3 comments; every other term: 1 comment ("slow" twice in one comment counts once).
    // Ties in code-point order: dashboard, ekspor, eksport, export, jelas, lambat, slow, wolny, zawiesza.
    expect(topTerms(comments)).toEqual([
      { term: 'dashboard', count: 3 },
      { term: 'ekspor', count: 1 },
      { term: 'eksport', count: 1 },
      { term: 'export', count: 1 },
      { term: 'jelas', count: 1 },
      { term: 'lambat', count: 1 },
      { term: 'slow', count: 1 },
      { term: 'wolny', count: 1 },
      { term: 'zawiesza', count: 1 },
    ]);
  });

  it('keeps the top N by count, then alphabetically', () => {
    const comments = ['alpha beta gamma', 'beta gamma', 'gamma delta', 'epsilon'];
    // gamma 3, beta 2, then alpha, delta, epsilon with 1.
    expect(topTerms(comments, 3)).toEqual([
      { term: 'gamma', count: 3 },
      { term: 'beta', count: 2 },
      { term: 'alpha', count: 1 },
    ]);
    expect(topTerms(comments, 0)).toEqual([]);
  });

  it('returns ten terms at most by default and nothing for no comments', () => {
    const many = ['one two three four five six seven eight nine ten eleven twelve'.replace(/\b(\w)/g, 'x$1')];
    expect(topTerms(many)).toHaveLength(10);
    expect(topTerms([])).toEqual([]);
    expect(topTerms(['', '   ', 'a an the i'])).toEqual([]);
  });
});
