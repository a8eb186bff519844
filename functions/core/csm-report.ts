/**
 * Runs the book queries (functions/sql/csm_*.sql) once per report, for every book at once, in
 * the report's own query context (the clean tables and the usage the health group already
 * read), and assembles the books (functions/core/csm-books.ts).
 */
import { healthWeightsProblem, type ScoredAccount } from './health.js';
import {
  loadHealthAccounts,
  loadUsageActivity,
  payingAccount,
  scoreAccounts,
  type PayingAccount,
} from './kpis/engagement.js';
import { num, type KpiGroupContext } from './kpis/group.js';
import { assembleBooks, normaliseDomain, type BookInputs, type CsmBooks } from './csm-books.js';
import type { Snapshot } from './snapshot.js';

export interface CsmBookOptions {
  /** The domains whose addresses may receive their book (`csmDomains`). */
  readonly domains: readonly string[];
}

/** Scores the paying accounts of periods 0 and 1, or says why it cannot. */
async function scoredHealth(
  ctx: KpiGroupContext,
): Promise<{ health: [ScoredAccount[], ScoredAccount[]] | null; reason?: string }> {
  const missing = (['subscriptions', 'usage_events'] as const).filter((t) => !ctx.available.has(t));
  if (missing.length > 0) return { health: null, reason: `not available: no ${missing.join(', no ')} table` };
  const problem = healthWeightsProblem(ctx.config.healthWeights);
  if (problem) return { health: null, reason: `not available: ${problem}` };
  const [rows, activity] = await Promise.all([loadHealthAccounts(ctx), loadUsageActivity(ctx)]);
  const paying: [PayingAccount[], PayingAccount[]] = [[], []];
  for (const row of rows) {
    const index = num(row.period_index);
    if (index === 0 || index === 1) paying[index].push(payingAccount(row));
  }
  const score = (i: 0 | 1): ScoredAccount[] =>
    scoreAccounts(
      paying[i],
      activity.accounts[i] ?? new Map(),
      activity.periods[i]?.featuresUsedInHealthWindow ?? 0,
      ctx.config.healthWeights,
    );
  return { health: [score(0), score(1)] };
}

/** Runs every book query once, for all books (with the report's other queries). */
export async function runCsmQueries(ctx: KpiGroupContext): Promise<BookInputs> {
  const [revenue, nps, accounts, surveys, tickets, invoices, renewalRows, health] = await Promise.all([
    ctx.run('csm_book_revenue'),
    ctx.run('csm_book_nps'),
    ctx.run('csm_book_accounts'),
    ctx.run('csm_survey_responses'),
    ctx.run('csm_open_tickets'),
    ctx.run('csm_overdue_invoices'),
    ctx.run('csm_renewal_rows'),
    scoredHealth(ctx),
  ]);
  return {
    revenue,
    nps,
    accounts,
    surveys,
    tickets,
    invoices,
    renewalRows,
    health: health.health,
    ...(health.reason !== undefined ? { healthReason: health.reason } : {}),
  };
}

export async function computeCsmBooks(
  ctx: KpiGroupContext,
  options: CsmBookOptions,
  company: Pick<Snapshot, 'kpis'>,
): Promise<CsmBooks> {
  const domains = options.domains.map(normaliseDomain);
  const period = ctx.periods[0];
  if (period === undefined) throw new Error('the report calendar is empty');
  return assembleBooks(await runCsmQueries(ctx), { lastDay: period.lastDay, domains, company });
}
