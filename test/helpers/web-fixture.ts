/**
 * The hand-made website and social fixture of test/kpi-web.test.ts, written by the tests into a
 * temporary folder: web_events as JSON lines in dt=YYYY-MM-DD folders (the UTC date of each
 * event), social_posts as one JSON-lines file. Every expected value is derived in that test.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type FixtureRow = Readonly<Record<string, string | number | null>>;

const web = (
  event_id: string | null,
  occurred_at: string | null,
  visitor_id: string | null,
  session_id: string | null,
  event_type: string | null,
  page: string | null,
  extra: { link_id?: string; scroll_pct?: number | null; account_id?: string } = {},
): FixtureRow => ({
  event_id,
  occurred_at,
  visitor_id,
  session_id,
  event_type,
  page,
  link_id: extra.link_id ?? null,
  scroll_pct: extra.scroll_pct ?? null,
  account_id: extra.account_id ?? null,
});

/**
 * Week 2026-W46 in Europe/Warsaw (UTC+1) is [11-08 23:00Z, 11-15 23:00Z); W45 is
 * [11-01 23:00Z, 11-08 23:00Z). Sessions (visitor):
 *   S1 (V1)  p0: view /home, impression, scrolls 40 and 80, click, view /pricing, scroll 50,
 *            view /home (delivered twice): times 62 s and 60 s, then an exit on /home
 *   S2 (V2)  p0: one page view of /blog, delivered twice: a bounce
 *   S3 (V3)  p0: view /home, two impressions carrying account A1 (a known customer), view /docs,
 *            then a scroll on /home (not the page being viewed: belongs to no page view)
 *   S4 (V4)  p0: two scroll events and no page view
 *   S5 (V5)  across local midnight 11-08/11-09: view /home at 22:50Z (W45, 23:50 local), view
 *            /pricing at 23:10Z (W46, 00:10 local)
 *   S6 (V1)  view /blog at 11-15 22:55Z (W46), next view at 11-16 00:05Z (after W46, in the
 *            next dt partition)
 *   S7 (V2)  W45: two views of /home 30 s apart
 *   S8 (V6)  W45: one view of /blog (a bounce)
 * Contract-breaking rows (left out, counted): see BAD_WEB_EVENTS.
 */
export const GOOD_WEB_EVENTS: readonly FixtureRow[] = [
  web('e1', '2026-11-10T09:00:00Z', 'V1', 'S1', 'page_view', '/home'),
  web('e2', '2026-11-10T09:00:05Z', 'V1', 'S1', 'impression', '/home', { link_id: 'L1' }),
  web('e3', '2026-11-10T09:00:10Z', 'V1', 'S1', 'scroll', '/home', { scroll_pct: 40 }),
  web('e4', '2026-11-10T09:00:30Z', 'V1', 'S1', 'scroll', '/home', { scroll_pct: 80 }),
  web('e5', '2026-11-10T09:01:00Z', 'V1', 'S1', 'click', '/home', { link_id: 'L1' }),
  web('e6', '2026-11-10T09:01:02Z', 'V1', 'S1', 'page_view', '/pricing'),
  web('e7', '2026-11-10T09:01:30Z', 'V1', 'S1', 'scroll', '/pricing', { scroll_pct: 50 }),
  web('e8', '2026-11-10T09:02:02Z', 'V1', 'S1', 'page_view', '/home'),
  web('e8', '2026-11-10T09:02:02Z', 'V1', 'S1', 'page_view', '/home'),
  web('e9', '2026-11-12T14:00:00Z', 'V2', 'S2', 'page_view', '/blog'),
  web('e9', '2026-11-12T14:00:00Z', 'V2', 'S2', 'page_view', '/blog'),
  web('e10', '2026-11-13T10:00:00Z', 'V3', 'S3', 'page_view', '/home'),
  web('e11', '2026-11-13T10:00:20Z', 'V3', 'S3', 'impression', '/home', { link_id: 'L1', account_id: 'A1' }),
  web('e12', '2026-11-13T10:00:40Z', 'V3', 'S3', 'impression', '/home', { link_id: 'L2', account_id: 'A1' }),
  web('e13', '2026-11-13T10:01:00Z', 'V3', 'S3', 'page_view', '/docs', { account_id: 'A1' }),
  web('e14', '2026-11-13T10:01:10Z', 'V3', 'S3', 'scroll', '/home', { scroll_pct: 90, account_id: 'A1' }),
  web('e15', '2026-11-11T08:00:00Z', 'V4', 'S4', 'scroll', '/home', { scroll_pct: 30 }),
  web('e16', '2026-11-11T08:00:10Z', 'V4', 'S4', 'scroll', '/home', { scroll_pct: 60 }),
  web('e17', '2026-11-08T22:50:00Z', 'V5', 'S5', 'page_view', '/home'),
  web('e18', '2026-11-08T23:10:00Z', 'V5', 'S5', 'page_view', '/pricing'),
  web('e20', '2026-11-15T22:55:00Z', 'V1', 'S6', 'page_view', '/blog'),
  web('e21', '2026-11-16T00:05:00Z', 'V1', 'S6', 'page_view', '/home'),
  web('e22', '2026-11-05T12:00:00Z', 'V2', 'S7', 'page_view', '/home'),
  web('e23', '2026-11-05T12:00:30Z', 'V2', 'S7', 'page_view', '/home'),
  web('e24', '2026-11-06T09:00:00Z', 'V6', 'S8', 'page_view', '/blog'),
];

/**
 * One row per contract rule (all within W46's partitions, each would change a KPI if used):
 * an unknown event_type in the bounce session S2, scroll depths of 150 and -5 on S1's /pricing
 * view, a scroll without scroll_pct, an empty event_id, an empty visitor_id, session_id and
 * page, an occurred_at that is not a timestamp.
 */
export const BAD_WEB_EVENTS: readonly FixtureRow[] = [
  web('b1', '2026-11-12T14:00:05Z', 'V2', 'S2', 'hover', '/blog'),
  web('b2', '2026-11-10T09:01:40Z', 'V1', 'S1', 'scroll', '/pricing', { scroll_pct: 150 }),
  web('b3', '2026-11-10T09:01:41Z', 'V1', 'S1', 'scroll', '/pricing', { scroll_pct: -5 }),
  web('b4', '2026-11-10T09:01:42Z', 'V1', 'S1', 'scroll', '/pricing', { scroll_pct: null }),
  web(null, '2026-11-12T14:00:06Z', 'V2', 'S2', 'page_view', '/blog'),
  web('b6', '2026-11-12T14:00:07Z', null, 'S2', 'page_view', '/blog'),
  web('b7', '2026-11-12T14:00:08Z', 'V2', null, 'page_view', '/blog'),
  web('b8', '2026-11-12T14:00:09Z', 'V2', 'S2', 'page_view', null),
  web('b9', 'yesterday', 'V2', 'S2', 'page_view', '/blog'),
];

const post = (
  post_id: string | null,
  platform: string | null,
  published_at: string,
  impressions: number | string,
  engagements: number,
): FixtureRow => ({ post_id, platform, published_at, impressions, engagements });

/**
 * W46 (Warsaw): P1, P2 (linkedin), P3 (instagram), P7 (x, 11-08 23:30Z = 00:30 local 11-09).
 * W45: P4. Bad: P5 negative engagements, P1 again (duplicate), P8 without platform, P9 with
 * impressions that are not a number.
 */
export const SOCIAL_POSTS: readonly FixtureRow[] = [
  post('P1', 'linkedin', '2026-11-10T10:00:00Z', 1000, 30),
  post('P1', 'linkedin', '2026-11-10T10:00:00Z', 1000, 30),
  post('P2', 'linkedin', '2026-11-12T10:00:00Z', 500, 20),
  post('P3', 'instagram', '2026-11-14T10:00:00Z', 2000, 150),
  post('P4', 'instagram', '2026-11-05T10:00:00Z', 1000, 10),
  post('P5', 'linkedin', '2026-11-11T10:00:00Z', 800, -3),
  post('P7', 'x', '2026-11-08T23:30:00Z', 500, 0),
  post('P8', null, '2026-11-11T10:00:00Z', 100, 5),
  post('P9', 'x', '2026-11-11T11:00:00Z', 'many', 5),
];

/** UTC date of an ISO instant, or a fixed partition for a row whose instant is unreadable. */
function dtOf(row: FixtureRow): string {
  const at = typeof row.occurred_at === 'string' ? Date.parse(row.occurred_at) : Number.NaN;
  return Number.isNaN(at) ? '2026-11-12' : new Date(at).toISOString().slice(0, 10);
}

const jsonLines = (rows: readonly FixtureRow[]): string =>
  rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Writes the fixture (optionally without one of its tables) into a new temporary folder. */
export function writeWebFixture(
  options: { web?: readonly FixtureRow[] | null; social?: readonly FixtureRow[] | null } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'web-fixture-'));
  const webRows = options.web === undefined ? [...GOOD_WEB_EVENTS, ...BAD_WEB_EVENTS] : options.web;
  const socialRows = options.social === undefined ? SOCIAL_POSTS : options.social;
  if (webRows !== null) {
    const byDt = new Map<string, FixtureRow[]>();
    for (const row of webRows) byDt.set(dtOf(row), [...(byDt.get(dtOf(row)) ?? []), row]);
    for (const [dt, rows] of byDt) {
      const folder = join(dir, 'web_events', `dt=${dt}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'events.jsonl'), jsonLines(rows));
    }
  }
  if (socialRows !== null) {
    mkdirSync(join(dir, 'social_posts'));
    writeFileSync(join(dir, 'social_posts', 'posts.jsonl'), jsonLines(socialRows));
  }
  return dir;
}
