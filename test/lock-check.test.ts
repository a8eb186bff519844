import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCK_PATH, missingOptionalPackages, type PackageLock } from '../scripts/lock-check.js';

const DUCKDB_PLATFORMS = [
  'darwin-arm64',
  'darwin-x64',
  'linux-arm64',
  'linux-arm64-musl',
  'linux-x64',
  'linux-x64-musl',
  'win32-arm64',
  'win32-x64',
];

describe('package-lock.json', () => {
  const lock = JSON.parse(readFileSync(LOCK_PATH, 'utf8')) as PackageLock;

  it('records every optional platform package, so npm ci installs an engine on every platform', () => {
    expect(missingOptionalPackages(lock)).toEqual([]);
    for (const platform of DUCKDB_PLATFORMS) {
      expect(lock.packages[`node_modules/@duckdb/node-bindings-${platform}`], platform).toBeDefined();
    }
  });

  it('names a binding that is missing, as a lock written on one platform would be', () => {
    const packages = { ...lock.packages };
    delete packages['node_modules/@duckdb/node-bindings-darwin-arm64'];
    expect(missingOptionalPackages({ packages })).toEqual([
      'node_modules/@duckdb/node-bindings -> @duckdb/node-bindings-darwin-arm64',
    ]);
  });

  it('finds a nested optional package where Node would resolve it', () => {
    const nested: PackageLock = {
      packages: {
        '': {},
        'node_modules/a': {},
        'node_modules/a/node_modules/b': { optionalDependencies: { c: '1', d: '1' } },
        'node_modules/a/node_modules/c': {},
        'node_modules/d': {},
      },
    };
    expect(missingOptionalPackages(nested)).toEqual([]);
    expect(
      missingOptionalPackages({ packages: { 'node_modules/a': { optionalDependencies: { z: '1' } } } }),
    ).toEqual(['node_modules/a -> z']);
  });
});
