/**
 * SMTP delivery to a real SMTP server (smtp-server) on 127.0.0.1, the message parsed back with
 * mailparser: subject, recipients, HTML, text, inline images and attachments.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailer, MailDeliveryError, type DigestMessage } from '../functions/adapters/mailers/index.js';
import { renderDigest } from '../functions/digest/index.js';
import { HOSTILE, makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly user: string | undefined;
  readonly raw: Buffer;
}

const servers: SMTPServer[] = [];

async function startServer(
  options: Partial<SMTPServerOptions> = {},
): Promise<{ port: number; inbox: Received[] }> {
  const inbox: Received[] = [];
  const server = new SMTPServer({
    // Plain SMTP on the loopback interface: no certificate to manage in a test.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'digest' && auth.password === 'secret') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address() as AddressInfo;
  return { port: address.port, inbox };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? ''));

// A 1×1 PNG, as an inline image referenced from the HTML.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('SMTP delivery', () => {
  it('delivers the monthly digest: subject, recipients, HTML, text and CSV attachments parse back', async () => {
    const { port, inbox } = await startServer();
    const snapshot = makeSnapshot({ kind: 'monthly', hostileStrings: true });
    const message = await renderDigest(snapshot, {
      locale: 'pl',
      from: 'Raport CS <digest@example.com>',
      to: ['lead@example.com', 'Ana Kowalska <ana@example.org>'],
    });
    const mailer = createMailer({
      transport: 'smtp',
      host: '127.0.0.1',
      port,
      auth: { user: 'digest', pass: 'secret' },
    });
    const result = await mailer.send(message);

    expect(result).toMatchObject({
      transport: 'smtp',
      recipients: ['lead@example.com', 'ana@example.org'],
      destination: `127.0.0.1:${port}`,
    });
    expect(inbox).toHaveLength(1);
    const received = inbox[0] as Received;
    expect(received.user).toBe('digest');
    expect(received.from).toBe('digest@example.com');
    expect(received.to).toEqual(['lead@example.com', 'ana@example.org']);

    const parsed: ParsedMail = await simpleParser(received.raw);
    expect(parsed.messageId).toBe(result.messageId);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.subject).toMatch(/^Miesięczne podsumowanie CS · Listopad 2026: MRR /);
    expect(addresses(parsed.from)).toEqual(['digest@example.com']);
    expect(addresses(parsed.to)).toEqual(['lead@example.com', 'ana@example.org']);
    expect(parsed.html).toBe(message.html);
    expect(parsed.text?.trimEnd()).toBe(message.text.trimEnd());
    expect(parsed.text).toContain(HOSTILE.arabic);
    expect(parsed.text).toContain(HOSTILE.emoji);
    expect(parsed.headers.get('x-digest-period')).toBe('monthly/2026-11');
    const csv = parsed.attachments.map((a) => ({
      name: a.filename,
      type: a.contentType,
      body: a.content.toString('utf8'),
    }));
    expect(csv.map((a) => a.name)).toEqual([
      'mrr-movements-by-account-2026-11.csv',
      'accounts-at-risk-2026-11.csv',
      'top-pages-2026-11.csv',
    ]);
    expect(csv.every((a) => a.type === 'text/csv')).toBe(true);
    expect(csv[0]?.body).toBe(String(message.attachments[0]?.content));
  });

  it('carries inline images as related parts that the HTML references by cid', async () => {
    const { port, inbox } = await startServer();
    const base = await renderDigest(makeSnapshot({ kind: 'weekly' }), {
      locale: 'en',
      from: 'digest@example.com',
      to: ['lead@example.com'],
    });
    const message: DigestMessage = {
      ...base,
      html: base.html.replace(
        '</body>',
        '<img src="cid:logo@digest" alt="Company logo" width="1" height="1"></body>',
      ),
      inlineImages: [{ cid: 'logo@digest', filename: 'logo.png', contentType: 'image/png', content: PIXEL }],
    };
    await createMailer({
      transport: 'smtp',
      host: '127.0.0.1',
      port,
      auth: { user: 'digest', pass: 'secret' },
    }).send(message);
    const parsed = await simpleParser((inbox[0] as Received).raw);
    const image = parsed.attachments.find((a) => a.cid === 'logo@digest');
    expect(image?.contentType).toBe('image/png');
    expect(image?.related).toBe(true);
    expect(image?.contentDisposition).toBe('inline');
    expect(Buffer.compare(image?.content ?? Buffer.alloc(0), PIXEL)).toBe(0);
    expect(parsed.subject).toBe(base.subject);
    expect(parsed.text?.trimEnd()).toBe(base.text.trimEnd());
  });

  it('names the rejected recipient, and refuses a partial delivery as a success', async () => {
    const { port } = await startServer({
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@blocked.example')) {
          const error = new Error('5.1.1 Mailbox does not exist') as Error & { responseCode: number };
          error.responseCode = 550;
          callback(error);
        } else callback();
      },
    });
    const mailer = createMailer({
      transport: 'smtp',
      host: '127.0.0.1',
      port,
      auth: { user: 'digest', pass: 'secret' },
    });
    const message = await renderDigest(makeSnapshot({ kind: 'weekly' }), {
      locale: 'en',
      from: 'digest@example.com',
      to: ['gone@blocked.example'],
    });
    const all = await mailer.send(message).catch((e: unknown) => e);
    expect(all).toBeInstanceOf(MailDeliveryError);
    expect((all as Error).message).toMatch(/rejected gone@blocked\.example.*550.*Mailbox does not exist/);

    const partial = await mailer
      .send({ ...message, to: ['lead@example.com', 'gone@blocked.example'] })
      .catch((e: unknown) => e);
    expect(partial).toBeInstanceOf(MailDeliveryError);
    expect((partial as Error).message).toMatch(
      /accepted the digest for lead@example\.com but rejected gone@blocked\.example/,
    );
  });

  it('reports a refused login and an unreachable server clearly', async () => {
    const { port } = await startServer();
    const message = await renderDigest(makeSnapshot({ kind: 'weekly' }), {
      locale: 'en',
      from: 'digest@example.com',
      to: ['lead@example.com'],
    });
    const badLogin = createMailer({
      transport: 'smtp',
      host: '127.0.0.1',
      port,
      auth: { user: 'digest', pass: 'wrong' },
    });
    await expect(badLogin.send(message)).rejects.toThrow(
      new RegExp(`SMTP server 127\\.0\\.0\\.1:${port} refused the login`),
    );

    // A port nobody listens on: the server just closed.
    const closed = servers.pop() as SMTPServer;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = createMailer({
      transport: 'smtp',
      host: '127.0.0.1',
      port,
      timeouts: { connection: 2000 },
    });
    const error = await unreachable.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`cannot deliver through SMTP server 127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
    );
  });
});
