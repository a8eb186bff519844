import { resolve } from 'node:path';
import { generateSampleData } from './functions/sample/generate.js';
for (const [name, accounts, usageEvents] of [['1m', 2000, 1_000_000], ['csm20k', 20_000, 2_000_000]] as const) {
  const t = performance.now();
  await generateSampleData({ outDir: resolve('bench-data', name), seed: 42, endDate: '2026-11-22', accounts, usageEvents, csms: 200 });
  console.log(name, Math.round((performance.now() - t) / 1000), 's');
}
