import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Forks: DuckDB is a native module, kept out of worker threads.
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: on a 2-core machine a single worker,
    // while most files wait on DuckDB's own threads, child processes or sockets part of the time.
    // At least two, then as many as the default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
