/**
 * Onboarding on the hand-made fixture test/fixtures/engagement (accounts), week 2026-W46
 * (2026-11-09 .. 2026-11-15) and the week before. Accounts (UTC):
 *   A2 created 03-01 00:00, onboarded 11-05 00:00 (249 days), no first value
 *   A3 created 11-03 10:00, onboarded 11-10 22:00 (7.5 days), first value 11-12 10:00 (9 days)
 *   A4 created 11-04 20:00, onboarded 11-11 08:00 (6.5 days), first value 11-15 20:00 (11 days)
 *   A5 created 10-28 00:00, onboarded 11-09 00:00 (12 days), first value 11-09 12:00 (12.5 days)
 *   A9 onboarded (11-10) before it was created (11-12): the row breaks the contract, left out.
 *   A1 reached both milestones in January.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import {
  avgDaysToOnboard,
  NO_ONBOARDING,
  onboardingGroup,
  timeToFirstValueDays,
} from '../functions/core/kpis/engagement.js';
import { runKpiGroup } from './helpers/kpi.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'engagement');

const run = (key: string, tz = 'UTC') => runKpiGroup(onboardingGroup, FIXTURE, key, tz);

describe('onboarding group, 2026-W46 in UTC', async () => {
  const { result, engine } = await run('2026-W46');
  const onboard = result.values.avg_days_to_onboard ?? [];
  const firstValue = result.values.time_to_first_value_days ?? [];

  it('averages the days to onboard of the accounts onboarded in the period', () => {
    // A3 7.5, A4 6.5, A5 12 (onboarded at the first instant of the week) → 26 / 3
    expect(onboard[0]?.value).toBeCloseTo(26 / 3, 12);
    expect(onboard[0]?.detail).toEqual({ accounts: 3 });
    // W45: A2 only → 249
    expect(onboard[1]).toEqual({ value: 249, detail: { accounts: 1 } });
  });

  it('takes the median time to first value, with the mean in the detail', () => {
    // 9, 11, 12.5: median 11, mean 32.5 / 3
    expect(firstValue[0]?.value).toBe(11);
    expect(firstValue[0]?.detail?.mean).toBeCloseTo(32.5 / 3, 12);
    expect(firstValue[0]?.detail?.accounts).toBe(3);
    // W45: nobody reached first value.
    expect(firstValue[1]).toEqual({ value: null, reason: 'no accounts reached first value in the period' });
  });

  it('gives 12 periods, null with a reason when nobody was onboarded', () => {
    expect(onboard).toHaveLength(12);
    expect(onboard[2]).toEqual({ value: null, reason: 'no accounts onboarded in the period' });
  });

  it('runs one query that parses as Trino SQL', () => {
    expect(engine.requests.map((r) => r.name)).toEqual(['onboarding_times']);
    expect(new TrinoSQL().validate(engine.requests[0]?.sql ?? '')).toEqual([]);
  });
});

describe('onboarding group, 2026-W46 in Asia/Jakarta', async () => {
  const { result } = await run('2026-W46', 'Asia/Jakarta');

  it('uses the local week [11-08 17:00Z, 11-15 17:00Z)', () => {
    // A4's first value (11-15 20:00Z) is 11-16 03:00 local: next week. Median of 9 and 12.5 = 10.75.
    expect(result.values.time_to_first_value_days?.[0]).toEqual({
      value: 10.75,
      detail: { mean: 10.75, accounts: 2 },
    });
    expect(result.values.avg_days_to_onboard?.[0]?.value).toBeCloseTo(26 / 3, 12);
  });
});

describe('onboarding formulas', () => {
  it('needs accounts', () => {
    expect(onboardingGroup.requires).toEqual(['accounts']);
  });

  it('is null with a reason without accounts in the period', () => {
    expect(avgDaysToOnboard(NO_ONBOARDING).value).toBeNull();
    expect(timeToFirstValueDays(NO_ONBOARDING).value).toBeNull();
  });
});
