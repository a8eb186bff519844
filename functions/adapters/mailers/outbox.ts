/**
 * The local transport: writes the digest as files under OUT/emails/ instead of sending it:
 * `<period>-<key>.html` and `.txt` (the same for every recipient), one complete `.eml` per
 * recipient (`weekly-2026-W47.to-ana@example.com.eml`: each copy differs in its To header),
 * plus the attachments beside them. A CSM digest (one per CSM, often hundreds a run) is its
 * `.html` preview and its `.eml` only: its text part and CSV are inside the `.eml`.
 */
import { rename } from 'node:fs/promises';
import { writeFileMakingDir } from '../stores/writable-dir.js';
import path from 'node:path';
import { MailDeliveryError } from '../../app/ports/mailer.js';
import type { DigestMessage, Mailer, SendResult } from '../../app/ports/mailer.js';
import { buildMime } from './mime.js';
import { CSM_HEADER, PERIOD_HEADER } from '../../app/ports/mailer.js';

const PERIOD_VALUE = /^(weekly|monthly)\/(\d{4}-(?:W\d{2}|\d{2}))$/;

/** `weekly-2026-W47` from the message's X-Digest-Period header. */
export function outboxBaseName(message: DigestMessage): string {
  const header = Object.entries(message.headers ?? {}).find(
    ([name]) => name.toLowerCase() === PERIOD_HEADER.toLowerCase(),
  );
  const match = header ? PERIOD_VALUE.exec(header[1]) : null;
  if (!match) {
    throw new MailDeliveryError(
      `the outbox names its files after the ${PERIOD_HEADER} header (e.g. weekly/2026-W47), which this message lacks`,
      'outbox',
    );
  }
  // A CSM digest: its own files beside the team digest's (weekly-2026-W47.csm-1a2b….html).
  const csm = Object.entries(message.headers ?? {}).find(
    ([name]) => name.toLowerCase() === CSM_HEADER.toLowerCase(),
  );
  const book = csm && /^[0-9a-f]{64}$/.test(csm[1]) ? `.csm-${csm[1].slice(0, 16)}` : '';
  return `${match[1]}-${match[2]}${book}`;
}

/** `weekly-2026-W47.to-ana@example.com.eml`: the recipients' plain addresses, made safe for a file name. */
export function outboxEmlName(base: string, to: readonly string[]): string {
  const who = to
    .map((entry) => /<([^<>]+)>\s*$/.exec(entry)?.[1] ?? entry)
    .map((address) =>
      address
        .trim()
        .toLowerCase()
        .replace(/[^\w.@+-]+/g, '_'),
    )
    .join('+');
  return `${base}.to-${who.slice(0, 150) || 'unknown'}.eml`;
}

/** A file name without any directory part or characters that are unsafe on common file systems. */
function safeFileName(name: string): string {
  const base = path.basename(name).replace(/[^\w.-]+/g, '_');
  return base.replace(/^\.+/, '') || 'attachment';
}

async function writeAtomically(file: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFileMakingDir(tmp, content);
  await rename(tmp, file);
}

function isCsmDigest(message: DigestMessage): boolean {
  return Object.keys(message.headers ?? {}).some((name) => name.toLowerCase() === CSM_HEADER.toLowerCase());
}

export class OutboxMailer implements Mailer {
  readonly transport = 'outbox' as const;
  readonly dir: string;

  constructor(outDir: string) {
    this.dir = path.resolve(outDir, 'emails');
  }

  async send(message: DigestMessage): Promise<SendResult> {
    const base = outboxBaseName(message);
    try {
      const { raw, messageId } = await buildMime(message);
      const csm = isCsmDigest(message);
      // In the .html file, inline images point at the files written beside it.
      let html = message.html;
      for (const image of message.inlineImages) {
        const file = `${base}-${safeFileName(image.filename)}`;
        await writeAtomically(path.join(this.dir, file), image.content);
        html = html.split(`cid:${image.cid}`).join(file);
      }
      for (const attachment of csm ? [] : message.attachments) {
        await writeAtomically(
          path.join(this.dir, `${base}-${safeFileName(attachment.filename)}`),
          attachment.content,
        );
      }
      await writeAtomically(path.join(this.dir, `${base}.html`), html);
      if (!csm) await writeAtomically(path.join(this.dir, `${base}.txt`), message.text);
      const eml = path.join(this.dir, outboxEmlName(base, message.to));
      await writeAtomically(eml, raw);
      return { transport: 'outbox', messageId, recipients: [...message.to], destination: eml };
    } catch (error) {
      throw new MailDeliveryError(
        `cannot write the digest to ${this.dir}: ${(error as Error).message}`,
        'outbox',
        {
          cause: error,
        },
      );
    }
  }
}
