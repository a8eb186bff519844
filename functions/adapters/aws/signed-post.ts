/**
 * One POST to an AWS service endpoint, signed with Signature Version 4 by the signer every AWS
 * SDK client uses (@smithy/signature-v4). The project carries no SNS or SQS client package for
 * the one call it makes to each (Publish, SendMessageBatch); the credentials and region come
 * from an SDK client's resolved configuration, i.e. the standard AWS chain.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';

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

export interface AwsEndpointConfig {
  readonly region: string | (() => Promise<string>);
  readonly credentials: () => Promise<AwsCredentialIdentity>;
  /** Default https://<service>.<region>.amazonaws.com/ (a test points it at a local server). */
  readonly endpoint?: string;
  readonly fetch?: typeof fetch;
}

export interface SignedPost {
  /** The signing name and endpoint prefix: 'sns', 'sqs'. */
  readonly service: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The request is abandoned after this long. */
  readonly timeoutMs?: number;
}

/** The service's answer (any status: the caller reads its own error format). */
export async function signedPost(config: AwsEndpointConfig, request: SignedPost): Promise<Response> {
  const region = typeof config.region === 'string' ? config.region : await config.region();
  const url = new URL(config.endpoint ?? `https://${request.service}.${region}.amazonaws.com/`);
  const signer = new SignatureV4({
    service: request.service,
    region,
    credentials: config.credentials,
    sha256: NodeSha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    headers: { host: url.host, ...request.headers },
    body: request.body,
    query: {},
  });
  return (config.fetch ?? fetch)(url, {
    method: 'POST',
    headers: signed.headers,
    body: request.body,
    ...(request.timeoutMs !== undefined ? { signal: AbortSignal.timeout(request.timeoutMs) } : {}),
  });
}
