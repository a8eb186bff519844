/**
 * Reads raw configuration values (a `-c key=value` string or a JSON value) into typed ones, or
 * records a problem in the one error format (functions/core/validators.ts) naming the key.
 */
import { checkValue, notA, percentSchema, percentTextSchema, problem } from '../functions/core/validators.js';
import type { ConfigKey, RawConfig } from './config-keys.js';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Each reader turns a raw value into a typed one, or records a problem and returns undefined. */
export class Reader {
  readonly problems: string[] = [];

  constructor(private readonly raw: RawConfig) {}

  has(key: ConfigKey): boolean {
    const value = this.raw[key];
    return value !== undefined && value !== null && value !== '';
  }

  problem(key: ConfigKey, message: string): undefined {
    this.problems.push(problem(key, message));
    return undefined;
  }

  /** A percentage 0–100, as a JSON number or as text. */
  percent(key: ConfigKey): number | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw[key];
    const checked = checkValue(typeof value === 'number' ? percentSchema : percentTextSchema, key, value);
    if (checked.ok) return checked.value;
    this.problems.push(checked.problem);
    return undefined;
  }

  string(key: ConfigKey): string | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw[key];
    if (typeof value !== 'string') return this.problem(key, `must be a string, got ${describe(value)}`);
    return value.trim();
  }

  integer(key: ConfigKey, min: number, max: number): number | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw[key];
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d+$/.test(value.trim())
          ? Number(value)
          : NaN;
    if (!Number.isSafeInteger(n)) return this.problem(key, `must be a whole number, got ${describe(value)}`);
    if (n < min || n > max) return this.problem(key, `must be between ${min} and ${max}, got ${n}`);
    return n;
  }

  boolean(key: ConfigKey): boolean | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw[key];
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return this.problem(key, `must be true or false, got ${describe(value)}`);
  }

  oneOf<T extends string>(key: ConfigKey, allowed: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const match = allowed.find((a) => a === value);
    if (match === undefined) return this.problem(key, notA(value, `one of ${allowed.join(', ')}`));
    return match;
  }

  /** A JSON array, or a comma-separated string as `-c key=a,b` delivers it. */
  list(key: ConfigKey): string[] | undefined {
    if (!this.has(key)) return undefined;
    let value = this.raw[key];
    if (typeof value === 'string' && value.trim().startsWith('[')) {
      try {
        value = JSON.parse(value) as unknown;
      } catch {
        return this.problem(key, 'looks like a JSON array but does not parse');
      }
    }
    if (typeof value === 'string')
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) {
      return value.map((s) => s.trim());
    }
    return this.problem(key, `must be a list of strings (a JSON array or "a,b,c"), got ${describe(value)}`);
  }

  /** A JSON object of strings, or its JSON text as `-c key='{"a":"b"}'` delivers it. */
  stringMap(key: ConfigKey): Record<string, string> | undefined {
    if (!this.has(key)) return undefined;
    let value = this.raw[key];
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value) as unknown;
      } catch {
        return this.problem(key, 'must be a JSON object such as {"accounts":"crm_accounts"}');
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.problem(key, `must be an object of strings, got ${describe(value)}`);
    }
    const entries = Object.entries(value);
    if (!entries.every((e): e is [string, string] => typeof e[1] === 'string')) {
      return this.problem(key, 'every value must be a string');
    }
    return Object.fromEntries(entries);
  }
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
