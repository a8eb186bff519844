/** The object store on the local file system: one file per key under a root folder. */
import { createHash, randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../core/input-error.js';
import type { ObjectStore, VersionedObject } from '../../app/ports/object-store.js';
import { isErrno, writeFileMakingDir } from './writable-dir.js';

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
function contentVersion(body: string | Uint8Array): string {
  // Of the text as get() reads it back, so a written and a read version agree.
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  return createHash('sha256').update(text).digest('hex');
}

export interface FileStoreOptions {
  /** A lock older than this is taken to be left behind by a crashed process (default 10 s). */
  readonly lockStaleMs?: number;
}

export class FileStore implements ObjectStore {
  readonly location: string;
  readonly #lockStaleMs: number;

  constructor(root: string, options: FileStoreOptions = {}) {
    this.location = path.resolve(root);
    this.#lockStaleMs = options.lockStaleMs ?? LOCK_STALE_MS;
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

  async putIfAbsent(key: string, body: string | Uint8Array, _contentType: string): Promise<string | null> {
    const target = this.uri(key);
    const temp = await this.#writeTemp(target, body);
    try {
      // link() is an exclusive create (it fails with EEXIST, like open with 'wx') that also
      // publishes the whole content at once: a crash never leaves a truncated record behind.
      await link(temp, target);
      return contentVersion(body);
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return null;
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
  ): Promise<string | null> {
    const target = this.uri(key);
    const temp = await this.#writeTemp(target, body);
    const lock = `${target}.lock`;
    try {
      if (!(await this.#lock(target, lock))) return null;
      try {
        const current = await this.get(key);
        if (current === null || contentVersion(current) !== version) return null;
        await rename(temp, target);
        return contentVersion(body);
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

  /**
   * An exclusive lock: a hard link of the current file under `<file>.lock`. link() fails with
   * EEXIST while another writer holds it, and costs far less than creating a file (on some
   * disks a new file costs over a millisecond). A lock left behind by a crashed process is
   * broken after the stale time (LOCK_STALE_MS), judged by its ctime, which link() sets. False: no file to lock.
   */
  async #lock(target: string, lock: string): Promise<boolean> {
    for (let round = 0; ; round += 1) {
      try {
        await link(target, lock);
        return true;
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return false;
        if (!isErrno(error, 'EEXIST')) throw error;
      }
      const held = await stat(lock).catch(() => null);
      if (held && Date.now() - held.ctimeMs > this.#lockStaleMs) await unlink(lock).catch(() => undefined);
      if (round > LOCK_ROUNDS) throw new Error(`${lock} stays locked; another process is writing it`);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 20)));
    }
  }

  async #writeTemp(target: string, body: string | Uint8Array): Promise<string> {
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFileMakingDir(temp, body, { flag: 'wx' });
    return temp;
  }
}
