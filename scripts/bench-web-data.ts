/**
 * Website analytics at benchmark scale (tens of millions of web events), generated in SQL by
 * DuckDB straight to Parquet in `dt=YYYY-MM-DD` folders: the sample generator builds web events
 * row by row in memory, which suits its few hundred thousand but not 20M.
 *
 * Shape (deterministic, from hashes of the session number): 18 months ending on `endDate`,
 * sessions spread evenly over the days with a weekday/weekend rhythm, 1.5M visitors (8 % known
 * customers), 40 pages; 40 % of sessions are one page view (a bounce), the others 2–15 events:
 * page views, impressions, clicks (≈ 1 in 14 impressions), scrolls 0–100 %; 0.1 % of events
 * delivered twice. social_posts: a few posts a day on four platforms.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export interface WebBenchData {
  readonly dir: string;
  readonly webEvents: number;
  readonly partitions: number;
}

const DAY_MS = 86_400_000;

/** Generates (once; reused while the manifest matches) `events` web events into `dir`. */
export async function ensureWebBenchData(
  dir: string,
  events: number,
  endDate: string,
): Promise<WebBenchData> {
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as Partial<WebBenchData> & {
      endDate?: string;
      target?: number;
    };
    if (m.endDate === endDate && m.target === events && typeof m.webEvents === 'number') {
      return { dir, webEvents: m.webEvents, partitions: m.partitions ?? 0 };
    }
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(endDate)) throw new Error(`bad end date ${endDate}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const end = Date.parse(`${endDate}T00:00:00Z`);
  const start = new Date(end);
  start.setUTCMonth(start.getUTCMonth() - 18);
  const days = Math.round((end - start.getTime()) / DAY_MS) + 1;
  // Mean events per session: 0.4 × 1 + 0.6 × 8.5 = 5.5.
  const sessions = Math.ceil(events / 5.5);
  const startDay = start.toISOString().slice(0, 10);
  const instance = await DuckDBInstance.create(':memory:', {
    temp_directory: join(dir, '.spill'),
    memory_limit: '4GB',
  });
  const c = await instance.connect();
  try {
    const webDir = join(dir, 'web_events').replace(/'/g, "''");
    await c.run(`
      CREATE TEMP TABLE sessions AS
      SELECT
        i AS session_no,
        'WSS-' || lpad(CAST(i AS VARCHAR), 9, '0') AS session_id,
        'VIS-' || lpad(CAST(hash(i * 7 + 1) % 1500000 AS VARCHAR), 7, '0') AS visitor_id,
        CASE WHEN hash(i * 7 + 1) % 1500000 < 120000
          THEN 'ACC-' || lpad(CAST(hash(i * 7 + 1) % 1500000 % 20000 AS VARCHAR), 6, '0') END AS account_id,
        DATE '${startDay}' + CAST(floor(i * ${days} / ${sessions}) AS INTEGER)
          + INTERVAL '5' HOUR + to_seconds(CAST(hash(i * 7 + 2) % 64800 AS BIGINT)) AS started_at,
        CASE WHEN hash(i * 7 + 3) % 100 < 40 THEN 1 ELSE 2 + CAST(hash(i * 7 + 4) % 14 AS INTEGER) END AS n_events
      FROM range(${sessions}) AS t(i)`);
    await c.run(`
      CREATE TEMP TABLE events AS
      SELECT
        'WEV-' || lpad(CAST(s.session_no AS VARCHAR), 9, '0') || '-' || CAST(k AS VARCHAR) AS event_id,
        s.started_at + to_seconds(CAST(k * 25 + hash(s.session_no * 31 + k) % 20 AS BIGINT)) AS occurred_at,
        s.visitor_id,
        s.session_id,
        CASE
          WHEN k = 0 THEN 'page_view'
          WHEN hash(s.session_no * 31 + k + 1) % 100 < 35 THEN 'page_view'
          WHEN hash(s.session_no * 31 + k + 1) % 100 < 63 THEN 'impression'
          WHEN hash(s.session_no * 31 + k + 1) % 100 < 65 THEN 'click'
          ELSE 'scroll'
        END AS event_type,
        '/page-' || CAST(hash(s.session_no * 13 + CAST(k / 3 AS INTEGER)) % 40 AS VARCHAR) AS page,
        s.account_id,
        CAST(hash(s.session_no * 31 + k + 2) % 101 AS INTEGER) AS pct
      FROM sessions AS s, range(s.n_events) AS r(k)`);
    await c.run(`
      COPY (
        SELECT
          event_id, occurred_at, visitor_id, session_id, event_type, page,
          CASE WHEN event_type IN ('impression', 'click') THEN 'cta-' || CAST(hash(event_id) % 5 AS VARCHAR) END AS link_id,
          CASE WHEN event_type = 'scroll' THEN pct END AS scroll_pct,
          account_id,
          strftime(occurred_at, '%Y-%m-%d') AS dt
        FROM (
          SELECT * FROM events
          UNION ALL
          SELECT * FROM events WHERE hash(event_id) % 1000 = 0
        )
        WHERE occurred_at < DATE '${endDate}' + INTERVAL '1' DAY
        ORDER BY occurred_at
      ) TO '${webDir}' (FORMAT PARQUET, PARTITION_BY (dt), OVERWRITE_OR_IGNORE)`);
    const counted = await c.runAndReadAll(
      `SELECT count(*) AS n, count(DISTINCT dt) AS d FROM read_parquet('${webDir}/*/*.parquet', hive_partitioning = true)`,
    );
    const row = counted.getRowObjectsJson()[0] ?? {};
    const socialDir = join(dir, 'social_posts').replace(/'/g, "''");
    await mkdir(join(dir, 'social_posts'), { recursive: true });
    await c.run(`
      COPY (
        SELECT
          'POST-' || lpad(CAST(i AS VARCHAR), 6, '0') AS post_id,
          ['linkedin', 'instagram', 'x', 'youtube'][1 + CAST(hash(i) % 4 AS INTEGER)] AS platform,
          TIMESTAMP '${startDay} 09:00:00' + to_seconds(CAST(i * 28800 + hash(i + 1) % 20000 AS BIGINT)) AS published_at,
          CAST(500 + hash(i + 2) % 20000 AS BIGINT) AS impressions,
          CAST((500 + hash(i + 2) % 20000) * (hash(i + 3) % 60) / 1000 AS BIGINT) AS engagements
        FROM range(${days * 3}) AS t(i)
      ) TO '${socialDir}/posts.parquet' (FORMAT PARQUET)`);
    const data = { dir, webEvents: Number(row.n), partitions: Number(row.d) };
    writeFileSync(manifest, JSON.stringify({ ...data, endDate, target: events }, null, 2));
    return data;
  } finally {
    c.closeSync();
    instance.closeSync();
    await rm(join(dir, '.spill'), { recursive: true, force: true });
  }
}
