import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { HEADLINE_KPIS, KPI_IDS, type Snapshot } from '../functions/core/snapshot.js';
import {
  DigestRenderError,
  LOCALES,
  parseLocale,
  renderDigest,
  type Locale,
} from '../functions/digest/index.js';
import { barChart, chartAxis } from '../functions/digest/chart.js';
import { csvCell, toCsv } from '../functions/digest/csv.js';
import { Formatter } from '../functions/digest/format.js';
import { MESSAGES } from '../functions/digest/i18n/index.js';
import { MAX_HTML_BYTES } from '../functions/digest/render.js';
import { h } from '../functions/digest/safe-html.js';
import { fillTemplate, templateSlots } from '../functions/digest/template.js';
import { buildDigestView } from '../functions/digest/view.js';
import { type TrendView } from '../functions/digest/view-model.js';
import { MONTHLY_TEMPLATE, WEEKLY_TEMPLATE } from '../functions/digest/compiled-templates.js';
import { GENERATED_FILE, generatedModule } from '../scripts/build-templates.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

const FROM = 'CS Digest <digest@example.com>';
const TO = ['lead@example.com'];

const render = (snapshot: Snapshot, locale: Locale = 'en') =>
  renderDigest(snapshot, { locale, from: FROM, to: TO });

/** The visible text of an HTML document, roughly (tags dropped, entities decoded). */
function visibleText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(style|title)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('compiled templates', () => {
  it('are up to date with templates/*.mjml (npx tsx scripts/build-templates.ts)', async () => {
    const current = await readFile(GENERATED_FILE, 'utf8');
    expect(current === (await generatedModule()), 'run: npx tsx scripts/build-templates.ts').toBe(true);
  });

  it('declare the same slots, the monthly one adding the attachments', () => {
    const weekly = templateSlots(WEEKLY_TEMPLATE);
    const monthly = templateSlots(MONTHLY_TEMPLATE);
    expect([...monthly.html].sort()).toEqual([...weekly.html, 'attachments'].sort());
    expect([...monthly.text].sort()).toEqual([...weekly.text, 'attachmentsTitle'].sort());
    expect(weekly.html.has('headline')).toBe(true);
    expect(WEEKLY_TEMPLATE).toMatch(/^<!doctype html>/i);
  });
});

describe('template filling', () => {
  const template = '<p>{{a}}</p>{{{b}}}';
  it('escapes text slots and inserts SafeHtml slots', () => {
    expect(fillTemplate(template, { text: { a: '<i>&' }, html: { b: h`<b>${'x<'}</b>` } })).toBe(
      '<p>&lt;i&gt;&amp;</p><b>x&lt;</b>',
    );
  });
  it('never re-reads a filled value as a slot', () => {
    expect(fillTemplate(template, { text: { a: '{{a}} {{{b}}}' }, html: { b: h`ok` } })).toBe(
      '<p>{{a}} {{{b}}}</p>ok',
    );
  });
  it('fails on a missing, empty or unused value', () => {
    expect(() => fillTemplate(template, { text: {}, html: { b: h`ok` } })).toThrow(
      /no text for slot \{\{a\}\}/,
    );
    expect(() => fillTemplate(template, { text: { a: ' ' }, html: { b: h`ok` } })).toThrow(/rendered empty/);
    expect(() => fillTemplate(template, { text: { a: 'x', c: 'y' }, html: { b: h`ok` } })).toThrow(
      /no slot \{\{c\}\}/,
    );
    expect(() => fillTemplate(template, { text: { a: 'x' }, html: { b: h`` } })).toThrow(
      /\{\{\{b\}\}\} rendered empty/,
    );
  });
});

describe('locales', () => {
  it('parseLocale accepts en, id, pl and names them when refusing', () => {
    expect(LOCALES).toEqual(['en', 'id', 'pl']);
    expect(parseLocale('PL')).toBe('pl');
    expect(parseLocale(' id ')).toBe('id');
    expect(() => parseLocale('de')).toThrow(/unknown locale "de" \(expected one of: en, id, pl\)/);
  });

  it('label every KPI in every locale', () => {
    for (const locale of LOCALES) {
      const labels = MESSAGES[locale].kpiLabels;
      expect(Object.keys(labels).sort()).toEqual([...KPI_IDS].sort());
      for (const id of KPI_IDS) expect(labels[id].trim(), `${locale}.${id}`).not.toBe('');
      // Distinct labels: two KPIs never read the same.
      expect(new Set(KPI_IDS.map((id) => labels[id])).size).toBe(KPI_IDS.length);
    }
  });

  it('translate every string (no locale falls back to English)', () => {
    const flat = (value: unknown, path: string, out: Map<string, string>): void => {
      if (typeof value === 'string') out.set(path, value);
      else if (typeof value === 'object' && value !== null)
        for (const [k, v] of Object.entries(value)) flat(v, `${path}.${k}`, out);
    };
    const strings = Object.fromEntries(
      LOCALES.map((l) => {
        const out = new Map<string, string>();
        flat(MESSAGES[l], '', out);
        return [l, out];
      }),
    ) as Record<Locale, Map<string, string>>;
    const same = [...strings.en].filter(
      ([path, text]) =>
        text === strings.pl.get(path) &&
        text === strings.id.get(path) &&
        // Names and acronyms are the same in every language.
        !/^(MRR|ARR|NPS|CSAT|Onboarding|Segment|Plan|MRR .*|[\d–]+)$/.test(text),
    );
    expect(same.filter(([path]) => !path.includes('kpiLabels.mrr') && !path.includes('columns.mrr'))).toEqual(
      [],
    );
  });

  it('format numbers, money, percentages and dates in each locale', () => {
    const en = new Formatter('en', 'USD', 'Europe/Warsaw');
    const id = new Formatter('id', 'USD', 'Europe/Warsaw');
    const pl = new Formatter('pl', 'PLN', 'Europe/Warsaw');
    expect(en.currency(48_920.4)).toBe('$48,920');
    expect(en.currency(412.5)).toBe('$412.50');
    expect(en.percent(12.345)).toBe('12.3%');
    expect(en.change(1.25, 'percent', 'pp')).toBe('+1.3\u00a0pp');
    expect(en.value(3.44, 'days')).toBe('3.4 days');
    expect(en.dayRange('2026-11-16', '2026-11-22')).toMatch(/Mon, Nov 16\s*–\s*Sun, Nov 22, 2026/);
    expect(id.currency(48_920.4)).toMatch(/^US\$\s?48\.920$/);
    expect(id.percent(12.345)).toBe('12,3%');
    expect(id.value(3.44, 'hours')).toBe('3,4 jam');
    expect(id.dayRange('2026-11-16', '2026-11-22')).toMatch(/16 Nov\s*–\s*Min, 22 Nov 2026/);
    // Whole units from 1,000 up; Polish groups digits only from five digits on.
    expect(pl.currency(1234.5)).toMatch(/^1235\s?zł$/u);
    expect(pl.currency(48_920.4)).toMatch(/^48\s920\s?zł$/u);
    expect(pl.currency(412.5)).toMatch(/^412,50\s?zł$/u);
    expect(pl.percent(12.345)).toBe('12,3%');
    expect(pl.value(5, 'days')).toBe('5 dni');
    expect(pl.value(2.5, 'minutes')).toBe('2,5 minuty');
    expect(pl.month('2026-11-01')).toBe('Listopad 2026');
    expect(pl.dateOrInstant('2026-11-22T22:58:00Z')).toMatch(/22 lis 2026, 23:58 CET/);
    expect(en.compactAmount(160_000)).toBe('160K');
    expect(en.compactAmount(-706.3, true)).toBe('-706');
    expect(en.compactAmount(5118, true)).toBe('+5.1K');
    expect(pl.compactAmount(160_000)).toMatch(/^160\s?tys\.$/u);
    expect(id.compactAmount(160_000)).toMatch(/^160\s?rb$/u);
    expect(() => new Formatter('en', 'usd', 'UTC')).toThrow(/ISO 4217/);
    expect(() => new Formatter('en', 'USD', 'Mars/Base')).toThrow(/IANA time zone/);
  });

  it('render the whole digest in the chosen language', async () => {
    const snapshot = makeSnapshot({ kind: 'weekly' });
    const en = await render(snapshot, 'en');
    const id = await render(snapshot, 'id');
    const pl = await render(snapshot, 'pl');
    expect(en.subject).toMatch(/^Weekly CS digest · Week 47, 2026: MRR \$[\d,]+ \([+-][\d.]+%\)$/);
    expect(id.subject).toMatch(
      /^Ringkasan CS mingguan · Minggu ke-47, 2026: MRR US\$[\d.]+ \([+-][\d,]+%\)$/,
    );
    expect(pl.subject).toMatch(
      /^Tygodniowe podsumowanie CS · Tydzień 47, 2026: MRR [\d\s]+USD \([+-][\d,]+%\)$/u,
    );
    expect(en.html).toContain('<html lang="en"');
    expect(pl.html).toContain('<html lang="pl"');
    expect(visibleText(pl.html)).toContain('Retencja przychodu netto');
    expect(visibleText(id.html)).toContain('Retensi pendapatan bersih');
    expect(pl.text).toContain('Strefa czasowa: Europe/Warsaw');
    expect(id.text).toContain('Zona waktu: Europe/Warsaw');
  });
});

describe('renderDigest', () => {
  for (const kind of ['weekly', 'monthly'] as const) {
    it(`renders a complete ${kind} digest from a generated snapshot`, async () => {
      const snapshot = makeSnapshot({ kind, seed: 7 });
      const message = await render(snapshot);
      const view = buildDigestView(snapshot, 'en');
      expect(message.from).toBe(FROM);
      expect(message.to).toEqual(TO);
      expect(message.headers?.['X-Digest-Period']).toBe(`${kind}/${snapshot.period.key}`);
      expect(message.subject).toContain(view.periodName);
      const text = visibleText(message.html);
      // The exact period, its time zone, freshness and exclusions are stated.
      expect(text).toContain(kind === 'weekly' ? 'Period: Mon, Nov 16' : 'Period: Sun, Nov 1');
      expect(text).toContain('Time zone: Europe/Warsaw');
      expect(text).toMatch(/Data up to Nov \d+, 2026/);
      expect(text).toContain('43 rows excluded: see Data quality at the end.');
      expect(text).toContain('usage_events, duplicate id: 37');
      for (const headline of view.headline) {
        expect(text).toContain(headline.label);
        expect(text).toContain(headline.value);
        expect(message.text).toContain(`${headline.label}: ${headline.value}`);
      }
      for (const section of [
        'Revenue',
        'Customers',
        'Onboarding',
        'Engagement',
        'Voice of the customer',
        'Support',
        'Billing',
      ]) {
        expect(text).toContain(section);
        expect(message.text).toContain(section.toUpperCase());
      }
      expect(text).toContain('Latest detractor comments');
      expect(text).toContain('Too many clicks to build a report.');
      expect(text).toContain('Acme Corp');
      for (const body of [message.html, message.text]) {
        expect(body).not.toMatch(/\b(NaN|undefined|Infinity)\b|\[object /);
        expect(body).not.toMatch(/\{\{/);
      }
      // Benchmarks carry a written level, never only a colour.
      expect(text).toMatch(/(Good|Great|Excellent|Healthy|Below benchmark|Above benchmark|Poor) · benchmark/);
    });
  }

  it('makes the weekly digest the shorter one and attaches CSVs to the monthly one only', async () => {
    const weekly = await render(makeSnapshot({ kind: 'weekly' }));
    const monthly = await render(makeSnapshot({ kind: 'monthly' }));
    expect(weekly.html.length).toBeLessThan(monthly.html.length * 0.8);
    expect(weekly.text.length).toBeLessThan(monthly.text.length * 0.8);
    expect(weekly.attachments).toEqual([]);
    expect(visibleText(weekly.html)).not.toContain('MRR movements by segment');
    expect(visibleText(monthly.html)).toContain('MRR movements by segment');
    expect(visibleText(monthly.html)).toContain('MRR movements by plan');
    expect(visibleText(monthly.html)).toContain('Top features by adoption');
    // Every KPI appears in the monthly digest.
    const text = visibleText(monthly.html);
    for (const id of KPI_IDS) expect(text, id).toContain(MESSAGES.en.kpiLabels[id]);
    expect(monthly.attachments.map((a) => a.filename)).toEqual([
      'mrr-movements-by-account-2026-11.csv',
      'accounts-at-risk-2026-11.csv',
      'top-pages-2026-11.csv',
    ]);
  });

  it('renders every KPI null with its reason, in both templates and every locale', async () => {
    for (const kind of ['weekly', 'monthly'] as const) {
      for (const locale of LOCALES) {
        const snapshot = makeSnapshot({ kind, allNull: true });
        const message = await render(snapshot, locale);
        const m = MESSAGES[locale];
        const text = visibleText(message.html);
        expect(message.subject).toContain(`MRR ${m.notAvailableShort}`);
        expect(text).toContain(m.notAvailable(m.kpiReasons.tablesAbsent('subscriptions', '')));
        expect(text).toContain(m.notAvailable(m.kpiReasons.tablesAbsent('survey_responses', '')));
        // The data-quality note lists all 48 KPIs as not available, grouped by reason.
        expect(text).toContain(m.unavailableIntro('48', 48));
        expect(text).toContain(`${m.kpiLabels.nps}, ${m.kpiLabels.csat}, ${m.kpiLabels.ces}`);
        expect(text).toContain(m.atRiskNone);
        expect(text).toContain(m.noFreshData);
        expect(text).toContain(m.commentsNone);
        expect(message.text).toContain(m.notAvailable(m.kpiReasons.tablesAbsent('usage_events', '')));
        expect(message.html).not.toMatch(/\b(NaN|undefined)\b/);
        if (kind === 'monthly') {
          expect(text).toContain(m.tableAbsent(m.kpiReasons.tableNoFolder('accounts', '')));
        }
      }
    }
  });

  it('shows a change too small to display as no change, and a missing previous value as such', async () => {
    const snapshot = makeSnapshot({ kind: 'weekly' });
    const churn = { ...snapshot.kpis.customer_churn_rate, value: 1.02, previous: 1.0, delta: 0.02 };
    const nps = { ...snapshot.kpis.nps, previous: null, delta: null };
    const view = buildDigestView(
      { ...snapshot, kpis: { ...snapshot.kpis, customer_churn_rate: churn, nps } },
      'en',
    );
    const byId = new Map(view.headline.map((k) => [k.id, k]));
    expect(byId.get('customer_churn_rate')?.change).toMatchObject({
      direction: 'flat',
      assessment: 'no change',
    });
    expect(byId.get('nps')?.change).toBeUndefined();
    expect(byId.get('nps')?.noChange).toBe('no previous value');
  });

  it('says when older trend points are as reported in earlier digests', () => {
    const snapshot = makeSnapshot({ kind: 'weekly' });
    const stored = {
      ...snapshot,
      stats: { ...snapshot.stats, trend: { computedPeriods: 2, storedFrom: '2026-W46' } },
    };
    expect(buildDigestView(stored, 'en').footerNotes).toContain(
      'Trend points before 2026-W46 are as reported in earlier digests.',
    );
    expect(buildDigestView(stored, 'pl').footerNotes).toContain('sprzed 2026-W46');
    const computed = {
      ...snapshot,
      stats: { ...snapshot.stats, trend: { computedPeriods: 12, storedFrom: null } },
    };
    expect(buildDigestView(computed, 'en').footerNotes).not.toContain('as reported');
  });

  it('judges a change by the KPI direction: churn up is worse, MRR up is better', () => {
    const snapshot = makeSnapshot({ kind: 'weekly' });
    const kpis = {
      ...snapshot.kpis,
      mrr: { ...snapshot.kpis.mrr, value: 110, previous: 100, delta: 10 },
      customer_churn_rate: { ...snapshot.kpis.customer_churn_rate, value: 2, previous: 1, delta: 1 },
    };
    const view = buildDigestView({ ...snapshot, kpis }, 'en');
    const byId = new Map(view.headline.map((k) => [k.id, k]));
    expect(byId.get('mrr')?.change).toMatchObject({
      direction: 'up',
      tone: 'good',
      assessment: 'better',
      text: '+$10.00 (+10%)',
    });
    expect(byId.get('customer_churn_rate')?.change).toMatchObject({
      direction: 'up',
      tone: 'bad',
      assessment: 'worse',
      text: '+1\u00a0pp',
    });
  });

  it('fails with a clear error instead of rendering a partial mail', async () => {
    const good = makeSnapshot({ kind: 'weekly' });
    const { nps: _nps, ...withoutNps } = good.kpis;
    const cases: [Snapshot, RegExp][] = [
      [{ ...good, kpis: withoutNps as Snapshot['kpis'] }, /kpis\.nps is missing/],
      [
        { ...good, kpis: { ...good.kpis, csat: { ...good.kpis.csat, value: Number.NaN } } },
        /kpis\.csat\.value must be a finite number/,
      ],
      [
        { ...good, kpis: { ...good.kpis, ltv: { ...good.kpis.ltv, value: null, reason: '' } } },
        /kpis\.ltv\.reason must say why/,
      ],
      [{ ...good, currency: 'usd' }, /currency must be an ISO 4217 code/],
      [
        { ...good, period: { ...good.period, timezone: 'Nowhere/City' } },
        /period\.timezone must be an IANA time zone/,
      ],
      [{ ...good, schemaVersion: 1 as 2 }, /schemaVersion must be 2/],
      [
        {
          ...good,
          dataQuality: {
            ...good.dataQuality,
            tables: [{ ...good.dataQuality.tables[0]!, latest: 'yesterday' }],
          },
        },
        /"yesterday" is not a timestamp/,
      ],
    ];
    for (const [snapshot, message] of cases) {
      const error = await render(snapshot).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DigestRenderError);
      expect((error as Error).message).toMatch(/^cannot render the digest: /);
      expect((error as Error).message).toMatch(message);
    }
    await expect(renderDigest(good, { locale: 'en', from: 'not an address', to: TO })).rejects.toThrow(
      /sender "not an address" is not a single e-mail address/,
    );
    await expect(renderDigest(good, { locale: 'en', from: FROM, to: [] })).rejects.toThrow(/no recipients/);
    await expect(
      renderDigest(good, { locale: 'en', from: FROM, to: ['a@example.com\r\nBcc: x@evil.example'] }),
    ).rejects.toThrow(DigestRenderError);
    await expect(renderDigest(good, { locale: 'fr' as Locale, from: FROM, to: TO })).rejects.toThrow(
      /unknown locale "fr"/,
    );
  });
});

describe('trend charts', () => {
  const trend = (values: (number | null)[]): TrendView => ({
    bars: values.map((value, i) => ({
      label: `W${i + 1}`,
      value,
      display: String(value),
      current: i === values.length - 1,
    })),
    alt: 'MRR, last weeks: W1 10; W2 20',
    low: 0,
    high: 0,
    scale: '',
    firstLabel: 'W1',
    lastLabel: `W${values.length}`,
  });

  it('draws bars over their own range with the latest period highlighted, and states the figures in the alt text', () => {
    const html = barChart(trend([10, 20, 40])).toString();
    expect(html).toContain('role="img" aria-label="MRR, last weeks: W1 10; W2 20"');
    expect(html.match(/<td /g)).toHaveLength(3);
    // The axis is a tenth of the range below the lowest value (7): 3, 13 and 33 of 33.
    expect(chartAxis([10, 20, 40])).toBe(7);
    expect(html).toContain('border-bottom:3px solid #a9c1f0');
    expect(html).toContain('border-bottom:14px solid #a9c1f0');
    expect(html).toContain('height="0" style="border-bottom:36px solid #1d4ed8"');
  });

  it('makes a slow rise visible instead of twelve flat bars from zero', () => {
    const heights = (html: string): number[] =>
      [...html.matchAll(/border-bottom:(\d+)px/g)].map((m) => Number(m[1]));
    const mrr = heights(barChart(trend([1_000_000, 1_010_000, 1_020_000, 1_030_000])).toString());
    expect((mrr.at(-1) ?? 0) - (mrr[0] ?? 0)).toBeGreaterThan(20);
    // A constant series is drawn as equal full bars, not as nothing.
    expect(new Set(heights(barChart(trend([5, 5, 5])).toString()))).toEqual(new Set([36]));
  });

  it('states each chart’s range and its latest value under it', () => {
    const view = buildDigestView(makeSnapshot({ kind: 'monthly' }), 'en');
    const mrr = view.headline.find((k) => k.id === 'mrr');
    expect(mrr?.trend?.scale).toMatch(/^Scale \$[\d.,]+[KM]? to \$[\d.,]+[KM]?; latest \$[\d.,]+[KM]?$/);
    expect(mrr?.trend?.low).toBeLessThanOrEqual(mrr?.trend?.high ?? 0);
  });

  it('hangs negative values below the baseline and marks missing periods', () => {
    const html = barChart(trend([30, null, -10])).toString();
    expect(html.match(/<tr>/g)).toHaveLength(2);
    expect(html).toContain('border-top:9px solid #1d4ed8');
    expect(html).toContain('border-bottom:1px solid #d7dce3');
  });

  it('gives every headline KPI a chart whose alternative text states all 12 figures', () => {
    const view = buildDigestView(makeSnapshot({ kind: 'monthly' }), 'en');
    for (const k of view.headline) {
      expect(HEADLINE_KPIS).toContain(k.id);
      expect(k.trend?.bars).toHaveLength(12);
      for (const bar of k.trend?.bars ?? []) expect(k.trend?.alt).toContain(`${bar.label} ${bar.display}`);
      expect(k.trend?.alt).toMatch(
        /last 12 months, oldest first: Dec 2025 .*; Nov 2026 .*\. Low .*, high .*\./,
      );
    }
  });
});

describe('CSV attachments', () => {
  it('quotes, neutralises formulas and keeps negative numbers numeric', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
    expect(csvCell(-120.456)).toBe('-120.46');
    expect(csvCell(null)).toBe('');
    expect(() => csvCell(Number.NaN)).toThrow(/NaN/);
    expect(toCsv(['a', 'b'], [[1, 'x']])).toBe('\ufeffa,b\r\n1,x\r\n');
    expect(() => toCsv(['a', 'b'], [[1]])).toThrow(/1 cells, expected 2/);
  });

  it('attaches MRR movements by account and the accounts at risk to the monthly digest', async () => {
    const snapshot = makeSnapshot({ kind: 'monthly', hostileStrings: true });
    const message = await render(snapshot);
    const [movements, atRisk] = message.attachments.map((a) => String(a.content));
    const movementLines = (movements ?? '')
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(movementLines[0]).toBe(
      'account_id,account_name,segment,movement,mrr_start,mrr_end,amount,currency',
    );
    expect(movementLines).toHaveLength(snapshot.details.mrrMovements.byAccount.length + 1);
    expect(movements).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(movements).not.toMatch(/(^|,)=HYPERLINK/m);
    const atRiskLines = (atRisk ?? '')
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(atRiskLines).toHaveLength(snapshot.details.accountsAtRisk.length + 1);
    expect(atRiskLines[1]).toMatch(
      /^acc-1000,<script>alert\(""x""\)<\/script>|^acc-1000,"<script>alert\(""x""\)<\/script>"/,
    );
  });
});

describe('size', () => {
  it('keeps the largest realistic monthly digest under the 102 KB Gmail clip, in every locale', async () => {
    for (const locale of LOCALES) {
      for (const hostileStrings of [false, true]) {
        const snapshot = makeSnapshot({ kind: 'monthly', large: true, hostileStrings });
        expect(snapshot.details.accountsAtRisk).toHaveLength(10);
        const message = await render(snapshot, locale);
        const bytes = Buffer.byteLength(message.html, 'utf8');
        expect(bytes, `${locale} hostile=${hostileStrings}`).toBeLessThan(MAX_HTML_BYTES);
        expect(MAX_HTML_BYTES).toBeLessThanOrEqual(102 * 1024);
        // All ten accounts and all five long comments are in it, not cut away.
        const text = visibleText(message.html);
        if (!hostileStrings) {
          for (let i = 1; i <= 10; i++) expect(text).toContain(`Holdings Group ${i} –`);
          expect(text).toContain('Мы пользуемся сервисом');
          expect(text).toContain('التطبيق مفيد جدًا');
          expect(text).toContain('Integracja z naszym systemem CRM');
        }
      }
    }
  });
});
