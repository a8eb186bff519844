/** web_events and social_posts: visitors' page views and clicks, and the company's posts. */
import { type Account, type Horizon, businessInstant } from './customers.js';
import { Rng, itemAt, mix32 } from './prng.js';
import { SOCIAL_PLATFORMS, WEB_PAGES, type WebPage } from './text.js';
import { DAY_MS, HOUR_MS, dayOfWeek, toSecond } from './time.js';
import { pad } from './ids.js';

import type { Row } from './tables.js';
import { scrambledId } from './ids.js';

export function webEventRows(accounts: readonly Account[], horizon: Horizon): Row[] {
  const rng = new Rng(horizon.seed, 'web_events');
  const salt = mix32(horizon.seed ^ 0x9e3779b9);
  const scale = Math.max(0.15, Math.min(3, accounts.length / 400));
  const span = Math.max(1, horizon.endDay - horizon.startDay);
  const rows: Row[] = [];
  const visitors: string[] = [];
  const visitorAccount = new Map<string, string>();
  const pages = new Map(WEB_PAGES.map((p) => [p.path, p]));
  let eventCounter = 0;
  let sessionCounter = 0;
  let accountsSoFar = 0;
  const landing: readonly (readonly [string, number])[] = [
    ['/', 0.35],
    ['/pricing', 0.12],
    ['/blog/reduce-churn-with-health-scores', 0.17],
    ['/blog/nps-vs-csat', 0.12],
    ['/features', 0.1],
    ['/customers', 0.05],
    ['/docs/getting-started', 0.09],
  ];
  for (let day = horizon.startDay; day <= horizon.endDay; day++) {
    while (accountsSoFar < accounts.length && itemAt(accounts, accountsSoFar).createdMs < day * DAY_MS)
      accountsSoFar++;
    const progress = (day - horizon.startDay) / span;
    const sessions = rng.poisson(22 * scale * (0.7 + 0.6 * progress) * (dayOfWeek(day) >= 5 ? 0.55 : 1));
    for (let s = 0; s < sessions; s++) {
      let visitorId: string;
      if (visitors.length > 0 && rng.chance(0.3)) {
        visitorId = itemAt(
          visitors,
          visitors.length - 1 - Math.floor(rng.next() * Math.min(visitors.length, 2000)),
        );
      } else {
        visitorId = scrambledId('VIS-', visitors.length, salt ^ 0x1234567);
        visitors.push(visitorId);
        if (accountsSoFar > 0 && rng.chance(0.08)) {
          visitorAccount.set(visitorId, itemAt(accounts, Math.floor(rng.next() * accountsSoFar)).accountId);
        }
      }
      const sessionId = scrambledId('WSS-', sessionCounter++, salt ^ 0x7654321);
      const accountId = visitorAccount.get(visitorId) ?? null;
      let t = day * DAY_MS + Math.floor(rng.uniform(5, 23) * HOUR_MS);
      const emit = (
        atMs: number,
        eventType: string,
        page: string,
        linkId: string | null,
        scrollPct: number | null,
      ): void => {
        if (atMs >= horizon.nowMs) return;
        rows.push({
          event_id: scrambledId('WEV-', eventCounter++, salt),
          occurred_at: toSecond(atMs),
          visitor_id: visitorId,
          session_id: sessionId,
          event_type: eventType,
          page,
          link_id: linkId,
          scroll_pct: scrollPct,
          account_id: accountId,
        });
      };
      let page: WebPage = pages.get(rng.weighted(landing)) ?? itemAt(WEB_PAGES, 0);
      emit(t, 'page_view', page.path, null, null);
      if (rng.chance(0.4)) continue; // bounce: a single page view
      for (let depth = 0; depth < 6; depth++) {
        const shown = page.links.filter(() => rng.chance(0.8));
        for (const [linkId] of shown) emit(t + rng.int(1, 3) * 1000, 'impression', page.path, linkId, null);
        const scrolls = rng.weighted([
          [0, 0.25],
          [1, 0.3],
          [2, 0.25],
          [3, 0.2],
        ]);
        let scrollAt = t;
        let pct = 0;
        for (let n = 0; n < scrolls && pct < 100; n++) {
          pct = Math.min(100, pct + rng.pick([25, 25, 35, 50]));
          scrollAt += rng.int(5, 40) * 1000;
          emit(scrollAt, 'scroll', page.path, null, pct);
        }
        const dwellMs = Math.round(Math.min(900, Math.max(3, rng.logNormal(45, 0.8))) * 1000);
        const clicked = shown.find(() => rng.chance(0.065));
        let nextPath: string | null = null;
        t = Math.max(t + dwellMs, scrollAt + 1000);
        if (clicked) {
          emit(t, 'click', page.path, clicked[0], null);
          nextPath = clicked[1];
          t += 1000;
        } else if (rng.chance(0.3)) {
          nextPath = rng.pick(WEB_PAGES).path;
        }
        if (nextPath === null) break;
        page = pages.get(nextPath) ?? itemAt(WEB_PAGES, 0);
        emit(t, 'page_view', page.path, null, null);
      }
    }
  }
  return rows.sort(
    (a, b) =>
      Number(a.occurred_at) - Number(b.occurred_at) || String(a.event_id).localeCompare(String(b.event_id)),
  );
}

export function socialPostRows(horizon: Horizon): Row[] {
  const rng = new Rng(horizon.seed, 'social_posts');
  const rows: Row[] = [];
  const span = Math.max(1, horizon.endDay - horizon.startDay);
  for (let week = horizon.startDay; week <= horizon.endDay; week += 7) {
    const count = rng.poisson(3);
    const published: number[] = [];
    for (let n = 0; n < count; n++) published.push(businessInstant(rng, week + rng.int(0, 6), 0));
    published.sort((a, b) => a - b);
    for (const atMs of published) {
      if (atMs >= horizon.nowMs) continue;
      const [platform, , rate, median] = rng.weighted(SOCIAL_PLATFORMS.map((p) => [p, p[1]] as const));
      const impressions = Math.max(
        50,
        Math.round(rng.logNormal(median * (1 + (atMs / DAY_MS - horizon.startDay) / span), 0.7)),
      );
      const engagements = Math.round(impressions * Math.min(0.3, rng.logNormal(rate, 0.35)));
      rows.push({
        post_id: `POST-${pad(rows.length + 1, 5)}`,
        platform,
        published_at: toSecond(atMs),
        impressions,
        engagements,
      });
    }
  }
  return rows;
}
