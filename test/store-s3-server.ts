/**
 * A real S3-protocol server (s3rver) on localhost for tests, with an S3 client pointed at it.
 *
 * s3rver 3.7 differs from S3 in two ways that matter here: it ignores `If-None-Match: *` and
 * `If-Match` on PUT (S3 has honoured both since 2024), and it writes objects in place, so a
 * read racing a write can see a partial object. With `likeS3: true` a small middleware in
 * front of s3rver handles one request per key at a time, answers a conditional PUT of an
 * existing key (If-None-Match) or of a changed one (If-Match) with 412 PreconditionFailed in
 * S3's XML error format, and an If-Match PUT of a missing key with 404 NoSuchKey; with
 * `false` the server is plain s3rver. Every request's method, path and If-None-Match header
 * is recorded either way.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

interface KoaContext {
  readonly method: string;
  readonly path: string;
  status: number;
  type: string;
  body: unknown;
  get(header: string): string;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface S3rverInstance {
  readonly middleware: KoaMiddleware[];
  readonly store: {
    existsObject(bucket: string, key: string): Promise<boolean>;
    getMetadata(bucket: string, key: string): Promise<{ etag?: string } | undefined>;
  };
  readonly httpServer?: { closeAllConnections(): void };
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly ifNoneMatch: string;
}

export interface LocalS3 {
  readonly client: S3Client;
  readonly bucket: string;
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

export async function startLocalS3(options: { bucket?: string; likeS3: boolean }): Promise<LocalS3> {
  const bucket = options.bucket ?? 'report-snapshots';
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const requests: RecordedRequest[] = [];
  const keyLocks = new Map<string, Promise<void>>();
  const likeS3: KoaMiddleware = async (ctx, next) => {
    const ifNoneMatch = ctx.get('if-none-match');
    requests.push({ method: ctx.method, path: ctx.path, ifNoneMatch });
    const [objectBucket = '', ...rest] = ctx.path.slice(1).split('/').map(decodeURIComponent);
    const key = rest.join('/');
    if (!options.likeS3 || !key) return next();
    // One request per key at a time: s3rver writes objects in place, so a read racing a
    // write could see half an object, which S3 never shows.
    const lockKey = `${objectBucket}/${key}`;
    const previous = keyLocks.get(lockKey) ?? Promise.resolve();
    let release = (): void => undefined;
    const current = new Promise<void>((resolve) => (release = resolve));
    const queued = previous.then(() => current);
    keyLocks.set(lockKey, queued);
    await previous;
    try {
      const plainPut = ctx.method === 'PUT' && !ctx.get('x-amz-copy-source');
      const preconditionFailed = (condition: string): void => {
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
          '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
          `<Condition>${condition}</Condition></Error>`;
      };
      if (plainPut && ifNoneMatch === '*' && (await server.store.existsObject(objectBucket, key))) {
        preconditionFailed('If-None-Match');
        return;
      }
      const ifMatch = ctx.get('if-match');
      if (plainPut && ifMatch !== '') {
        const metadata = (await server.store.existsObject(objectBucket, key))
          ? await server.store.getMetadata(objectBucket, key)
          : undefined;
        if (metadata === undefined) {
          ctx.status = 404;
          ctx.type = 'application/xml';
          ctx.body =
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>' +
            '<Message>The specified key does not exist.</Message></Error>';
          return;
        }
        if (metadata.etag !== ifMatch) {
          preconditionFailed('If-Match');
          return;
        }
      }
      await next();
    } finally {
      release();
      if (keyLocks.get(lockKey) === queued) keyLocks.delete(lockKey);
    }
  };
  server.middleware.unshift(likeS3);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    client,
    bucket,
    endpoint,
    requests,
    async stop() {
      client.destroy();
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
