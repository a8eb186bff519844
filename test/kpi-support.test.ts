/**
 * Support KPIs on a hand-made fixture (test/fixtures/support), week 2026-W46
 * (2026-11-09 .. 2026-11-15). Every expected value is derived by hand in a comment.
 *
 * Tickets (UTC; hours after created_at; contact_count; reopened):
 *   t1  created 11-09 08:00, first +1 h,    resolved +2 h,    1, no   -> FCR
 *   t2  created 11-09 12:00, first +3 h,    resolved +24 h,   1, yes  -> reopened, not FCR
 *   t3  created 11-10 00:00, first +6 h,    resolved +48 h,   3, no
 *   t4  created 11-05 10:00, first +0.5 h (11-05), resolved +144 h (11-11), 1, no -> FCR
 *   t5  created 11-14 10:00, first +10 h,   unresolved
 *   t6  created 11-15 23:30, first +0.25 h, resolved +1/3 h (23:50), 1, no -> FCR
 *   t7  created 11-08 23:15, first +0.5 h (11-08 23:45), resolved +2 h (11-09 01:15), 1, no -> FCR
 *   t8  created 11-02 09:00, first +1 h,    resolved +24 h,   2, no
 *   t9  resolved before created: left out by the clean relation
 *   t10 created 11-13 10:00, first +2 h,    unresolved
 * In Europe/Warsaw (UTC+1) the week is [11-08 23:00Z, 11-15 23:00Z): t6 leaves, t7 joins.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import {
  avgFirstResponseHours,
  avgResolutionHours,
  firstContactResolution,
  NO_TICKETS,
  supportGroup,
} from '../functions/core/kpis/support.js';
import { runKpiGroup, runOnSampleData, valueAt } from './helpers/kpi.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'support');

const run = (dataDir: string, key: string, tz = 'UTC') => runKpiGroup(supportGroup, dataDir, key, tz);

const at = valueAt;

describe('support group, 2026-W46 in UTC', async () => {
  const { result, engine } = await run(FIXTURE, '2026-W46');

  it('computes first-contact resolution over tickets resolved in the period', () => {
    // Resolved in W46: t1, t2, t3, t4, t6, t7 = 6; contact_count 1 and not reopened: t1, t4,
    // t6, t7 = 4 (t2 reopened, t3 three contacts). 4 / 6 × 100 = 66.67
    expect(at(result, 'first_contact_resolution', 0)?.value).toBeCloseTo(66.6666667, 6);
    expect(at(result, 'first_contact_resolution', 0)?.detail).toEqual({
      resolved: 6,
      resolved_first_contact: 4,
    });
    // W45: t8 only, two contacts: 0 / 1 = 0
    expect(at(result, 'first_contact_resolution', 1)?.value).toBe(0);
    // W44: nothing resolved.
    expect(at(result, 'first_contact_resolution', 2)).toEqual({
      value: null,
      reason: 'no tickets resolved in the period',
    });
    expect(result.values.first_contact_resolution).toHaveLength(12);
  });

  it('computes mean and median first-response hours over tickets first answered in the period', () => {
    // First answered in W46: t1 1, t2 3, t3 6, t5 10, t6 0.25, t10 2 (t4 and t7 in W45).
    // Mean 22.25 / 6 = 3.7083; sorted 0.25 1 2 3 6 10, median (2 + 3) / 2 = 2.5
    expect(at(result, 'avg_first_response_hours', 0)?.value).toBeCloseTo(22.25 / 6, 10);
    expect(at(result, 'avg_first_response_hours', 0)?.detail).toEqual({ median: 2.5, tickets: 6 });
    // W45: t4 0.5, t7 0.5, t8 1: mean 2 / 3, median 0.5
    expect(at(result, 'avg_first_response_hours', 1)?.value).toBeCloseTo(2 / 3, 10);
    expect(at(result, 'avg_first_response_hours', 1)?.detail).toEqual({ median: 0.5, tickets: 3 });
    expect(at(result, 'avg_first_response_hours', 2)).toEqual({
      value: null,
      reason: 'no tickets first answered in the period',
    });
  });

  it('computes mean and median resolution hours over tickets resolved in the period', () => {
    // t1 2, t2 24, t3 48, t4 144, t6 1/3, t7 2: mean 220.333 / 6 = 36.722;
    // sorted 1/3 2 2 24 48 144, median (2 + 24) / 2 = 13
    expect(at(result, 'avg_resolution_hours', 0)?.value).toBeCloseTo((220 + 1 / 3) / 6, 10);
    expect(at(result, 'avg_resolution_hours', 0)?.detail).toEqual({ median: 13, tickets: 6 });
    // W45: t8 24
    expect(at(result, 'avg_resolution_hours', 1)).toEqual({ value: 24, detail: { median: 24, tickets: 1 } });
  });

  it('counts tickets opened, zero being a value', () => {
    // W46: t1, t2, t3, t5, t6, t10 = 6 (t9 is left out); W45: t4, t7, t8 = 3; W44: 0
    expect(at(result, 'tickets_opened', 0)?.value).toBe(6);
    expect(at(result, 'tickets_opened', 1)?.value).toBe(3);
    expect(at(result, 'tickets_opened', 2)?.value).toBe(0);
  });

  it('runs one query for every period, which parses as Trino SQL', () => {
    expect(engine.requests.map((r) => r.name)).toEqual(['support_tickets']);
    const request = engine.requests[0];
    expect(request && new TrinoSQL().validate(request.sql)).toEqual([]);
  });
});

describe('support group, 2026-W46 in Europe/Warsaw', async () => {
  const { result } = await run(FIXTURE, '2026-W46', 'Europe/Warsaw');

  it('uses the local period bounds', () => {
    // Resolved in [11-08 23:00Z, 11-15 23:00Z): t1, t2, t3, t4, t7 (t6 at 23:50Z leaves).
    // FCR t1, t4, t7: 3 / 5 = 60. Resolution 2, 24, 48, 144, 2: mean 44, median 24.
    expect(at(result, 'first_contact_resolution', 0)?.value).toBe(60);
    expect(at(result, 'avg_resolution_hours', 0)).toEqual({ value: 44, detail: { median: 24, tickets: 5 } });
    // First answered: t1 1, t2 3, t3 6, t5 10, t7 0.5, t10 2: mean 22.5 / 6 = 3.75, median 2.5
    expect(at(result, 'avg_first_response_hours', 0)).toEqual({
      value: 3.75,
      detail: { median: 2.5, tickets: 6 },
    });
    // Opened: t1, t2, t3, t5, t7, t10 = 6; W45 (from 11-01 23:00Z): t4, t8 = 2
    expect(at(result, 'tickets_opened', 0)?.value).toBe(6);
    expect(at(result, 'tickets_opened', 1)?.value).toBe(2);
  });
});

describe('support group without tickets', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'support-empty-'));
  const { result } = await run(empty, '2026-W46').finally(() =>
    rmSync(empty, { recursive: true, force: true }),
  );

  it('is switched off by the report when support_tickets is absent', () => {
    expect(supportGroup.requires).toEqual(['support_tickets']);
  });

  it('gives nulls with reasons and zero tickets opened', () => {
    expect(at(result, 'first_contact_resolution', 0)).toEqual({
      value: null,
      reason: 'no tickets resolved in the period',
    });
    expect(at(result, 'avg_first_response_hours', 0)?.reason).toBe('no tickets first answered in the period');
    expect(at(result, 'avg_resolution_hours', 0)?.reason).toBe('no tickets resolved in the period');
    expect(at(result, 'tickets_opened', 0)).toEqual({ value: 0 });
  });
});

describe('support formulas', () => {
  it('divide counts and sums', () => {
    // 1 of 4 on first contact: 25
    expect(firstContactResolution({ ...NO_TICKETS, resolved: 4, resolvedFirstContact: 1 }).value).toBe(25);
    // 3 tickets, 12 hours: 4 h mean
    expect(
      avgFirstResponseHours({
        ...NO_TICKETS,
        firstResponses: 3,
        firstResponseHoursSum: 12,
        firstResponseHoursMedian: 2,
      }),
    ).toEqual({ value: 4, detail: { median: 2, tickets: 3 } });
    expect(avgResolutionHours(NO_TICKETS)).toEqual({
      value: null,
      reason: 'no tickets resolved in the period',
    });
  });
});

describe('support group on generated sample data', async () => {
  const result = await runOnSampleData(supportGroup, '2026-10');

  it('gives plausible values: percentages in 0..100, non-negative hours, medians within range', () => {
    for (let i = 0; i < 12; i++) {
      const fcr = at(result, 'first_contact_resolution', i)?.value;
      if (fcr !== null && fcr !== undefined) {
        expect(fcr).toBeGreaterThanOrEqual(0);
        expect(fcr).toBeLessThanOrEqual(100);
      }
      for (const id of ['avg_first_response_hours', 'avg_resolution_hours'] as const) {
        const v = at(result, id, i);
        if (v?.value === null || v?.value === undefined) continue;
        expect(Number.isFinite(v.value)).toBe(true);
        expect(v.value).toBeGreaterThanOrEqual(0);
        expect(Number(v.detail?.median)).toBeGreaterThanOrEqual(0);
      }
    }
    expect(at(result, 'tickets_opened', 0)?.value).toBeGreaterThan(0);
  });
});
