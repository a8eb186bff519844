/**
 * renderDigest: snapshot -> a complete DigestMessage (HTML, plain text, subject, attachments).
 * Either every part renders or it throws DigestRenderError: a blank or partial mail is never
 * handed to a transport.
 */
import addressparser from 'nodemailer/lib/addressparser';
import type { Snapshot } from '../core/snapshot.js';
import { MONTHLY_TEMPLATE, WEEKLY_TEMPLATE } from './compiled-templates.js';
import { toCsv } from './csv.js';
import { DigestRenderError } from './errors.js';
import { PERIOD_HEADER } from '../app/ports/mailer.js';
import { isLocale, LOCALES, type Locale } from './locale.js';
import type { DigestMessage } from '../app/ports/mailer.js';
import { attachmentsHtml, contextHtml, dataQualityHtml, headlineHtml, sectionHtml } from './render-html.js';
import { renderText } from './render-text.js';
import { join, type SafeHtml } from './safe-html.js';
import type { AlertRecord } from '../core/alert-eval.js';
import { alertsDigestHtml, withAlertsText } from './alert.js';
import { fillTemplate } from './template.js';
import { oneLine } from './text.js';
import { buildDigestView, TABLE_ROW_LIMIT } from './view.js';
import { OPTIONAL_BLOCKS, type DigestView, type OptionalBlockId } from './view-model.js';
import { assertRenderableSnapshot } from './validate.js';
import { teamBooksCsv, teamBooksCsvName } from './view-team-books.js';
import { isEmailAddress } from '../core/validators.js';

/** Gmail clips a message whose HTML is larger than about 102 KB; stay safely below. */
export const MAX_HTML_BYTES = 102_000;

export interface RenderDigestOptions {
  readonly locale: Locale;
  readonly from: string;
  readonly to: readonly string[];
  /** The alerts fired during the period: listed at the digest's top. */
  readonly alerts?: readonly AlertRecord[];
}

function assertAddress(value: string, role: string): void {
  const parsed = /[\r\n]/.test(value) ? [] : addressparser(value);
  const first = parsed[0];
  const ok =
    parsed.length === 1 &&
    first !== undefined &&
    typeof first.address === 'string' &&
    isEmailAddress(first.address);
  if (!ok) throw new DigestRenderError(`${role} "${value}" is not a single e-mail address`);
}

function slotValues(
  view: DigestView,
  alerts: readonly AlertRecord[] = [],
): { text: Record<string, string>; html: Record<string, SafeHtml> } {
  const text: Record<string, string> = {
    lang: view.locale,
    subject: view.subject,
    preheader: view.preheader,
    title: view.title,
    periodName: view.periodName,
    periodLine: view.periodLine,
    timeZoneLine: view.timeZoneLine,
    headlineTitle: view.headlineTitle,
    dataQualityTitle: view.dataQualityTitle,
    footer: view.footer,
    footerNotes: view.footerNotes,
  };
  const html: Record<string, SafeHtml> = {
    context:
      alerts.length > 0
        ? join([alertsDigestHtml(alerts, view.locale), contextHtml(view)])
        : contextHtml(view),
    headline: headlineHtml(view),
    dataQuality: dataQualityHtml(view),
  };
  for (const section of view.sections) {
    text[`sections.${section.id}.title`] = section.title;
    html[`sections.${section.id}.body`] = sectionHtml(section);
  }
  if (view.attachments) {
    text.attachmentsTitle = view.attachments.title;
    html.attachments = attachmentsHtml(view);
  }
  return { text, html };
}

/** The monthly attachments: MRR movements by account, the accounts at risk and the top pages. */
function monthlyAttachments(snapshot: Snapshot): DigestMessage['attachments'] {
  const key = snapshot.period.key;
  const movements = [...snapshot.details.mrrMovements.byAccount].sort(
    (a, b) =>
      a.movement.localeCompare(b.movement) ||
      Math.abs(b.amount) - Math.abs(a.amount) ||
      a.accountId.localeCompare(b.accountId),
  );
  const movementsCsv = toCsv(
    ['account_id', 'account_name', 'segment', 'movement', 'mrr_start', 'mrr_end', 'amount', 'currency'],
    movements.map((m) => [
      m.accountId,
      m.accountName,
      m.segment,
      m.movement,
      m.mrrStart,
      m.mrrEnd,
      m.amount,
      snapshot.currency,
    ]),
  );
  const atRiskCsv = toCsv(
    [
      'account_id',
      'account_name',
      'segment',
      'csm_owner',
      'mrr',
      'currency',
      'health_score',
      'band',
      'frequency',
      'breadth',
      'depth',
      'sentiment',
      'support_billing',
    ],
    snapshot.details.accountsAtRisk.map((a) => [
      a.accountId,
      a.accountName,
      a.segment,
      a.csmOwner,
      a.mrr,
      snapshot.currency,
      a.healthScore,
      a.band,
      a.components.frequency,
      a.components.breadth,
      a.components.depth,
      a.components.sentiment,
      a.components.supportBilling,
    ]),
  );
  // A plan or segment table cut to its largest rows points at these for the rest.
  const movementRows = (rows: Snapshot['details']['mrrMovements']['byPlan']) =>
    [...rows]
      .sort((a, b) => b.mrrEnd - a.mrrEnd || a.name.localeCompare(b.name))
      .map((r) => [
        r.name,
        r.mrrStart,
        r.new,
        r.reactivation,
        r.expansion,
        r.contraction,
        r.churn,
        r.fxAdjustment,
        r.mrrEnd,
        snapshot.currency,
      ]);
  const movementHeader = (first: string) => [
    first,
    'mrr_start',
    'new',
    'reactivation',
    'expansion',
    'contraction',
    'churn',
    'fx_adjustment',
    'mrr_end',
    'currency',
  ];
  const byGroup: DigestMessage['attachments'] = [
    ...(snapshot.details.mrrMovements.byPlan.length > TABLE_ROW_LIMIT
      ? [
          {
            filename: `mrr-movements-by-plan-${key}.csv`,
            contentType: 'text/csv; charset=utf-8',
            content: toCsv(movementHeader('plan'), movementRows(snapshot.details.mrrMovements.byPlan)),
          },
        ]
      : []),
    ...(snapshot.details.mrrMovements.bySegment.length > TABLE_ROW_LIMIT
      ? [
          {
            filename: `mrr-movements-by-segment-${key}.csv`,
            contentType: 'text/csv; charset=utf-8',
            content: toCsv(movementHeader('segment'), movementRows(snapshot.details.mrrMovements.bySegment)),
          },
        ]
      : []),
  ];
  const web = snapshot.details.web;
  const webPresent = snapshot.dataQuality.tables.some((t) => t.table === 'web_events' && t.present);
  const topPages =
    web && webPresent
      ? [
          {
            filename: `top-pages-${key}.csv`,
            contentType: 'text/csv; charset=utf-8',
            content: toCsv(
              ['page', 'page_views', 'exits', 'exit_rate_pct', 'avg_time_on_page_seconds'],
              web.topPages.map((p) => [p.page, p.views, p.exits, p.exitRate, p.avgTimeOnPageSeconds]),
            ),
          },
        ]
      : [];
  return [
    ...byGroup,
    {
      filename: `mrr-movements-by-account-${key}.csv`,
      contentType: 'text/csv; charset=utf-8',
      content: movementsCsv,
    },
    { filename: `accounts-at-risk-${key}.csv`, contentType: 'text/csv; charset=utf-8', content: atRiskCsv },
    ...topPages,
  ];
}

/**
 * The digest with as many optional blocks as fit under MAX_HTML_BYTES: the least important
 * go first (view.ts OPTIONAL_BLOCKS), each named in a note at the top. Size never fails a
 * send: if even the smallest digest were over the limit, it goes out as it is (Gmail then
 * offers "view entire message"), which is better than no digest at all.
 */
export function fitToSize(
  snapshot: Snapshot,
  locale: Locale,
  maxBytes = MAX_HTML_BYTES,
  alerts: readonly AlertRecord[] = [],
): { view: DigestView; html: string } {
  const template = snapshot.period.kind === 'monthly' ? MONTHLY_TEMPLATE : WEEKLY_TEMPLATE;
  const omit = new Set<OptionalBlockId>();
  for (let dropped = 0; ; dropped += 1) {
    const view = buildDigestView(snapshot, locale, { omit });
    const html = fillTemplate(template, slotValues(view, alerts));
    const next = OPTIONAL_BLOCKS[dropped];
    if (Buffer.byteLength(html, 'utf8') <= maxBytes || next === undefined) return { view, html };
    omit.add(next);
  }
}

export async function renderDigest(snapshot: Snapshot, options: RenderDigestOptions): Promise<DigestMessage> {
  try {
    if (!isLocale(options.locale)) {
      throw new DigestRenderError(
        `unknown locale "${String(options.locale)}" (expected ${LOCALES.join(', ')})`,
      );
    }
    assertAddress(options.from, 'sender');
    if (options.to.length === 0) throw new DigestRenderError('no recipients');
    for (const to of options.to) assertAddress(to, 'recipient');
    assertRenderableSnapshot(snapshot);

    const { view, html } = fitToSize(snapshot, options.locale, MAX_HTML_BYTES, options.alerts ?? []);
    const text = withAlertsText(renderText(view), options.alerts ?? [], view.locale);
    return {
      from: options.from,
      to: [...options.to],
      subject: oneLine(view.subject),
      html,
      text,
      inlineImages: [],
      attachments: [
        ...(view.kind === 'monthly' ? monthlyAttachments(snapshot) : []),
        // CSM digests on: every book, beyond the table's largest ones.
        ...(snapshot.details.csmBooks
          ? [
              {
                filename: teamBooksCsvName(snapshot.period.key),
                contentType: 'text/csv; charset=utf-8',
                content: teamBooksCsv(snapshot.details.csmBooks, snapshot.currency),
              },
            ]
          : []),
      ],
      headers: { [PERIOD_HEADER]: `${snapshot.period.kind}/${snapshot.period.key}` },
    };
  } catch (error) {
    if (error instanceof DigestRenderError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new DigestRenderError(message, { cause: error });
  }
}
