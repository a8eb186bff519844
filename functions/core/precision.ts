/**
 * The precision the snapshot stores figures with (docs/snapshot.md#precision). The snapshot is
 * read by other programs: binary float noise (`135.99999999999991`) is rounded away here, once,
 * so every reader sees the same figures. Money keeps its cents; derived figures (rates, ratios,
 * scores, averages, durations) keep four decimals, far finer than the digest shows.
 */
import type { KpiUnit } from './snapshot.js';

/** Decimal places per unit. */
export const DECIMALS: Readonly<Record<KpiUnit, number>> = {
  currency: 2,
  percent: 4,
  ratio: 4,
  score: 4,
  count: 4,
  days: 4,
  hours: 4,
  minutes: 4,
  seconds: 4,
};

/** `value` rounded half away from zero to `decimals` places (null stays null). */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  // toPrecision(15) first: 1.005 is 1.00499999999999989… in binary, and a cent must not be lost to it.
  const scaled = Number((Math.abs(value) * factor).toPrecision(15));
  const rounded = (Math.sign(value) * Math.round(scaled)) / factor;
  return Object.is(rounded, -0) ? 0 : rounded;
}

export function roundFigure(value: number | null, unit: KpiUnit): number | null {
  return value === null ? null : roundTo(value, DECIMALS[unit]);
}
