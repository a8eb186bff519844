/**
 * Keeps a mailer's sends within a rate: SES counts every recipient of a message against the
 * account's maximum send rate (messages a second), and answers sends above it with Throttling.
 * Each send takes as many slots as it has recipients, in the order sends ask; concurrent sends
 * share one pacer, so a few sends at once still stay under the rate instead of relying on
 * throttling retries.
 */
export interface SendPacerOptions {
  /** Messages a second; resolved once, on the first send (e.g. asked of SES). */
  readonly rate: () => Promise<number>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class SendPacer {
  readonly #options: SendPacerOptions;
  #rate: Promise<number> | null = null;
  /** The earliest instant (ms) the next slot may be used. */
  #nextSlotAt = Number.NEGATIVE_INFINITY;

  constructor(options: SendPacerOptions) {
    this.#options = options;
  }

  /** The rate in use (messages a second), once known. */
  rate(): Promise<number> {
    this.#rate ??= this.#options.rate();
    return this.#rate;
  }

  /** Waits until `messages` slots are free and takes them; returns how long it waited (ms). */
  async take(messages: number): Promise<number> {
    const rate = await this.rate();
    if (!Number.isFinite(rate)) return 0;
    const now = (this.#options.now ?? Date.now)();
    const at = Math.max(now, this.#nextSlotAt);
    this.#nextSlotAt = at + (Math.max(1, messages) * 1000) / rate;
    const wait = Math.ceil(at - now);
    if (wait > 0) await (this.#options.sleep ?? defaultSleep)(wait);
    return Math.max(0, wait);
  }
}
