/** The port the application sends digests and alerts through; adapters: functions/adapters/mailers. */

/** One rendered digest, ready for any transport. */
export interface DigestMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** Images referenced from the HTML as `cid:<cid>`. */
  readonly inlineImages: readonly {
    readonly cid: string;
    readonly filename: string;
    readonly contentType: string;
    readonly content: Uint8Array;
  }[];
  readonly attachments: readonly {
    readonly filename: string;
    readonly contentType: string;
    readonly content: Uint8Array | string;
  }[];
  /** Extra headers, e.g. a stable X-Digest-Id for de-duplication downstream. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SendResult {
  readonly transport: 'outbox' | 'smtp' | 'ses';
  readonly messageId: string;
  readonly recipients: readonly string[];
  /** Where the message went: a file path, an SMTP host, the SES region. */
  readonly destination: string;
}

/** A transport for digests: outbox (files), SMTP or SES. */
export interface Mailer {
  readonly transport: SendResult['transport'];
  send(message: DigestMessage): Promise<SendResult>;
}

/** Names the digest's period on every copy, e.g. `weekly/2026-W47`; the outbox names its files after it. */
export const PERIOD_HEADER = 'X-Digest-Period';

/** On a CSM digest: sha256 of the CSM's address (the outbox keeps each CSM's files apart by it). */
export const CSM_HEADER = 'X-Digest-Csm';

/** A transport could not deliver the digest; the message names the recipients and the reason. */
export class MailDeliveryError extends Error {
  override readonly name = 'MailDeliveryError';
  /** True when the same message may succeed later (throttling, a server busy). */
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly transport: 'outbox' | 'smtp' | 'ses',
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}
