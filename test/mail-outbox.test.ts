import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer, MailDeliveryError } from '../functions/adapters/mailers/index.js';
import { renderDigest } from '../functions/digest/index.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

let out: string;

beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'outbox-'));
});

afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('outbox', () => {
  it('writes OUT/emails/<period>-<key>.html, .txt, a complete .eml and the attachments', async () => {
    const message = await renderDigest(makeSnapshot({ kind: 'monthly' }), {
      locale: 'en',
      from: 'digest@example.com',
      to: ['lead@example.com'],
    });
    const result = await createMailer({ transport: 'outbox', outDir: out }).send(message);
    const dir = path.join(out, 'emails');
    expect(result).toMatchObject({
      transport: 'outbox',
      recipients: ['lead@example.com'],
      destination: path.join(dir, 'monthly-2026-11.to-lead@example.com.eml'),
    });
    expect((await readdir(dir)).sort()).toEqual([
      'monthly-2026-11-accounts-at-risk-2026-11.csv',
      'monthly-2026-11-mrr-movements-by-account-2026-11.csv',
      'monthly-2026-11-top-pages-2026-11.csv',
      'monthly-2026-11.html',
      'monthly-2026-11.to-lead@example.com.eml',
      'monthly-2026-11.txt',
    ]);
    expect(await readFile(path.join(dir, 'monthly-2026-11.html'), 'utf8')).toBe(message.html);
    expect(await readFile(path.join(dir, 'monthly-2026-11.txt'), 'utf8')).toBe(message.text);
    const parsed = await simpleParser(
      await readFile(path.join(dir, 'monthly-2026-11.to-lead@example.com.eml')),
    );
    expect(parsed.messageId).toBe(result.messageId);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.html).toBe(message.html);
    expect(parsed.attachments).toHaveLength(3);
  });

  it('keeps one .eml per recipient, each addressed to that recipient', async () => {
    const message = await renderDigest(makeSnapshot({ kind: 'weekly' }), {
      locale: 'en',
      from: 'digest@example.com',
      to: ['ana@example.com', 'bo@example.org'],
    });
    const outbox = createMailer({ transport: 'outbox', outDir: out });
    // The job sends one message per recipient.
    await outbox.send({ ...message, to: ['ana@example.com'] });
    await outbox.send({ ...message, to: ['Bo <bo@example.org>'] });
    const dir = path.join(out, 'emails');
    const emls = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
    expect(emls).toEqual(['weekly-2026-W47.to-ana@example.com.eml', 'weekly-2026-W47.to-bo@example.org.eml']);
    for (const [file, address] of [
      [emls[0], 'ana@example.com'],
      [emls[1], 'bo@example.org'],
    ] as const) {
      const parsed = await simpleParser(await readFile(path.join(dir, file ?? '')));
      expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : null).toBe(address);
    }
  });

  it('names weekly files after the ISO week', async () => {
    const message = await renderDigest(makeSnapshot({ kind: 'weekly' }), {
      locale: 'pl',
      from: 'digest@example.com',
      to: ['lead@example.com'],
    });
    await createMailer({ transport: 'outbox', outDir: out }).send(message);
    expect((await readdir(path.join(out, 'emails'))).sort()).toEqual([
      'weekly-2026-W47.html',
      'weekly-2026-W47.to-lead@example.com.eml',
      'weekly-2026-W47.txt',
    ]);
  });

  it('refuses a message without a period header instead of inventing a file name', async () => {
    const message = await renderDigest(makeSnapshot({ kind: 'weekly' }), {
      locale: 'en',
      from: 'digest@example.com',
      to: ['lead@example.com'],
    });
    const bad = { ...message, headers: { 'X-Digest-Period': '../../etc/passwd' } };
    await expect(createMailer({ transport: 'outbox', outDir: out }).send(bad)).rejects.toThrow(
      MailDeliveryError,
    );
    await expect(
      createMailer({ transport: 'outbox', outDir: out }).send({ ...message, headers: {} }),
    ).rejects.toThrow(/X-Digest-Period header/);
  });
});
