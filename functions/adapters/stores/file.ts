/** The object store on the local file system: one file per key under a root folder. */
import { createHash, randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../core/input-error.js';
import type { ObjectStore, VersionedObject } from '../../app/ports/object-store.js';
import { ensureDir } from './writable-dir.js';

const SEGMENT_RE = /^[A-Za-z0-9._@=+-]+$/;

/**
 * Keys are relative, slash-separated paths of plain segments (`snapshots/weekly/2026-W47.json`):
 * no absolute paths, no `.` or `..`, no empty segments, nothing a shell or a URL would treat specially.
 */
export function assertValidKey(key: string): void {
  const segments = key.split('/');
  const bad = segments.find((s) => s === '' || s === '.' || s === '..' || !SEGMENT_RE.test(s));
  if (key.length === 0 || key.length > 900 || bad !== undefined) {
    throw new InputError(`"${key}" is not a valid object key (relative path of plain names, no "..")`);
  }
}

const LOCK_STALE_MS = 10_000;
const LOCK_ROUNDS = 1_000;

/** The file store's version of an object: a hash of its content, so it changes with every new content. */
function contentVersion(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

export class FileStore implements ObjectStore {
  readonly location: string;

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  uri(key: string): string {
    assertValidKey(key);
    return path.join(this.location, ...key.split('/'));
  }

  async put(key: string, body: string | Uint8Array, _contentType: string): Promise<string> {
    const target = this.uri(key);
    const temp = await this.#writeTemp(target, body);
    // A rename replaces the file in one step, so a reader never sees half a file.
    await rename(temp, target);
    return target;
  }

  async get(key: string): Promise<string | null> {
    try {
      return await readFile(this.uri(key), 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return null;
      throw error;
    }
  }

  async putIfAbsent(key: string, body: string | Uint8Array, _contentType: string): Promise<boolean> {
    const target = this.uri(key);
    const temp = await this.#writeTemp(target, body);
    try {
      // link() is an exclusive create (it fails with EEXIST, like open with 'wx') that also
      // publishes the whole content at once: a crash never leaves a truncated record behind.
      await link(temp, target);
      return true;
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return false;
      throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    const body = await this.get(key);
    return body === null ? null : { body, version: contentVersion(body) };
  }

  async putIfVersion(
    key: string,
    body: string | Uint8Array,
    _contentType: string,
    version: string,
  ): Promise<boolean> {
    const target = this.uri(key);
    const temp = await this.#writeTemp(target, body);
    const lock = `${target}.lock`;
    try {
      await this.#lock(lock);
      try {
        const current = await this.get(key);
        if (current === null || contentVersion(current) !== version) return false;
        await rename(temp, target);
        return true;
      } finally {
        await unlink(lock).catch(() => undefined);
      }
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.uri(key), { force: true });
  }

  /** An exclusive lock file; one left behind by a crashed process is broken after LOCK_STALE_MS. */
  async #lock(lock: string): Promise<void> {
    for (let round = 0; ; round += 1) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx' });
        return;
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error;
      }
      const held = await stat(lock).catch(() => null);
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) await unlink(lock).catch(() => undefined);
      if (round > LOCK_ROUNDS) throw new Error(`${lock} stays locked; another process is writing it`);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 20)));
    }
  }

  async #writeTemp(target: string, body: string | Uint8Array): Promise<string> {
    await ensureDir(path.dirname(target));
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, body, { flag: 'wx' });
    return temp;
  }
}
