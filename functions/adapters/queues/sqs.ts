/**
 * The CSM batches onto an SQS queue (SendMessageBatch), for the delivery function to consume.
 *
 * The project carries no SQS client package: SqsJsonClient speaks SQS's JSON protocol
 * (`X-Amz-Target: AmazonSQS.SendMessageBatch`) signed with Signature Version 4
 * (adapters/aws/signed-post.ts). SqsCsmDispatcher depends only on the small
 * SendMessageBatchClient interface, so an SDK client can replace it without other changes.
 */
import { signedPost, type AwsEndpointConfig } from '../aws/signed-post.js';
import type { CsmBatch, CsmDispatcher, CsmDispatchResult } from '../../app/ports/csm-dispatcher.js';

export interface SendMessageBatchEntry {
  readonly Id: string;
  readonly MessageBody: string;
}

export interface SendMessageBatchInput {
  readonly QueueUrl: string;
  readonly Entries: readonly SendMessageBatchEntry[];
}

/** SendMessageBatch's answer: every entry is in one of the two lists. */
export interface SendMessageBatchOutput {
  readonly Successful?: readonly { readonly Id: string; readonly MessageId: string }[];
  readonly Failed?: readonly {
    readonly Id: string;
    readonly SenderFault: boolean;
    readonly Code: string;
    readonly Message?: string;
  }[];
}

export interface SendMessageBatchClient {
  sendMessageBatch(input: SendMessageBatchInput): Promise<SendMessageBatchOutput>;
}

/** An SQS request that failed as a whole (the error's code, e.g. RequestThrottled, and the HTTP status). */
export class SqsRequestError extends Error {
  override readonly name = 'SqsRequestError';
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface SqsJsonClientConfig extends AwsEndpointConfig {
  /** One request is abandoned after this long (default 10 s). */
  readonly timeoutMs?: number;
}

export class SqsJsonClient implements SendMessageBatchClient {
  constructor(private readonly config: SqsJsonClientConfig) {}

  async sendMessageBatch(input: SendMessageBatchInput): Promise<SendMessageBatchOutput> {
    const body = JSON.stringify({ QueueUrl: input.QueueUrl, Entries: input.Entries });
    const response = await signedPost(this.config, {
      service: 'sqs',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessageBatch',
      },
      body,
      timeoutMs: this.config.timeoutMs ?? 10_000,
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Named below with the status.
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { __type?: unknown; message?: unknown; Message?: unknown };
      const code =
        typeof error.__type === 'string' ? (error.__type.split('#').pop() ?? '') : `HTTP ${response.status}`;
      const why =
        typeof error.message === 'string' ? error.message : String(error.Message ?? text.slice(0, 200));
      throw new SqsRequestError(`SQS SendMessageBatch failed: ${code}: ${why}`, code, response.status);
    }
    if (parsed === null || typeof parsed !== 'object') {
      throw new SqsRequestError(
        'SQS SendMessageBatch answered without JSON',
        'InvalidResponse',
        response.status,
      );
    }
    return parsed as SendMessageBatchOutput;
  }
}

/** Some batches were not accepted by the queue after the retries; their owners are named. */
export class CsmDispatchError extends Error {
  override readonly name = 'CsmDispatchError';
  constructor(
    readonly owners: readonly string[],
    readonly reasons: readonly string[],
  ) {
    super(
      `${owners.length} CSM digest(s) could not be queued (${reasons.join('; ')}): ${owners.join(', ')}; ` +
        'the snapshots are stored, a retry of the report queues them again and sends only what is missing',
    );
  }
}

/** SendMessageBatch takes at most 10 entries. */
const ENTRIES_PER_CALL = 10;
/** SQS's message size limit. */
const MAX_MESSAGE_BYTES = 256 * 1024;
/** Error codes of a request (or entry) that may succeed when repeated. */
const RETRYABLE = /throttl|RequestThrottled|ServiceUnavailable|InternalError|InternalFailure|KmsThrottled/i;

export interface SqsCsmDispatcherConfig {
  readonly queueUrl: string;
  readonly client: SendMessageBatchClient;
  /** Calls per group of entries, the first included (default 4). */
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * One queue message per batch. Entries SQS reports failed with a server fault (or a whole
 * call that failed retryably) are sent again with backoff; what still fails, or failed by the
 * sender's fault, is named in a CsmDispatchError: no owner is dropped silently. A message sent
 * twice is harmless: the delivery ledger sends each digest once.
 */
export class SqsCsmDispatcher implements CsmDispatcher {
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(private readonly config: SqsCsmDispatcherConfig) {
    this.#attempts = Math.max(1, config.attempts ?? 4);
    this.#baseDelayMs = config.baseDelayMs ?? 200;
    this.#sleep = config.sleep ?? defaultSleep;
  }

  async dispatch(batches: readonly CsmBatch[]): Promise<CsmDispatchResult> {
    const entries = batches.map((batch, i) => {
      const body = JSON.stringify(batch);
      if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) {
        throw new CsmDispatchError(batch.owners, ['a batch is larger than an SQS message']);
      }
      return { entry: { Id: `b${i}`, MessageBody: body }, batch };
    });
    const lost: { batch: CsmBatch; reason: string }[] = [];
    for (let i = 0; i < entries.length; i += ENTRIES_PER_CALL) {
      lost.push(...(await this.#sendGroup(entries.slice(i, i + ENTRIES_PER_CALL))));
    }
    if (lost.length > 0) {
      throw new CsmDispatchError(
        lost.flatMap((l) => l.batch.owners),
        [...new Set(lost.map((l) => l.reason))],
      );
    }
    return { mode: 'queued', messages: entries.length };
  }

  /** The entries of one call, retried as needed; returns those that could not be queued. */
  async #sendGroup(
    group: readonly { entry: SendMessageBatchEntry; batch: CsmBatch }[],
  ): Promise<{ batch: CsmBatch; reason: string }[]> {
    let pending = [...group];
    const lost: { batch: CsmBatch; reason: string }[] = [];
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const last = attempt >= this.#attempts;
      let output: SendMessageBatchOutput;
      try {
        output = await this.config.client.sendMessageBatch({
          QueueUrl: this.config.queueUrl,
          Entries: pending.map((p) => p.entry),
        });
      } catch (error) {
        const code = error instanceof SqsRequestError ? error.code : '';
        const status = error instanceof SqsRequestError ? error.status : 0;
        // A network error or a timeout may be repeated, like throttling and server faults.
        const retryable = !(error instanceof SqsRequestError) || status >= 500 || RETRYABLE.test(code);
        if (!retryable || last) {
          lost.push(...pending.map((p) => ({ batch: p.batch, reason: describe(error) })));
          return lost;
        }
        await this.#sleep(this.#baseDelayMs * 2 ** (attempt - 1));
        continue;
      }
      const failed = new Map((output.Failed ?? []).map((f) => [f.Id, f]));
      const accepted = new Set((output.Successful ?? []).map((s) => s.Id));
      const again: typeof pending = [];
      for (const p of pending) {
        if (accepted.has(p.entry.Id)) continue;
        const f = failed.get(p.entry.Id);
        // An entry in neither list is treated as a server fault: sent again.
        const reason = f ? `${f.Code}${f.Message ? `: ${f.Message}` : ''}` : 'not in the answer';
        if ((f?.SenderFault ?? false) || last) lost.push({ batch: p.batch, reason });
        else again.push(p);
      }
      pending = again;
      if (pending.length > 0) await this.#sleep(this.#baseDelayMs * 2 ** (attempt - 1));
    }
    return lost;
  }
}
