import { link, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from '../functions/adapters/stores/file.js';
import { openStore, parseS3Location, S3Store } from '../functions/adapters/stores/index.js';
import { objectStoreContract } from './store-contract.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'file-store-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FileStore', () => {
  objectStoreContract(() => new FileStore(root));

  it('lays keys out as folders under the root and names files by absolute path', async () => {
    const store = new FileStore(root);
    const uri = await store.put('snapshots/monthly/2026-10.json', '{}', 'application/json');
    expect(uri).toBe(path.join(root, 'snapshots', 'monthly', '2026-10.json'));
    expect(await readFile(uri, 'utf8')).toBe('{}');
    expect(store.location).toBe(path.resolve(root));
  });

  it('leaves no temporary files behind', async () => {
    const store = new FileStore(root);
    await store.put('d/a.json', '1', 'application/json');
    await store.putIfAbsent('d/b.json', '2', 'application/json');
    await store.putIfAbsent('d/b.json', '3', 'application/json');
    expect((await readdir(path.join(root, 'd'))).sort()).toEqual(['a.json', 'b.json']);
  });
});

describe('FileStore conditional replace under a lock', () => {
  it('waits for a lock another writer holds, then replaces the version it read', async () => {
    const store = new FileStore(root);
    await store.put('ledger/r.json', 'one', 'application/json');
    const first = await store.getVersioned('ledger/r.json');
    const file = path.join(root, 'ledger', 'r.json');
    // Another process holds the lock (a hard link of the file, as the store takes it).
    await link(file, `${file}.lock`);
    let replaced = false;
    const write = store
      .putIfVersion('ledger/r.json', 'two', 'application/json', first?.version ?? '')
      .then((version) => {
        replaced = version !== null;
        return version;
      });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(replaced).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('one');
    await unlink(`${file}.lock`);
    expect(await write).not.toBeNull();
    expect(await readFile(file, 'utf8')).toBe('two');
    expect((await readdir(path.join(root, 'ledger'))).sort()).toEqual(['r.json']);
  });

  it('breaks a lock left behind by a crashed writer once it is stale', async () => {
    const store = new FileStore(root, { lockStaleMs: 50 });
    await store.put('ledger/r.json', 'one', 'application/json');
    const first = await store.getVersioned('ledger/r.json');
    const file = path.join(root, 'ledger', 'r.json');
    await writeFile(`${file}.lock`, 'crashed');
    expect(
      await store.putIfVersion('ledger/r.json', 'two', 'application/json', first?.version ?? ''),
    ).not.toBeNull();
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(path.join(root, 'ledger'))).toEqual(['r.json']);
  });

  it('refuses to replace an object that does not exist, leaving nothing behind', async () => {
    const store = new FileStore(root);
    await store.put('ledger/other.json', 'x', 'application/json');
    expect(await store.putIfVersion('ledger/r.json', 'two', 'application/json', 'v')).toBeNull();
    expect(await readdir(path.join(root, 'ledger'))).toEqual(['other.json']);
  });

  it('names the file in the way when a folder of the key is a file', async () => {
    const store = new FileStore(root);
    await store.put('d', 'a file', 'text/plain');
    await expect(store.put('d/e/f.json', '{}', 'application/json')).rejects.toThrow(
      /is a file, not a folder/,
    );
  });
});

describe('openStore', () => {
  it('opens S3 for s3:// locations and files otherwise', () => {
    expect(parseS3Location('s3://bucket-a/some/prefix/')).toEqual({
      bucket: 'bucket-a',
      prefix: 'some/prefix',
    });
    expect(parseS3Location('s3://bucket-a')).toEqual({ bucket: 'bucket-a', prefix: '' });
    expect(parseS3Location('./out')).toBeNull();
    expect(() => parseS3Location('s3:///x')).toThrow(/names no bucket/);
    const s3 = openStore('s3://bucket-a/reports');
    expect(s3).toBeInstanceOf(S3Store);
    expect(s3.uri('snapshots/weekly/latest.json')).toBe('s3://bucket-a/reports/snapshots/weekly/latest.json');
    expect(openStore(root)).toBeInstanceOf(FileStore);
  });
});
