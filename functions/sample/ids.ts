/** Ids of the sample rows: zero-padded counters and scrambled ones. */
import { mix32 } from './prng.js';

export const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** A bijective 32-bit scramble of a counter: unique, seed-specific, not obviously sequential ids. */
export function scrambledId(prefix: string, counter: number, salt: number): string {
  return `${prefix}${((mix32(counter) ^ salt) >>> 0).toString(16).padStart(8, '0')}`;
}
