/**
 * The digest says what is true: one vocabulary for critical accounts, changes that mean
 * something, targets in the reader's terms, every word in the reader's language, and a size
 * that never stops a send.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KPI_IDS, type KpiId, type KpiValue, type Snapshot } from '../functions/core/snapshot.js';
import { renderDigest } from '../functions/digest/index.js';
import { MESSAGES } from '../functions/digest/i18n/index.js';
import { LOCALES, type Locale } from '../functions/digest/locale.js';
import { matchReason } from '../functions/digest/reasons.js';
import { fitToSize, MAX_HTML_BYTES } from '../functions/digest/render.js';
import { renderText } from '../functions/digest/render-text.js';
import { buildDigestView, TABLE_ROW_LIMIT } from '../functions/digest/view.js';
import { type KpiView } from '../functions/digest/view-model.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

const FROM = 'digest@example.com';
const TO = ['lead@example.com'];

function withKpis(snapshot: Snapshot, changes: Partial<Record<KpiId, Partial<KpiValue>>>): Snapshot {
  const kpis = { ...snapshot.kpis };
  for (const [id, change] of Object.entries(changes) as [KpiId, Partial<KpiValue>][]) {
    kpis[id] = { ...kpis[id], ...change };
  }
  return { ...snapshot, kpis };
}

function kpiView(snapshot: Snapshot, id: KpiId, locale: Locale = 'en'): KpiView {
  const view = buildDigestView(snapshot, locale);
  const found = [...view.headline, ...view.sections.flatMap((s) => s.kpis)].find((k) => k.id === id);
  if (!found) throw new Error(`${id} is not in the digest`);
  return found;
}

function visibleText(html: string): string {
  return html
    .replace(/<(style|head)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;|&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
}

describe('critical accounts: one vocabulary for the KPI, the bands and the list', () => {
  const monthly = makeSnapshot({ kind: 'monthly' });
  const total = 97;
  const snapshot = withKpis(
    {
      ...monthly,
      details: { ...monthly.details, healthBands: { healthy: 1012, atRisk: 121, critical: total } },
    },
    { accounts_at_risk: { value: total } },
  );

  it.each(LOCALES)(
    '%s: the KPI is named after the band it counts, and the bands state their ranges',
    (locale) => {
      const m = MESSAGES[locale];
      const view = buildDigestView(snapshot, locale);
      const customers = view.sections.find((s) => s.id === 'customers');
      const kpi = customers?.kpis.find((k) => k.id === 'accounts_at_risk');
      expect(kpi?.label).toBe(m.kpiLabels.accounts_at_risk);
      // The KPI label and the list title say the same, and name the critical band's range.
      const list = customers?.blocks.find((b) => b.kind === 'table');
      expect(list?.title).toBe(m.kpiLabels.accounts_at_risk);
      expect(m.kpiLabels.accounts_at_risk).toContain(m.bandRanges.critical.replace(/^\D+/, ''));
      const bands = customers?.blocks.find((b) => b.kind === 'facts');
      const items = bands?.kind === 'facts' ? bands.items : [];
      expect(items.map((i) => i.label)).toEqual([
        `${m.bands.healthy} (${m.bandRanges.healthy})`,
        `${m.bands.at_risk} (${m.bandRanges.at_risk})`,
        `${m.bands.critical} (${m.bandRanges.critical})`,
      ]);
      expect(items[2]?.value).toBe(kpi?.value);
    },
  );

  it('counts what the list leaves out from the KPI, not from the top 10 the snapshot keeps', () => {
    const m = MESSAGES.en;
    for (const kind of ['weekly', 'monthly'] as const) {
      const base = makeSnapshot({ kind });
      const s = withKpis(base, { accounts_at_risk: { value: total } });
      const shown = Math.min(kind === 'weekly' ? 5 : 10, s.details.accountsAtRisk.length);
      const list = buildDigestView(s, 'en')
        .sections.find((x) => x.id === 'customers')
        ?.blocks.find((b) => b.kind === 'table');
      expect(list?.kind === 'table' ? list.rows.length : 0).toBe(shown);
      expect(list?.kind === 'table' ? list.note : '').toBe(
        m.atRiskMore(String(total - shown), total - shown),
      );
      expect(list?.kind === 'table' ? list.intro : '').toBe(m.atRiskIntro(String(shown), shown, '97', total));
    }
  });
});

describe('changes', () => {
  const base = makeSnapshot({ kind: 'weekly' });

  it('show no percentage across zero or from zero, only the absolute change', () => {
    const across = kpiView(
      withKpis(base, { net_new_mrr: { value: -15293, previous: 17000, delta: -32293 } }),
      'net_new_mrr',
    );
    expect(across.change?.text).toBe('-$32,293');
    const fromZero = kpiView(
      withKpis(base, { mrr_churn: { value: 1745, previous: 0, delta: 1745 } }),
      'mrr_churn',
    );
    expect(fromZero.change?.text).toBe('+$1,745');
    const same = kpiView(
      withKpis(base, { mrr_churn: { value: 1100, previous: 1000, delta: 100 } }),
      'mrr_churn',
    );
    expect(same.change?.text).toMatch(/^\+\$100(\.00)? \(\+10%\)$/);
  });

  it('the subject never states a percentage across zero', () => {
    const s = withKpis(base, { mrr: { value: -10, previous: 100, delta: -110 } });
    expect(buildDigestView(s, 'en').subject).not.toMatch(/%/);
  });

  it('rates change in percentage points', () => {
    const churn = kpiView(
      withKpis(base, { customer_churn_rate: { value: 2.5, previous: 2.0, delta: 0.5 } }),
      'customer_churn_rate',
    );
    expect(churn.change?.text).toBe('+0.5\u00a0pp');
  });
});

describe('targets in the reader’s terms', () => {
  it.each(LOCALES)('%s: a CES over its target is "above target", and lower is better', (locale) => {
    const m = MESSAGES[locale];
    const base = makeSnapshot({ kind: 'weekly' });
    const s = withKpis(base, {
      ces: { value: 2.6, benchmark: { level: 'above', tone: 'bad', target: '≤ 2 / 5' } },
    });
    const ces = kpiView(s, 'ces', locale);
    expect(ces.benchmark?.text).toBe(
      `${m.benchmarkLevels.above} (${m.lowerIsBetter}) · ${m.benchmark('≤ 2 / 5')}`,
    );
    expect(ces.benchmark?.tone).toBe('bad');
  });

  it('the report itself calls a CES over its limit above the target', async () => {
    const { benchmarkFor } = await import('../functions/core/benchmarks.js');
    expect(benchmarkFor('ces', { value: 2.6, detail: { scale_max: 5 } }, 'weekly')).toMatchObject({
      level: 'above',
      tone: 'bad',
    });
  });

  it.each(LOCALES)('%s: conversion is named for what it divides and explained over 100 %%', (locale) => {
    const m = MESSAGES[locale];
    const base = makeSnapshot({ kind: 'monthly' });
    const over = kpiView(withKpis(base, { conversion_rate: { value: 200 } }), 'conversion_rate', locale);
    expect(over.label).toBe(m.kpiLabels.conversion_rate);
    expect(over.remark).toBe(m.conversionOver100);
    expect(
      kpiView(withKpis(base, { conversion_rate: { value: 40 } }), 'conversion_rate', locale).remark,
    ).toBeUndefined();
  });

  it('the English label says what the rate divides, not "trial-to-paid"', () => {
    expect(MESSAGES.en.kpiLabels.conversion_rate).toMatch(/paying accounts per account created/i);
  });
});

/** Every reason the report can give: each must have words in every locale. */
function reasonLiterals(): string[] {
  const dirs = [
    'functions/core',
    'functions/core/kpis',
    'functions/app',
    'functions/adapters/engines',
    'functions/sql',
  ];
  const out = new Set<string>();
  for (const dir of dirs) {
    // trend-history.ts explains in the snapshot's stats why stored points were not reused; the digest never shows it.
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'trend-history.ts')) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const m of source.matchAll(/(?:reason|Reason|absentReason)\s*[:=]\s*'([^']+)'/g))
        out.add(m[1] ?? '');
      for (const m of source.matchAll(/(?:reason|Reason)\s*[:=]\s*'(no [^']+)'/g)) out.add(m[1] ?? '');
    }
  }
  // Not KPI reasons: data-quality codes and the trend's own bookkeeping.
  return [...out].filter((r) => !/^[a-z_]+$/.test(r));
}

describe('every string in the reader’s language', () => {
  it('knows every reason the report gives', () => {
    const reasons = [
      ...reasonLiterals(),
      'not available: no subscriptions, no usage_events table',
      'not available: no accounts (no accounts/ folder in the data folder), no invoices (not configured)',
      'not available: no survey_responses (survey_responses/ holds no .parquet, .json, .jsonl, .ndjson or .csv files)',
      'cs_costs has rows for 1 of the 2 months the period touches',
      'not available: health weights must not all be zero',
      'not available: no accounts (account sign-up dates)',
    ];
    expect(reasons.length).toBeGreaterThan(25);
    expect(reasons.filter((r) => matchReason(r) === null)).toEqual([]);
  });

  it('says "not available" once', () => {
    const s = withKpis(makeSnapshot({ kind: 'weekly' }), {
      nps: {
        value: null,
        reason: 'not available: no survey_responses (no survey_responses/ folder in the data folder)',
      },
    });
    const nps = kpiView(s, 'nps');
    expect(nps.note).toBe('Not available: no data in survey_responses');
  });

  /** Every string value of the snapshot: names, comments, terms, table names, the time zone. */
  function dataStrings(value: unknown, out: Set<string>): Set<string> {
    if (typeof value === 'string') out.add(value);
    else if (Array.isArray(value)) for (const v of value) dataStrings(v, out);
    else if (typeof value === 'object' && value !== null)
      for (const v of Object.values(value)) dataStrings(v, out);
    return out;
  }

  /** Words a locale's own date formats produce (month and weekday names), computed, not listed. */
  function calendarWords(locale: Locale): Set<string> {
    const tag = { en: 'en-US', id: 'id-ID', pl: 'pl-PL' }[locale];
    const words = new Set<string>();
    for (let month = 0; month < 12; month += 1) {
      for (const style of ['short', 'long'] as const) {
        const d = new Date(Date.UTC(2026, month, 1 + month));
        for (const text of [
          new Intl.DateTimeFormat(tag, { month: style, timeZone: 'UTC' }).format(d),
          new Intl.DateTimeFormat(tag, { month: style, day: 'numeric', timeZone: 'UTC' }).format(d),
          new Intl.DateTimeFormat(tag, { weekday: style, timeZone: 'UTC' }).format(d),
          new Intl.DateTimeFormat(tag, { dateStyle: 'full', timeZone: 'UTC' }).format(d),
        ])
          for (const w of text.toLowerCase().match(/\p{L}+/gu) ?? []) words.add(w);
      }
    }
    return words;
  }

  /** Lower-case words of three letters or more; abbreviations (MRR, SaaS, DuckDB) are not words. */
  function words(text: string): Set<string> {
    return new Set(
      (text.match(/\p{L}+/gu) ?? [])
        .filter((w) => w.length >= 3 && !/\p{Lu}/u.test(w.slice(1)))
        .map((w) => w.toLowerCase()),
    );
  }

  async function renderedWords(locale: Locale): Promise<Set<string>> {
    const all = new Set<string>();
    for (const kind of ['weekly', 'monthly'] as const) {
      // Data is shown whole in these (the large fixture's names are cut, so they would not match).
      for (const variant of [{}, { allNull: true }] as const) {
        const snapshot = makeSnapshot({ kind, ...variant });
        const message = await renderDigest(snapshot, { locale, from: FROM, to: TO });
        let text = `${message.subject} ${visibleText(message.html)} ${message.text}`;
        // Data is shown as it is: remove every string of the snapshot, longest first.
        const data = [...dataStrings(snapshot, new Set())]
          .filter((d) => d.length >= 2)
          .sort((a, b) => b.length - a.length);
        for (const d of data) text = text.split(d).join(' ');
        for (const w of words(text)) all.add(w);
      }
    }
    return all;
  }

  it.each(['pl', 'id'] as const)('%s: renders no English word outside the data', async (locale) => {
    const english = await renderedWords('en');
    for (const w of calendarWords('en')) english.delete(w);
    const local = await renderedWords(locale);
    const calendar = calendarWords(locale);
    // Words this language spells like English and uses natively (checked in its dictionary).
    const cognates: Record<'pl' | 'id', readonly string[]> = {
      pl: ['segment', 'plan'],
      id: ['data', 'median', 'target', 'per', 'total'],
    };
    const leaks = [...local].filter(
      (w) => english.has(w) && !calendar.has(w) && !cognates[locale].includes(w),
    );
    expect(leaks).toEqual([]);
  });
});

describe('size', () => {
  function manyPlans(count: number, nameLength: number): Snapshot {
    const base = makeSnapshot({ kind: 'monthly', large: true });
    const row = base.details.mrrMovements.byPlan[0];
    if (!row) throw new Error('fixture has no plan rows');
    const byPlan = Array.from({ length: count }, (_, i) => ({
      ...row,
      name: `Plan ${i + 1} ${'Enterprise Premium Annual Billing '.repeat(10)}`.slice(0, nameLength),
      mrrEnd: 10_000 + i,
    }));
    return { ...base, details: { ...base.details, mrrMovements: { ...base.details.mrrMovements, byPlan } } };
  }

  it.each(LOCALES)(
    '%s: 90 plans or 50 long plan names stay under the Gmail clip, capped with a CSV',
    async (locale) => {
      for (const snapshot of [manyPlans(90, 30), manyPlans(50, 200)]) {
        const message = await renderDigest(snapshot, { locale, from: FROM, to: TO });
        expect(Buffer.byteLength(message.html, 'utf8')).toBeLessThanOrEqual(MAX_HTML_BYTES);
        const plans = snapshot.details.mrrMovements.byPlan.length;
        const m = MESSAGES[locale];
        expect(visibleText(message.html)).toContain(
          m
            .tableMore(String(plans - TABLE_ROW_LIMIT), plans - TABLE_ROW_LIMIT, m.byPlanFile)
            .replace(/\s+/g, ' '),
        );
        const csv = message.attachments.find((a) => a.filename.startsWith('mrr-movements-by-plan-'));
        expect(String(csv?.content).trim().split('\r\n')).toHaveLength(plans + 1);
        // A name from the data is cut in the table; the CSV has it whole.
        expect(message.html).not.toContain(snapshot.details.mrrMovements.byPlan[0]?.name.slice(0, 120));
      }
    },
  );

  it('drops the least important section with a note rather than fail the send', () => {
    const snapshot = makeSnapshot({ kind: 'monthly', large: true });
    const full = fitToSize(snapshot, 'en');
    expect(full.view.sizeNote).toBeNull();
    const size = Buffer.byteLength(full.html, 'utf8');
    // One byte too many: the least important block (the frequent terms) goes, with a note at the top.
    const trimmed = fitToSize(snapshot, 'en', size - 1);
    expect(Buffer.byteLength(trimmed.html, 'utf8')).toBeLessThan(size);
    expect(trimmed.view.sizeNote).toBe(
      MESSAGES.en.sizeDropped(`${MESSAGES.en.detractorTermsTitle}, ${MESSAGES.en.promoterTermsTitle}`),
    );
    expect(visibleText(trimmed.html)).toContain(trimmed.view.sizeNote ?? '');
    const blockIds = (v: typeof trimmed.view) =>
      v.sections.flatMap((x) => x.blocks.map((b) => ('id' in b ? b.id : undefined)));
    expect(blockIds(full.view)).toContain('promoterTerms');
    expect(blockIds(trimmed.view)).not.toContain('promoterTerms');
    // Even with no room at all the digest renders (and is sent), every optional block named.
    const tiny = fitToSize(snapshot, 'en', 1_000);
    expect(tiny.view.sizeNote).toContain(MESSAGES.en.featuresTitle);
    expect(tiny.view.sizeNote).toContain(MESSAGES.en.byPlanTitle);
    expect(renderText(tiny.view)).toContain(tiny.view.sizeNote ?? '');
  });
});

it('covers every KPI id in every locale', () => {
  for (const locale of LOCALES) for (const id of KPI_IDS) expect(MESSAGES[locale].kpiLabels[id]).not.toBe('');
});
