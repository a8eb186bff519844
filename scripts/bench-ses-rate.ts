/**
 * SES sends against the account's rate: 200 CSM digests (CSM_SEND_CONCURRENCY at once, as
 * deliverCsmDigests sends them) through the SES mailer, against a mocked SES that, like SES,
 * admits at most RATE messages a second (a token bucket, one token per recipient, 50 ms of
 * latency a call) and answers "Throttling: Maximum sending rate exceeded." above it. Once
 * paced to the rate (one sender), once unpaced (throttling retries only), and once as the CSM
 * delivery function sends them: CSM_DELIVERY_CONCURRENCY invocations at once, each with its
 * own mailer paced to RATE / CSM_DELIVERY_CONCURRENCY (the deployed setting).
 * Usage: tsx scripts/bench-ses-rate.ts [COUNT] [RATE]. Prints a Markdown table.
 */
import { SendRawEmailCommand, SESClient, SESServiceException } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { SesMailer } from '../functions/adapters/mailers/ses.js';
import { CSM_SEND_CONCURRENCY } from '../functions/app/csm-job.js';
import { CSM_DELIVERY_CONCURRENCY } from '../functions/core/csm-batch.js';
import type { DigestMessage } from '../functions/app/ports/mailer.js';

const COUNT = Number(process.argv[2] ?? 200);
const RATE = Number(process.argv[3] ?? 14);
const LATENCY_MS = 50;

const message: DigestMessage = {
  from: 'digest@example.com',
  to: [],
  subject: 'Your book · Week 47, 2026',
  html: `<p>${'An account row. '.repeat(2000)}</p>`,
  text: 'An account row. '.repeat(500),
  inlineImages: [],
  attachments: [
    { filename: 'book-2026-W47.csv', contentType: 'text/csv; charset=utf-8', content: 'a,b\n1,2\n' },
  ],
  headers: { 'X-Digest-Period': 'weekly/2026-W47' },
};

type Mode = 'paced' | 'unpaced' | 'fanout';

async function run(mode: Mode) {
  const ses = mockClient(SESClient);
  // SES's side: a bucket of RATE tokens refilled continuously.
  let tokens = RATE;
  let last = performance.now();
  let accepted = 0;
  let throttled = 0;
  ses.on(SendRawEmailCommand).callsFake(async (input: { Destinations?: string[] }) => {
    await new Promise((resolve) => setTimeout(resolve, LATENCY_MS / 2));
    const now = performance.now();
    tokens = Math.min(RATE, tokens + ((now - last) / 1000) * RATE);
    last = now;
    const need = input.Destinations?.length ?? 1;
    await new Promise((resolve) => setTimeout(resolve, LATENCY_MS / 2));
    if (tokens < need) {
      throttled += 1;
      throw new SESServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Maximum sending rate exceeded.',
      });
    }
    tokens -= need;
    accepted += 1;
    return { MessageId: `m-${accepted}` };
  });
  // One mailer per sender: the delivery invocations each pace to their share of the rate.
  const senders = mode === 'fanout' ? CSM_DELIVERY_CONCURRENCY : 1;
  const rate = mode === 'unpaced' ? Number.POSITIVE_INFINITY : RATE / senders;
  const mailers = Array.from(
    { length: senders },
    () =>
      new SesMailer({
        client: new SESClient({
          region: 'eu-central-1',
          credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        }),
        region: 'eu-central-1',
        maxSendRate: rate,
      }),
  );
  const started = performance.now();
  let next = 0;
  let failed = 0;
  await Promise.all(
    mailers.flatMap((mailer) =>
      Array.from({ length: CSM_SEND_CONCURRENCY }, async () => {
        while (next < COUNT) {
          const i = next;
          next += 1;
          await mailer.send({ ...message, to: [`csm-${i}@example.com`] }).catch(() => {
            failed += 1;
          });
        }
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  ses.restore();
  return { seconds, accepted, throttled, failed };
}

console.log(
  `\n| SES sends (${COUNT} CSM digests, ${CSM_SEND_CONCURRENCY} at once, account rate ${RATE}/s) | time (s) | accepted | throttled answers | failed after retries |`,
);
console.log('|---|---|---|---|---|');
const LABELS: Record<Mode, string> = {
  fanout: `${CSM_DELIVERY_CONCURRENCY} delivery invocations at once, each paced to ${RATE}/${CSM_DELIVERY_CONCURRENCY} per second (deployed)`,
  paced: `one sender paced to ${RATE}/s`,
  unpaced: 'unpaced, throttling retries only',
};
for (const mode of ['fanout', 'paced', 'unpaced'] as const) {
  const r = await run(mode);
  console.log(`| ${LABELS[mode]} | ${r.seconds.toFixed(1)} | ${r.accepted} | ${r.throttled} | ${r.failed} |`);
}
