import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../../functions/sample/generate.js';
import { DuckDbEngine } from '../../functions/adapters/engines/duckdb.js';
import { createKpiContext } from '../../functions/app/context.js';
import { periodFromKey } from '../../functions/core/period.js';
import type { KpiGroup, KpiGroupResult, PeriodValue } from '../../functions/core/kpis/group.js';
import type { KpiId } from '../../functions/core/snapshot.js';
import { RecordingEngine } from './recording-engine.js';

/** Runs one KPI group over a data folder for the period `key`, recording the queries it ran. */
export async function runKpiGroup(
  group: KpiGroup,
  dataDir: string,
  key: string,
  tz = 'UTC',
): Promise<{ result: KpiGroupResult; engine: RecordingEngine }> {
  const engine = new RecordingEngine(await DuckDbEngine.open({ dataDir }));
  try {
    const { context } = await createKpiContext(engine, { period: periodFromKey(key, tz), currency: 'USD' });
    return { result: await group.compute(context), engine };
  } finally {
    await engine.close();
  }
}

/** A KPI's values for every report period; throws when the group gave none. */
export function series(result: KpiGroupResult, id: KpiId): readonly PeriodValue[] {
  const values = result.values[id];
  if (!values) throw new Error(`no values for ${id}`);
  return values;
}

/** A KPI's value for report period `period` (0 = the report's period). */
export function valueAt(result: KpiGroupResult, id: KpiId, period: number): PeriodValue | undefined {
  return series(result, id)[period];
}

/**
 * Runs one KPI group over a small generated dataset (seed 1, 120 accounts, 14 months to
 * 2026-11-22), for plausibility checks; the data is removed afterwards.
 */
export async function runOnSampleData(group: KpiGroup, key: string, tz = 'UTC'): Promise<KpiGroupResult> {
  const dir = mkdtempSync(join(tmpdir(), `${group.name}-sample-`));
  try {
    await generateSampleData({
      outDir: dir,
      seed: 1,
      endDate: '2026-11-22',
      months: 14,
      accounts: 120,
      usageEvents: 1000,
    });
    return (await runKpiGroup(group, dir, key, tz)).result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
