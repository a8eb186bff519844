/** Small fakes for the digest job: a snapshot builder, an engine, a renderer and a mailer. */
import type { QueryEngine } from '../functions/app/ports/query-engine.js';
import type { Period } from '../functions/core/period.js';
import {
  KPI_IDS,
  SCHEMA_VERSION,
  type KpiId,
  type KpiValue,
  type Snapshot,
  type SnapshotDetails,
} from '../functions/core/snapshot.js';
import type { DigestMessage, Mailer, SendResult } from '../functions/app/ports/mailer.js';
import type { BuildSnapshotFn, RenderDigestFn } from '../functions/app/job.js';

const EMPTY_DETAILS: SnapshotDetails = {
  mrrMovements: { bySegment: [], byPlan: [], byAccount: [] },
  accountsAtRisk: [],
  healthBands: { healthy: 0, atRisk: 0, critical: 0 },
  topFeatures: [],
  feedback: { commentCount: 0, detractorTerms: [], promoterTerms: [], latestDetractorComments: [] },
};

export const fakeEngine: QueryEngine = {
  kind: 'duckdb',
  dataSource: 'duckdb:/fake',
  sources: async () => [],
  query: async () => {
    throw new Error('the fake snapshot builder runs no queries');
  },
  close: async () => undefined,
};

/** A snapshot with every KPI; the ones named in `nulls` have no value. */
export function fakeSnapshot(period: Period, now: Date, nulls: readonly KpiId[] = ['nps', 'ces']): Snapshot {
  const kpis = Object.fromEntries(
    KPI_IDS.map((id, i): [KpiId, KpiValue] => [
      id,
      nulls.includes(id)
        ? { value: null, previous: null, delta: null, unit: 'score', reason: 'survey_responses is absent' }
        : { value: 100 + i, previous: 90 + i, delta: 10, unit: 'count' },
    ]),
  ) as Record<KpiId, KpiValue>;
  return {
    schemaVersion: SCHEMA_VERSION,
    period: {
      kind: period.kind,
      key: period.key,
      firstDay: period.firstDay,
      lastDay: period.lastDay,
      timezone: period.timezone,
    },
    currency: 'USD',
    generatedAt: now.toISOString(),
    kpis,
    details: EMPTY_DETAILS,
    dataQuality: {
      tables: [],
      excluded: [
        { table: 'invoices', reason: 'negative_amount', rows: 3, expected: 'amount is zero or more' },
      ],
      totalExcluded: 3,
    },
    stats: { engine: 'duckdb', queries: 0, rowsReturned: 0, rowsRead: 0, milliseconds: 1, perQuery: [] },
  };
}

export const fakeBuildSnapshot: BuildSnapshotFn = async (_engine, options) =>
  fakeSnapshot(options.period, options.now);

export const fakeRenderDigest: RenderDigestFn = (snapshot, options) => ({
  from: options.from,
  to: options.to,
  subject: `KPI digest ${snapshot.period.key}`,
  html: `<p>${snapshot.period.key}</p>`,
  text: snapshot.period.key,
  inlineImages: [],
  attachments: [],
});

/** A mailer that records every message; `failFor` makes sends to those addresses throw. */
export class RecordingMailer implements Mailer {
  readonly sent: DigestMessage[] = [];
  constructor(readonly transport: Mailer['transport'] = 'outbox') {}
  readonly failFor = new Set<string>();
  onSend: ((message: DigestMessage) => Promise<void> | void) | undefined;

  async send(message: DigestMessage): Promise<SendResult> {
    await this.onSend?.(message);
    const to = message.to.join(',');
    if (this.failFor.has(to)) throw new Error(`SMTP 451 temporary failure for ${to}`);
    this.sent.push(message);
    return {
      transport: this.transport,
      messageId: `<m${this.sent.length}@test>`,
      recipients: message.to,
      destination: '/tmp/outbox',
    };
  }

  countTo(address: string): number {
    return this.sent.filter((m) => m.to.includes(address)).length;
  }
}
