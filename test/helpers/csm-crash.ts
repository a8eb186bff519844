/**
 * CSM digests sent in a process of its own that is killed (SIGKILL) when it is about to send
 * its `killAt`-th message (1-based): after that CSM's claim, before the transport is called.
 * Arguments: the file store's folder, the outbox folder, the books (JSON file), run id, clock
 * (ISO instant), killAt, how many sends at once.
 */
import { readFileSync } from 'node:fs';
import { deliverCsmDigests } from '../../functions/app/csm-job.js';
import type { CsmBooks } from '../../functions/core/csm-books.js';
import { FileStore } from '../../functions/adapters/stores/file.js';
import { OutboxMailer } from '../../functions/adapters/mailers/outbox.js';
import type { DigestMessage } from '../../functions/app/ports/mailer.js';
import { CSM_TEST_COMPANY, plainCsmRender } from './csm-delivery-parts.js';

const [root = '', outbox = '', booksFile = '', runId = '', at = '', killAt = '1', concurrency = '1'] =
  process.argv.slice(2);
const books = JSON.parse(readFileSync(booksFile, 'utf8')) as CsmBooks;
const inner = new OutboxMailer(outbox);
let sends = 0;
const mailer = {
  transport: inner.transport,
  send(message: DigestMessage) {
    sends += 1;
    if (sends === Number(killAt)) process.kill(process.pid, 'SIGKILL');
    return inner.send(message);
  },
};
const now = new Date(at);
await deliverCsmDigests(
  { store: new FileStore(root), mailer, clock: () => now, renderCsmDigest: plainCsmRender },
  {
    period: { kind: 'weekly', key: '2026-W47' },
    books,
    company: CSM_TEST_COMPANY,
    companySnapshot: 'snapshots/weekly/2026-W47.json',
    settings: { domains: ['acme.com'] },
    locale: 'en',
    from: 'digest@acme.com',
    dryRun: false,
    force: false,
    runId,
    sendConcurrency: Number(concurrency),
  },
);
