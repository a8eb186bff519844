/**
 * usage_events, generated inside DuckDB so that tens of millions of rows take minutes.
 *
 * TypeScript decides how many sessions each user has in each stretch of activity (a few
 * hundred thousand spans at most); SQL expands spans into sessions and sessions into events.
 * Randomness in SQL is DuckDB's `hash()` of (seed, session number, draw number), so a row
 * depends only on its position, never on thread scheduling: the same seed gives the same rows
 * with the same DuckDB version.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { tableSpec } from '../contract/contract.js';
import { Rng, mix32 } from './prng.js';
import { KIND_ACTIVITY, TIER_ACTIVITY, isPayingOn, type Account, type Horizon } from './customers.js';
import { FEATURES, NEW_FEATURE } from './text.js';
import { DAY_MS, HOUR_MS } from './time.js';
import { contractSelectList, quoteIdent } from './writer.js';

/** Mean of the geometric-like "events after the first" draw: floor(Exp(4.5)). */
const EVENT_TAIL_MEAN = 4.5;
const MEAN_EVENTS_PER_SESSION = 1 + 1 / (Math.exp(1 / EVENT_TAIL_MEAN) - 1);
/** Weekend sessions are dropped with this probability (local time). */
const WEEKEND_DROP = 0.8;
const KEPT_SESSIONS = 1 - (2 / 7) * WEEKEND_DROP;

export const USAGE_SPANS_TABLE = 'sample_usage_spans';
export const USAGE_TABLE = 'usage_events';

/** Assigns each span its session count so that the expected total of events is `target`. */
export function planSessions(
  spans: readonly UsageSpan[],
  target: number,
  seed: number,
): { spans: UsageSpan[]; sessions: number[] } {
  const exposure = spans.reduce((sum, s) => sum + s.sessionsPerDay * ((s.endMs - s.startMs) / DAY_MS), 0);
  const scale = exposure > 0 ? target / (exposure * MEAN_EVENTS_PER_SESSION * KEPT_SESSIONS) : 0;
  const rng = new Rng(seed, 'usage_sessions');
  const sessions = spans.map((s) =>
    rng.roundStochastic(s.sessionsPerDay * ((s.endMs - s.startMs) / DAY_MS) * scale),
  );
  return { spans: [...spans], sessions };
}

export async function loadSpans(
  connection: DuckDBConnection,
  spans: readonly UsageSpan[],
  sessions: readonly number[],
): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TABLE ${USAGE_SPANS_TABLE} (account_id VARCHAR, user_id VARCHAR, start_s BIGINT, end_s BIGINT, tz_s BIGINT, breadth BIGINT, declining BOOLEAN, n_sessions BIGINT, session_base BIGINT)`,
  );
  const appender = await connection.createAppender(USAGE_SPANS_TABLE);
  try {
    let base = 0;
    spans.forEach((span, index) => {
      const count = sessions[index] ?? 0;
      if (count === 0) return;
      appender.appendVarchar(span.accountId);
      appender.appendVarchar(span.userId);
      appender.appendBigInt(BigInt(Math.floor(span.startMs / 1000)));
      appender.appendBigInt(BigInt(Math.floor(span.endMs / 1000)));
      appender.appendBigInt(BigInt(span.tzHours * 3600));
      appender.appendBigInt(BigInt(span.breadth));
      appender.appendBoolean(span.declining);
      appender.appendBigInt(BigInt(count));
      appender.appendBigInt(BigInt(base));
      appender.endRow();
      base += count;
    });
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** A 63-bit mask derived from the seed (as decimal text for SQL). */
export function seedMask(seed: number): string {
  return (
    (BigInt(mix32(seed ^ 0x27d4eb2f) & 0x7fffffff) << 32n) |
    BigInt(mix32(seed ^ 0x165667b1))
  ).toString();
}

const sqlText = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * SQL that creates `table` with the generated events (unsorted). Every number spliced in
 * is a validated integer (seed, salts, launch instant).
 */
export function usageGenerationSql(table: string, seed: number, newFeatureLaunchMs: number): string {
  if (!Number.isInteger(seed) || !Number.isInteger(newFeatureLaunchMs))
    throw new Error('seed and launch must be integers');
  // hash() of several arguments combines per-argument hashes with XOR, which would make draws
  // of one session correlated; so each draw hashes one integer that is unique per
  // (session, event, draw), XOR-ed with a seed mask.
  const mask = seedMask(seed);
  const draw = (key: string): string =>
    `((hash(xor((${key})::UBIGINT, ${mask}::UBIGINT)) >> 11)::DOUBLE / 9007199254740992.0)`;
  const sessionDraw = (k: number): string => draw(`session_no * 2048 + ${k}`);
  const eventDraw = (k: number): string => draw(`session_no * 2048 + 16 + i * 16 + ${k}`);
  const eventSalt = mix32(seed ^ 0x5bd1e995);
  const sessionSalt = mix32(seed ^ 0x1b873593);
  const features = `[${FEATURES.map(sqlText).join(', ')}]`;
  const launchS = Math.floor(newFeatureLaunchMs / 1000);
  const select = contractSelectList(tableSpec('usage_events'), {
    event_id: `'EVT-' || format('{:08x}', xor((session_no::UBIGINT * 2654435761::UBIGINT) % 4294967296, ${eventSalt}::UBIGINT)) || format('{:02x}', i)`,
    occurred_at: 'make_timestamp(occurred_s * 1000000)',
    account_id: 'account_id',
    user_id: 'user_id',
    event_name: `CASE WHEN feature = ${sqlText(NEW_FEATURE)} AND occurred_s < ${launchS} THEN ${sqlText(FEATURES[0])} ELSE feature END`,
    session_id: `CASE WHEN no_session THEN NULL ELSE 'SES-' || format('{:08x}', xor((session_no::UBIGINT * 2246822519::UBIGINT) % 4294967296, ${sessionSalt}::UBIGINT)) END`,
  });
  return `
CREATE OR REPLACE TABLE ${quoteIdent(table)} AS
WITH sessions AS (
  SELECT account_id, user_id, start_s, end_s, tz_s, breadth, declining,
         session_base + unnest(range(n_sessions)) AS session_no
  FROM ${USAGE_SPANS_TABLE}
), placed AS (
  -- A fading span puts sessions with a density falling linearly to zero at its end.
  SELECT *, start_s + CAST(floor((CASE WHEN declining THEN 1 - sqrt(1 - ${sessionDraw(1)}) ELSE ${sessionDraw(1)} END) * (end_s - start_s)) AS BIGINT) AS uniform_s
  FROM sessions
), localised AS (
  -- Most sessions start in local working hours.
  SELECT *,
    CAST(floor((uniform_s + tz_s) / 86400) AS BIGINT) AS local_day,
    CASE WHEN ${sessionDraw(2)} < 0.9
      THEN 28800 + CAST(floor((${sessionDraw(3)} + ${sessionDraw(4)}) * 0.5 * 36000) AS BIGINT)
      ELSE CAST(floor(${sessionDraw(3)} * 86400) AS BIGINT) END AS local_second
  FROM placed
), started AS (
  SELECT account_id, user_id, end_s, breadth, session_no,
    CASE WHEN candidate_s >= start_s AND candidate_s < end_s THEN candidate_s ELSE uniform_s END AS session_start_s
  FROM (SELECT *, local_day * 86400 + local_second - tz_s AS candidate_s FROM localised)
  WHERE NOT ((local_day + 3) % 7 >= 5 AND ${sessionDraw(5)} < ${WEEKEND_DROP})
), sized AS (
  SELECT *,
    least(120, 1 + CAST(floor(-ln(1 - ${sessionDraw(6)}) * ${EVENT_TAIL_MEAN}) AS BIGINT)) AS n_events,
    20 + CAST(floor(${sessionDraw(7)} * 200) AS BIGINT) AS gap_s,
    ${sessionDraw(8)} < 0.025 AS no_session
  FROM started
), events AS (
  SELECT *, unnest(range(n_events)) AS i FROM sized
), timed AS (
  -- Popular features first: the rank is skewed towards 0 and bounded by the user's breadth.
  SELECT *,
    session_start_s + i * gap_s + CAST(floor(${eventDraw(9)} * gap_s * 0.5) AS BIGINT) AS occurred_s,
    ${features}[1 + CAST(floor(breadth * pow(${eventDraw(10)}, 2.0)) AS BIGINT)] AS feature
  FROM events
)
SELECT ${select}
FROM timed
WHERE occurred_s < end_s`;
}

/** One stretch of time in which one user is active; usage events are drawn from these in SQL. */
export interface UsageSpan {
  readonly accountId: string;
  readonly userId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly tzHours: number;
  readonly breadth: number;
  /** Expected sessions per day, before scaling to the requested number of events. */
  readonly sessionsPerDay: number;
  /** true: activity fades linearly to zero at the end (the run-up to a churn). */
  readonly declining: boolean;
}

/** The stretches of activity of every user, with their relative session rate. */
export function usageSpans(accounts: readonly Account[], horizon: Horizon): UsageSpan[] {
  const spans: UsageSpan[] = [];
  for (const account of accounts) {
    for (const activity of account.activity) {
      for (const user of account.users) {
        const startMs = Math.max(activity.startMs, user.joinMs);
        const endMs = Math.min(activity.endMs, user.leaveMs, horizon.nowMs);
        if (endMs - startMs < HOUR_MS) continue;
        spans.push({
          accountId: account.accountId,
          userId: user.userId,
          startMs,
          endMs,
          tzHours: account.tzHours,
          breadth: user.breadth,
          // A fading period has half the sessions of a steady one of the same length.
          sessionsPerDay:
            TIER_ACTIVITY[account.tier] *
            KIND_ACTIVITY[activity.kind] *
            user.weight *
            (activity.declining ? 0.5 : 1),
          declining: activity.declining,
        });
      }
    }
  }
  return spans;
}

export { isPayingOn };
