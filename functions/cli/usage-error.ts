/** A bad flag: the commands print its one line and exit with code 2. */
import type { z } from 'zod';
import { checkValue } from '../core/validators.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A flag's value checked by the shared rule (core/validators.ts); a refusal is a UsageError. */
export function checkFlag<T>(schema: z.ZodType<T>, flag: string, value: unknown): T {
  const checked = checkValue(schema, flag, value);
  if (!checked.ok) throw new UsageError(checked.problem);
  return checked.value;
}
