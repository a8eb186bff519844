/**
 * Bundles the report Lambda exactly as the CDK stack does (infra/bundling.ts) and prints its
 * size: the minified JS, the compressed size (close to the deployed zip), and the biggest
 * inputs, so a growing bundle is easy to explain.
 *
 *   npx tsx scripts/bundle-size.ts [--json] [--top N]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { PROJECT_ROOT, REPORT_BUNDLE, REPORT_BUNDLE_FILES, REPORT_HANDLER_ENTRY } from '../infra/bundling.js';

export interface BundleInput {
  readonly path: string;
  readonly bytes: number;
}

export interface BundleSize {
  readonly entry: string;
  /** Minified JavaScript, bytes. */
  readonly jsBytes: number;
  /** The JavaScript deflated the way a zip stores it, bytes (the source map is not counted). */
  readonly compressedBytes: number;
  readonly sourceMapBytes: number;
  /** Bytes each input contributes to the output, largest first. */
  readonly inputs: readonly BundleInput[];
  /**
   * Packages left out of the bundle that the code still imports when it loads (static
   * imports). Each one would fail the Lambda's cold start: it is not in the zip.
   */
  readonly missingAtRuntime: readonly string[];
  /** Files copied next to the bundle (the query files): count and bytes. */
  readonly runtimeFiles: { readonly count: number; readonly bytes: number };
  readonly buildMilliseconds: number;
}

export async function measureBundle(entry = REPORT_HANDLER_ENTRY): Promise<BundleSize> {
  const outdir = mkdtempSync(join(tmpdir(), 'report-bundle-'));
  const outfile = join(outdir, 'index.mjs');
  const started = performance.now();
  try {
    const result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: REPORT_BUNDLE.platform,
      target: REPORT_BUNDLE.target,
      format: REPORT_BUNDLE.format,
      minify: REPORT_BUNDLE.minify,
      sourcemap: REPORT_BUNDLE.sourceMap,
      sourcesContent: false,
      banner: { js: REPORT_BUNDLE.banner },
      mainFields: [...REPORT_BUNDLE.mainFields],
      external: [...REPORT_BUNDLE.externalModules],
      metafile: true,
      logLevel: 'silent',
    });
    const buildMilliseconds = Math.round(performance.now() - started);
    const js = readFileSync(outfile);
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
    const inputs = Object.entries(output?.inputs ?? {})
      .map(([path, info]) => ({ path, bytes: info.bytesInOutput }))
      .filter((i) => i.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes);
    const builtins = new Set(builtinModules);
    const missingAtRuntime = [
      ...new Set(
        (output?.imports ?? [])
          .filter((i) => i.external && i.kind === 'import-statement')
          .map((i) => i.path)
          .filter((path) => !path.startsWith('node:') && !builtins.has(path.split('/')[0] ?? path)),
      ),
    ].sort();
    const files = REPORT_BUNDLE_FILES.flatMap((f) => listFiles(join(PROJECT_ROOT, f.from), f.extension));
    return {
      entry: relative(PROJECT_ROOT, entry),
      missingAtRuntime,
      runtimeFiles: { count: files.length, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0) },
      jsBytes: js.length,
      compressedBytes: deflateRawSync(js, { level: 9 }).length,
      sourceMapBytes: statSync(`${outfile}.map`).size,
      inputs,
      buildMilliseconds,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function listFiles(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? listFiles(join(dir, e.name), extension)
      : e.name.endsWith(extension)
        ? [join(dir, e.name)]
        : [],
  );
}

/** Groups inputs by npm package (or `(project)` for our own files). */
export function bytesByPackage(inputs: readonly BundleInput[]): BundleInput[] {
  const totals = new Map<string, number>();
  for (const input of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.path);
    const key = m?.[1] ?? '(project)';
    totals.set(key, (totals.get(key) ?? 0) + input.bytes);
  }
  return [...totals.entries()].map(([path, bytes]) => ({ path, bytes })).sort((a, b) => b.bytes - a.bytes);
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  const topIndex = argv.indexOf('--top');
  const top = topIndex >= 0 ? Number(argv[topIndex + 1]) : 10;
  const size = await measureBundle();
  if (json) {
    console.log(
      JSON.stringify(
        { ...size, packages: bytesByPackage(size.inputs).slice(0, top), inputs: undefined },
        null,
        2,
      ),
    );
    return;
  }
  console.log(`entry              ${size.entry}`);
  console.log(`minified JS        ${kib(size.jsBytes)} (${size.jsBytes} bytes)`);
  console.log(`compressed (zip)   ${kib(size.compressedBytes)} (${size.compressedBytes} bytes)`);
  console.log(`source map         ${kib(size.sourceMapBytes)}`);
  console.log(`query files        ${size.runtimeFiles.count} files, ${kib(size.runtimeFiles.bytes)}`);
  console.log(`build time         ${size.buildMilliseconds} ms`);
  for (const name of size.missingAtRuntime) {
    console.log(`WARNING            ${name} is imported when the handler loads but is not in the bundle`);
  }
  console.log('largest packages:');
  for (const p of bytesByPackage(size.inputs).slice(0, top))
    console.log(`  ${kib(p.bytes).padStart(10)}  ${p.path}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
