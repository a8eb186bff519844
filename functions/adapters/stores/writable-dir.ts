/**
 * Creates an output folder and proves it can be written, failing with one line.
 *
 * `mkdir(dir, { recursive: true })` never returns under some pseudo file systems (/proc answers
 * ENOENT for every new name, and Node retries), and reports a regular file on the way as a raw
 * ENOTDIR. So the folders are made one level at a time, and every failure is an InputError that
 * names the folder and what is wrong with it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../core/input-error.js';

function codeOf(error: unknown): string | undefined {
  return error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
}

/** Whether `error` is a file-system error with this code (ENOENT, EEXIST, …). */
export function isErrno(error: unknown, code: string): boolean {
  return codeOf(error) === code;
}

/**
 * writeFile, making the folder (ensureDir) only when the write finds it missing: checking the
 * folder before every write of a run costs a stat per path segment each time.
 */
export async function writeFileMakingDir(
  file: string,
  content: string | Uint8Array,
  options: { readonly flag?: string } = {},
): Promise<void> {
  try {
    await writeFile(file, content, options);
  } catch (error) {
    const code = codeOf(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    await ensureDir(path.dirname(file));
    await writeFile(file, content, options);
  }
}

function why(error: unknown): string {
  switch (codeOf(error)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOENT':
      return 'it cannot be created there';
    case 'ENOTDIR':
      return 'a part of its path is a file, not a folder';
    default:
      return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
  }
}

/** Makes `dir` (and missing parents) one level at a time; `label` names it in the error. */
export async function ensureDir(dir: string, label = dir): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let current = target;
  for (;;) {
    let info;
    try {
      info = await stat(current);
    } catch (error) {
      const code = codeOf(error);
      // ENOTDIR: a file further up; going up finds it and names it.
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        const parent = path.dirname(current);
        if (parent === current) throw new InputError(`cannot create ${label}: ${why(error)}`);
        missing.unshift(current);
        current = parent;
        continue;
      }
      throw new InputError(`cannot use ${label}: ${why(error)}`);
    }
    if (!info.isDirectory()) {
      throw new InputError(
        current === target
          ? `${label} exists and is not a folder`
          : `cannot create ${label}: ${current} is a file, not a folder`,
      );
    }
    break;
  }
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      // Another writer may have made it in the meantime.
      if (codeOf(error) === 'EEXIST' && (await stat(folder).catch(() => null))?.isDirectory()) continue;
      throw new InputError(`cannot create ${label}: ${why(error)}`);
    }
  }
}

/** ensureDir, then writes and removes a probe file: a folder that exists may still be read-only. */
export async function ensureWritableDir(dir: string, label = dir): Promise<void> {
  await ensureDir(dir, label);
  const probe = path.join(path.resolve(dir), `.write-probe-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (error) {
    throw new InputError(`cannot write to ${label}: ${why(error)}`);
  }
  await unlink(probe).catch(() => undefined);
}
