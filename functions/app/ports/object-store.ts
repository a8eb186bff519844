/**
 * A small object store: local files or S3. Keys are relative paths such as
 * `snapshots/weekly/2026-W47.json`.
 */
export interface VersionedObject {
  readonly body: string;
  /** Opaque: changes whenever the object is written. */
  readonly version: string;
}

export interface ObjectStore {
  /** Where the store lives, for messages (a folder path or `s3://bucket/prefix`). */
  readonly location: string;
  /** Writes (or overwrites) an object and returns its URI. */
  put(key: string, body: string | Uint8Array, contentType: string): Promise<string>;
  /** Reads an object as UTF-8 text, or null when it does not exist. */
  get(key: string): Promise<string | null>;
  /**
   * Writes an object only if no object exists under the key (an atomic create: S3
   * `If-None-Match: *`, or an exclusive file create). Returns the new object's version (what
   * getVersioned would return for it), or null when an object already existed.
   */
  putIfAbsent(key: string, body: string | Uint8Array, contentType: string): Promise<string | null>;
  /** Reads an object with its version (S3: the ETag), or null when it does not exist. */
  getVersioned(key: string): Promise<VersionedObject | null>;
  /**
   * Replaces an object only if it still has `version` (S3 `If-Match`, or a compare-and-swap on
   * the file). Returns the new version, or null when it changed since, or no longer exists.
   */
  putIfVersion(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    version: string,
  ): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** URI of a key, without touching the store. */
  uri(key: string): string;
}
