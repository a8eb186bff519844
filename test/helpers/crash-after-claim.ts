/**
 * A report run in a process of its own that is killed (SIGKILL) after claiming its first
 * recipient and before the transport is called: what a Lambda timeout or an out-of-memory
 * kill does. Arguments: the file store's folder, the run id, the clock (ISO instant).
 */
import { runDigestJob } from '../../functions/app/job.js';
import { DEFAULT_LEASE_MS } from '../../functions/app/delivery-ledger.js';
import { periodFromKey } from '../../functions/core/period.js';
import { FileStore } from '../../functions/adapters/stores/file.js';
import { fakeBuildSnapshot, fakeEngine, fakeRenderDigest, RecordingMailer } from '../job-fakes.js';

const [root = '', runId = '', at = ''] = process.argv.slice(2);
const mailer = new RecordingMailer('ses');
// The claim is written before send() is called: dying here is dying between claim and send.
mailer.onSend = () => {
  process.kill(process.pid, 'SIGKILL');
};
const now = new Date(at);
await runDigestJob(
  {
    engine: fakeEngine,
    store: new FileStore(root),
    mailer,
    buildSnapshot: fakeBuildSnapshot,
    renderDigest: fakeRenderDigest,
    clock: () => now,
  },
  {
    period: periodFromKey('2026-W47', 'Europe/Warsaw'),
    currency: 'USD',
    locale: 'en',
    from: 'digest@example.com',
    recipients: ['ana@example.com'],
    dryRun: false,
    force: false,
    now,
    runId,
    leaseMs: DEFAULT_LEASE_MS,
  },
);
