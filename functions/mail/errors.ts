/** The digest could not be rendered completely; nothing is sent (never a blank or partial mail). */
export class DigestRenderError extends Error {
  override readonly name = 'DigestRenderError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`cannot render the digest: ${message}`, options);
  }
}

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
