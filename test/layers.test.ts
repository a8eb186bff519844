/**
 * The folders of functions/ are layers, and data flows one way through them: contract tables →
 * SQL → KPI math (core) → snapshot → view model and MJML (digest) → mailer. This test reads every
 * import and fails when a layer reaches one it must not know: the pure core imports nothing but
 * itself, the contract and `zod` (no Node built-ins, no other package), adapters never import the
 * application, and only the entry points (CLI, Lambda handlers) wire adapters to the application.
 * zod is allowed because a schema library is pure computation (no I/O, no clock, no host state):
 * the snapshot's shape is defined once with it in core/snapshot-schema.ts, and the types, the
 * digest's check and docs/snapshot.schema.json are derived from that definition.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', 'functions');

/** The only packages the pure core may import (pure computation, see above); the contract none. */
const CORE_PACKAGES: readonly string[] = ['zod'];

type Layer = 'contract' | 'core' | 'sql' | 'ports' | 'digest' | 'app' | 'adapters' | 'entry' | 'sample';

/** What each layer may import (besides itself). Entry points may import anything. */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  contract: [],
  core: ['contract'],
  ports: ['core', 'contract'],
  sql: ['core', 'contract', 'ports'],
  digest: ['core', 'contract', 'ports'],
  app: ['core', 'contract', 'ports', 'sql', 'digest'],
  adapters: ['core', 'contract', 'ports', 'sql'],
  sample: ['core', 'contract'],
  entry: ['contract', 'core', 'sql', 'ports', 'digest', 'app', 'adapters', 'sample'],
};

function layerOf(file: string): Layer {
  const rel = path.relative(ROOT, file).split(path.sep);
  const top = rel[0] ?? '';
  if (top === 'app') return rel[1] === 'ports' ? 'ports' : 'app';
  if (top === 'cli' || top === 'handlers') return 'entry';
  if (['contract', 'core', 'sql', 'digest', 'adapters', 'sample'].includes(top)) return top as Layer;
  throw new Error(`${file}: a folder of functions/ that is not a known layer`);
}

/**
 * The pure core and the contract use the language only: no I/O, no clock, no packages; the
 * core may use the schema library besides.
 */
export function mayImportPackage(layer: Layer, spec: string): boolean {
  if (layer === 'contract') return false;
  if (layer === 'core') return CORE_PACKAGES.includes(spec);
  return true;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier a file imports, statically, dynamically or by re-export. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*'([^']+)'/g))
    specs.push(m[1] ?? '');
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*'([^']+)'/g)) specs.push(m[1] ?? '');
  for (const m of source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) specs.push(m[1] ?? '');
  return specs;
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(ROOT)) {
    const from = layerOf(file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const name = path.relative(ROOT, file);
      if (!spec.startsWith('.')) {
        if (!mayImportPackage(from, spec)) found.push(`${name} imports '${spec}'`);
        continue;
      }
      const to = layerOf(path.resolve(path.dirname(file), spec));
      if (to !== from && !ALLOWED[from].includes(to)) found.push(`${name} (${from}) imports ${spec} (${to})`);
    }
  }
  return found;
}

describe('layers of functions/', () => {
  it('reads imports of every form', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "import './side-effect.js';",
      "const m = await import('../d.js');",
      'import {\n  e,\n  type F,\n} from "x";', // double quotes are not used in this code base; Prettier keeps single ones
    ].join('\n');
    expect(importsOf(source)).toEqual(['./a.js', '../b.js', './c.js', './side-effect.js', '../d.js']);
  });

  it('lets the core import zod and no other package, and the contract none', () => {
    expect(mayImportPackage('core', 'zod')).toBe(true);
    expect(mayImportPackage('core', 'zod/mini')).toBe(false);
    expect(mayImportPackage('core', 'node:fs')).toBe(false);
    expect(mayImportPackage('core', 'luxon')).toBe(false);
    expect(mayImportPackage('contract', 'zod')).toBe(false);
    expect(mayImportPackage('digest', 'zod')).toBe(true);
  });

  it('every import goes with the flow, and the core is pure', () => {
    expect(violations()).toEqual([]);
  });
});
