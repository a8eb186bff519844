/** What the CSM delivery tests and their crashing child process share. */
import type { CsmSnapshot } from '../../functions/core/csm-snapshot.js';
import type { DigestMessage } from '../../functions/app/ports/mailer.js';
import type { Snapshot } from '../../functions/core/snapshot.js';
import { PERIOD_HEADER } from '../../functions/app/ports/mailer.js';

export const CSM_TEST_COMPANY: Pick<Snapshot, 'period' | 'currency' | 'generatedAt'> = {
  period: { kind: 'weekly', key: '2026-W47', firstDay: '2026-11-16', lastDay: '2026-11-22', timezone: 'UTC' },
  currency: 'USD',
  generatedAt: '2026-11-23T07:00:00.000Z',
};

/** A small message naming the book's owner and accounts (the real renderer has its own tests). */
export function plainCsmRender(snapshot: CsmSnapshot, options: { from: string }): DigestMessage {
  const ids = snapshot.accounts.map((a) => a.accountId).join(',');
  return {
    from: options.from,
    to: [snapshot.owner],
    subject: `Book ${snapshot.owner} ${snapshot.period.key}`,
    html: `<p>${ids}</p>`,
    text: ids,
    inlineImages: [],
    attachments: [],
    headers: {
      [PERIOD_HEADER]: `${snapshot.period.kind}/${snapshot.period.key}`,
      'X-Digest-Csm': snapshot.ownerHash,
    },
  };
}
