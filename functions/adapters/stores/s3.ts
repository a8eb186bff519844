/** The object store on S3: one object per key under `s3://bucket/prefix/`. */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { InputError } from '../../core/input-error.js';
import { assertValidKey } from './file.js';
import type { ObjectStore, VersionedObject } from '../../app/ports/object-store.js';

export interface S3StoreConfig {
  readonly client?: S3Client;
  readonly bucket: string;
  /** Folder inside the bucket, without leading or trailing slashes (may be empty). */
  readonly prefix?: string;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

interface AwsErrorShape {
  name?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function awsError(error: unknown): { name: string; status: number | undefined } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const name = typeof e.name === 'string' ? e.name : typeof e.Code === 'string' ? e.Code : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  return { name, status };
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class S3Store implements ObjectStore {
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(config: S3StoreConfig) {
    if (!BUCKET_RE.test(config.bucket)) throw new InputError(`"${config.bucket}" is not an S3 bucket name`);
    const prefix = (config.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix) assertValidKey(prefix);
    this.#client = config.client ?? new S3Client({});
    this.#bucket = config.bucket;
    this.#prefix = prefix;
    this.#sleep = config.sleep ?? defaultSleep;
    this.location = `s3://${config.bucket}${prefix ? `/${prefix}` : ''}`;
  }

  uri(key: string): string {
    return `s3://${this.#bucket}/${this.#objectKey(key)}`;
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<string> {
    await this.#client.send(new PutObjectCommand(this.#putInput(key, body, contentType)));
    return this.uri(key);
  }

  async get(key: string): Promise<string | null> {
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#objectKey(key) }),
      );
      if (!out.Body) return '';
      return await out.Body.transformToString('utf-8');
    } catch (error) {
      const { name, status } = awsError(error);
      if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return null;
      throw error;
    }
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#objectKey(key) }),
      );
      const body = out.Body ? await out.Body.transformToString('utf-8') : '';
      if (!out.ETag) throw new Error(`S3 returned ${this.uri(key)} without an ETag`);
      return { body, version: out.ETag };
    } catch (error) {
      const { name, status } = awsError(error);
      if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return null;
      throw error;
    }
  }

  async putIfAbsent(key: string, body: string | Uint8Array, contentType: string): Promise<string | null> {
    return this.#conditionalPut({ ...this.#putInput(key, body, contentType), IfNoneMatch: '*' });
  }

  async putIfVersion(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    version: string,
  ): Promise<string | null> {
    return this.#conditionalPut({ ...this.#putInput(key, body, contentType), IfMatch: version });
  }

  /** The written object's ETag (its version), or null when the condition failed. */
  async #conditionalPut(input: PutObjectCommandInput): Promise<string | null> {
    for (let attempt = 1; ; attempt += 1) {
      let etag: string | undefined;
      try {
        etag = (await this.#client.send(new PutObjectCommand(input))).ETag;
      } catch (error) {
        const { name, status } = awsError(error);
        if (name === 'PreconditionFailed' || status === 412) return null;
        // If-Match on a key that no longer exists.
        if (input.IfMatch !== undefined && (name === 'NoSuchKey' || status === 404)) return null;
        // S3 answers 409 while another conditional write to the key is in flight; the retry
        // then sees the winner's object and gets 412.
        if ((name === 'ConditionalRequestConflict' || status === 409) && attempt < 5) {
          await this.#sleep(100 * attempt);
          continue;
        }
        throw error;
      }
      if (!etag)
        throw new Error(`S3 wrote s3://${this.#bucket}/${input.Key ?? ''} without returning its ETag`);
      return etag;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#objectKey(key) }));
  }

  #objectKey(key: string): string {
    assertValidKey(key);
    return this.#prefix ? `${this.#prefix}/${key}` : key;
  }

  #putInput(key: string, body: string | Uint8Array, contentType: string): PutObjectCommandInput {
    return { Bucket: this.#bucket, Key: this.#objectKey(key), Body: body, ContentType: contentType };
  }
}
