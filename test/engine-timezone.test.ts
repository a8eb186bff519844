/**
 * No figure depends on the host's time zone: the engine's session is UTC whatever TZ says.
 * TZ is set before DuckDB first reads it (this file runs in its own process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';

const hostZone = process.env.TZ;
const dir = mkdtempSync(join(tmpdir(), 'engine-tz-'));

beforeAll(() => {
  process.env.TZ = 'America/New_York';
  mkdirSync(join(dir, 'accounts'));
  writeFileSync(
    join(dir, 'accounts', 'a.csv'),
    'account_id,name,created_at\n' +
      'a1,Acme,2026-01-05T10:00:00+02:00\n' +
      // 02:30 UTC is still the previous evening in New York.
      'a2,Beta,2026-01-06T02:30:00Z\n',
  );
});
afterAll(() => {
  if (hostZone === undefined) delete process.env.TZ;
  else process.env.TZ = hostZone;
  rmSync(dir, { recursive: true, force: true });
});

describe('DuckDbEngine under a host time zone that is not UTC', () => {
  it('reads instants and their dates in UTC', async () => {
    expect(new Date('2026-01-06T02:30:00Z').getDate()).toBe(5); // the host zone is in effect
    const engine = await DuckDbEngine.open({ dataDir: dir });
    try {
      const { rows } = await engine.query({
        name: 'tz',
        sql: `SELECT account_id, created_at, CAST(CAST(created_at AS DATE) AS varchar) AS utc_day,
                CAST(CAST(TIMESTAMP '2026-01-06 02:30:00' AS TIMESTAMP WITH TIME ZONE) AS varchar) AS as_instant
              FROM src_accounts ORDER BY account_id`,
        params: [],
      });
      expect(rows).toEqual([
        {
          account_id: 'a1',
          created_at: '2026-01-05 08:00:00.000',
          utc_day: '2026-01-05',
          as_instant: '2026-01-06 02:30:00+00',
        },
        {
          account_id: 'a2',
          created_at: '2026-01-06 02:30:00.000',
          utc_day: '2026-01-06',
          as_instant: '2026-01-06 02:30:00+00',
        },
      ]);
    } finally {
      await engine.close();
    }
  });
});
