/**
 * CSM digests end to end through the digest job, on the hand-made book of
 * test/helpers/csm-fixture.ts (DuckDB, a file store, the outbox): the team digest gains the
 * per-CSM table and the unassigned and rejected-owner lines; each allowed CSM gets one digest
 * of their own accounts; the snapshots validate; with CSM digests off nothing changes.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { FileStore } from '../functions/adapters/stores/file.js';
import { OutboxMailer } from '../functions/adapters/mailers/outbox.js';
import { runDigestJob, type JobRequest } from '../functions/app/job.js';
import { csmSnapshotKey } from '../functions/app/csm-job.js';
import { periodFromKey } from '../functions/core/period.js';
import type { Snapshot } from '../functions/core/snapshot.js';
import { CSM_DOMAINS, writeBookFixture } from './helpers/csm-fixture.js';

const schema = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'docs', name), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats.default(ajv);
const validateSnapshot = ajv.compile(schema('snapshot.schema.json'));
const validateCsm = ajv.compile(schema('csm-snapshot.schema.json'));

const dirs: string[] = [];
let data: string;
beforeAll(() => {
  data = writeBookFixture();
  dirs.push(data);
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const PERIOD = periodFromKey('2026-10', 'UTC');
const NOW = new Date('2026-11-02T08:00:00Z');

function request(overrides: Partial<JobRequest> = {}): JobRequest {
  return {
    period: PERIOD,
    currency: 'USD',
    locale: 'en',
    from: 'digest@acme.com',
    recipients: ['team@acme.com'],
    dryRun: false,
    force: false,
    now: NOW,
    runId: 'run-1',
    ...overrides,
  };
}

async function run(out: string, overrides: Partial<JobRequest> = {}) {
  const engine = await DuckDbEngine.open({ dataDir: data });
  try {
    return await runDigestJob(
      { engine, store: new FileStore(join(out, 'store')), mailer: new OutboxMailer(out) },
      request(overrides),
    );
  } finally {
    await engine.close();
  }
}

const emails = (out: string): string[] => readdirSync(join(out, 'emails')).sort();
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'csm-job-'));
  dirs.push(d);
  return d;
};

describe('CSM digests through the job', () => {
  let out: string;
  let summary: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    out = fresh();
    summary = await run(out, { csm: { domains: CSM_DOMAINS } });
  }, 120_000);

  it('sends the team digest and one digest to each allowed CSM, none to rejected owners', () => {
    expect(summary.sent).toEqual(['team@acme.com']);
    expect(summary.csm?.sent).toEqual(['ana@acme.com', 'bo@acme.com', 'cy@acme.com']);
    const eml = emails(out).filter((f) => f.endsWith('.eml'));
    expect(eml.map((f) => /\.to-(.+)\.eml$/.exec(f)?.[1])).toEqual(
      expect.arrayContaining(['team@acme.com', 'ana@acme.com', 'bo@acme.com', 'cy@acme.com']),
    );
    expect(eml).toHaveLength(4);
    expect(eml.join(' ')).not.toMatch(/gmail|not_an_owner/);
    // Each CSM's files apart from the team digest's.
    expect(emails(out).filter((f) => f.endsWith('.html'))).toHaveLength(4);
  });

  it('gives each CSM exactly their accounts, in the CSV inside their .eml', async () => {
    const files = emails(out).filter((f) => /\.csm-[0-9a-f]{16}\.to-.+\.eml$/.test(f));
    expect(files).toHaveLength(3);
    const byOwner: Record<string, string[]> = {};
    for (const f of files) {
      const parsed = await simpleParser(readFileSync(join(out, 'emails', f)));
      const csv = parsed.attachments.find((a) => a.filename === 'book-2026-10.csv');
      const rows = (csv?.content.toString('utf8') ?? '').trim().split('\n').slice(1);
      byOwner[rows[0]?.split(',')[3] ?? ''] = rows.map((r) => r.split(',')[0] ?? '');
    }
    expect(byOwner).toEqual({
      'ana@acme.com': ['A1', 'A2'],
      'bo@acme.com': ['A3', 'A8'],
      'cy@acme.com': ['A4'],
    });
    // A CSM digest is its .html preview and its .eml: no loose text part or CSV beside them.
    expect(emails(out).filter((f) => f.includes('.csm-') && !/\.(html|eml)$/.test(f))).toEqual([]);
  });

  it('adds the per-CSM table, the unassigned and rejected-owner lines to the team digest', () => {
    const html = readFileSync(join(out, 'emails', 'monthly-2026-10.html'), 'utf8');
    expect(html).toContain('Books of business');
    for (const who of ['ana@acme.com', 'bo@acme.com', 'cy@acme.com']) expect(html).toContain(who);
    expect(html).toContain('1 account has no owner (MRR $50.00).');
    expect(html).toContain('eve@gmail.com: outside the allowed domains, 1 account');
    expect(html).toContain('not an owner: not an e-mail address, 1 account');
    expect(emails(out)).toContain('monthly-2026-10-csm-books-2026-10.csv');
  });

  it('records the books and the rejected owners in a snapshot that matches its schema', async () => {
    const snapshot = summary.snapshot;
    expect(validateSnapshot(snapshot), JSON.stringify(validateSnapshot.errors)).toBe(true);
    expect(snapshot.dataQuality.csmOwners?.map((o) => [o.owner, o.reason])).toEqual([
      ['eve@gmail.com', 'csm_owner_outside_domains'],
      ['not an owner', 'csm_owner_not_an_address'],
    ]);
    const books = snapshot.details.csmBooks?.books ?? [];
    expect(books.reduce((s, b) => s + b.mrr, 0)).toBeCloseTo(snapshot.kpis.mrr.value ?? NaN, 6);
    const store = new FileStore(join(out, 'store'));
    for (const who of ['ana@acme.com', 'bo@acme.com', 'cy@acme.com']) {
      const body = JSON.parse((await store.get(csmSnapshotKey(PERIOD, who))) ?? '{}') as unknown;
      expect(validateCsm(body), JSON.stringify(validateCsm.errors)).toBe(true);
    }
    expect(await store.get(csmSnapshotKey(PERIOD, 'eve@gmail.com'))).toBeNull();
  });

  it('sends nothing twice when run again', async () => {
    const again = await run(out, { csm: { domains: CSM_DOMAINS }, runId: 'run-2' });
    expect(again.sent).toEqual([]);
    expect(again.csm?.sent).toEqual([]);
    expect(again.csm?.skipped).toEqual(['ana@acme.com', 'bo@acme.com', 'cy@acme.com']);
    expect(emails(out).filter((f) => f.endsWith('.eml'))).toHaveLength(4);
  }, 120_000);
});

describe('one CSM by hand, and CSM digests off', () => {
  it('sends only the CSM asked for, not the team digest', async () => {
    const out = fresh();
    const summary = await run(out, {
      recipients: [],
      csm: { domains: CSM_DOMAINS, only: 'cy@acme.com', teamDigest: false },
    });
    expect(summary.sent).toEqual([]);
    expect(summary.csm?.sent).toEqual(['cy@acme.com']);
    expect(emails(out).filter((f) => f.endsWith('.eml'))).toEqual([
      expect.stringMatching(/\.to-cy@acme\.com\.eml$/),
    ]);
  }, 120_000);

  it('with CSM digests off, writes and sends exactly what it did before', async () => {
    const out = fresh();
    const summary = await run(out);
    const snapshot: Snapshot = summary.snapshot;
    expect(summary.csm).toBeUndefined();
    expect(snapshot.details.csmBooks).toBeUndefined();
    expect(snapshot.dataQuality.csmOwners).toBeUndefined();
    expect(snapshot.stats.perQuery.some((q) => q.name.startsWith('csm_'))).toBe(false);
    expect(emails(out).filter((f) => f.endsWith('.eml'))).toEqual(['monthly-2026-10.to-team@acme.com.eml']);
    expect(readFileSync(join(out, 'emails', 'monthly-2026-10.html'), 'utf8')).not.toContain(
      'Books of business',
    );
    expect(readdirSync(join(out, 'store'))).not.toContain('csm');
  }, 120_000);
});
