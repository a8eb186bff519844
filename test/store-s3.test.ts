import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3Store } from '../functions/adapters/stores/s3.js';
import { objectStoreContract } from './store-contract.js';
import { startLocalS3, type LocalS3 } from './store-s3-server.js';

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

describe('S3Store on a local S3 server with conditional writes (as S3 has them)', () => {
  let s3: LocalS3;
  let prefixSeq = 0;
  beforeAll(async () => {
    s3 = await startLocalS3({ likeS3: true });
  });
  afterAll(async () => {
    await s3.stop();
  });

  // A fresh prefix per test keeps the tests independent on one server.
  objectStoreContract(
    () => new S3Store({ client: s3.client, bucket: s3.bucket, prefix: `run-${++prefixSeq}` }),
  );

  it('writes under the prefix and reports s3:// URIs', async () => {
    const store = new S3Store({ client: s3.client, bucket: s3.bucket, prefix: '/team-a/reports/' });
    expect(store.location).toBe(`s3://${s3.bucket}/team-a/reports`);
    const uri = await store.put('snapshots/weekly/latest.json', '{"ok":true}', 'application/json');
    expect(uri).toBe(`s3://${s3.bucket}/team-a/reports/snapshots/weekly/latest.json`);
    const raw = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: 'team-a/reports/snapshots/weekly/latest.json' }),
    );
    expect(raw.ContentType).toBe('application/json');
    expect(await raw.Body?.transformToString()).toBe('{"ok":true}');
  });
});

describe('S3Store on plain s3rver (which ignores If-None-Match)', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3({ likeS3: false });
  });
  afterAll(async () => {
    await s3.stop();
  });

  it('sends If-None-Match: * with putIfAbsent and never with put', async () => {
    const store = new S3Store({ client: s3.client, bucket: s3.bucket, prefix: 'p' });
    s3.requests.length = 0;
    await store.put('a.json', '1', 'application/json');
    expect(await store.putIfAbsent('b.json', '2', 'application/json')).toEqual(expect.any(String));
    const puts = s3.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => [r.path, r.ifNoneMatch])).toEqual([
      [`/${s3.bucket}/p/a.json`, ''],
      [`/${s3.bucket}/p/b.json`, '*'],
    ]);
    expect(await store.get('b.json')).toBe('2');
  });
});

describe('S3Store error mapping (mocked client)', () => {
  // Mock one client instance only: the other suites talk to a real server.
  const client = new S3Client({ region: 'eu-west-1' });
  const s3Mock = mockClient(client);
  beforeEach(() => s3Mock.reset());
  const store = () => new S3Store({ client, bucket: 'bucket-a', prefix: 'x', sleep: async () => {} });

  it('maps 412 PreconditionFailed to null and sends the condition', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    expect(await store().putIfAbsent('k.json', 'v', 'application/json')).toBeNull();
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'bucket-a',
      Key: 'x/k.json',
      IfNoneMatch: '*',
      ContentType: 'application/json',
    });
  });

  it('retries 409 ConditionalRequestConflict, then reports who won', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .rejectsOnce(s3Error('PreconditionFailed', 412));
    expect(await store().putIfAbsent('k.json', 'v', 'application/json')).toBeNull();
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it("returns the written object's ETag as its version, and refuses a write without one", async () => {
    s3Mock.on(PutObjectCommand).resolvesOnce({ ETag: '"9a0364b9e99bb480dd25e1f0284c8555"' }).resolvesOnce({});
    expect(await store().putIfVersion('k.json', 'v', 'application/json', '"old"')).toBe(
      '"9a0364b9e99bb480dd25e1f0284c8555"',
    );
    await expect(store().putIfAbsent('k.json', 'v', 'application/json')).rejects.toThrow(
      /s3:\/\/bucket-a\/x\/k\.json without returning its ETag/,
    );
  });

  it('maps NoSuchKey to null and passes other errors through', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejectsOnce(s3Error('NoSuchKey', 404))
      .rejectsOnce(s3Error('AccessDenied', 403));
    expect(await store().get('missing.json')).toBeNull();
    await expect(store().get('secret.json')).rejects.toThrow(/AccessDenied/);
  });

  it('passes other putIfAbsent errors through', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(store().putIfAbsent('k.json', 'v', 'application/json')).rejects.toThrow(/AccessDenied/);
  });

  it('rejects bucket names S3 would reject', () => {
    expect(() => new S3Store({ bucket: 'Bad_Bucket' })).toThrow(/not an S3 bucket name/);
  });
});
