/**
 * A bad flag: the commands print its one line and exit with code 2, as they do for bad input and
 * for a run that stops (exitTwo).
 */
import type { z } from 'zod';
import { checkValue } from '../core/validators.js';
import { InputError } from '../core/input-error.js';
import { ReportStoppedError } from '../core/run-guards.js';
import type { ProgressStream } from './progress.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A flag's value checked by the shared rule (core/validators.ts); a refusal is a UsageError. */
export function checkFlag<T>(schema: z.ZodType<T>, flag: string, value: unknown): T {
  const checked = checkValue(schema, flag, value);
  if (!checked.ok) throw new UsageError(checked.problem);
  return checked.value;
}

/** What a command reads and writes, passed in so that tests can run it in-process. */
export interface CommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  readonly now: Date;
}

/**
 * Exit code 2, its one line written to `stderr`, for what the commands report so: a bad flag,
 * bad input (InputError) or a run that stops (ReportStoppedError); null for any other error.
 */
export function exitTwo(error: unknown, stderr: ProgressStream): 2 | null {
  if (!(error instanceof UsageError || error instanceof InputError || error instanceof ReportStoppedError)) {
    return null;
  }
  stderr.write(`error: ${error.message}\n`);
  return 2;
}
