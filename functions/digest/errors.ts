/** The digest could not be rendered completely; nothing is sent (never a blank or partial mail). */
export class DigestRenderError extends Error {
  override readonly name = 'DigestRenderError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`cannot render the digest: ${message}`, options);
  }
}
