/** Behaviour every ObjectStore must have; run against each implementation. */
import { expect, it } from 'vitest';
import type { ObjectStore } from '../functions/app/ports/object-store.js';

export function objectStoreContract(open: () => ObjectStore): void {
  it('round-trips text and bytes, and reads a missing key as null', async () => {
    const store = open();
    const uri = await store.put('snapshots/weekly/2026-W47.json', '{"kpis":{"mrr":1}}', 'application/json');
    expect(uri).toBe(store.uri('snapshots/weekly/2026-W47.json'));
    expect(await store.get('snapshots/weekly/2026-W47.json')).toBe('{"kpis":{"mrr":1}}');
    await store.put('bin/raw.txt', new TextEncoder().encode('zażółć'), 'text/plain');
    expect(await store.get('bin/raw.txt')).toBe('zażółć');
    expect(await store.get('snapshots/weekly/2026-W01.json')).toBeNull();
  });

  it('put overwrites, delete removes, deleting a missing key is fine', async () => {
    const store = open();
    await store.put('a/b.json', 'one', 'application/json');
    await store.put('a/b.json', 'two', 'application/json');
    expect(await store.get('a/b.json')).toBe('two');
    await store.delete('a/b.json');
    expect(await store.get('a/b.json')).toBeNull();
    await expect(store.delete('a/b.json')).resolves.toBeUndefined();
  });

  it('putIfAbsent creates once and never overwrites', async () => {
    const store = open();
    const version = await store.putIfAbsent('deliveries/x.json', 'first', 'application/json');
    expect(version).toEqual(expect.any(String));
    expect(await store.putIfAbsent('deliveries/x.json', 'second', 'application/json')).toBeNull();
    expect(await store.get('deliveries/x.json')).toBe('first');
    // The version it returns is the object's: a conditional replace can use it without a read.
    expect((await store.getVersioned('deliveries/x.json'))?.version).toBe(version);
  });

  it('lets exactly one of many concurrent putIfAbsent calls win', async () => {
    const store = open();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.putIfAbsent('race/claim.json', `writer-${i}`, 'application/json'),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const winner = results.findIndex((r) => r !== null);
    expect(await store.get('race/claim.json')).toBe(`writer-${winner}`);
  });

  it('putIfVersion replaces only the version it read', async () => {
    const store = open();
    expect(await store.getVersioned('ledger/r.json')).toBeNull();
    expect(await store.putIfVersion('ledger/r.json', 'x', 'application/json', 'no-such-version')).toBeNull();
    await store.put('ledger/r.json', 'one', 'application/json');
    const first = await store.getVersioned('ledger/r.json');
    expect(first?.body).toBe('one');
    const written = await store.putIfVersion(
      'ledger/r.json',
      'two',
      'application/json',
      first?.version ?? '',
    );
    expect(written).toEqual(expect.any(String));
    // A writer still holding the first version has lost: its write must not land.
    expect(
      await store.putIfVersion('ledger/r.json', 'late', 'application/json', first?.version ?? ''),
    ).toBeNull();
    const second = await store.getVersioned('ledger/r.json');
    expect(second?.body).toBe('two');
    expect(second?.version).not.toBe(first?.version);
    expect(second?.version).toBe(written);
    // And the returned version is good for the next replace.
    expect(
      await store.putIfVersion('ledger/r.json', 'three', 'application/json', written ?? ''),
    ).not.toBeNull();
    expect(await store.get('ledger/r.json')).toBe('three');
  });

  it('lets exactly one of many concurrent putIfVersion calls on the same version win', async () => {
    const store = open();
    await store.put('race/cas.json', 'base', 'application/json');
    const base = await store.getVersioned('race/cas.json');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store.putIfVersion('race/cas.json', `writer-${i}`, 'application/json', base?.version ?? ''),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await store.get('race/cas.json')).toBe(`writer-${results.findIndex((r) => r !== null)}`);
  });

  it('rejects keys that escape the store or are not plain paths', async () => {
    const store = open();
    for (const key of [
      '../etc/passwd',
      '/abs/key.json',
      'a/../b.json',
      'a//b.json',
      '',
      'a/./b',
      'sp ace.json',
    ]) {
      await expect(store.put(key, 'x', 'text/plain'), key).rejects.toThrow(/not a valid object key/);
      await expect(store.get(key), key).rejects.toThrow(/not a valid object key/);
      await expect(store.putIfAbsent(key, 'x', 'text/plain'), key).rejects.toThrow(/not a valid object key/);
    }
  });
}
