/**
 * The alert mail: short, plain HTML and text. Subject `[Alert] …`; per alert what crossed, by
 * how much, and the figure's history. The same text goes to the SNS topic for chat tools.
 * Account names come from the data and are escaped like everything else.
 */
import type { AlertRecord } from '../core/alert-eval.js';
import type { Locale } from './locale.js';
import type { DigestMessage } from '../app/ports/mailer.js';
import { Formatter } from './format.js';
import { MESSAGES } from './i18n/index.js';
import { h, join, type SafeHtml } from './safe-html.js';
import type { PeriodKind } from '../core/period.js';

interface AlertMessages {
  readonly subjectPrefix: string;
  more(n: number): string;
  periodSoFar(kind: PeriodKind, key: string, through: string): string;
  below(label: string, value: string, threshold: string): string;
  above(label: string, value: string, threshold: string): string;
  changeBelow(label: string, change: string, threshold: string): string;
  churn(account: string, mrr: string, threshold: string): string;
  healthDrop(account: string, drop: string, before: string, after: string): string;
  beyond(amount: string): string;
  step(level: number): string;
  readonly history: string;
  readonly toDate: string;
  readonly intro: string;
  /** The digest's heading over the period's alerts. */
  readonly digestHeading: string;
}

const EN: AlertMessages = {
  subjectPrefix: '[Alert]',
  more: (n) => `(+${n} more)`,
  periodSoFar: (kind, key, through) => `${kind === 'weekly' ? 'week' : 'month'} ${key} through ${through}`,
  below: (l, v, t) => `${l} is ${v}, below ${t}`,
  above: (l, v, t) => `${l} is ${v}, above ${t}`,
  changeBelow: (l, c, t) => `${l} changed ${c} on the previous period, past ${t}`,
  churn: (a, m, t) => `${a} churned with ${m} MRR (alert from ${t})`,
  healthDrop: (a, d, b, af) => `${a}: health fell ${d} points, from ${b} to ${af}`,
  beyond: (x) => `${x} past the threshold`,
  step: (n) => (n > 1 ? `worsened to step ${n}` : ''),
  history: 'History',
  toDate: 'to date',
  intro: 'These figures crossed an alert rule in the running period. The weekly digest lists them too.',
  digestHeading: 'Alerts this period',
};

const ID: AlertMessages = {
  subjectPrefix: '[Alert]',
  more: (n) => `(+${n} lainnya)`,
  periodSoFar: (kind, key, through) => `${kind === 'weekly' ? 'minggu' : 'bulan'} ${key} sampai ${through}`,
  below: (l, v, t) => `${l} ${v}, di bawah ${t}`,
  above: (l, v, t) => `${l} ${v}, di atas ${t}`,
  changeBelow: (l, c, t) => `${l} berubah ${c} dari periode sebelumnya, melewati ${t}`,
  churn: (a, m, t) => `${a} berhenti berlangganan dengan MRR ${m} (peringatan mulai ${t})`,
  healthDrop: (a, d, b, af) => `${a}: skor kesehatan turun ${d} poin, dari ${b} ke ${af}`,
  beyond: (x) => `${x} melewati ambang`,
  step: (n) => (n > 1 ? `memburuk ke tahap ${n}` : ''),
  history: 'Riwayat',
  toDate: 'sejauh ini',
  intro:
    'Angka-angka ini melewati aturan peringatan pada periode berjalan. Ringkasan mingguan juga mencantumkannya.',
  digestHeading: 'Peringatan periode ini',
};

const PL: AlertMessages = {
  subjectPrefix: '[Alert]',
  more: (n) => `(+${n} więcej)`,
  periodSoFar: (kind, key, through) => `${kind === 'weekly' ? 'tydzień' : 'miesiąc'} ${key} do ${through}`,
  below: (l, v, t) => `${l} wynosi ${v}, poniżej ${t}`,
  above: (l, v, t) => `${l} wynosi ${v}, powyżej ${t}`,
  changeBelow: (l, c, t) => `${l} zmienił się o ${c} względem poprzedniego okresu, poza progiem ${t}`,
  churn: (a, m, t) => `${a} zrezygnował przy MRR ${m} (alert od ${t})`,
  healthDrop: (a, d, b, af) => `${a}: ocena kondycji spadła o ${d} pkt, z ${b} do ${af}`,
  beyond: (x) => `${x} poza progiem`,
  step: (n) => (n > 1 ? `pogorszenie do stopnia ${n}` : ''),
  history: 'Historia',
  toDate: 'do dziś',
  intro:
    'Te wskaźniki przekroczyły regułę alertu w bieżącym okresie. Cotygodniowe podsumowanie też je wymienia.',
  digestHeading: 'Alerty w tym okresie',
};

export const ALERT_MESSAGES: Readonly<Record<Locale, AlertMessages>> = { en: EN, id: ID, pl: PL };

function formatIn(f: Formatter, v: number, unit: AlertRecord['unit']): string {
  if (unit === 'percent_change') return f.percent(v, true);
  if (unit === 'points') return f.number(v, 1);
  return f.value(v, unit);
}

/** One line per alert: what crossed, by how much (the same words in mail, text and chat). */
export function describeAlert(alert: AlertRecord, locale: Locale): { line: string; history: string } {
  const m = ALERT_MESSAGES[locale];
  const f = new Formatter(locale, alert.currency, alert.period.timezone);
  const label =
    alert.subject.type === 'kpi'
      ? MESSAGES[locale].kpiLabels[alert.subject.id]
      : (alert.subject.name ?? alert.subject.id);
  const value = formatIn(f, alert.value, alert.unit);
  const threshold = formatIn(f, alert.threshold, alert.unit);
  let line: string;
  switch (alert.ruleKind) {
    case 'below':
      line = m.below(label, value, threshold);
      break;
    case 'above':
      line = m.above(label, value, threshold);
      break;
    case 'changeBelowPct':
      line = m.changeBelow(label, value, threshold);
      break;
    case 'churn':
      line = m.churn(label, value, threshold);
      break;
    case 'healthDrop': {
      const [before, after] = alert.history;
      line = m.healthDrop(label, value, f.number(before?.value ?? 0, 0), f.number(after?.value ?? 0, 0));
      break;
    }
  }
  // A %-change is past its threshold by percentage points.
  const beyond =
    alert.unit === 'percent_change'
      ? `${f.number(alert.beyond, 1)} pp`
      : formatIn(f, alert.beyond, alert.unit);
  const extra = [m.beyond(beyond), m.step(alert.level)].filter((s) => s !== '').join(', ');
  const points = alert.history.map((p, i) => {
    const shown = p.value === null ? '–' : f.value(p.value, alert.historyUnit);
    return `${p.key}${i === alert.history.length - 1 ? ` (${m.toDate})` : ''} ${shown}`;
  });
  return { line: `${line} (${extra})`, history: `${m.history}: ${points.join(' · ')}` };
}

export function renderAlert(
  alerts: readonly AlertRecord[],
  options: { locale: Locale; from: string; to: readonly string[] },
): DigestMessage {
  const first = alerts[0];
  if (!first) throw new Error('no alert to render');
  const m = ALERT_MESSAGES[options.locale];
  const described = alerts.map((a) => ({ alert: a, ...describeAlert(a, options.locale) }));
  const period = (a: AlertRecord): string => m.periodSoFar(a.period.kind, a.period.key, a.period.lastDay);
  const firstLine = described[0]?.line ?? '';
  const subject = [m.subjectPrefix, firstLine, alerts.length > 1 ? m.more(alerts.length - 1) : '']
    .filter((s) => s !== '')
    .join(' ');
  const text = [
    m.intro,
    '',
    ...described.flatMap((d) => [`- ${d.line} — ${period(d.alert)}`, `  ${d.history}`]),
    '',
  ].join('\n');
  const items = join(
    described.map(
      (d) =>
        h`<li style="margin:0 0 12px 0"><strong>${d.line}</strong><br><span style="color:#555">${period(d.alert)}</span><br><span style="color:#555">${d.history}</span></li>`,
    ),
  );
  const html = h`<!doctype html><html lang="${options.locale}"><head><meta charset="utf-8"><title>${subject}</title></head><body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;color:#111;max-width:640px;margin:0 auto;padding:16px"><p>${m.intro}</p><ul style="padding-left:20px">${items}</ul></body></html>`;
  return {
    from: options.from,
    to: [...options.to],
    subject: subject.length > 200 ? `${subject.slice(0, 199)}…` : subject,
    html: html.toString(),
    text,
    inlineImages: [],
    attachments: [],
    headers: { 'X-Alert-Period': `${first.period.kind}/${first.period.key}/${first.period.lastDay}` },
  };
}

/** The digest's block of the period's alerts, above everything else. */
export function alertsDigestHtml(alerts: readonly AlertRecord[], locale: Locale): SafeHtml {
  const m = ALERT_MESSAGES[locale];
  const items = join(
    alerts.map((a) => {
      const d = describeAlert(a, locale);
      return h`<li style="margin:0 0 6px 0">${d.line} <span style="color:#555">(${m.periodSoFar(a.period.kind, a.period.key, a.period.lastDay)})</span></li>`;
    }),
  );
  return h`<div style="margin:0 0 12px 0;padding:8px 10px;border-radius:6px;background:#fdecea;color:#7a1c12;font-size:13px;line-height:18px"><strong>! ${m.digestHeading}</strong><ul style="margin:6px 0 0 0;padding-left:18px">${items}</ul></div>`;
}

/** The plain-text digest with the period's alerts after its title lines. */
export function withAlertsText(text: string, alerts: readonly AlertRecord[], locale: Locale): string {
  if (alerts.length === 0) return text;
  const m = ALERT_MESSAGES[locale];
  const lines = text.split('\n');
  const block = [
    '',
    `! ${m.digestHeading}`,
    ...alerts.map(
      (a) =>
        `- ${describeAlert(a, locale).line} (${m.periodSoFar(a.period.kind, a.period.key, a.period.lastDay)})`,
    ),
    '',
  ];
  // After the title, period name, period and time zone lines.
  return [...lines.slice(0, 4), ...block, ...lines.slice(4)].join('\n');
}
