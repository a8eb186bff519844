/** Behaviour every ObjectStore must have; run against each implementation. */
import { expect, it } from 'vitest';
import type { ObjectStore } from '../functions/stores/store.js';

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
    expect(await store.putIfAbsent('deliveries/x.json', 'first', 'application/json')).toBe(true);
    expect(await store.putIfAbsent('deliveries/x.json', 'second', 'application/json')).toBe(false);
    expect(await store.get('deliveries/x.json')).toBe('first');
  });

  it('lets exactly one of many concurrent putIfAbsent calls win', async () => {
    const store = open();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.putIfAbsent('race/claim.json', `writer-${i}`, 'application/json'),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await store.get('race/claim.json')).toBe(`writer-${winner}`);
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
