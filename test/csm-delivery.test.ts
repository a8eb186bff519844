/**
 * CSM digests through the delivery ledger: exactly once per period and CSM for three CSMs
 * across a crash (a child process SIGKILLed between a claim and its send) and the retry;
 * rejected owners and the unassigned book are never mailed; books without activity get no
 * mail unless asked for by hand; the CSM snapshots are written first and match their schema.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { FileStore } from '../functions/adapters/stores/file.js';
import { OutboxMailer } from '../functions/adapters/mailers/outbox.js';
import { csmSnapshotKey, deliverCsmDigests, type CsmDeliveryRequest } from '../functions/app/csm-job.js';
import { DEFAULT_LEASE_MS, recipientHash } from '../functions/app/delivery-ledger.js';
import { InputError } from '../functions/core/input-error.js';
import { bookRows } from './helpers/csm-books-data.js';
import { CSM_TEST_COMPANY, plainCsmRender } from './helpers/csm-delivery-parts.js';

const CSMS = ['ana@acme.com', 'bo@acme.com', 'cy@acme.com'];
const OWNERS = [...CSMS, 'eve@gmail.com', 'not an owner', null];
const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'docs', 'csm-snapshot.schema.json'), 'utf8'),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

let root: string;
let outbox: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'csm-store-'));
  outbox = mkdtempSync(join(tmpdir(), 'csm-outbox-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outbox, { recursive: true, force: true });
});

function request(overrides: Partial<CsmDeliveryRequest> = {}): CsmDeliveryRequest {
  return {
    period: { kind: 'weekly', key: '2026-W47' },
    books: bookRows(OWNERS, 3),
    company: CSM_TEST_COMPANY,
    companySnapshot: 'snapshots/weekly/2026-W47.json',
    settings: { domains: ['acme.com'] },
    locale: 'en',
    from: 'digest@acme.com',
    dryRun: false,
    force: false,
    runId: 'run-1',
    ...overrides,
  };
}

/** The .eml files in the outbox, by recipient. */
function mailsTo(): Record<string, number> {
  const counts: Record<string, number> = {};
  let files: string[];
  try {
    files = readdirSync(join(outbox, 'emails'));
  } catch {
    return counts;
  }
  for (const f of files.filter((x) => x.endsWith('.eml'))) {
    const to = /\.to-(.+)\.eml$/.exec(f)?.[1] ?? '?';
    counts[to] = (counts[to] ?? 0) + 1;
  }
  return counts;
}

describe('CSM digests, exactly once', () => {
  it('three CSMs across a crash between claim and send and the retry: one mail each', async () => {
    const booksFile = join(root, '..', `${root.split('/').pop() ?? 'x'}-books.json`);
    writeFileSync(booksFile, JSON.stringify(bookRows(OWNERS, 3)));
    const started = new Date('2026-11-23T07:00:00Z');
    const crashed = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/helpers/csm-crash.ts',
        root,
        outbox,
        booksFile,
        'first',
        started.toISOString(),
        '2',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    rmSync(booksFile, { force: true });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    // The first CSM got theirs; the second was claimed and never sent; the third not reached.
    expect(mailsTo()).toEqual({ 'ana@acme.com': 1 });
    const store = new FileStore(root);
    const record = async (who: string) =>
      JSON.parse(
        (await store.get(`deliveries/outbox/weekly/csm/2026-W47/${recipientHash(who)}.json`)) ?? 'null',
      ) as { state: string } | null;
    expect(await record('bo@acme.com')).toMatchObject({ state: 'sending' });
    expect(await record('cy@acme.com')).toBeNull();
    // Every CSM snapshot was written before the first send.
    for (const who of CSMS)
      expect(await store.get(csmSnapshotKey({ kind: 'weekly', key: '2026-W47' }, who))).not.toBeNull();

    // A retry before the lease ends leaves the claimed one alone; after it, it finishes the rest.
    const mailer = new OutboxMailer(outbox);
    const early = await deliverCsmDigests(
      { store, mailer, clock: () => new Date(started.getTime() + 1000), renderCsmDigest: plainCsmRender },
      request({ runId: 'second', sendConcurrency: 1 }),
    );
    expect(early).toMatchObject({
      sent: ['cy@acme.com'],
      skipped: ['ana@acme.com'],
      inFlight: ['bo@acme.com'],
    });
    const retryAt = new Date(started.getTime() + DEFAULT_LEASE_MS + 1000);
    const retry = await deliverCsmDigests(
      { store, mailer, clock: () => retryAt, renderCsmDigest: plainCsmRender },
      request({ runId: 'third' }),
    );
    expect(retry.sent).toEqual(['bo@acme.com']);
    expect(retry.skipped).toEqual(['ana@acme.com', 'cy@acme.com']);
    expect(mailsTo()).toEqual({ 'ana@acme.com': 1, 'bo@acme.com': 1, 'cy@acme.com': 1 });
    // And once more: nothing left to send.
    const again = await deliverCsmDigests(
      { store, mailer, clock: () => retryAt, renderCsmDigest: plainCsmRender },
      request({ runId: 'fourth' }),
    );
    expect(again.sent).toEqual([]);
    expect(mailsTo()).toEqual({ 'ana@acme.com': 1, 'bo@acme.com': 1, 'cy@acme.com': 1 });
  }, 90_000);

  it('with four sends at once, a crash and the retry still give one mail each', async () => {
    const booksFile = join(root, '..', `${root.split('/').pop() ?? 'x'}-books4.json`);
    writeFileSync(booksFile, JSON.stringify(bookRows(OWNERS, 3)));
    const started = new Date('2026-11-23T07:00:00Z');
    const crashed = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/helpers/csm-crash.ts',
        root,
        outbox,
        booksFile,
        'first',
        started.toISOString(),
        '2',
        '4',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    rmSync(booksFile, { force: true });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const before = mailsTo();
    expect(Object.values(before).every((n) => n === 1)).toBe(true);
    const retryAt = new Date(started.getTime() + DEFAULT_LEASE_MS + 1000);
    const retry = await deliverCsmDigests(
      {
        store: new FileStore(root),
        mailer: new OutboxMailer(outbox),
        clock: () => retryAt,
        renderCsmDigest: plainCsmRender,
      },
      request({ runId: 'second' }),
    );
    expect([...retry.sent, ...retry.skipped].sort()).toEqual(CSMS);
    expect(mailsTo()).toEqual({ 'ana@acme.com': 1, 'bo@acme.com': 1, 'cy@acme.com': 1 });
  }, 90_000);

  it('keeps its records apart from the team digest sent to the same address', async () => {
    const store = new FileStore(root);
    await deliverCsmDigests(
      { store, mailer: new OutboxMailer(outbox), renderCsmDigest: plainCsmRender },
      request(),
    );
    const keys = readdirSync(join(root, 'deliveries'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(root.length + 1));
    expect(keys.sort()).toEqual(
      CSMS.map((who) => `deliveries/outbox/weekly/csm/2026-W47/${recipientHash(who)}.json`).sort(),
    );
  });
});

describe('who receives what', () => {
  it('mails each CSM their own accounts only; rejected owners and the unassigned book never', async () => {
    const store = new FileStore(root);
    const summary = await deliverCsmDigests(
      { store, mailer: new OutboxMailer(outbox), renderCsmDigest: plainCsmRender },
      request(),
    );
    expect(summary.sent).toEqual(CSMS);
    expect(mailsTo()).toEqual({ 'ana@acme.com': 1, 'bo@acme.com': 1, 'cy@acme.com': 1 });
    const eml = readdirSync(join(outbox, 'emails')).find((f) => f.endsWith('to-bo@acme.com.eml')) ?? '';
    const text = readFileSync(join(outbox, 'emails', eml), 'utf8');
    expect(text).toContain('B1-0000,B1-0001,B1-0002');
    expect(text).not.toContain('B0-');
    expect(text).not.toContain('B2-');
  });

  it('writes a snapshot per CSM that matches docs/csm-snapshot.schema.json', async () => {
    const store = new FileStore(root);
    const summary = await deliverCsmDigests({ store, mailer: null }, request({ dryRun: true }));
    expect(summary.snapshots).toHaveLength(3);
    for (const who of CSMS) {
      const body = await store.get(csmSnapshotKey({ kind: 'weekly', key: '2026-W47' }, who));
      const parsed = JSON.parse(body ?? '{}') as { owner: string; accounts: { accountId: string }[] };
      expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
      expect(parsed.owner).toBe(who);
      expect(parsed.accounts).toHaveLength(3);
    }
    expect(mailsTo()).toEqual({});
  });

  it('sends no mail for a book without activity, unless skipEmpty is off or the CSM is asked for', async () => {
    const store = new FileStore(root);
    const quiet = bookRows(CSMS, 2, { activity: false });
    const deps = { store, mailer: new OutboxMailer(outbox), renderCsmDigest: plainCsmRender };
    const skipped = await deliverCsmDigests(deps, request({ books: quiet }));
    expect(skipped.empty).toEqual(CSMS);
    expect(mailsTo()).toEqual({});
    const byHand = await deliverCsmDigests(
      deps,
      request({ books: quiet, settings: { domains: ['acme.com'], only: 'Bo@Acme.com' } }),
    );
    expect(byHand.sent).toEqual(['bo@acme.com']);
    const all = await deliverCsmDigests(
      deps,
      request({ books: quiet, settings: { domains: ['acme.com'], skipEmpty: false } }),
    );
    expect(all.sent).toEqual(['ana@acme.com', 'cy@acme.com']);
    expect(all.skipped).toEqual(['bo@acme.com']);
  });

  it('refuses to send by hand to a rejected owner or one without accounts', async () => {
    const deps = {
      store: new FileStore(root),
      mailer: new OutboxMailer(outbox),
      renderCsmDigest: plainCsmRender,
    };
    const only = (who: string) => request({ settings: { domains: ['acme.com'], only: who } });
    await expect(deliverCsmDigests(deps, only('eve@gmail.com'))).rejects.toThrow(
      /domain is not in csmDomains/,
    );
    await expect(deliverCsmDigests(deps, only('not an owner'))).rejects.toThrow(InputError);
    await expect(deliverCsmDigests(deps, only('zed@acme.com'))).rejects.toThrow(/owns no account/);
    expect(mailsTo()).toEqual({});
  });
});
