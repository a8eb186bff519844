/**
 * Publishes an alert to an SNS topic with SNS's Query API (`Action=Publish`), signed with
 * Signature Version 4. The project carries no SNS client package: the signer is the one every
 * AWS SDK client uses (@smithy/signature-v4), and the credentials and region come from an SDK
 * client's own resolved configuration, i.e. the standard AWS chain.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';
import type { AlertPublisher } from '../../app/alerts.js';

/** SHA-256 (and HMAC-SHA-256 with a secret) for the signer, from node:crypto. */
class NodeSha256 implements Checksum {
  #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    throw new Error('not used by the signer');
  }
}

function toBytes(data: SourceData): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** SNS limits: a subject of at most 100 printable ASCII characters, no line breaks. */
export function snsSubject(subject: string): string {
  const ascii = subject.normalize('NFKD').replace(/[^\x20-\x7e]/g, '');
  return ascii.length > 100 ? `${ascii.slice(0, 99)}~` : ascii;
}

export interface SnsPublisherConfig {
  readonly topicArn: string;
  readonly region: string | (() => Promise<string>);
  readonly credentials: () => Promise<AwsCredentialIdentity>;
  /** Default https://sns.<region>.amazonaws.com/ (a test points it at a local server). */
  readonly endpoint?: string;
  readonly fetch?: typeof fetch;
}

export class SnsPublishError extends Error {
  override readonly name = 'SnsPublishError';
}

export class SnsPublisher implements AlertPublisher {
  constructor(private readonly config: SnsPublisherConfig) {
    if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(config.topicArn)) {
      throw new SnsPublishError(`"${config.topicArn}" is not an SNS topic ARN`);
    }
  }

  async publish(subject: string, message: string): Promise<{ messageId: string }> {
    const region = typeof this.config.region === 'string' ? this.config.region : await this.config.region();
    const url = new URL(this.config.endpoint ?? `https://sns.${region}.amazonaws.com/`);
    const body = new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: this.config.topicArn,
      Subject: snsSubject(subject),
      Message: message,
    }).toString();
    const signer = new SignatureV4({
      service: 'sns',
      region,
      credentials: this.config.credentials,
      sha256: NodeSha256,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      headers: {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body,
      query: {},
    });
    const response = await (this.config.fetch ?? fetch)(url, {
      method: 'POST',
      headers: signed.headers,
      body,
    });
    const text = await response.text();
    if (!response.ok) {
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.status}`;
      const why = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
      throw new SnsPublishError(`SNS Publish to ${this.config.topicArn} failed: ${code}: ${why}`);
    }
    const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1];
    if (messageId === undefined) throw new SnsPublishError('SNS Publish answered without a MessageId');
    return { messageId };
  }
}
