/**
 * The digest's "Website and social" section: rendered in every locale within Gmail's size
 * limit, with trend bars for page views, unique visitors and bounce rate; left out with one
 * line when its optional tables are absent, the rest of the digest unchanged; the top pages
 * attached to the monthly digest as CSV.
 */
import { describe, expect, it } from 'vitest';
import { LOCALES, renderDigest, type Locale } from '../functions/digest/index.js';
import { MAX_HTML_BYTES } from '../functions/digest/render.js';
import { MESSAGES } from '../functions/digest/i18n/index.js';
import { buildDigestView } from '../functions/digest/view.js';
import { type DigestView, type SectionView } from '../functions/digest/view-model.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

const render = (snapshot: Snapshot, locale: Locale = 'en') =>
  renderDigest(snapshot, { locale, from: 'digest@example.com', to: ['lead@example.com'] });

function webSection(view: DigestView): SectionView {
  const section = view.sections.find((s) => s.id === 'web');
  if (!section) throw new Error('no web section');
  return section;
}

/**
 * What the web tables must not change: the headline, the other sections, the subject, the
 * data-quality summary and its lists of exclusions and unavailable KPIs.
 */
function restOf(view: DigestView): unknown {
  return {
    subject: view.subject,
    preheader: view.preheader,
    summary: [view.dataQualitySummary, view.dataQualityTone],
    headline: view.headline,
    sections: view.sections.filter((s) => s.id !== 'web'),
    lists: view.dataQuality.slice(0, 2),
  };
}

describe('Website and social section', () => {
  it('renders in every locale, weekly and monthly, within the size limit', async () => {
    for (const locale of LOCALES) {
      for (const kind of ['weekly', 'monthly'] as const) {
        for (const hostileStrings of [false, true]) {
          const message = await render(makeSnapshot({ kind, large: true, hostileStrings }), locale);
          const bytes = Buffer.byteLength(message.html, 'utf8');
          expect(bytes, `${locale} ${kind} hostile=${hostileStrings}`).toBeLessThan(MAX_HTML_BYTES);
          const m = MESSAGES[locale];
          expect(message.html).toContain(m.sections.web);
          expect(message.text).toContain(m.sections.web.toLocaleUpperCase());
          for (const id of ['page_views', 'unique_visitors', 'bounce_rate'] as const) {
            // A trend chart (role="img") whose alternative text names the KPI, in HTML and text.
            const chart = new RegExp(`role="img" aria-label="[^"]*${escapeRe(m.kpiLabels[id])}`);
            expect(message.html, `${locale} ${kind} ${id}`).toMatch(chart);
          }
          if (kind === 'monthly') {
            expect(message.html).toContain(m.web.topPagesTitle);
            expect(message.html).toContain(m.web.topExitPagesTitle);
            expect(message.html).toContain(m.web.segmentsTitle);
            expect(message.html).toContain(m.web.socialTitle);
            expect(message.html).toContain(m.kpiLabels.avg_time_on_page_seconds);
          } else {
            expect(message.html).not.toContain(m.web.topPagesTitle);
          }
        }
      }
    }
  });

  it('gives every web trend 12 bars and states its figures in the plain text', () => {
    const view = buildDigestView(makeSnapshot({ kind: 'weekly' }), 'en');
    const section = webSection(view);
    expect(section.kpis.map((k) => k.id)).toEqual([
      'page_views',
      'unique_visitors',
      'bounce_rate',
      'social_engagement_rate',
    ]);
    for (const k of section.kpis.slice(0, 3)) expect(k.trend?.bars).toHaveLength(12);
    expect(section.kpis[3]?.trend).toBeUndefined();
  });

  it('shows a time on page in seconds and the benchmarks of the catalog', () => {
    const view = buildDigestView(makeSnapshot({ kind: 'monthly' }), 'en');
    const time = webSection(view).kpis.find((k) => k.id === 'avg_time_on_page_seconds');
    expect(time?.value).toMatch(/^\d+(\.\d)? seconds$/);
    expect(time?.benchmark?.text).toBe('Good · benchmark ≥ 52 s');
  });

  it('leaves the section out with one line when neither table is present; the rest is unchanged', () => {
    for (const locale of LOCALES) {
      for (const kind of ['weekly', 'monthly'] as const) {
        const base = makeSnapshot({ kind });
        const without = makeSnapshot({ kind, absentTables: ['web_events', 'social_posts'] });
        const view = buildDigestView(without, locale);
        const section = webSection(view);
        expect(section.kpis).toEqual([]);
        expect(section.blocks).toHaveLength(1);
        const line = section.blocks[0];
        expect(line?.kind === 'list' ? line.intro : '').toBe(
          MESSAGES[locale].web.sectionUnavailable(
            `${MESSAGES[locale].kpiReasons.tableNoFolder('web_events', '')}; ${MESSAGES[locale].kpiReasons.tableNoFolder('social_posts', '')}`,
          ),
        );
        // The data-quality summary, the unavailable-KPI list and the table list do not mention them.
        expect(restOf(view)).toEqual(restOf(buildDigestView(base, locale)));
        // No absent-table row for them either (weekly digests list absent tables).
        expect(JSON.stringify(view.dataQuality)).not.toMatch(/web_events|social_posts/);
      }
    }
  });

  it('leaves out only the website figures, with one line, when web_events is absent', () => {
    const view = buildDigestView(makeSnapshot({ kind: 'monthly', absentTables: ['web_events'] }), 'en');
    const section = webSection(view);
    expect(section.kpis.map((k) => k.id)).toEqual(['social_engagement_rate']);
    const first = section.blocks[0];
    expect(first?.kind === 'list' ? first.intro : '').toBe(
      'Website figures are not available (no web_events/ folder in the data folder).',
    );
    expect(section.blocks.map((b) => b.title)).toEqual(['', MESSAGES.en.web.socialTitle]);
  });

  it('attaches the top pages to the monthly digest as CSV, with formulas neutralised', async () => {
    const monthly = await render(makeSnapshot({ kind: 'monthly', hostileStrings: true }));
    const csv = monthly.attachments.find((a) => a.filename === 'top-pages-2026-11.csv');
    const lines = String(csv?.content)
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('page,page_views,exits,exit_rate_pct,avg_time_on_page_seconds');
    expect(lines).toHaveLength(13);
    expect(lines[1]).toMatch(/^"?\/<script>/);
    // "/=HYPERLINK…" starts with "/": no spreadsheet runs it; its quotes are doubled.
    expect(lines.some((l) => l.startsWith('"/=HYPERLINK(""http://evil.example""'))).toBe(true);
    expect(monthly.text).toContain('Top pages (CSV, 12 rows)');
    const none = await render(makeSnapshot({ kind: 'monthly', absentTables: ['web_events'] }));
    expect(none.attachments.map((a) => a.filename)).not.toContain('top-pages-2026-11.csv');
  });

  it('escapes page paths and platform names from the data', async () => {
    const monthly = await render(makeSnapshot({ kind: 'monthly', hostileStrings: true }));
    expect(monthly.html).not.toContain('<script>alert');
    expect(monthly.html).toContain('/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });
});

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
