/**
 * Support: first-contact resolution, first-response and resolution times, tickets opened.
 * One query (support_tickets.sql) gives the counts, sums and exact medians of every period.
 */
import { num, type KpiGroup, type KpiGroupContext, type KpiGroupResult, type PeriodValue } from './group.js';
import type { Row } from '../sql-values.js';
import { TREND_PERIODS, type KpiId } from '../snapshot.js';

export interface TicketStats {
  readonly opened: number;
  readonly resolved: number;
  readonly resolvedFirstContact: number;
  readonly firstResponses: number;
  readonly firstResponseHoursSum: number | null;
  readonly firstResponseHoursMedian: number | null;
  readonly resolutions: number;
  readonly resolutionHoursSum: number | null;
  readonly resolutionHoursMedian: number | null;
}

export const NO_TICKETS: TicketStats = {
  opened: 0,
  resolved: 0,
  resolvedFirstContact: 0,
  firstResponses: 0,
  firstResponseHoursSum: null,
  firstResponseHoursMedian: null,
  resolutions: 0,
  resolutionHoursSum: null,
  resolutionHoursMedian: null,
};

export function ticketStats(row: Row): TicketStats {
  return {
    opened: num(row.tickets_opened) ?? 0,
    resolved: num(row.tickets_resolved) ?? 0,
    resolvedFirstContact: num(row.resolved_first_contact) ?? 0,
    firstResponses: num(row.first_responses) ?? 0,
    firstResponseHoursSum: num(row.first_response_hours_sum),
    firstResponseHoursMedian: num(row.first_response_hours_median),
    resolutions: num(row.resolutions) ?? 0,
    resolutionHoursSum: num(row.resolution_hours_sum),
    resolutionHoursMedian: num(row.resolution_hours_median),
  };
}

/** Resolved in the period with contact_count = 1 and not reopened / resolved in the period × 100. */
export function firstContactResolution(s: TicketStats): PeriodValue {
  if (s.resolved === 0) return { value: null, reason: 'no tickets resolved in the period' };
  return {
    value: (s.resolvedFirstContact / s.resolved) * 100,
    detail: { resolved: s.resolved, resolved_first_contact: s.resolvedFirstContact },
  };
}

function meanHours(
  count: number,
  sum: number | null,
  median: number | null,
  emptyReason: string,
): PeriodValue {
  if (count === 0 || sum === null) return { value: null, reason: emptyReason };
  return { value: sum / count, detail: { median, tickets: count } };
}

/** Mean hours from created_at to first_response_at over tickets first answered in the period. */
export function avgFirstResponseHours(s: TicketStats): PeriodValue {
  return meanHours(
    s.firstResponses,
    s.firstResponseHoursSum,
    s.firstResponseHoursMedian,
    'no tickets first answered in the period',
  );
}

/** Mean hours from created_at to resolved_at over tickets resolved in the period. */
export function avgResolutionHours(s: TicketStats): PeriodValue {
  return meanHours(
    s.resolutions,
    s.resolutionHoursSum,
    s.resolutionHoursMedian,
    'no tickets resolved in the period',
  );
}

/** Tickets created in the period (zero is a value). */
export function ticketsOpened(s: TicketStats): PeriodValue {
  return { value: s.opened };
}

export const supportGroup: KpiGroup = {
  name: 'support',
  kpis: ['first_contact_resolution', 'avg_first_response_hours', 'avg_resolution_hours', 'tickets_opened'],
  requires: ['support_tickets'],
  async compute(ctx: KpiGroupContext): Promise<KpiGroupResult> {
    const periods = Math.min(TREND_PERIODS, ctx.periods.length);
    const stats: TicketStats[] = Array.from({ length: periods }, () => NO_TICKETS);
    for (const row of await ctx.run('support_tickets')) {
      const index = num(row.period_index);
      if (index !== null && index >= 0 && index < periods) stats[index] = ticketStats(row);
    }
    const values: Partial<Record<KpiId, readonly PeriodValue[]>> = {
      first_contact_resolution: stats.map(firstContactResolution),
      avg_first_response_hours: stats.map(avgFirstResponseHours),
      avg_resolution_hours: stats.map(avgResolutionHours),
      tickets_opened: stats.map(ticketsOpened),
    };
    return { values };
  },
};
