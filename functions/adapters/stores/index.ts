/** Opens the snapshot store named by a location: `s3://bucket/prefix` or a local folder. */
import type { S3Client } from '@aws-sdk/client-s3';
import { InputError } from '../../core/input-error.js';
import { FileStore } from './file.js';
import { S3Store } from './s3.js';
import type { ObjectStore } from '../../app/ports/object-store.js';

export type { ObjectStore } from '../../app/ports/object-store.js';
export { FileStore, assertValidKey } from './file.js';
export { S3Store } from './s3.js';

export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/** `s3://bucket/some/prefix/` → { bucket, prefix: 'some/prefix' }; null for anything that is not s3://. */
export function parseS3Location(location: string): S3Location | null {
  if (!location.startsWith('s3://')) return null;
  const rest = location.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  if (!bucket) throw new InputError(`"${location}" names no bucket (expected s3://bucket/prefix)`);
  return { bucket, prefix };
}

export function openStore(location: string, options: { s3Client?: S3Client } = {}): ObjectStore {
  const s3 = parseS3Location(location);
  if (s3) return new S3Store({ ...s3, ...(options.s3Client ? { client: options.s3Client } : {}) });
  return new FileStore(location);
}
