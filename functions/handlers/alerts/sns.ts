/**
 * Publishes an alert to an SNS topic with SNS's Query API (`Action=Publish`), signed with
 * Signature Version 4 (adapters/aws/signed-post.ts).
 */
import type { AlertPublisher } from '../../app/alerts.js';
import { signedPost, type AwsEndpointConfig } from '../../adapters/aws/signed-post.js';

/** SNS limits: a subject of at most 100 printable ASCII characters, no line breaks. */
export function snsSubject(subject: string): string {
  const ascii = subject.normalize('NFKD').replace(/[^\x20-\x7e]/g, '');
  return ascii.length > 100 ? `${ascii.slice(0, 99)}~` : ascii;
}

export interface SnsPublisherConfig extends AwsEndpointConfig {
  readonly topicArn: string;
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
    const body = new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: this.config.topicArn,
      Subject: snsSubject(subject),
      Message: message,
    }).toString();
    const response = await signedPost(this.config, {
      service: 'sns',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
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
