import { describe, expect, it } from 'vitest';
import { renderDigest } from '../functions/digest/index.js';
import { cleanText, escapeHtml } from '../functions/digest/text.js';
import { h } from '../functions/digest/safe-html.js';
import { HOSTILE, makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

const render = async (kind: 'weekly' | 'monthly') =>
  renderDigest(makeSnapshot({ kind, hostileStrings: true }), {
    locale: 'en',
    from: 'digest@example.com',
    to: ['lead@example.com'],
  });

describe('text from the data', () => {
  it('escapes markup, quotes and ampersands', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(h`<td title="${'" onmouseover="x'}">${'<b>'}</td>`.toString()).toBe(
      '<td title="&quot; onmouseover=&quot;x">&lt;b&gt;</td>',
    );
  });

  it('keeps every script and emoji, drops controls and bidi overrides, cuts on whole characters', () => {
    expect(cleanText(HOSTILE.arabic)).toBe(HOSTILE.arabic);
    expect(cleanText(HOSTILE.hebrew)).toBe(HOSTILE.hebrew);
    expect(cleanText(HOSTILE.emoji)).toBe(HOSTILE.emoji);
    expect(cleanText(HOSTILE.bidiOverride)).toBe('gnp.exe');
    expect(cleanText('a\u0000b\u0007c\r\n  d\te')).toBe('abc d e');
    // 👩‍💻 is one user-perceived character made of three code points: never split.
    expect(cleanText('ab👩‍💻cd', 3)).toBe('ab👩‍💻…');
    expect(cleanText('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`);
  });

  for (const kind of ['weekly', 'monthly'] as const) {
    it(`leaves no live markup from the data in the ${kind} digest`, async () => {
      const message = await render(kind);
      const html = message.html;
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toContain('<b>bold</b>');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(html).toContain('&quot;Quotes&quot; &amp; Sons &#39;Ltd&#39; &lt;b&gt;bold&lt;/b&gt;');
      // A name that looks like a template slot stays text (the monthly digest lists it).
      if (kind === 'monthly') expect(html).toContain('<span dir="auto">{{subject}} {{{headline}}}</span>');
      // Right-to-left names and comments keep their letters and their own direction.
      expect(html).toContain(`<span dir="auto">${HOSTILE.arabic}</span>`);
      expect(html).toContain(`<span dir="auto">${HOSTILE.hebrew.replace(/"/g, '&quot;')}</span>`);
      expect(html).toContain(HOSTILE.emoji);
      expect(html).not.toContain('\u202E');
      expect(message.text).toContain(HOSTILE.script);
      expect(message.text).toContain(HOSTILE.emoji);
      expect(message.text).toContain(HOSTILE.arabic);
      expect(message.text).not.toContain('\u202E');
      // The subject comes from figures and fixed words only, on one line.
      expect(message.subject).not.toMatch(/[\r\n<]/);
    });
  }

  it('escapes the hostile comments of the voice section', async () => {
    const message = await render('weekly');
    const comments = message.html.slice(message.html.indexOf('Latest detractor comments'));
    expect(comments).toContain('— &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;more&quot;');
    expect(comments).toContain('🙁');
  });
});
