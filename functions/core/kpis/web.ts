/**
 * Website and social engagement (the catalog's "Web engagement" section), from the optional
 * tables web_events and social_posts.
 *
 * web_engagement.sql reads web_events once per report, for every period the calendar computes
 * (0 and 1 when trend points 2–11 come from the stored snapshot, else 0 … 11), and only the dt
 * partitions of those periods' instants plus one day either side (see webDtRange).
 * social_engagement.sql reads the small social_posts table.
 *
 * Decisions the catalog leaves open (docs/kpis.md, "Website and social"):
 * - A page view, its time on page and its exit count in the period of the page view's own
 *   instant; the next page view of its session may lie after the period (or in the next dt
 *   partition): the query reads 24 hours beyond the periods for it. A session is taken to last
 *   at most 24 hours.
 * - Sessions (bounce rate) count in the period of their first event, with every event of the
 *   session; "sessions with a page view" (pages per session) are the sessions with a page view
 *   in the period, so a session across midnight at a period boundary counts in both, each with
 *   its own page views.
 * - Scroll depth: a scroll event belongs to the latest page view of its session at or before
 *   it, on the same page; other scroll events belong to no page view. Page views without a
 *   scroll event are left out of the mean (unknown, not 0 %).
 * - New visitors: visitors of the period with no event in the previous period (the report reads
 *   that period anyway; older history would multiply what a weekly report reads).
 * - Known customers: sessions in which some event carries an account_id; a visitor with both
 *   kinds of sessions counts among the visitors of each.
 * - Duplicate event ids are one event.
 */
import {
  num,
  ratio,
  type KpiGroup,
  type KpiGroupContext,
  type KpiGroupResult,
  type PeriodValue,
} from './group.js';
import type { Row, SqlParam } from '../sql-values.js';
import {
  TREND_PERIODS,
  type KpiId,
  type SocialPlatformStats,
  type WebDetails,
  type WebPageStats,
  type WebSegmentStats,
} from '../snapshot.js';
import type { Period } from '../period.js';

const DAY_MS = 86_400_000;
/** Top pages kept in the snapshot (the monthly CSV); the digest shows the first 10. */
const TOP_PAGES = 50;
const TOP_EXIT_PAGES = 10;

export const WEB_KPIS = [
  'page_views',
  'unique_visitors',
  'pages_per_session',
  'bounce_rate',
  'avg_time_on_page_seconds',
  'click_through_rate',
  'avg_scroll_depth',
] as const satisfies readonly KpiId[];

export const SOCIAL_KPIS = ['social_engagement_rate'] as const satisfies readonly KpiId[];

/** Periods the web queries compute: every calendar period but the last (it only gives a start). */
export function computedPeriods(periods: readonly Period[]): number {
  return Math.max(1, Math.min(TREND_PERIODS, periods.length - 1));
}

const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The dt partitions (UTC dates) web_engagement.sql reads: those of every instant from one day
 * before the earliest computed period to one day after period 0.
 */
export function webDtRange(periods: readonly Period[]): { fromDt: string; toDt: string } {
  const earliest = periods[computedPeriods(periods) - 1];
  const latest = periods[0];
  if (!earliest || !latest) throw new Error('the report calendar is empty');
  return {
    fromDt: utcDate(Date.parse(earliest.startUtc) - DAY_MS),
    // The window ends before end + 1 day: its last instant is 1 ms earlier.
    toDt: utcDate(Date.parse(latest.endUtc) + DAY_MS - 1),
  };
}

export interface WebCounts {
  readonly pageViews: number;
  readonly visitors: number;
  readonly sessionsWithViews: number;
  readonly sessions: number;
  readonly bounces: number;
  readonly timedViews: number;
  readonly timeOnPageSeconds: number;
  readonly exits: number;
  readonly impressions: number;
  readonly clicks: number;
  readonly scrolledViews: number;
  readonly scrollPctSum: number;
}

export const NO_WEB: WebCounts = {
  pageViews: 0,
  visitors: 0,
  sessionsWithViews: 0,
  sessions: 0,
  bounces: 0,
  timedViews: 0,
  timeOnPageSeconds: 0,
  exits: 0,
  impressions: 0,
  clicks: 0,
  scrolledViews: 0,
  scrollPctSum: 0,
};

function webCounts(row: Row): WebCounts {
  const n = (name: string): number => num(row[name]) ?? 0;
  return {
    pageViews: n('page_views'),
    visitors: n('visitors'),
    sessionsWithViews: n('sessions_with_views'),
    sessions: n('sessions'),
    bounces: n('bounces'),
    timedViews: n('timed_views'),
    timeOnPageSeconds: n('time_on_page_seconds'),
    exits: n('exits'),
    impressions: n('impressions'),
    clicks: n('clicks'),
    scrolledViews: n('scrolled_views'),
    scrollPctSum: n('scroll_pct_sum'),
  };
}

export interface WebActivity {
  /** Index = computed period. */
  readonly periods: readonly WebCounts[];
  readonly known: WebCounts;
  readonly anonymous: WebCounts;
  /** Distinct visitors of periods 0 and 1 together. */
  readonly visitorsOfPeriods01: number;
  /** Pages of period 0 among the top 50 by views or the top 10 by exits. */
  readonly pages: readonly (WebCounts & { readonly page: string })[];
}

export function parseWebActivity(rows: readonly Row[], periods: number): WebActivity {
  const byPeriod: WebCounts[] = Array.from({ length: periods }, () => NO_WEB);
  let known = NO_WEB;
  let anonymous = NO_WEB;
  let visitorsOfPeriods01 = 0;
  const pages: (WebCounts & { page: string })[] = [];
  for (const row of rows) {
    const index = num(row.period_index);
    if (row.grain === 'period' && index !== null && index >= 0 && index < periods) {
      byPeriod[index] = webCounts(row);
    } else if (row.grain === 'segment' && index === 0) {
      if (num(row.known) === 1) known = webCounts(row);
      else anonymous = webCounts(row);
    } else if (row.grain === 'visitors') {
      visitorsOfPeriods01 = num(row.visitors_0_1) ?? 0;
    } else if (row.grain === 'page' && typeof row.page === 'string') {
      pages.push({ ...webCounts(row), page: row.page });
    }
  }
  return { periods: byPeriod, known, anonymous, visitorsOfPeriods01, pages };
}

const reasons = {
  sessionsWithViews: 'no sessions with a page view in the period',
  sessions: 'no sessions started in the period',
  timed: 'no page view in the period was followed by another in its session',
  impressions: 'no impressions in the period',
  scrolled: 'no page view in the period has a scroll event',
  socialImpressions: 'no impressions of social posts published in the period',
} as const;

const meanOrNull = (sum: number, count: number): number | null => (count > 0 ? sum / count : null);

export function pagesPerSession(c: WebCounts): PeriodValue {
  const v = ratio(c.pageViews, c.sessionsWithViews, reasons.sessionsWithViews);
  return v.value === null ? v : { ...v, detail: { sessions: c.sessionsWithViews } };
}

export function bounceRate(c: WebCounts): PeriodValue {
  const v = ratio(c.bounces, c.sessions, reasons.sessions, 100);
  return v.value === null ? v : { ...v, detail: { sessions: c.sessions, bounces: c.bounces } };
}

export function avgTimeOnPage(c: WebCounts): PeriodValue {
  const v = ratio(c.timeOnPageSeconds, c.timedViews, reasons.timed);
  return v.value === null ? v : { ...v, detail: { timed_page_views: c.timedViews } };
}

export function clickThroughRate(c: WebCounts): PeriodValue {
  const v = ratio(c.clicks, c.impressions, reasons.impressions, 100);
  return v.value === null ? v : { ...v, detail: { clicks: c.clicks, impressions: c.impressions } };
}

export function avgScrollDepth(c: WebCounts): PeriodValue {
  const v = ratio(c.scrollPctSum, c.scrolledViews, reasons.scrolled);
  return v.value === null ? v : { ...v, detail: { page_views_with_scroll: c.scrolledViews } };
}

function segment(c: WebCounts): WebSegmentStats {
  return {
    visitors: c.visitors,
    pageViews: c.pageViews,
    sessions: c.sessions,
    bounceRate: c.sessions > 0 ? (c.bounces / c.sessions) * 100 : null,
    pagesPerSession: meanOrNull(c.pageViews, c.sessionsWithViews),
    avgTimeOnPageSeconds: meanOrNull(c.timeOnPageSeconds, c.timedViews),
  };
}

function pageStats(p: WebCounts & { page: string }): WebPageStats {
  return {
    page: p.page,
    views: p.pageViews,
    exits: p.exits,
    exitRate: p.pageViews > 0 ? (p.exits / p.pageViews) * 100 : 0,
    avgTimeOnPageSeconds: meanOrNull(p.timeOnPageSeconds, p.timedViews),
  };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function topPages(activity: WebActivity): WebPageStats[] {
  return activity.pages
    .filter((p) => p.pageViews > 0)
    .sort((a, b) => b.pageViews - a.pageViews || byText(a.page, b.page))
    .slice(0, TOP_PAGES)
    .map(pageStats);
}

export function topExitPages(activity: WebActivity): WebPageStats[] {
  return activity.pages
    .filter((p) => p.exits > 0)
    .sort((a, b) => b.exits - a.exits || byText(a.page, b.page))
    .slice(0, TOP_EXIT_PAGES)
    .map(pageStats);
}

/** Visitors of period 0 with no event in period 1 = |V0 ∪ V1| − |V1|. */
export function newVisitors(activity: WebActivity): number {
  const previous = activity.periods[1]?.visitors ?? 0;
  return Math.max(0, activity.visitorsOfPeriods01 - previous);
}

export interface SocialCounts {
  readonly posts: number;
  readonly impressions: number;
  readonly engagements: number;
}

export function socialEngagementRate(c: SocialCounts): PeriodValue {
  const v = ratio(c.engagements, c.impressions, reasons.socialImpressions, 100);
  return v.value === null
    ? v
    : { ...v, detail: { posts: c.posts, impressions: c.impressions, engagements: c.engagements } };
}

export function parseSocial(
  rows: readonly Row[],
  periods: number,
): { periods: SocialCounts[]; platforms: SocialPlatformStats[] } {
  const none: SocialCounts = { posts: 0, impressions: 0, engagements: 0 };
  const byPeriod: SocialCounts[] = Array.from({ length: periods }, () => none);
  const platforms: SocialPlatformStats[] = [];
  for (const row of rows) {
    const index = num(row.period_index);
    if (index === null || index < 0 || index >= periods) continue;
    const counts: SocialCounts = {
      posts: num(row.posts) ?? 0,
      impressions: num(row.impressions) ?? 0,
      engagements: num(row.engagements) ?? 0,
    };
    if (row.grain === 'period') byPeriod[index] = counts;
    else if (row.grain === 'platform' && index === 0 && typeof row.platform === 'string') {
      platforms.push({
        platform: row.platform,
        ...counts,
        engagementRate: counts.impressions > 0 ? (counts.engagements / counts.impressions) * 100 : null,
      });
    }
  }
  platforms.sort((a, b) => b.impressions - a.impressions || byText(a.platform, b.platform));
  return { periods: byPeriod, platforms };
}

const dtParams = (range: { fromDt: string; toDt: string }): SqlParam[] => [
  { type: 'varchar', value: range.fromDt },
  { type: 'varchar', value: range.toDt },
];

/**
 * Where web_engagement.sql's rows come from: the raw events, or the web rollups when the report
 * has them current (the same dt partitions, for the page views and for the sessions).
 */
export function webFacts(
  ctx: Pick<KpiGroupContext, 'periods' | 'webFromRollups'>,
): Record<string, { file: string; params: SqlParam[] }> {
  const dts = dtParams(webDtRange(ctx.periods));
  return {
    web_facts: ctx.webFromRollups
      ? { file: 'web_facts_rollup', params: [...dts, ...dts] }
      : { file: 'web_facts', params: dts },
  };
}

export const webGroup: KpiGroup = {
  name: 'web',
  kpis: [...WEB_KPIS, ...SOCIAL_KPIS],
  // Each table is optional: the group reports the KPIs of an absent one as not available.
  requires: [],
  async compute(ctx: KpiGroupContext): Promise<KpiGroupResult> {
    const periods = computedPeriods(ctx.periods);
    const hasWeb = ctx.available.has('web_events');
    const hasSocial = ctx.available.has('social_posts');
    if (!hasWeb && !hasSocial) {
      return { values: Object.fromEntries([...WEB_KPIS, ...SOCIAL_KPIS].map((id) => [id, absent(id)])) };
    }
    const [webRows, socialRows] = await Promise.all([
      hasWeb ? ctx.run('web_engagement', [], { heads: webFacts(ctx) }) : Promise.resolve(null),
      hasSocial ? ctx.run('social_engagement') : Promise.resolve(null),
    ]);
    const values: Partial<Record<KpiId, readonly PeriodValue[]>> = {};
    let web: WebActivity | null = null;
    if (webRows === null) {
      for (const id of WEB_KPIS) values[id] = absent(id);
    } else {
      web = parseWebActivity(webRows, periods);
      const activity = web;
      const fresh = newVisitors(activity);
      values.page_views = activity.periods.map((c) => ({ value: c.pageViews }));
      values.unique_visitors = activity.periods.map((c, i) => ({
        value: c.visitors,
        ...(i === 0
          ? {
              detail: {
                new_visitors: fresh,
                new_visitor_share: c.visitors > 0 ? (fresh / c.visitors) * 100 : null,
              },
            }
          : {}),
      }));
      values.pages_per_session = activity.periods.map(pagesPerSession);
      values.bounce_rate = activity.periods.map(bounceRate);
      values.avg_time_on_page_seconds = activity.periods.map(avgTimeOnPage);
      values.click_through_rate = activity.periods.map(clickThroughRate);
      values.avg_scroll_depth = activity.periods.map(avgScrollDepth);
    }
    let platforms: SocialPlatformStats[] = [];
    if (socialRows === null) {
      values.social_engagement_rate = absent('social_engagement_rate');
    } else {
      const social = parseSocial(socialRows, periods);
      values.social_engagement_rate = social.periods.map(socialEngagementRate);
      platforms = social.platforms;
    }
    const visitors = web?.periods[0]?.visitors ?? 0;
    const fresh = web ? newVisitors(web) : 0;
    const details: WebDetails = {
      topPages: web ? topPages(web) : [],
      topExitPages: web ? topExitPages(web) : [],
      visitors,
      newVisitors: fresh,
      newVisitorShare: visitors > 0 ? (fresh / visitors) * 100 : null,
      knownCustomers: segment(web?.known ?? NO_WEB),
      anonymous: segment(web?.anonymous ?? NO_WEB),
      socialByPlatform: platforms,
    };
    return { values, details: { web: details } };
  },
};

function absent(id: KpiId): PeriodValue[] {
  const table = (SOCIAL_KPIS as readonly KpiId[]).includes(id) ? 'social_posts' : 'web_events';
  const reason = `not available: no ${table} table`;
  return [
    { value: null, reason },
    { value: null, reason },
  ];
}
