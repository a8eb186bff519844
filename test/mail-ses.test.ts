/**
 * SES delivery with SendRawEmail on a mocked client (aws-sdk-client-mock): the raw message
 * parses back to the same parts; throttling is retried then reported; a rejected address and
 * other SES errors give clear messages.
 */
import {
  GetSendQuotaCommand,
  MessageRejected,
  SendRawEmailCommand,
  SESClient,
  SESServiceException,
} from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer, MailDeliveryError, type DigestMessage } from '../functions/adapters/mailers/index.js';
import { FALLBACK_SEND_RATE, SesMailer } from '../functions/adapters/mailers/ses.js';
import { renderDigest } from '../functions/digest/index.js';
import { makeSnapshot } from './fixtures/snapshots/make-snapshot.js';

const ses = mockClient(SESClient);
const sleeps: number[] = [];
const sleep = async (ms: number): Promise<void> => {
  sleeps.push(ms);
};

const throttling = (message = 'Maximum sending rate exceeded.'): SESServiceException =>
  new SESServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'req-throttle' },
    message,
  });

let monthly: DigestMessage;

beforeEach(async () => {
  ses.reset();
  sleeps.length = 0;
  monthly ??= await renderDigest(makeSnapshot({ kind: 'monthly' }), {
    locale: 'id',
    from: 'Ringkasan CS <digest@example.com>',
    to: ['lead@example.com'],
  });
});

afterEach(() => ses.reset());

const mailer = (extra: { configurationSet?: string } = {}) =>
  createMailer({
    transport: 'ses',
    client: new SESClient({ region: 'eu-central-1' }),
    region: 'eu-central-1',
    retry: { attempts: 4, baseDelayMs: 100 },
    sleep,
    // Pacing has its own tests below; here only the retries' waits are recorded.
    maxSendRate: Number.POSITIVE_INFINITY,
    ...extra,
  });

describe('SES delivery', () => {
  it('sends a raw MIME message that parses back to the same parts', async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: '0102018f-ses-id' });
    const result = await mailer({ configurationSet: 'digests' }).send(monthly);
    expect(result).toEqual({
      transport: 'ses',
      messageId: '0102018f-ses-id',
      recipients: ['lead@example.com'],
      destination: 'SES eu-central-1',
    });
    const calls = ses.commandCalls(SendRawEmailCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.Destinations).toEqual(['lead@example.com']);
    expect(input?.ConfigurationSetName).toBe('digests');
    const parsed = await simpleParser(Buffer.from(input?.RawMessage?.Data ?? new Uint8Array()));
    expect(parsed.subject).toBe(monthly.subject);
    expect(parsed.from?.value[0]).toEqual({ address: 'digest@example.com', name: 'Ringkasan CS' });
    expect(parsed.html).toBe(monthly.html);
    expect(parsed.text?.trimEnd()).toBe(monthly.text.trimEnd());
    expect(parsed.headers.get('x-digest-period')).toBe('monthly/2026-11');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(monthly.attachments.map((a) => a.filename));
    expect(parsed.attachments[1]?.content.toString('utf8')).toBe(String(monthly.attachments[1]?.content));
  });

  it('retries throttling with growing backoff and then succeeds', async () => {
    ses
      .on(SendRawEmailCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .resolves({ MessageId: 'after-retries' });
    const result = await mailer().send(monthly);
    expect(result.messageId).toBe('after-retries');
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    // Full jitter within [cap/2, cap]: 100 ms, then 200 ms caps.
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('gives a clear error when throttling does not stop', async () => {
    ses.on(SendRawEmailCommand).rejects(throttling());
    const error = await mailer()
      .send(monthly)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      /^SES throttled the digest to lead@example\.com on all 4 attempts over [\d.]+ s: Maximum sending rate exceeded\. \(request id req-throttle\)/,
    );
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(4);
  });

  it('does not retry when the daily quota is used up', async () => {
    ses.on(SendRawEmailCommand).rejects(throttling('Daily message quota exceeded.'));
    await expect(mailer().send(monthly)).rejects.toThrow(
      /daily sending quota is used up \(Daily message quota exceeded\.\)/,
    );
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(1);
  });

  it('names the address and the reason when SES rejects the message', async () => {
    ses.on(SendRawEmailCommand).rejects(
      new MessageRejected({
        $metadata: { httpStatusCode: 400, requestId: 'req-rejected' },
        message:
          'Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: lead@example.com',
      }),
    );
    const error = await mailer()
      .send(monthly)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).retryable).toBe(false);
    expect((error as Error).message).toBe(
      'SES rejected the digest from Ringkasan CS <digest@example.com> to lead@example.com: Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: lead@example.com (request id req-rejected)',
    );
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(1);
  });

  it('names other SES errors, retrying server faults only', async () => {
    ses.on(SendRawEmailCommand).rejects(
      new SESServiceException({
        name: 'ConfigurationSetDoesNotExistException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Configuration set <digests> does not exist.',
      }),
    );
    await expect(mailer({ configurationSet: 'digests' }).send(monthly)).rejects.toThrow(
      'SES configuration set "digests" does not exist (Configuration set <digests> does not exist.)',
    );
    ses.reset();
    ses.on(SendRawEmailCommand).rejects(
      new SESServiceException({
        name: 'InternalFailure',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
        message: 'We encountered an internal error.',
      }),
    );
    await expect(mailer().send(monthly)).rejects.toThrow(
      /^SES SendRawEmail failed for lead@example\.com \(InternalFailure, after 4 attempts\): We encountered an internal error\./,
    );
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(4);
  });

  it('gives up a send that SES does not answer within the send timeout, so the claim never outlives it', async () => {
    ses.on(SendRawEmailCommand).callsFake(() => new Promise(() => undefined));
    const slow = createMailer({
      transport: 'ses',
      client: new SESClient({ region: 'eu-central-1' }),
      region: 'eu-central-1',
      timeoutMs: 150,
      sleep,
      maxSendRate: Number.POSITIVE_INFINITY,
    });
    const started = Date.now();
    await expect(slow.send(monthly)).rejects.toThrow(
      /^SES did not answer for the digest to lead@example\.com within the send timeout of 150 ms; a retry sends it$/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not start a throttling retry that would end after the send timeout', async () => {
    ses.on(SendRawEmailCommand).rejects(throttling());
    const bounded = createMailer({
      transport: 'ses',
      client: new SESClient({ region: 'eu-central-1' }),
      region: 'eu-central-1',
      retry: { attempts: 10, baseDelayMs: 1_000, maxDelayMs: 8_000 },
      timeoutMs: 4_000,
      sleep,
      maxSendRate: Number.POSITIVE_INFINITY,
    });
    await expect(bounded.send(monthly)).rejects.toThrow(/SES throttled the digest/);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(4_000);
    expect(ses.commandCalls(SendRawEmailCommand).length).toBeLessThan(10);
  });
});

describe('SES send rate', () => {
  // A fake clock that the pacing's waits move forward, so the spacing of sends is exact.
  const fakeTime = () => {
    const clock = { now: 1_000_000, waits: [] as number[] };
    return {
      clock,
      now: () => clock.now,
      sleep: async (ms: number): Promise<void> => {
        clock.waits.push(ms);
        clock.now += ms;
      },
    };
  };
  const to = (n: number) => Array.from({ length: n }, (_, i) => `csm-${i}@example.com`);

  it("paces sends to the account's maximum send rate, asked of SES once, one slot per recipient", async () => {
    const time = fakeTime();
    ses.on(GetSendQuotaCommand).resolves({ Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 10 });
    const sentAt: number[] = [];
    ses.on(SendRawEmailCommand).callsFake(() => {
      sentAt.push(time.clock.now);
      return { MessageId: `id-${sentAt.length}` };
    });
    const mailer = new SesMailer({
      client: new SESClient({ region: 'eu-central-1' }),
      region: 'eu-central-1',
      sleep: time.sleep,
      now: time.now,
    });
    // Four at once, as the CSM digests are sent: they still leave one slot each 1/14 s.
    await Promise.all(to(8).map((address) => mailer.send({ ...monthly, to: [address] })));
    // A message to two recipients takes two slots.
    await mailer.send({ ...monthly, to: ['a@example.com', 'b@example.com'] });
    await mailer.send({ ...monthly, to: ['c@example.com'] });
    expect(await mailer.sendRate()).toBe(14);
    expect(ses.commandCalls(GetSendQuotaCommand)).toHaveLength(1);
    const gaps = sentAt.slice(1).map((t, i) => t - (sentAt[i] as number));
    // One slot is 1000/14 = 71.4 ms: each gap is 71 or 72 ms (whole milliseconds), eight of them 571–572 ms.
    for (const gap of gaps.slice(0, 8)) expect([71, 72]).toContain(gap);
    const eight = gaps.slice(0, 8).reduce((a, b) => a + b, 0);
    expect(eight).toBeGreaterThanOrEqual(571);
    expect(eight).toBeLessThanOrEqual(573);
    // After the message to two recipients, the next one waits two slots.
    expect(gaps[8]).toBeGreaterThanOrEqual(142);
    expect(gaps[8]).toBeLessThanOrEqual(144);
    expect(sentAt).toHaveLength(10);
  });

  it('counts the pacing wait into the send timeout and paces retries too', async () => {
    const time = fakeTime();
    ses.on(SendRawEmailCommand).rejectsOnce(throttling()).resolves({ MessageId: 'after-retry' });
    const mailer = new SesMailer({
      client: new SESClient({ region: 'eu-central-1' }),
      region: 'eu-central-1',
      maxSendRate: 2,
      retry: { attempts: 3, baseDelayMs: 100 },
      sleep: time.sleep,
      now: time.now,
    });
    await expect(mailer.send(monthly)).resolves.toMatchObject({ messageId: 'after-retry' });
    expect(ses.commandCalls(GetSendQuotaCommand)).toHaveLength(0);
    // The retry's backoff (50–100 ms) is shorter than a slot at 2 a second (500 ms): it also waits for its slot.
    expect(time.clock.waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(500);
  });

  it('falls back to the sandbox rate when SES cannot be asked, and refuses a rate that is not positive', async () => {
    ses.on(GetSendQuotaCommand).rejects(
      new SESServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'not authorized to perform: ses:GetSendQuota',
      }),
    );
    const mailer = new SesMailer({
      client: new SESClient({ region: 'eu-central-1' }),
      region: 'eu-central-1',
    });
    expect(await mailer.sendRate()).toBe(FALLBACK_SEND_RATE);
    expect(() => new SesMailer({ maxSendRate: 0 })).toThrow(/maxSendRate: "0" is not a positive number/);
  });
});

describe('SES mailer of the Lambdas', () => {
  it('is paced to the configured SES_MAX_SEND_RATE, without asking SES (the role may not read the quota)', async () => {
    const { awsAdapters } = await import('../functions/handlers/aws-adapters.js');
    const { loadConfig } = await import('../functions/handlers/report/config.js');
    const config = loadConfig({
      ATHENA_DATABASE: 'cs_data',
      ATHENA_WORKGROUP: 'wg',
      ATHENA_TABLES: '{"accounts":"accounts"}',
      SNAPSHOT_BUCKET: 'cs-kpi-snapshots',
      MAIL_SENDER: 'digest@example.com',
      MAIL_RECIPIENTS: 'ana@example.com',
      SES_MAX_SEND_RATE: '3',
    });
    const mailer = await awsAdapters().createMailer(config);
    expect(mailer).toBeInstanceOf(SesMailer);
    expect(await (mailer as SesMailer).sendRate()).toBe(3);
    expect(ses.commandCalls(GetSendQuotaCommand)).toHaveLength(0);
  });
});
