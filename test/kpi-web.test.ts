/**
 * Website and social engagement on the hand-made fixture of test/helpers/web-fixture.ts
 * (written by the tests), week 2026-W46 (2026-11-09 .. 11-15). Every expected value is derived
 * by hand in a comment; the sessions are listed in the fixture's comment.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { createKpiContext } from '../functions/app/context.js';
import { periodFromKey } from '../functions/core/period.js';
import { computedPeriods, webDtRange, webGroup } from '../functions/core/kpis/web.js';
import type { KpiGroupResult } from '../functions/core/kpis/group.js';
import type { WebDetails } from '../functions/core/snapshot.js';
import { runKpiGroup, valueAt } from './helpers/kpi.js';
import { RecordingEngine } from './helpers/recording-engine.js';
import { GOOD_WEB_EVENTS, writeWebFixture } from './helpers/web-fixture.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function fixture(options: Parameters<typeof writeWebFixture>[0] = {}): string {
  const dir = writeWebFixture(options);
  dirs.push(dir);
  return dir;
}

const WARSAW = 'Europe/Warsaw';
const at = valueAt;
function web(result: KpiGroupResult): WebDetails {
  const details = result.details?.web;
  if (!details) throw new Error('no web details');
  return details;
}

describe('web group, 2026-W46 in Europe/Warsaw (UTC+1)', async () => {
  const { result, engine } = await runKpiGroup(webGroup, fixture(), '2026-W46', WARSAW);

  it('counts page views and unique visitors once per event id, by the event’s own instant', () => {
    // W46 = [11-08 23:00Z, 11-15 23:00Z). Page views: S1 e1, e6, e8 (delivered twice: once) = 3;
    // S2 e9 (twice: once) = 1; S3 e10, e13 = 2; S5 e18 (00:10 local on 11-09) = 1; S6 e20 = 1
    // → 8. e17 (23:50 local on 11-08) is W45's; e21 is after the week.
    expect(at(result, 'page_views', 0)?.value).toBe(8);
    // W45: e22, e23 (S7), e24 (S8), e17 (S5) = 4.
    expect(at(result, 'page_views', 1)?.value).toBe(4);
    // Visitors with any event in W46: V1 (S1, S6), V2, V3, V4 (scrolls only), V5 = 5; W45: V2, V6, V5 = 3.
    expect(at(result, 'unique_visitors', 0)?.value).toBe(5);
    expect(at(result, 'unique_visitors', 1)?.value).toBe(3);
  });

  it('gives the share of new visitors: not seen in the previous period', () => {
    // V1, V3, V4 have no W45 event; V2 (S7) and V5 (e17) do → 3 new of 5 = 60 %.
    expect(at(result, 'unique_visitors', 0)?.detail).toEqual({ new_visitors: 3, new_visitor_share: 60 });
    expect(web(result)).toMatchObject({ visitors: 5, newVisitors: 3, newVisitorShare: 60 });
  });

  it('divides page views by the sessions with a page view in the period', () => {
    // W46 sessions with a page view: S1, S2, S3, S5 (e18), S6 = 5 (S4 has none) → 8 / 5.
    expect(at(result, 'pages_per_session', 0)?.value).toBeCloseTo(1.6, 12);
    // W45: S7, S8, S5 (e17) = 3 → 4 / 3. S5 crosses local midnight and counts in both weeks.
    expect(at(result, 'pages_per_session', 1)?.value).toBeCloseTo(4 / 3, 12);
  });

  it('counts a bounce for a session of exactly one event, in the period of its first event', () => {
    // Sessions starting in W46: S1, S2, S3, S4 (first event a scroll), S6 = 5. S5 started in
    // W45 (23:50 local). Bounces: S2 only (e9 delivered twice is one event; the "hover" row is
    // excluded). S6 has two events (its second is after the week, read from the next partition).
    // → 1 / 5 = 20 %.
    expect(at(result, 'bounce_rate', 0)?.value).toBeCloseTo(20, 12);
    expect(at(result, 'bounce_rate', 0)?.detail).toEqual({ sessions: 5, bounces: 1 });
    // W45: S7 (2 events), S8 (1: bounce), S5 (2) → 1 / 3.
    expect(at(result, 'bounce_rate', 1)?.value).toBeCloseTo(100 / 3, 12);
  });

  it('times each page view to the next page view of its session; the last page has no time', () => {
    // W46: e1 → e6 62 s, e6 → e8 60 s, e10 → e13 60 s, e20 → e21 4,200 s (e21 is after the week,
    // in dt=2026-11-16: read for this). e8, e9, e13, e18 end their sessions: no time.
    // (62 + 60 + 60 + 4200) / 4 = 1095.5 s.
    expect(at(result, 'avg_time_on_page_seconds', 0)?.value).toBeCloseTo(1095.5, 9);
    expect(at(result, 'avg_time_on_page_seconds', 0)?.detail).toEqual({ timed_page_views: 4 });
    // W45: e22 → e23 30 s; e17 → e18 1,200 s (the next view is in W46, attributed to e17's week).
    // (30 + 1200) / 2 = 615 s.
    expect(at(result, 'avg_time_on_page_seconds', 1)?.value).toBeCloseTo(615, 9);
  });

  it('divides clicks by impressions; a period without impressions has no rate', () => {
    // W46 impressions: e2, e11, e12 = 3; clicks: e5 = 1 → 33.3 %. e11 and e12 were shown, never clicked.
    expect(at(result, 'click_through_rate', 0)?.value).toBeCloseTo(100 / 3, 12);
    expect(at(result, 'click_through_rate', 1)).toEqual({
      value: null,
      reason: 'no impressions in the period',
    });
  });

  it('averages each page view’s maximum scroll depth; scrolls without their page view count nowhere', () => {
    // e1 (/home): scrolls 40, 80 → 80; e6 (/pricing): 50 (the rows with 150 and -5 are excluded).
    // e14 scrolls /home while /docs is viewed, S4's scrolls have no page view: neither counts.
    // Page views without a scroll are left out. (80 + 50) / 2 = 65.
    expect(at(result, 'avg_scroll_depth', 0)?.value).toBeCloseTo(65, 12);
    expect(at(result, 'avg_scroll_depth', 1)).toEqual({
      value: null,
      reason: 'no page view in the period has a scroll event',
    });
  });

  it('lists the top pages and the top exit pages with their exit rate', () => {
    // W46 views: /home e1, e8, e10 = 3 (exit: e8; times 62, 60); /blog e9, e20 = 2 (exit e9;
    // time 4200); /pricing e6, e18 = 2 (exit e18; time 60); /docs e13 = 1 (exit).
    expect(web(result).topPages).toEqual([
      { page: '/home', views: 3, exits: 1, exitRate: (1 / 3) * 100, avgTimeOnPageSeconds: 61 },
      { page: '/blog', views: 2, exits: 1, exitRate: 50, avgTimeOnPageSeconds: 4200 },
      { page: '/pricing', views: 2, exits: 1, exitRate: 50, avgTimeOnPageSeconds: 60 },
      { page: '/docs', views: 1, exits: 1, exitRate: 100, avgTimeOnPageSeconds: null },
    ]);
    // One exit each: by name.
    expect(web(result).topExitPages.map((p) => [p.page, p.exits, p.exitRate])).toEqual([
      ['/blog', 1, 50],
      ['/docs', 1, 100],
      ['/home', 1, (1 / 3) * 100],
      ['/pricing', 1, 50],
    ]);
  });

  it('gives the same figures for known customers and anonymous visitors', () => {
    // Known: S3 (its impressions carry account A1): V3, views e10, e13, one session without a
    // bounce, 2 pages per session, 60 s. Anonymous: V1, V2, V4, V5; views 6 (e1, e6, e8, e9,
    // e18, e20); sessions started S1, S2, S4, S6 (1 bounce: 25 %); sessions with views S1, S2,
    // S5, S6 → 6 / 4 = 1.5; times 62, 60, 4200 → 1440.67 s.
    expect(web(result).knownCustomers).toEqual({
      visitors: 1,
      pageViews: 2,
      sessions: 1,
      bounceRate: 0,
      pagesPerSession: 2,
      avgTimeOnPageSeconds: 60,
    });
    const anonymous = web(result).anonymous;
    expect(anonymous).toMatchObject({
      visitors: 4,
      pageViews: 6,
      sessions: 4,
      bounceRate: 25,
      pagesPerSession: 1.5,
    });
    expect(anonymous.avgTimeOnPageSeconds).toBeCloseTo(4322 / 3, 9);
  });

  it('computes social engagement over the posts published in the period, per platform', () => {
    // W46 (local): P1 (once), P2 (linkedin), P3 (instagram), P7 (x, 00:30 local on 11-09):
    // engagements 30 + 20 + 150 + 0 = 200 / impressions 1000 + 500 + 2000 + 500 = 4000 → 5 %.
    // P5 (negative), P8 (no platform), P9 (impressions not a number) are excluded.
    expect(at(result, 'social_engagement_rate', 0)?.value).toBeCloseTo(5, 12);
    // W45: P4 10 / 1000 = 1 %.
    expect(at(result, 'social_engagement_rate', 1)?.value).toBeCloseTo(1, 12);
    expect(web(result).socialByPlatform).toEqual([
      { platform: 'instagram', posts: 1, impressions: 2000, engagements: 150, engagementRate: 7.5 },
      { platform: 'linkedin', posts: 2, impressions: 1500, engagements: 50, engagementRate: 100 / 30 },
      { platform: 'x', posts: 1, impressions: 500, engagements: 0, engagementRate: 0 },
    ]);
  });

  it('reads web_events once, over the dt partitions of the computed periods and a day either side', () => {
    const webQueries = engine.requests.filter((r) => r.sql.includes('web_events'));
    expect(webQueries.map((r) => r.name)).toEqual(['web_engagement']);
    // 12 computed weeks: W35 starts 2026-08-24 00:00 local = 08-23 22:00Z (CEST); a day earlier
    // is dt 2026-08-22. W46 ends 11-15 23:00Z; a day later is still dt 2026-11-16.
    expect(webQueries[0]?.params).toEqual([
      { type: 'varchar', value: '2026-08-22' },
      { type: 'varchar', value: '2026-11-16' },
    ]);
  });

  it('gives the 12 trend periods of page views, unique visitors and bounce rate', () => {
    for (const id of ['page_views', 'unique_visitors', 'bounce_rate'] as const) {
      expect(result.values[id]).toHaveLength(12);
    }
    // W44 and earlier have no events: 0 views, no sessions (bounce rate null with a reason).
    expect(at(result, 'page_views', 2)?.value).toBe(0);
    expect(at(result, 'bounce_rate', 2)).toEqual({
      value: null,
      reason: 'no sessions started in the period',
    });
  });
});

describe('web group, the same week in UTC', async () => {
  const { result } = await runKpiGroup(webGroup, fixture(), '2026-W46', 'UTC');

  it('moves the session across Warsaw midnight wholly into the previous week', () => {
    // In UTC, e17 (22:50Z) and e18 (23:10Z) both fall on 11-08 (W45): W46 loses e18 → 7 views;
    // sessions with views S1, S2, S3, S6 → 7 / 4.
    expect(at(result, 'page_views', 0)?.value).toBe(7);
    expect(at(result, 'pages_per_session', 0)?.value).toBeCloseTo(1.75, 12);
    // W45: e22, e23, e24, e17, e18 = 5; times 30 s and 1,200 s.
    expect(at(result, 'page_views', 1)?.value).toBe(5);
    expect(at(result, 'avg_time_on_page_seconds', 1)?.value).toBeCloseTo(615, 9);
    // e20 (22:55Z on 11-15) is still W46's, and its next view e21 (00:05Z on 11-16, after the
    // week) still gives it 4,200 s: (62 + 60 + 60 + 4200) / 4.
    expect(at(result, 'avg_time_on_page_seconds', 0)?.value).toBeCloseTo(1095.5, 9);
    // P7 (11-08 23:30Z) is W45's in UTC: W46 = (30 + 20 + 150) / (1000 + 500 + 2000) = 5.71 %.
    expect(at(result, 'social_engagement_rate', 0)?.value).toBeCloseTo((200 / 3500) * 100, 12);
  });
});

describe('web group, a session that ends beyond the partitions read', async () => {
  it('treats a page view whose next view is more than a day after the period as the session’s last', async () => {
    // S6's second view moved to 11-17 00:05Z: beyond W46's end + 24 h (11-16 23:00Z), so e20
    // has no time on page and is an exit: (62 + 60 + 60) / 3 = 60.67 s, 5 exits.
    const moved = GOOD_WEB_EVENTS.map((r) =>
      r.event_id === 'e21' ? { ...r, occurred_at: '2026-11-17T00:05:00Z' } : r,
    );
    const { result } = await runKpiGroup(webGroup, fixture({ web: moved }), '2026-W46', WARSAW);
    expect(at(result, 'avg_time_on_page_seconds', 0)?.value).toBeCloseTo(182 / 3, 9);
    expect(web(result).topPages.find((p) => p.page === '/blog')).toMatchObject({ exits: 2, exitRate: 100 });
  });
});

describe('web group with a table absent', () => {
  it('reports the web KPIs as not available without web_events, and still computes social engagement', async () => {
    const { result, engine } = await runKpiGroup(webGroup, fixture({ web: null }), '2026-W46', WARSAW);
    for (const id of ['page_views', 'unique_visitors', 'bounce_rate', 'avg_scroll_depth'] as const) {
      expect(at(result, id, 0)).toEqual({ value: null, reason: 'not available: no web_events table' });
    }
    expect(at(result, 'social_engagement_rate', 0)?.value).toBeCloseTo(5, 12);
    expect(engine.requests.map((r) => r.name)).toEqual(['social_engagement']);
    expect(web(result).topPages).toEqual([]);
  });

  it('reports social engagement as not available without social_posts', async () => {
    const { result } = await runKpiGroup(webGroup, fixture({ social: null }), '2026-W46', WARSAW);
    expect(at(result, 'social_engagement_rate', 0)).toEqual({
      value: null,
      reason: 'not available: no social_posts table',
    });
    expect(at(result, 'page_views', 0)?.value).toBe(8);
    expect(web(result).socialByPlatform).toEqual([]);
  });

  it('runs no query and gives no details when both are absent', async () => {
    const { result, engine } = await runKpiGroup(
      webGroup,
      fixture({ web: null, social: null }),
      '2026-W46',
      WARSAW,
    );
    expect(engine.requests).toEqual([]);
    expect(result.details).toBeUndefined();
    expect(at(result, 'click_through_rate', 0)?.reason).toBe('not available: no web_events table');
    expect(at(result, 'social_engagement_rate', 1)?.reason).toBe('not available: no social_posts table');
  });
});

describe('web dt range', () => {
  it('reads only periods 0 and 1 (and a day either side) when trend points 2–11 are stored', () => {
    // The stored-trend calendar lists periods 0, 1 and 2; period 2 only gives period 1 a start.
    const period = periodFromKey('2026-W46', WARSAW);
    const calendar = [period, periodFromKey('2026-W45', WARSAW), periodFromKey('2026-W44', WARSAW)];
    expect(computedPeriods(calendar)).toBe(2);
    // W45 starts 11-01 23:00Z (CET); a day earlier is dt 2026-10-31.
    expect(webDtRange(calendar)).toEqual({ fromDt: '2026-10-31', toDt: '2026-11-16' });
  });
});

describe('data quality of web_events and social_posts', async () => {
  const dir = fixture();
  const engine = await DuckDbEngine.open({ dataDir: dir });
  const snapshot = await buildSnapshot(engine, {
    period: periodFromKey('2026-W46', WARSAW),
    currency: 'USD',
    now: new Date('2026-11-23T08:00:00Z'),
    groups: [webGroup],
  });
  await engine.close();
  const excluded = (table: string): Record<string, number> =>
    Object.fromEntries(
      snapshot.dataQuality.excluded.filter((e) => e.table === table).map((e) => [e.reason, e.rows]),
    );

  it('excludes and counts every contract-breaking kind of web event', () => {
    // b1 (event_type "hover"), b4 (scroll without scroll_pct), b9 (occurred_at "yesterday"):
    // invalid_value 3; b2 (150) and b3 (-5): score_out_of_scale 2; the row without event_id:
    // null_key 1; b6, b7, b8 (no visitor, session, page): missing_required_field 3; e8 and e9
    // delivered twice: duplicate_id 2.
    expect(excluded('web_events')).toEqual({
      duplicate_id: 2,
      invalid_value: 3,
      missing_required_field: 3,
      null_key: 1,
      score_out_of_scale: 2,
    });
    const row = snapshot.dataQuality.tables.find((t) => t.table === 'web_events');
    // Partitions 11-08 .. 11-16 (the week's UTC dates ± 1 day): 25 good rows − 3 of W45
    // (11-05, 11-06) = 22, plus the 9 bad rows = 31 read, 11 excluded.
    expect(row).toMatchObject({ present: true, rowsRead: 31, rowsUsed: 20, rowsExcluded: 11 });
  });

  it('excludes and counts every contract-breaking kind of social post', () => {
    // P5 negative engagements, P1 delivered twice, P8 without platform, P9 impressions "many".
    expect(excluded('social_posts')).toEqual({
      duplicate_id: 1,
      invalid_value: 1,
      missing_required_field: 1,
      negative_amount: 1,
    });
  });

  it('names the example file and field of an unreadable value', () => {
    const invalid = snapshot.dataQuality.excluded.find(
      (e) => e.table === 'social_posts' && e.reason === 'invalid_value',
    );
    expect(invalid?.example).toMatchObject({ key: 'P9', field: 'impressions' });
    expect(invalid?.example?.file).toMatch(/social_posts[\\/]posts\.jsonl$/);
  });

  it('computes the KPIs from the clean rows only, in the snapshot', () => {
    expect(snapshot.kpis.bounce_rate.value).toBeCloseTo(20, 12);
    expect(snapshot.kpis.avg_scroll_depth.value).toBeCloseTo(65, 12);
    expect(snapshot.kpis.page_views.trend).toHaveLength(12);
    expect(snapshot.kpis.bounce_rate.benchmark).toEqual({ level: 'good', tone: 'good', target: '20–55 %' });
    expect(snapshot.kpis.avg_time_on_page_seconds.unit).toBe('seconds');
  });
});

describe('web group on an empty week', async () => {
  it('gives counts of 0 and rates null with a reason', async () => {
    const engine = new RecordingEngine(await DuckDbEngine.open({ dataDir: fixture() }));
    try {
      const { context } = await createKpiContext(engine, {
        period: periodFromKey('2026-W49', 'UTC'),
        currency: 'USD',
      });
      const result = await webGroup.compute(context);
      expect(at(result, 'page_views', 0)).toEqual({ value: 0 });
      expect(at(result, 'unique_visitors', 0)?.value).toBe(0);
      expect(at(result, 'pages_per_session', 0)).toEqual({
        value: null,
        reason: 'no sessions with a page view in the period',
      });
      expect(at(result, 'avg_time_on_page_seconds', 0)?.reason).toBe(
        'no page view in the period was followed by another in its session',
      );
      expect(at(result, 'social_engagement_rate', 0)?.reason).toBe(
        'no impressions of social posts published in the period',
      );
      expect(web(result).newVisitorShare).toBeNull();
    } finally {
      await engine.close();
    }
  });
});
