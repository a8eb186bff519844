import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { PROJECT_ROOT, REPORT_BUNDLE } from '../infra/bundling.js';
import { resolveConfig } from '../infra/config.js';
import { ReportFunction } from '../infra/constructs/report-function.js';
import { CsKpiDigestStack } from '../infra/stack.js';
import { bytesByPackage, measureBundle } from '../scripts/bundle-size.js';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'infra-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('report Lambda bundle', () => {
  it('builds the real handler entry with the stack’s esbuild settings', async () => {
    const size = await measureBundle();
    expect(size.entry).toBe('functions/handlers/report/handler.ts');
    expect(size.jsBytes).toBeGreaterThan(0);
    expect(size.compressedBytes).toBeGreaterThan(0);
    expect(size.compressedBytes).toBeLessThan(size.jsBytes + 64);
    // The Lambda package limit is 50 MB zipped; stay far below it.
    expect(size.compressedBytes).toBeLessThan(20 * 1024 * 1024);
    expect(size.inputs.some((i) => i.path.endsWith('functions/handlers/report/handler.ts'))).toBe(true);
    // Externals (DuckDB, build tools) are not in the zip: the handler must not import them as it loads.
    expect(size.missingAtRuntime).toEqual([]);
  });

  it('leaves DuckDB and build-time packages out of the bundle and can still run CommonJS', async () => {
    const entry = join(scratch, 'entry.ts');
    writeFileSync(
      entry,
      [
        "import { DuckDBInstance } from '@duckdb/node-api';",
        "import ts from 'typescript';",
        'export const handler = async () => [typeof DuckDBInstance, typeof ts, typeof require];',
      ].join('\n'),
    );
    const size = await measureBundle(entry);
    expect(size.inputs.map((i) => i.path).filter((p) => p.includes('node_modules'))).toEqual([]);
    expect(bytesByPackage(size.inputs)).toEqual([{ path: '(project)', bytes: expect.any(Number) }]);
    expect(size.jsBytes).toBeLessThan(2048);
    expect(REPORT_BUNDLE.externalModules).toContain('@duckdb/node-api');
    // ...which is why a handler that imports them as it loads is caught.
    expect(size.missingAtRuntime).toEqual(['@duckdb/node-api', 'typescript']);
  });

  it('accepts externals that are only imported lazily, and node built-ins', async () => {
    const entry = join(scratch, 'lazy.ts');
    writeFileSync(
      entry,
      [
        "import { readFileSync } from 'node:fs';",
        "import { join } from 'path';",
        "export const handler = async () => [typeof readFileSync, join('a'), (await import('@duckdb/node-api')).VERSION];",
      ].join('\n'),
    );
    expect((await measureBundle(entry)).missingAtRuntime).toEqual([]);
  });

  it('is what the stack deploys: an ESM index.mjs with a source map, built locally', () => {
    const outdir = join(scratch, 'assembly');
    const app = new App({ outdir });
    const stack = new CsKpiDigestStack(app, 'Bundled', {
      config: resolveConfig({ sender: 'digest@acme.io', recipients: 'cs@acme.io' }),
    });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
    };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const hash = fn?.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    const assetDir = join(outdir, `asset.${hash}`);
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map', 'sql']);
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code.startsWith(REPORT_BUNDLE.banner)).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
  });
});

describe('report function asset', () => {
  it('holds the bundle, its source map and the query files the code reads at run time', () => {
    // The bundler wants the entry inside the project: use its (git-ignored) cache folder.
    const cache = join(PROJECT_ROOT, 'node_modules/.cache');
    mkdirSync(cache, { recursive: true });
    const fixtureDir = mkdtempSync(join(cache, 'infra-test-'));
    onTestFinished(() => rmSync(fixtureDir, { recursive: true, force: true }));
    const entry = join(fixtureDir, 'handler.ts');
    writeFileSync(entry, 'export const handler = async () => process.env.SQL_DIR;\n');
    const outdir = join(scratch, 'asset-assembly');
    const app = new App({ outdir });
    const stack = new Stack(app, 'Asset');
    const report = new ReportFunction(stack, 'Report', {
      entry,
      memoryMb: 512,
      timeoutSeconds: 60,
      logRetentionDays: 7,
      environment: {},
    });
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<
        string,
        { Type: string; Properties: { Code?: { S3Key?: string }; Environment?: unknown } }
      >;
    };
    const fn = template.Resources[stack.getLogicalId(report.function.node.defaultChild as CfnElement)];
    expect(fn?.Properties.Environment).toEqual({
      Variables: { NODE_OPTIONS: '--enable-source-maps', SQL_DIR: '/var/task/sql' },
    });
    const assetDir = join(outdir, `asset.${fn?.Properties.Code?.S3Key?.replace(/\.zip$/, '')}`);
    const listed = (dir: string, base = ''): string[] =>
      readdirSync(join(dir, base), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? listed(dir, join(base, e.name)) : [join(base, e.name)],
      );
    const sqlFiles = listed(join(PROJECT_ROOT, 'functions/sql')).filter((f) => f.endsWith('.sql'));
    expect(sqlFiles.length).toBeGreaterThan(0);
    expect(listed(assetDir).sort()).toEqual(
      ['index.mjs', 'index.mjs.map', ...sqlFiles.map((f) => join('sql', f))].sort(),
    );
    for (const f of sqlFiles) {
      expect(readFileSync(join(assetDir, 'sql', f), 'utf8')).toBe(
        readFileSync(join(PROJECT_ROOT, 'functions/sql', f), 'utf8'),
      );
    }
  });
});

describe('cdk synth', () => {
  it('synthesizes the app from cdk.json offline, with no context and no credentials', async () => {
    const outdir = join(scratch, 'cdk.out');
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'none',
      CI: 'true',
    };
    const { stderr } = await run(
      join(PROJECT_ROOT, 'node_modules/.bin/cdk'),
      ['synth', '--quiet', '--no-notices', '-o', outdir],
      {
        cwd: PROJECT_ROOT,
        env,
        timeout: 120_000,
      },
    );
    expect(existsSync(join(outdir, 'CsKpiDigest.template.json'))).toBe(true);
    // The demo configuration is announced, not silently deployed.
    expect(stderr).toContain('demo addresses at example.com');
  }, 150_000);
});
