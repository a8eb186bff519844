import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer, MailDeliveryError, renderDigest } from '../functions/mail/index.js';
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
      destination: path.join(dir, 'monthly-2026-11.eml'),
    });
    expect((await readdir(dir)).sort()).toEqual([
      'monthly-2026-11-accounts-at-risk-2026-11.csv',
      'monthly-2026-11-mrr-movements-by-account-2026-11.csv',
      'monthly-2026-11-top-pages-2026-11.csv',
      'monthly-2026-11.eml',
      'monthly-2026-11.html',
      'monthly-2026-11.txt',
    ]);
    expect(await readFile(path.join(dir, 'monthly-2026-11.html'), 'utf8')).toBe(message.html);
    expect(await readFile(path.join(dir, 'monthly-2026-11.txt'), 'utf8')).toBe(message.text);
    const parsed = await simpleParser(await readFile(path.join(dir, 'monthly-2026-11.eml')));
    expect(parsed.messageId).toBe(result.messageId);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.html).toBe(message.html);
    expect(parsed.attachments).toHaveLength(3);
  });

  it('names weekly files after the ISO week', async () => {
    const message = await renderDigest(makeSnapshot({ kind: 'weekly' }), {
      locale: 'pl',
      from: 'digest@example.com',
      to: ['lead@example.com'],
    });
    await createMailer({ transport: 'outbox', outDir: out }).send(message);
    expect((await readdir(path.join(out, 'emails'))).sort()).toEqual([
      'weekly-2026-W47.eml',
      'weekly-2026-W47.html',
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
