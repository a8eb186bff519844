/** Names the digest's period on every copy, e.g. `weekly/2026-W47`; the outbox names its files after it. */
export const PERIOD_HEADER = 'X-Digest-Period';
