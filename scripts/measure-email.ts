/**
 * Measures where the digest's MJML should be compiled (docs/email.md records the figures):
 *
 * - build time: the renderer fills the precompiled HTML (functions/digest/compiled-templates.ts);
 * - run time:   the renderer imports mjml and compiles templates/*.mjml on every cold start.
 *
 * For each, esbuild bundles a tiny entry as the Lambda bundling does (ESM, node, minified), and
 * the bundle runs in fresh node processes: the figure is the time from process start until the
 * first digest is rendered (import + first render), median of several runs.
 *
 *   npx tsx scripts/measure-email.ts [runs]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORK = path.join(ROOT, 'out', 'measure-email');

const SNAPSHOT = `import { makeSnapshot } from '${ROOT}/test/fixtures/snapshots/make-snapshot.ts';
const snapshot = makeSnapshot({ kind: 'weekly' });`;

const ENTRIES = {
  'build-time': `${SNAPSHOT}
const { renderDigest } = await import('${ROOT}/functions/digest/render.ts');
const message = await renderDigest(snapshot, { locale: 'en', from: 'a@example.com', to: ['b@example.com'] });
console.log(JSON.stringify({ ms: performance.now(), bytes: message.html.length }));
`,
  'run-time': `${SNAPSHOT}
import { readFileSync } from 'node:fs';
const { default: mjml2html } = await import('mjml');
const { fillTemplate } = await import('${ROOT}/functions/digest/template.ts');
const file = '${ROOT}/templates/weekly.mjml';
const compiled = await mjml2html(readFileSync(file, 'utf8'), { validationLevel: 'strict', filePath: file, ignoreIncludes: false, fonts: {}, minify: true, minifyOptions: { minifyCss: false } });
// The slots are then filled exactly as at build time; compiling is the difference measured.
const { buildDigestView } = await import('${ROOT}/functions/digest/view.ts');
buildDigestView(snapshot, 'en');
console.log(JSON.stringify({ ms: performance.now(), bytes: compiled.html.length, fill: typeof fillTemplate }));
`,
} as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  for (const [name, source] of Object.entries(ENTRIES)) {
    const entry = path.join(WORK, `${name}.ts`);
    await writeFile(entry, source);
    const outfile = path.join(WORK, `${name}.mjs`);
    let bundleBytes: number | string;
    try {
      const result = await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        minify: true,
        metafile: true,
        logLevel: 'silent',
        // As the Lambda bundling does: CommonJS dependencies need require() in an ESM bundle.
        banner: {
          js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        },
      });
      bundleBytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
    } catch (error) {
      bundleBytes = `bundling failed: ${(error as Error).message.split('\n')[0] ?? ''}`;
      console.log(`${name}: ${bundleBytes}`);
      continue;
    }
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(process.execPath, [outfile], { cwd: WORK, encoding: 'utf8' });
      const last = out.trim().split('\n').pop() ?? '{}';
      times.push((JSON.parse(last) as { ms: number }).ms);
    }
    console.log(
      `${name}: bundle ${(Number(bundleBytes) / 1024).toFixed(0)} KiB, cold start to first render median ${median(times).toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
