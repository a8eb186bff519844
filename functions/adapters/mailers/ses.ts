/**
 * Amazon SES delivery with SendRawEmail: the MIME message is built by MailComposer
 * (functions/adapters/mailers/mime.ts), never by hand. Throttling is retried with exponential backoff
 * and jitter a few times, then reported; a rejected message names the addresses and SES's
 * reason.
 */
import { GetSendQuotaCommand, SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import addressparser from 'nodemailer/lib/addressparser';
import {
  ADAPTER_RETRIES_CLIENT_CONFIG,
  backoffCeilingMs,
  SES_RETRY,
  transientKind,
  type RetryPolicy,
} from '../aws/retry.js';
import { SEND_TIMEOUT_MS } from '../../core/delivery-timing.js';
import { MailDeliveryError } from '../../app/ports/mailer.js';
import type { DigestMessage, Mailer, SendResult } from '../../app/ports/mailer.js';
import { buildMime } from './mime.js';
import { SendPacer } from './send-pacer.js';

/**
 * The rate used when SES cannot be asked for the account's (GetSendQuota refused or failed):
 * one message a second, the rate of an account still in the SES sandbox.
 */
export const FALLBACK_SEND_RATE = 1;

export interface SesConfig {
  readonly client?: SESClient;
  readonly region?: string;
  readonly configurationSet?: string;
  /** Attempts and backoff for throttling and server faults (default 4 attempts from 500 ms). */
  readonly retry?: {
    readonly attempts?: number;
    readonly baseDelayMs?: number;
    readonly maxDelayMs?: number;
  };
  /**
   * Longest a send (its retries included) may take, default SEND_TIMEOUT_MS: the delivery
   * claim lasts only that long (functions/core/delivery-timing.ts).
   */
  readonly timeoutMs?: number;
  /**
   * Messages (recipients) a second to send at most. Default: the account's maximum send rate,
   * asked of SES once (GetSendQuota) at the first send; FALLBACK_SEND_RATE when it cannot be
   * asked. Infinity: no pacing (throttling is then only retried).
   */
  readonly maxSendRate?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: the clock the pacing reads (ms). */
  readonly now?: () => number;
}

interface AwsError {
  readonly name?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string };
}

/** Plain addresses of a recipient list (display names removed) for the SES envelope. */
function envelopeAddresses(to: readonly string[]): string[] {
  return to.flatMap((entry) =>
    addressparser(entry, { flatten: true }).flatMap((a) => (a.address ? [a.address] : [])),
  );
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class SesMailer implements Mailer {
  readonly transport = 'ses' as const;
  private readonly client: SESClient;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly pacer: SendPacer;

  constructor(private readonly config: SesConfig = {}) {
    // Our own loop retries (visibly, with a clear final error); the SDK's retries would
    // multiply the attempts.
    this.client =
      config.client ??
      new SESClient({
        ...ADAPTER_RETRIES_CLIENT_CONFIG,
        ...(config.region ? { region: config.region } : {}),
      });
    this.policy = {
      attempts: Math.max(1, config.retry?.attempts ?? SES_RETRY.attempts),
      baseDelayMs: config.retry?.baseDelayMs ?? SES_RETRY.baseDelayMs,
      maxDelayMs: config.retry?.maxDelayMs ?? SES_RETRY.maxDelayMs,
    };
    this.sleep = config.sleep ?? defaultSleep;
    this.timeoutMs = config.timeoutMs ?? SEND_TIMEOUT_MS;
    const fixed = config.maxSendRate;
    if (fixed !== undefined && !(fixed > 0)) {
      throw new MailDeliveryError(
        `maxSendRate: "${fixed}" is not a positive number of messages a second`,
        'ses',
      );
    }
    this.pacer = new SendPacer({
      rate: () => (fixed !== undefined ? Promise.resolve(fixed) : this.accountSendRate()),
      sleep: this.sleep,
      ...(config.now ? { now: config.now } : {}),
    });
  }

  /** The account's maximum send rate in this region (SES counts each recipient as a message). */
  private async accountSendRate(): Promise<number> {
    try {
      const quota = await this.client.send(new GetSendQuotaCommand({}));
      const rate = quota.MaxSendRate;
      return rate !== undefined && rate > 0 ? rate : FALLBACK_SEND_RATE;
    } catch {
      // Without ses:GetSendQuota the safe rate is the sandbox's; sending slower loses nothing.
      return FALLBACK_SEND_RATE;
    }
  }

  /** The rate sends are paced to (messages a second), asking SES for it when not configured. */
  sendRate(): Promise<number> {
    return this.pacer.rate();
  }

  /** One SendRawEmail call, abandoned (and its request aborted) after `ms`. */
  private async call(command: SendRawEmailCommand, ms: number): Promise<{ MessageId?: string | undefined }> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(Object.assign(new Error(`no answer from SES within ${ms} ms`), { name: 'SendTimeout' }));
      }, ms);
    });
    try {
      return await Promise.race([this.client.send(command, { abortSignal: abort.signal }), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async region(): Promise<string> {
    if (this.config.region) return this.config.region;
    try {
      return await this.client.config.region();
    } catch {
      return 'the default region';
    }
  }

  async send(message: DigestMessage): Promise<SendResult> {
    const { raw } = await buildMime(message);
    const destinations = envelopeAddresses(message.to);
    const command = new SendRawEmailCommand({
      RawMessage: { Data: raw },
      Destinations: destinations,
      ...(this.config.configurationSet ? { ConfigurationSetName: this.config.configurationSet } : {}),
    });
    const who = destinations.join(', ');
    let waited = 0;
    const started = Date.now();
    // Real time, or the (injected) waits when they are faster than real time.
    const spent = (): number => Math.max(Date.now() - started, waited);
    for (let attempt = 1; ; attempt++) {
      try {
        // Every attempt, retries too, counts against the account's rate.
        waited += await this.pacer.take(destinations.length);
        const left = this.timeoutMs - spent();
        if (left <= 0) {
          throw new MailDeliveryError(
            `SES did not accept the digest to ${who} within ${this.timeoutMs} ms (${attempt - 1} attempts); a retry sends it`,
            'ses',
            { retryable: true },
          );
        }
        const out = await this.call(command, left);
        if (!out.MessageId)
          throw new MailDeliveryError(`SES accepted the digest to ${who} but returned no MessageId`, 'ses');
        return {
          transport: 'ses',
          messageId: out.MessageId,
          recipients: destinations,
          destination: `SES ${await this.region()}`,
        };
      } catch (error) {
        if (error instanceof MailDeliveryError) throw error;
        const e = error as AwsError;
        const reason = e.message ?? String(error);
        const requestId = e.$metadata?.requestId ? ` (request id ${e.$metadata.requestId})` : '';
        const kind = transientKind(error);
        if (kind === 'throttled' && /daily message quota/i.test(reason)) {
          throw new MailDeliveryError(
            `SES refused the digest to ${who}: the account's daily sending quota is used up (${reason}); it resets within 24 hours`,
            'ses',
            { cause: error, retryable: true },
          );
        }
        // A network error may come after SES accepted the message: retrying it could send twice.
        const transient = kind === 'throttled' || kind === 'server-fault';
        if (e.name === 'SendTimeout') {
          // The send's whole timeout is what the reader configured; `left` is an internal detail.
          throw new MailDeliveryError(
            `SES did not answer for the digest to ${who} within the send timeout of ${this.timeoutMs} ms; a retry sends it`,
            'ses',
            { cause: error, retryable: true },
          );
        }
        // Full jitter: spread the retries of concurrent senders.
        const cap = backoffCeilingMs(this.policy, attempt);
        const delay = Math.round(cap / 2 + (Math.random() * cap) / 2);
        // A retry that would end after the send's time is up is not started: the claim would run out.
        if (transient && attempt < this.policy.attempts && spent() + delay < this.timeoutMs) {
          waited += delay;
          await this.sleep(delay);
          continue;
        }
        if (kind === 'throttled') {
          throw new MailDeliveryError(
            `SES throttled the digest to ${who} on ${attempt === this.policy.attempts ? `all ${attempt}` : attempt} attempts over ${(waited / 1000).toFixed(1)} s: ${reason}${requestId}. The sending rate of the account is exceeded; retry later or ask AWS for a higher rate`,
            'ses',
            { cause: error, retryable: true },
          );
        }
        switch (e.name) {
          case 'MessageRejected':
            throw new MailDeliveryError(
              `SES rejected the digest from ${message.from} to ${who}: ${reason}${requestId}`,
              'ses',
              { cause: error },
            );
          case 'MailFromDomainNotVerifiedException':
            throw new MailDeliveryError(
              `SES cannot send as ${message.from}: its MAIL FROM domain is not verified (${reason})`,
              'ses',
              { cause: error },
            );
          case 'ConfigurationSetDoesNotExistException':
            throw new MailDeliveryError(
              `SES configuration set "${this.config.configurationSet ?? ''}" does not exist (${reason})`,
              'ses',
              { cause: error },
            );
          case 'ConfigurationSetSendingPausedException':
          case 'AccountSendingPausedException':
            throw new MailDeliveryError(`SES sending is paused (${e.name}): ${reason}`, 'ses', {
              cause: error,
            });
          default:
            throw new MailDeliveryError(
              `SES SendRawEmail failed for ${who} (${e.name ?? 'Error'}${transient ? `, after ${attempt} attempts` : ''}): ${reason}${requestId}`,
              'ses',
              { cause: error, retryable: transient },
            );
        }
      }
    }
  }
}
