/** SMTP delivery (a self-hosted relay or any provider) through nodemailer. */
import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { MailDeliveryError } from '../../app/ports/mailer.js';
import type { DigestMessage, Mailer, SendResult } from '../../app/ports/mailer.js';
import { composerOptions } from './mime.js';

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  readonly secure?: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Refuse to send unless the connection is encrypted (STARTTLS required when not `secure`). */
  readonly requireTLS?: boolean;
  /** TLS options, e.g. `rejectUnauthorized: false` for a relay with a private certificate. */
  readonly tls?: { readonly rejectUnauthorized?: boolean; readonly servername?: string };
  /** Milliseconds to wait for the connection, the greeting, and any reply (defaults 15 s, 15 s, 60 s). */
  readonly timeouts?: { readonly connection?: number; readonly greeting?: number; readonly socket?: number };
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL']);

function describeSmtpError(
  error: NodemailerError,
  where: string,
  recipients: readonly string[],
): MailDeliveryError {
  const reply = error.response ? ` (server said: ${error.response})` : '';
  switch (error.code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return new MailDeliveryError(`SMTP server ${where} refused the login: ${error.message}`, 'smtp', {
        cause: error,
      });
    case 'EENVELOPE': {
      const rejected = error.rejected?.length ? error.rejected : recipients;
      return new MailDeliveryError(
        `SMTP server ${where} rejected ${rejected.join(', ')}${reply || `: ${error.message}`}`,
        'smtp',
        { cause: error, retryable: error.permanent === false },
      );
    }
    default:
      if (error.code && CONNECTION_CODES.has(error.code)) {
        return new MailDeliveryError(
          `cannot deliver through SMTP server ${where}: ${error.message}${error.originalCode ? ` (${error.originalCode})` : ''}`,
          'smtp',
          { cause: error, retryable: true },
        );
      }
      return new MailDeliveryError(
        `SMTP delivery through ${where} failed: ${error.message}${reply}`,
        'smtp',
        {
          cause: error,
          retryable: error.permanent === false,
        },
      );
  }
}

export class SmtpMailer implements Mailer {
  readonly transport = 'smtp' as const;
  private readonly transporter;
  private readonly where: string;

  constructor(config: SmtpConfig) {
    if (!config.host) throw new MailDeliveryError('SMTP needs a host', 'smtp');
    if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65_535) {
      throw new MailDeliveryError(`SMTP port ${config.port} is not a TCP port`, 'smtp');
    }
    this.where = `${config.host}:${config.port}`;
    this.transporter = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure ?? config.port === 465,
      ...(config.auth ? { auth: { user: config.auth.user, pass: config.auth.pass } } : {}),
      ...(config.requireTLS ? { requireTLS: true } : {}),
      ...(config.tls ? { tls: { ...config.tls } } : {}),
      connectionTimeout: config.timeouts?.connection ?? 15_000,
      greetingTimeout: config.timeouts?.greeting ?? 15_000,
      socketTimeout: config.timeouts?.socket ?? 60_000,
    });
  }

  async send(message: DigestMessage): Promise<SendResult> {
    let info;
    try {
      info = await this.transporter.sendMail(composerOptions(message));
    } catch (error) {
      throw describeSmtpError(error as NodemailerError, this.where, message.to);
    }
    const rejected = info.rejected.map(String);
    if (rejected.length > 0) {
      // Part of the list was accepted: the others must hear about it, not a silent success.
      throw new MailDeliveryError(
        `SMTP server ${this.where} accepted the digest for ${info.accepted.map(String).join(', ') || 'nobody'} but rejected ${rejected.join(', ')}`,
        'smtp',
      );
    }
    return {
      transport: 'smtp',
      messageId: info.messageId,
      recipients: info.accepted.map(String),
      destination: this.where,
    };
  }
}
