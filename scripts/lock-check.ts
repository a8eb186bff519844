/**
 * Checks that package-lock.json records every optional dependency of every locked package, so
 * `npm ci` installs the same tree on every platform (DuckDB and esbuild ship one optional package
 * per OS and CPU; a lock written by an older npm on one platform kept only that platform's).
 *
 *   npx tsx scripts/lock-check.ts   # exit 1 and list what is missing
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const LOCK_PATH = fileURLToPath(new URL('../package-lock.json', import.meta.url));

interface LockedPackage {
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

export interface PackageLock {
  readonly packages: Readonly<Record<string, LockedPackage>>;
}

/** Where Node would find `name` from the package at `from`: its own node_modules, then each parent's. */
function resolves(lock: PackageLock, from: string, name: string): boolean {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (lock.packages[candidate] !== undefined) return true;
    if (base === '') return false;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

/** `from -> name` for each optional dependency the lock names but does not record. */
export function missingOptionalPackages(lock: PackageLock): string[] {
  const missing: string[] = [];
  for (const [from, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolves(lock, from, name)) missing.push(`${from === '' ? '(root)' : from} -> ${name}`);
    }
  }
  return missing.sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const lock = JSON.parse(readFileSync(LOCK_PATH, 'utf8')) as PackageLock;
  const missing = missingOptionalPackages(lock);
  if (missing.length > 0) {
    console.error(
      `package-lock.json lacks ${missing.length} optional package(s) other platforms need ` +
        `(regenerate it with npm 11 or later): ${missing.join(', ')}`,
    );
    process.exit(1);
  }
}
