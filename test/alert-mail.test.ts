/** The alert mail in each language, escaping, and the digest that lists the period's alerts at its top. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderAlert } from '../functions/digest/alert.js';
import { firedKey } from '../functions/app/alerts.js';
import type { AlertRecord } from '../functions/core/alert-eval.js';
import { runDigestJob } from '../functions/app/job.js';
import { periodFromKey } from '../functions/core/period.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { fakeEngine, RecordingMailer } from './job-fakes.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'alert-mail-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const period = {
  kind: 'weekly' as const,
  key: '2026-W47',
  firstDay: '2026-11-16',
  lastDay: '2026-11-18',
  timezone: 'UTC',
};
const npsAlert: AlertRecord = {
  ruleId: 'nps.below.20',
  ruleKind: 'below',
  subject: { type: 'kpi', id: 'nps' },
  value: 12,
  threshold: 20,
  beyond: 8,
  level: 1,
  unit: 'score',
  history: [
    { key: '2026-W46', value: 31 },
    { key: '2026-W47', value: 12 },
  ],
  historyUnit: 'score',
  period,
  currency: 'EUR',
  firedAt: '2026-11-19T06:00:00.000Z',
};
const churnAlert: AlertRecord = {
  ruleId: 'churn.mrrAtLeast.1000',
  ruleKind: 'churn',
  subject: { type: 'account', id: 'acc-9', name: '<img src=x onerror=alert(1)> Acme & Co' },
  value: 2500,
  threshold: 1000,
  beyond: 1500,
  level: 1,
  unit: 'currency',
  history: [
    { key: '2026-W46', value: 2500 },
    { key: '2026-W47', value: 0 },
  ],
  historyUnit: 'currency',
  period: { ...period, kind: 'monthly', key: '2026-11', firstDay: '2026-11-01' },
  currency: 'EUR',
  firedAt: '2026-11-19T06:00:00.000Z',
};

describe('the alert mail', () => {
  it('says what crossed, by how much, and the history; escapes names from the data', () => {
    const m = renderAlert([npsAlert, churnAlert], {
      locale: 'en',
      from: 'a@example.com',
      to: ['b@example.com'],
    });
    expect(m.subject).toBe('[Alert] NPS is 12, below 20 (8 past the threshold) (+1 more)');
    expect(m.text).toContain(
      '- NPS is 12, below 20 (8 past the threshold) — week 2026-W47 through 2026-11-18',
    );
    expect(m.text).toContain('  History: 2026-W46 31 · 2026-W47 (to date) 12');
    expect(m.text).toContain(
      '<img src=x onerror=alert(1)> Acme & Co churned with €2,500 MRR (alert from €1,000)',
    );
    expect(m.html).not.toContain('<img');
    expect(m.html).toContain('&lt;img src=x onerror=alert(1)&gt; Acme &amp; Co');
  });

  it('speaks Indonesian and Polish', () => {
    const id = renderAlert([npsAlert], { locale: 'id', from: 'a@example.com', to: [] });
    expect(id.subject).toBe('[Alert] NPS 12, di bawah 20 (8 melewati ambang)');
    const pl = renderAlert([churnAlert], { locale: 'pl', from: 'a@example.com', to: [] });
    expect(pl.text).toMatch(/zrezygnował przy MRR 2500\s€ \(alert od 1000\s€\)/);
    expect(pl.text).toContain('miesiąc 2026-11 do 2026-11-18');
  });
});

describe('the digest', () => {
  it('lists the period’s alerts at its top', async () => {
    const store = new FileStore(join(root, 'digest'));
    await store.put(
      firedKey('weekly', '2026-W47', '2026-11-18'),
      JSON.stringify([npsAlert]),
      'application/json',
    );
    await store.put(
      firedKey('monthly', '2026-11', '2026-11-18'),
      JSON.stringify([churnAlert]),
      'application/json',
    );
    // Another week's alert is not listed.
    await store.put(
      firedKey('weekly', '2026-W46', '2026-11-10'),
      JSON.stringify([{ ...npsAlert, period: { ...period, key: '2026-W46' }, value: 3 }]),
      'application/json',
    );
    const mailer = new RecordingMailer();
    const week = periodFromKey('2026-W47');
    await runDigestJob(
      {
        engine: fakeEngine,
        store,
        mailer,
        buildSnapshot: async () =>
          makeSnapshot({ kind: 'weekly', key: '2026-W47', timezone: 'UTC', currency: 'EUR' }),
      },
      {
        period: week,
        currency: 'EUR',
        locale: 'en',
        from: 'digest@example.com',
        recipients: ['team@example.com'],
        dryRun: false,
        force: false,
        now: new Date('2026-11-23T07:00:00Z'),
      },
    );
    const message = mailer.sent[0];
    const html = message?.html ?? '';
    expect(html.indexOf('Alerts this period')).toBeGreaterThan(0);
    expect(html.indexOf('Alerts this period')).toBeLessThan(html.indexOf('NPS is 12'));
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('NPS is 3,');
    const text = (message?.text ?? '').split('\n');
    expect(text[5]).toBe('! Alerts this period');
    expect(text.slice(6, 8)).toEqual([
      '- NPS is 12, below 20 (8 past the threshold) (week 2026-W47 through 2026-11-18)',
      expect.stringMatching(/^- <img src=x onerror=alert\(1\)> Acme & Co churned/),
    ]);
  });
});
