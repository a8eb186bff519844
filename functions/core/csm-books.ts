/**
 * Books of business: every CSM's share of the period, assembled from the rows of the csm_*.sql
 * queries (each run once for all books, grouped or keyed by owner) and the company snapshot.
 * Pure: no I/O; the queries run in functions/core/csm-report.ts.
 *
 * Rules (docs/csm-digests.md):
 * - an account's owner is accounts.csm_owner as of the period's last day (trimmed, lower-case);
 *   empty is the "unassigned" book;
 * - an owner is mailed only when it is an e-mail address in one of the allowed domains
 *   (`csmDomains`, exact domain match); any other value is a rejected owner, counted and listed
 *   in the team digest, never mailed;
 * - the book's MRR bridge is revenue_summary's over the book's accounts, so it holds to the cent
 *   and the books (valid, rejected and unassigned) add up to the company.
 */
import { daysBetween, parseDay } from './period.js';
import { InputError } from './input-error.js';
import { AT_RISK_FROM, healthBand, type ScoredAccount } from './health.js';
import { num, type PeriodValue } from './kpis/group.js';
import { periodValues, revenueTotals, type RevenueTotals } from './kpis/revenue.js';
import type { AccountMovement, HealthComponents, KpiId, Snapshot } from './snapshot.js';
import type { Row } from './sql-values.js';

/** Why an owner value is not mailed. */
export type RejectedOwnerReason = 'csm_owner_not_an_address' | 'csm_owner_outside_domains';
export type OwnerStatus = 'valid' | 'unassigned' | RejectedOwnerReason;

/** A health score drop of at least this many points since the previous period is listed. */
export const HEALTH_DROP_POINTS = 15;
/** Open tickets older than this many days at the end of the period are listed. */
export const OLD_TICKET_DAYS = 3;
/** Renewal windows after the period's last day, in days. */
export const RENEWAL_WINDOWS = [30, 60, 90] as const;
export type RenewalWindow = (typeof RENEWAL_WINDOWS)[number];

const ADDRESS_RE =
  /^[^\s@<>,;"()[\]\\]+@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)$/;
const DOMAIN_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** A `csmDomains` entry, lower-cased; throws on anything that is not a domain name. */
export function normaliseDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/^@/, '');
  if (!DOMAIN_RE.test(d)) throw new InputError(`csmDomains: "${domain}" is not a domain name`);
  return d;
}

/** An owner as the SQL normalises it (relations/account_owners.sql): trimmed, lower-case, null when empty. */
export function normaliseOwner(raw: string | null): string | null {
  if (raw === null) return null;
  const owner = raw.trim().toLowerCase();
  return owner === '' ? null : owner;
}

/** Whether the owner may receive their book: an address in one of the allowed domains. */
export function classifyOwner(owner: string | null, domains: readonly string[]): OwnerStatus {
  if (owner === null) return 'unassigned';
  const match = ADDRESS_RE.exec(owner);
  if (!match) return 'csm_owner_not_an_address';
  return domains.includes(match[1] as string) ? 'valid' : 'csm_owner_outside_domains';
}

// ---------------------------------------------------------------------------------------------
// Renewals: the catalog's terms (start_date + k × interval_months months, k >= 1, month ends clamp)

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Year, month (1–12) and day of a day already checked to be a calendar day. */
function dayParts(day: string): readonly [number, number, number] {
  parseDay(day);
  return [Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))];
}

/** A checked day's parts plus `months`, clamped to the month's end, as YYYY-MM-DD. */
function shiftedDay(parts: readonly [number, number, number], months: number): string {
  const index = parts[0] * 12 + (parts[1] - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(Math.min(parts[2], daysInMonth(year, month)))}`;
}

/** `day` plus `months` calendar months, the day clamped to the month's end (31 Jan + 1 = 28/29 Feb). */
export function addMonthsClamped(day: string, months: number): string {
  return shiftedDay(dayParts(day), months);
}

/** The first term end of a row after `after` (exclusive), or null when the row ends before it. */
export function nextTermEnd(
  row: { readonly startDate: string; readonly endDate: string | null; readonly intervalMonths: number },
  after: string,
): string | null {
  if (!(row.intervalMonths >= 1)) return null;
  // The start is checked once; every term end is computed from its parts (a book has
  // thousands of rows, each tried at one or two k).
  const start = dayParts(row.startDate);
  const [ay, am] = dayParts(after);
  // Months from the start month to `after`'s month, rounded down to whole terms, as a first guess.
  let k = Math.max(1, Math.floor(((ay - start[0]) * 12 + am - start[1]) / row.intervalMonths));
  while (k > 1 && shiftedDay(start, (k - 1) * row.intervalMonths) > after) k -= 1;
  let end = shiftedDay(start, k * row.intervalMonths);
  while (end <= after) {
    k += 1;
    end = shiftedDay(start, k * row.intervalMonths);
  }
  // A row that ends before its term ends does not complete the term (end_date is exclusive).
  if (row.endDate !== null && row.endDate < end) return null;
  return end;
}

/** The window (30, 60 or 90 days after `lastDay`) a term end falls in, or null beyond 90 days. */
export function renewalWindow(termEnd: string, lastDay: string): RenewalWindow | null {
  const days = daysBetween(lastDay, termEnd);
  if (days < 1) return null;
  return RENEWAL_WINDOWS.find((w) => days <= w) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Book contents

export interface BookAccount {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly segment: string | null;
  readonly mrrStart: number;
  readonly mrrEnd: number;
  readonly movement: AccountMovement['movement'] | null;
  readonly mrrChange: number;
  readonly healthScore: number | null;
  readonly previousHealthScore: number | null;
  readonly band: ScoredAccount['band'] | null;
}

export interface BookAtRisk {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly mrr: number;
  readonly healthScore: number;
  readonly components: HealthComponents;
}

export interface ComponentFall {
  readonly component: keyof HealthComponents;
  readonly from: number;
  readonly to: number;
}

export interface HealthDrop {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly mrr: number;
  readonly healthScore: number;
  readonly previousHealthScore: number;
  /** Components lower than in the previous period, largest fall first. */
  readonly fell: readonly ComponentFall[];
}

export interface Renewal {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly subscriptionId: string;
  readonly plan: string | null;
  readonly intervalMonths: number;
  readonly termEnd: string;
  readonly days: number;
  readonly window: RenewalWindow;
  readonly mrr: number;
}

export interface SurveyAnswer {
  readonly responseId: string;
  readonly accountId: string;
  readonly accountName: string | null;
  readonly survey: string;
  readonly score: number;
  readonly scaleMax: number | null;
  readonly respondedAt: string;
  readonly comment: string | null;
  readonly detractor: boolean;
}

export interface OpenTicket {
  readonly ticketId: string;
  readonly accountId: string;
  readonly accountName: string | null;
  readonly createdAt: string;
  readonly channel: string | null;
  readonly ageDays: number;
}

export interface OverdueInvoice {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly accountName: string | null;
  readonly dueAt: string;
  readonly amount: number;
  readonly currency: string;
  /** In the reporting currency, at last_day's rates. */
  readonly amountReporting: number;
  readonly daysOverdue: number;
}

/** The headline figures of a book, with the previous period and the company's figure. */
export const BOOK_HEADLINE = [
  'mrr',
  'customers',
  'net_new_mrr',
  'net_revenue_retention',
  'health_score',
  'nps',
] as const satisfies readonly KpiId[];
export type BookHeadlineId = (typeof BOOK_HEADLINE)[number];

export interface BookFigure {
  readonly value: number | null;
  readonly previous: number | null;
  readonly company: number | null;
  readonly reason?: string;
}

/** The MRR bridge of a book in one period (revenue_summary's totals, as numbers). */
export interface BookBridge {
  readonly mrrStart: number;
  readonly fxAdjustment: number;
  readonly new: number;
  readonly reactivation: number;
  readonly expansion: number;
  readonly contraction: number;
  readonly churn: number;
  readonly mrrEnd: number;
}

export interface CsmBook {
  /** The normalised owner; null for the unassigned book. */
  readonly owner: string | null;
  readonly status: OwnerStatus;
  readonly headline: Readonly<Record<BookHeadlineId, BookFigure>>;
  /** Index 0: the report's period, 1: the previous one. */
  readonly bridge: readonly [BookBridge, BookBridge];
  /** Exact decimal text of the period's closing MRR (to check sums to the cent). */
  readonly mrrEndText: string;
  readonly accountsAtRisk: number | null;
  readonly accounts: readonly BookAccount[];
  /** Accounts with an MRR movement, largest change first. */
  readonly movements: readonly AccountMovement[];
  /** Every account below 40, highest MRR first. */
  readonly atRisk: readonly BookAtRisk[];
  readonly healthDrops: readonly HealthDrop[];
  /** Renewals (interval of 3 months or more) in the next 90 days, soonest first. */
  readonly renewals: readonly Renewal[];
  /** Monthly subscription rows renewing in the next 30 days: counted, not listed. */
  readonly monthlyRenewals: { readonly rows: number; readonly mrr: number };
  readonly surveys: readonly SurveyAnswer[];
  readonly tickets: readonly OpenTicket[];
  readonly invoices: readonly OverdueInvoice[];
}

/** A rejected owner value, for the team digest and the data-quality section. */
export interface RejectedOwner {
  readonly owner: string;
  readonly reason: RejectedOwnerReason;
  readonly accounts: number;
  /** One of its accounts, to find the row. */
  readonly exampleAccountId: string;
}

export interface CsmBooks {
  readonly domains: readonly string[];
  /** Every book: valid owners by address, then rejected ones, then the unassigned book last. */
  readonly books: readonly CsmBook[];
  readonly rejected: readonly RejectedOwner[];
}

/** The rows of every csm_*.sql query (and the scored health of periods 0 and 1). */
export interface BookInputs {
  readonly revenue: readonly Row[];
  readonly nps: readonly Row[];
  readonly accounts: readonly Row[];
  readonly surveys: readonly Row[];
  readonly tickets: readonly Row[];
  readonly invoices: readonly Row[];
  readonly renewalRows: readonly Row[];
  /** null when health cannot be scored (no usage_events, bad weights): no health figures. */
  readonly health: readonly [readonly ScoredAccount[], readonly ScoredAccount[]] | null;
  readonly healthReason?: string;
}

export interface BookContext {
  readonly lastDay: string;
  readonly domains: readonly string[];
  readonly company: Pick<Snapshot, 'kpis'>;
}

const text = (cell: Row[string] | undefined): string | null => (typeof cell === 'string' ? cell : null);
const numberOrZero = (cell: Row[string] | undefined): number => num(cell) ?? 0;
const ownerKey = (owner: string | null): string => owner ?? '';
const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function bridgeOf(t: RevenueTotals): BookBridge {
  return {
    mrrStart: t.mrrStart,
    fxAdjustment: t.fxAdjustment,
    new: t.mrrNew,
    reactivation: t.mrrReactivation,
    expansion: t.mrrExpansion,
    contraction: t.mrrContraction,
    churn: t.mrrChurn,
    mrrEnd: t.mrrEnd,
  };
}

function npsOf(row: Row | undefined): PeriodValue {
  const responses = numberOrZero(row?.nps_responses);
  if (responses === 0) return { value: null, reason: 'no NPS responses in the period' };
  return {
    value: ((numberOrZero(row?.nps_promoters) - numberOrZero(row?.nps_detractors)) / responses) * 100,
  };
}

function meanHealth(accounts: readonly ScoredAccount[] | undefined): number | null {
  if (!accounts || accounts.length === 0) return null;
  return accounts.reduce((sum, a) => sum + a.healthScore, 0) / accounts.length;
}

const COMPONENTS: readonly (keyof HealthComponents)[] = [
  'frequency',
  'breadth',
  'depth',
  'sentiment',
  'supportBilling',
];

/** Accounts whose score fell by HEALTH_DROP_POINTS or more, largest drop first. */
export function healthDrops(
  current: readonly ScoredAccount[],
  previous: readonly ScoredAccount[],
): HealthDrop[] {
  const before = new Map(previous.map((a) => [a.accountId, a]));
  const drops: HealthDrop[] = [];
  for (const a of current) {
    const p = before.get(a.accountId);
    // Rounded like the scores shown, so that a drop shown as 15.0 is listed.
    if (!p || Math.round((p.healthScore - a.healthScore) * 1e6) / 1e6 < HEALTH_DROP_POINTS) continue;
    const fell = COMPONENTS.filter((c) => a.components[c] < p.components[c])
      .map((c) => ({ component: c, from: p.components[c], to: a.components[c] }))
      .sort((x, y) => y.from - y.to - (x.from - x.to) || byId(x.component, y.component));
    drops.push({
      accountId: a.accountId,
      accountName: a.accountName,
      mrr: a.mrr,
      healthScore: a.healthScore,
      previousHealthScore: p.healthScore,
      fell,
    });
  }
  return drops.sort(
    (x, y) =>
      y.previousHealthScore - y.healthScore - (x.previousHealthScore - x.healthScore) ||
      byId(x.accountId, y.accountId),
  );
}

const MOVEMENTS = new Set(['new', 'reactivation', 'expansion', 'contraction', 'churn']);

/** A detractor: NPS 0–6, CSAT 1–2, CES in the upper (harder) part of its scale. */
export function isDetractor(survey: string, score: number, scaleMax: number | null): boolean {
  if (survey === 'nps') return score <= 6;
  if (survey === 'csat') return score <= 2;
  if (survey === 'ces') return score >= (scaleMax === 7 ? 5 : 4);
  return false;
}

function companyFigure(company: Pick<Snapshot, 'kpis'>, id: BookHeadlineId): number | null {
  return company.kpis[id]?.value ?? null;
}

/** Assembles every book from the query rows; pure. */
export function assembleBooks(inputs: BookInputs, context: BookContext): CsmBooks {
  const domains = context.domains;
  // Owner of each account (period 0): the accounts list has every account of every book.
  const ownerOf = new Map<string, string | null>();
  const accountRows = new Map<string, Row>();
  for (const row of inputs.accounts) {
    const id = text(row.account_id);
    if (id === null) continue;
    ownerOf.set(id, text(row.csm_owner));
    accountRows.set(id, row);
  }
  const nameOf = (id: string): string | null => text(accountRows.get(id)?.account_name);

  const owners = new Set<string>();
  const revenue = new Map<string, Row>();
  for (const row of inputs.revenue) {
    const key = `${numberOrZero(row.period_index)}|${ownerKey(text(row.csm_owner))}`;
    revenue.set(key, row);
    owners.add(ownerKey(text(row.csm_owner)));
  }
  const nps = new Map<string, Row>();
  for (const row of inputs.nps)
    nps.set(`${numberOrZero(row.period_index)}|${ownerKey(text(row.csm_owner))}`, row);
  for (const owner of ownerOf.values()) owners.add(ownerKey(owner));

  const group = <T extends { accountId: string }>(items: readonly T[]): Map<string, T[]> => {
    const map = new Map<string, T[]>();
    for (const item of items) {
      const key = ownerKey(ownerOf.get(item.accountId) ?? null);
      const list = map.get(key);
      if (list) list.push(item);
      else map.set(key, [item]);
    }
    return map;
  };

  const health0 = new Map((inputs.health?.[0] ?? []).map((a) => [a.accountId, a]));
  const health1 = new Map((inputs.health?.[1] ?? []).map((a) => [a.accountId, a]));
  const bookAccounts = group(
    [...accountRows.entries()].map(([accountId, row]): BookAccount => {
      const movement = text(row.movement);
      const h0 = health0.get(accountId);
      return {
        accountId,
        accountName: text(row.account_name),
        segment: text(row.segment),
        mrrStart: numberOrZero(row.mrr_start_cc),
        mrrEnd: numberOrZero(row.mrr_end),
        movement:
          movement !== null && MOVEMENTS.has(movement) ? (movement as AccountMovement['movement']) : null,
        mrrChange: numberOrZero(row.mrr_change),
        healthScore: h0?.healthScore ?? null,
        previousHealthScore: health1.get(accountId)?.healthScore ?? null,
        band: h0 ? healthBand(h0.healthScore) : null,
      };
    }),
  );
  const scored0 = group(inputs.health?.[0] ?? []);
  const scored1 = group(inputs.health?.[1] ?? []);

  const monthly: { accountId: string; mrr: number }[] = [];
  const renewals = group(
    inputs.renewalRows.flatMap((row): Renewal[] => {
      const accountId = text(row.account_id);
      const startDate = text(row.start_date);
      const intervalMonths = num(row.interval_months);
      if (accountId === null || startDate === null || intervalMonths === null) return [];
      const termEnd = nextTermEnd(
        { startDate, endDate: text(row.end_date), intervalMonths },
        context.lastDay,
      );
      const window = termEnd === null ? null : renewalWindow(termEnd, context.lastDay);
      if (termEnd === null || window === null) return [];
      // Monthly rows renew every month: they are summed, not listed (docs/csm-digests.md).
      if (intervalMonths < 3) {
        if (window === 30) monthly.push({ accountId, mrr: numberOrZero(row.mrr) });
        return [];
      }
      return [
        {
          accountId,
          accountName: nameOf(accountId),
          subscriptionId: String(row.subscription_id),
          plan: text(row.plan),
          intervalMonths,
          termEnd,
          days: daysBetween(context.lastDay, termEnd),
          window,
          mrr: numberOrZero(row.mrr),
        },
      ];
    }),
  );
  const monthlyByOwner = group(monthly);
  const surveys = group(
    inputs.surveys.flatMap((row): SurveyAnswer[] => {
      const accountId = text(row.account_id);
      const survey = text(row.survey);
      const score = num(row.score);
      if (accountId === null || survey === null || score === null) return [];
      const scaleMax = num(row.scale_max);
      const comment = text(row.comment);
      return [
        {
          responseId: String(row.response_id),
          accountId,
          accountName: nameOf(accountId),
          survey,
          score,
          scaleMax,
          respondedAt: String(row.responded_at),
          comment: comment !== null && /\S/u.test(comment) ? comment : null,
          detractor: isDetractor(survey, score, scaleMax),
        },
      ];
    }),
  );
  const tickets = group(
    inputs.tickets.flatMap((row): OpenTicket[] => {
      const accountId = text(row.account_id);
      if (accountId === null) return [];
      return [
        {
          ticketId: String(row.ticket_id),
          accountId,
          accountName: nameOf(accountId),
          createdAt: String(row.created_at),
          channel: text(row.channel),
          ageDays: numberOrZero(row.age_days),
        },
      ];
    }),
  );
  const invoices = group(
    inputs.invoices.flatMap((row): OverdueInvoice[] => {
      const accountId = text(row.account_id);
      if (accountId === null) return [];
      return [
        {
          invoiceId: String(row.invoice_id),
          accountId,
          accountName: nameOf(accountId),
          dueAt: String(row.due_at),
          amount: numberOrZero(row.amount),
          currency: String(row.currency),
          amountReporting: numberOrZero(row.amount_reporting),
          daysOverdue: numberOrZero(row.days_overdue),
        },
      ];
    }),
  );

  const books: CsmBook[] = [];
  for (const key of owners) {
    const owner = key === '' ? null : key;
    const totals0 = revenueTotals(revenue.get(`0|${key}`));
    const totals1 = revenueTotals(revenue.get(`1|${key}`));
    const v0 = periodValues(totals0);
    const v1 = periodValues(totals1);
    const nps0 = npsOf(nps.get(`0|${key}`));
    const nps1 = npsOf(nps.get(`1|${key}`));
    const h0 = scored0.get(key) ?? [];
    const h1 = scored1.get(key) ?? [];
    const healthValue = inputs.health ? meanHealth(h0) : null;
    const healthPrevious = inputs.health ? meanHealth(h1) : null;
    const figure = (id: BookHeadlineId, value: PeriodValue, previous: PeriodValue): BookFigure => ({
      value: value.value,
      previous: previous.value,
      company: companyFigure(context.company, id),
      ...(value.value === null && value.reason ? { reason: value.reason } : {}),
    });
    const healthReason = inputs.health
      ? 'no paying accounts on last_day'
      : (inputs.healthReason ?? 'not available');
    const accounts = [...(bookAccounts.get(key) ?? [])].sort((a, b) => byId(a.accountId, b.accountId));
    const movements = accounts
      .filter((a) => a.movement !== null)
      .map((a): AccountMovement => ({
        accountId: a.accountId,
        accountName: a.accountName,
        segment: a.segment,
        movement: a.movement as AccountMovement['movement'],
        mrrStart: a.mrrStart,
        mrrEnd: a.mrrEnd,
        amount: a.mrrChange,
      }))
      .sort((a, b) => Math.abs(b.amount) - Math.abs(a.amount) || byId(a.accountId, b.accountId));
    const atRisk = h0
      .filter((a) => a.healthScore < AT_RISK_FROM)
      .map((a) => ({
        accountId: a.accountId,
        accountName: a.accountName,
        mrr: a.mrr,
        healthScore: a.healthScore,
        components: a.components,
      }))
      .sort((a, b) => b.mrr - a.mrr || byId(a.accountId, b.accountId));
    books.push({
      owner,
      status: classifyOwner(owner, domains),
      headline: {
        mrr: figure('mrr', v0.mrr, v1.mrr),
        customers: figure('customers', v0.customers, v1.customers),
        net_new_mrr: figure('net_new_mrr', v0.net_new_mrr, v1.net_new_mrr),
        net_revenue_retention: figure(
          'net_revenue_retention',
          v0.net_revenue_retention,
          v1.net_revenue_retention,
        ),
        health_score: figure(
          'health_score',
          healthValue === null ? { value: null, reason: healthReason } : { value: healthValue },
          { value: healthPrevious },
        ),
        nps: figure('nps', nps0, nps1),
      },
      bridge: [bridgeOf(totals0), bridgeOf(totals1)],
      mrrEndText: String(revenue.get(`0|${key}`)?.mrr_end ?? '0'),
      accountsAtRisk: inputs.health ? atRisk.length : null,
      accounts,
      movements,
      atRisk,
      healthDrops: healthDrops(h0, h1),
      monthlyRenewals: {
        rows: (monthlyByOwner.get(key) ?? []).length,
        mrr: (monthlyByOwner.get(key) ?? []).reduce((sum, r) => sum + r.mrr, 0),
      },
      renewals: [...(renewals.get(key) ?? [])].sort(
        (a, b) => byId(a.termEnd, b.termEnd) || b.mrr - a.mrr || byId(a.subscriptionId, b.subscriptionId),
      ),
      surveys: [...(surveys.get(key) ?? [])].sort(
        (a, b) =>
          Number(b.detractor) - Number(a.detractor) ||
          Number(b.comment !== null) - Number(a.comment !== null) ||
          byId(b.respondedAt, a.respondedAt) ||
          byId(a.responseId, b.responseId),
      ),
      tickets: [...(tickets.get(key) ?? [])].sort(
        (a, b) => byId(a.createdAt, b.createdAt) || byId(a.ticketId, b.ticketId),
      ),
      invoices: [...(invoices.get(key) ?? [])].sort(
        (a, b) => b.amountReporting - a.amountReporting || byId(a.invoiceId, b.invoiceId),
      ),
    });
  }
  const rank = (b: CsmBook): number => (b.status === 'valid' ? 0 : b.status === 'unassigned' ? 2 : 1);
  books.sort((a, b) => rank(a) - rank(b) || byId(ownerKey(a.owner), ownerKey(b.owner)));
  const rejected = books.flatMap((b): RejectedOwner[] =>
    b.status === 'valid' || b.status === 'unassigned' || b.owner === null
      ? []
      : [
          {
            owner: b.owner,
            reason: b.status,
            accounts: b.accounts.length,
            exampleAccountId: b.accounts[0]?.accountId ?? '',
          },
        ],
  );
  return { domains, books, rejected };
}

/** Whether a book has anything to act on this period (a book without it gets no mail by default). */
export function hasActivity(book: CsmBook): boolean {
  return (
    book.movements.length > 0 ||
    book.atRisk.length > 0 ||
    book.healthDrops.length > 0 ||
    book.renewals.length > 0 ||
    book.surveys.length > 0 ||
    book.tickets.length > 0 ||
    book.invoices.length > 0
  );
}
