/** Calendar helpers on UTC epoch days (days since 1970-01-01) and epoch milliseconds. */
import { calendarDateMs } from '../core/validators.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

/** Parses YYYY-MM-DD into an epoch day; null when it is not a real calendar date. */
export function parseIsoDate(text: string): number | null {
  const ms = calendarDateMs(text);
  return ms === null ? null : ms / DAY_MS;
}

export function formatIsoDate(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

export function epochDayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** Adds calendar months, clamping to the end of a shorter month (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(epochDay: number, months: number): number {
  const date = new Date(epochDay * DAY_MS);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(date.getUTCDate(), lastDay)) / DAY_MS;
}

export function firstOfMonth(epochDay: number): number {
  const date = new Date(epochDay * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / DAY_MS;
}

/** 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
export function dayOfWeek(epochDay: number): number {
  return (((epochDay + 3) % 7) + 7) % 7;
}

/** Drops the milliseconds: the sample's timestamps are whole seconds. */
export const toSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
