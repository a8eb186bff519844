/**
 * Voice of the customer: NPS, CSAT, CES and survey responses per period, plus the qualitative
 * feedback of the report's period (comment count, frequent terms, latest detractor comments).
 *
 * CES on two scales. The catalog reports CES "on its own scale" and the data may hold 5-point
 * and 7-point CES surveys side by side (e.g. while a company moves from one to the other). A
 * mean across both scales mixes units and a rescaled mean is on no scale the team asked, so:
 * the value is the mean on the scale with more responses in the period (the 5-point scale on a
 * tie, the catalog's default), `detail.scale_max` says which scale that is (the benchmark reads
 * it), and the detail gives the mean and count of each scale. `easy_rate` (percent) is over all
 * CES responses, each judged on its own scale (≤ 2 of 5, ≤ 3 of 7).
 */
import { num, type KpiGroup, type KpiGroupContext, type KpiGroupResult, type PeriodValue } from './group.js';
import type { Row } from '../sql-values.js';
import { TREND_PERIODS, type FeedbackComment, type KpiId, type SnapshotDetails } from '../snapshot.js';
import { topTerms } from '../text-terms.js';

const LATEST_COMMENTS = 5;

/** The counts one row of voice_scores.sql carries. */
export interface SurveyCounts {
  readonly responses: number;
  readonly npsResponses: number;
  readonly npsPromoters: number;
  readonly npsDetractors: number;
  readonly csatResponses: number;
  readonly csatSatisfied: number;
  readonly ces5Responses: number;
  readonly ces5ScoreSum: number;
  readonly ces5Easy: number;
  readonly ces7Responses: number;
  readonly ces7ScoreSum: number;
  readonly ces7Easy: number;
  readonly comments: number;
}

export const NO_SURVEY_COUNTS: SurveyCounts = {
  responses: 0,
  npsResponses: 0,
  npsPromoters: 0,
  npsDetractors: 0,
  csatResponses: 0,
  csatSatisfied: 0,
  ces5Responses: 0,
  ces5ScoreSum: 0,
  ces5Easy: 0,
  ces7Responses: 0,
  ces7ScoreSum: 0,
  ces7Easy: 0,
  comments: 0,
};

export function surveyCounts(row: Row): SurveyCounts {
  const n = (name: string): number => num(row[name]) ?? 0;
  return {
    responses: n('responses'),
    npsResponses: n('nps_responses'),
    npsPromoters: n('nps_promoters'),
    npsDetractors: n('nps_detractors'),
    csatResponses: n('csat_responses'),
    csatSatisfied: n('csat_satisfied'),
    ces5Responses: n('ces5_responses'),
    ces5ScoreSum: n('ces5_score_sum'),
    ces5Easy: n('ces5_easy'),
    ces7Responses: n('ces7_responses'),
    ces7ScoreSum: n('ces7_score_sum'),
    ces7Easy: n('ces7_easy'),
    comments: n('comments'),
  };
}

/** % promoters (9–10) − % detractors (0–6), −100 … 100. */
export function npsValue(c: SurveyCounts): PeriodValue {
  if (c.npsResponses === 0) return { value: null, reason: 'no NPS responses in the period' };
  return {
    value: ((c.npsPromoters - c.npsDetractors) / c.npsResponses) * 100,
    detail: {
      responses: c.npsResponses,
      promoters: c.npsPromoters,
      passives: c.npsResponses - c.npsPromoters - c.npsDetractors,
      detractors: c.npsDetractors,
    },
  };
}

/** Responses scoring 4 or 5 / CSAT responses × 100. */
export function csatValue(c: SurveyCounts): PeriodValue {
  if (c.csatResponses === 0) return { value: null, reason: 'no CSAT responses in the period' };
  return {
    value: (c.csatSatisfied / c.csatResponses) * 100,
    detail: { responses: c.csatResponses, satisfied: c.csatSatisfied },
  };
}

/** Mean CES on the period's predominant scale (see the module comment). */
export function cesValue(c: SurveyCounts): PeriodValue {
  const total = c.ces5Responses + c.ces7Responses;
  if (total === 0) return { value: null, reason: 'no CES responses in the period' };
  const mean5 = c.ces5Responses > 0 ? c.ces5ScoreSum / c.ces5Responses : null;
  const mean7 = c.ces7Responses > 0 ? c.ces7ScoreSum / c.ces7Responses : null;
  const useSeven = c.ces7Responses > c.ces5Responses;
  return {
    value: useSeven ? mean7 : mean5,
    detail: {
      scale_max: useSeven ? 7 : 5,
      responses: total,
      easy_rate: ((c.ces5Easy + c.ces7Easy) / total) * 100,
      mean_5pt: mean5,
      responses_5pt: c.ces5Responses,
      mean_7pt: mean7,
      responses_7pt: c.ces7Responses,
    },
  };
}

/** All responses in the period (zero is a value, not a gap); the detail splits them per survey. */
export function surveyResponsesValue(c: SurveyCounts): PeriodValue {
  return {
    value: c.responses,
    detail: { nps: c.npsResponses, csat: c.csatResponses, ces: c.ces5Responses + c.ces7Responses },
  };
}

/** Counts per report period, index = period_index (periods without a row count as none). */
function countsByPeriod(rows: readonly Row[], periods: number): SurveyCounts[] {
  const out: SurveyCounts[] = Array.from({ length: periods }, () => NO_SURVEY_COUNTS);
  for (const row of rows) {
    const index = num(row.period_index);
    if (index !== null && index >= 0 && index < periods) out[index] = surveyCounts(row);
  }
  return out;
}

/** "2026-11-10 08:00:00.000" (engine timestamp, UTC) → "2026-11-10T08:00:00.000Z". */
export function isoUtc(cell: Row[string] | undefined): string {
  const text = String(cell ?? '');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

const text = (cell: Row[string] | undefined): string | null =>
  cell === null || cell === undefined ? null : String(cell);

/**
 * The feedback details from the comment rows of voice_comments.sql (ordered by kind, then latest
 * first). Comments pass through unchanged: escaping is the renderer's job.
 */
export function feedbackDetails(
  commentCount: number,
  commentRows: readonly Row[],
): SnapshotDetails['feedback'] {
  const detractors = commentRows.filter((r) => r.kind === 'detractor');
  const promoters = commentRows.filter((r) => r.kind === 'promoter');
  const byRecency = (a: Row, b: Row): number => (num(a.recency) ?? 0) - (num(b.recency) ?? 0);
  const latest: FeedbackComment[] = [...detractors]
    .sort(byRecency)
    .slice(0, LATEST_COMMENTS)
    .map((r) => ({
      responseId: String(r.response_id),
      accountId: String(r.account_id),
      accountName: text(r.account_name),
      survey: 'nps',
      score: num(r.score) ?? 0,
      respondedAt: isoUtc(r.responded_at),
      comment: String(r.comment ?? ''),
    }));
  return {
    commentCount,
    detractorTerms: topTerms(detractors.map((r) => String(r.comment ?? ''))),
    promoterTerms: topTerms(promoters.map((r) => String(r.comment ?? ''))),
    latestDetractorComments: latest,
  };
}

export const voiceGroup: KpiGroup = {
  name: 'voice',
  kpis: ['nps', 'csat', 'ces', 'survey_responses'],
  requires: ['survey_responses'],
  async compute(ctx: KpiGroupContext): Promise<KpiGroupResult> {
    const periods = Math.min(TREND_PERIODS, ctx.periods.length);
    const counts = countsByPeriod(await ctx.run('voice_scores'), periods);
    const commentRows = await ctx.run('voice_comments');
    const values: Partial<Record<KpiId, readonly PeriodValue[]>> = {
      nps: counts.map(npsValue),
      csat: counts.map(csatValue),
      ces: counts.map(cesValue),
      survey_responses: counts.map(surveyResponsesValue),
    };
    return {
      values,
      details: { feedback: feedbackDetails(counts[0]?.comments ?? 0, commentRows) },
    };
  },
};
