/**
 * The command line of a script that generates a committed file: writes it, or with `--check`
 * exits 1 when the committed file differs from what would be generated. Shared by the template
 * compiler and the snapshot schema generator.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GeneratedFile {
  /** Absolute path of the committed file. */
  readonly file: string;
  readonly generate: () => Promise<string>;
  /** The command that regenerates the file, for the out-of-date message. */
  readonly rebuild: string;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function writeOrCheck(target: GeneratedFile, argv: readonly string[]): Promise<number> {
  const name = path.relative(ROOT, target.file);
  const expected = await target.generate();
  if (argv.includes('--check')) {
    const current = await readFile(target.file, 'utf8').catch(() => '');
    if (current !== expected) {
      console.error(`${name} is out of date: run ${target.rebuild}`);
      return 1;
    }
    console.log(`${name} is up to date`);
    return 0;
  }
  await writeFile(target.file, expected);
  console.log(`wrote ${name} (${Buffer.byteLength(expected)} bytes)`);
  return 0;
}

/** Runs `writeOrCheck` when `moduleUrl` is the script node was started with. */
export function runIfMain(moduleUrl: string, target: GeneratedFile): void {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  writeOrCheck(target, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
