/**
 * The one place a DigestMessage becomes MIME: nodemailer's MailComposer builds it for the
 * outbox's .eml and for SES SendRawEmail alike (and nodemailer's SMTP transport composes with
 * the same options), so every transport sends the same structure.
 */
import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import type { DigestMessage } from '../../app/ports/mailer.js';

export function composerOptions(message: DigestMessage): MailComposerOptions {
  return {
    from: message.from,
    to: [...message.to],
    subject: message.subject,
    text: message.text,
    html: message.html,
    attachments: [
      ...message.inlineImages.map((image) => ({
        cid: image.cid,
        filename: image.filename,
        contentType: image.contentType,
        content: Buffer.from(image.content),
        contentDisposition: 'inline',
      })),
      ...message.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: typeof a.content === 'string' ? a.content : Buffer.from(a.content),
        // Attachments are base64, as mail clients send them: a CSV is a file, not text to
        // read in the message, and base64 is encoded natively instead of byte by byte.
        contentTransferEncoding: 'base64' as const,
      })),
    ],
    headers: { ...message.headers },
    // What nodemailer picks anyway for text that is mostly Latin letters, as every digest is;
    // stated, it no longer scans each part character by character to choose (1 ms a message).
    textEncoding: 'quoted-printable',
    // The message is built from memory only: nothing in it may make the composer read a
    // local file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export interface BuiltMessage {
  readonly raw: Buffer;
  readonly messageId: string;
}

export async function buildMime(message: DigestMessage): Promise<BuiltMessage> {
  const node = new MailComposer(composerOptions(message)).compile();
  const messageId = node.messageId();
  const raw = await node.build();
  return { raw, messageId };
}
