/**
 * Voice of the customer on a hand-made fixture (test/fixtures/voice), week 2026-W46
 * (2026-11-09 .. 2026-11-15). Every expected value is derived by hand in a comment.
 *
 * The fixture's NPS responses of interest (score, responded_at UTC, comment):
 *   n1 10 11-09 10:00 EN  | n2 9 11-10 ID | n3 8 11-11 "ok" | n4 6 11-12 <script>… & emoji
 *   n5 3 11-13 PL        | n6 0 11-14 (account a3 has no accounts row) | n7 5 11-15 23:30
 *   n8 9 11-08 23:30 PL  | n9 2 11-15 20:00 blank comment (spaces, tab, newline) | n10 4 11-15 21:00 no comment
 *   n11 1 11-09 05:00    | n12 6 11-09 06:00 | p1 10 11-05 | p2 7 11-06
 * Left out by the clean relation: a second copy of n1 (duplicate id) and bad1 (score 11).
 * In Europe/Warsaw (UTC+1 in November) the week is [11-08 23:00Z, 11-15 23:00Z): n7 falls in
 * W47 and n8 in W46.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import type { KpiGroup } from '../functions/core/kpis/group.js';
import {
  cesValue,
  csatValue,
  NO_SURVEY_COUNTS,
  npsValue,
  surveyResponsesValue,
  voiceGroup,
} from '../functions/core/kpis/voice.js';
import { runKpiGroup, runOnSampleData, series, valueAt } from './helpers/kpi.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'voice');

const run = (group: KpiGroup, dataDir: string, key: string, tz = 'UTC') =>
  runKpiGroup(group, dataDir, key, tz);

const at = valueAt;

describe('voice group, 2026-W46 in UTC', async () => {
  const { result, engine } = await run(voiceGroup, FIXTURE, '2026-W46');

  it('computes NPS for the period and the previous one', () => {
    // W46: n1–n7, n9–n12 = 11 responses; promoters n1, n2 = 2; detractors n4, n5, n6, n7, n9,
    // n10, n11, n12 = 8; passive n3. (2 − 8) / 11 × 100 = −54.545…
    expect(at(result, 'nps', 0)?.value).toBeCloseTo(-54.5454545, 6);
    expect(at(result, 'nps', 0)?.detail).toEqual({ responses: 11, promoters: 2, passives: 1, detractors: 8 });
    // W45: n8 (9), p1 (10), p2 (7): (2 − 0) / 3 × 100 = 66.67
    expect(at(result, 'nps', 1)?.value).toBeCloseTo(66.6666667, 6);
    // W44: nothing.
    expect(at(result, 'nps', 2)).toEqual({ value: null, reason: 'no NPS responses in the period' });
  });

  it('gives headline trends for periods 0 to 11', () => {
    expect(series(result, 'nps')).toHaveLength(12);
    expect(series(result, 'csat')).toHaveLength(12);
  });

  it('computes CSAT, null with a reason when there are no CSAT responses', () => {
    // c1 5, c2 4, c3 3, c4 1: 2 of 4 score 4 or 5 = 50
    expect(at(result, 'csat', 0)).toEqual({ value: 50, detail: { responses: 4, satisfied: 2 } });
    expect(at(result, 'csat', 1)).toEqual({ value: null, reason: 'no CSAT responses in the period' });
  });

  it('computes CES on the predominant scale, with the easy rate over both scales', () => {
    // W46: 5-point e1 1, e2 2, e3 4 (mean 7/3); 7-point e4 3, e5 6 (mean 4.5). Three 5-point
    // responses against two 7-point ones: the value is the 5-point mean 2.333.
    // Easy: e1, e2 (≤ 2 of 5) and e4 (≤ 3 of 7) = 3 of 5 = 60 %.
    expect(at(result, 'ces', 0)?.value).toBeCloseTo(7 / 3, 10);
    expect(at(result, 'ces', 0)?.detail).toEqual({
      scale_max: 5,
      responses: 5,
      easy_rate: 60,
      mean_5pt: 7 / 3,
      responses_5pt: 3,
      mean_7pt: 4.5,
      responses_7pt: 2,
    });
    // W45: 7-point only, e6 2 and e7 5: mean 3.5; easy e6 (≤ 3 of 7) = 50 %. e8 (6 of 5) is
    // out of scale and left out.
    expect(at(result, 'ces', 1)?.value).toBe(3.5);
    expect(at(result, 'ces', 1)?.detail).toMatchObject({ scale_max: 7, responses: 2, easy_rate: 50 });
    expect(at(result, 'ces', 2)).toEqual({ value: null, reason: 'no CES responses in the period' });
  });

  it('counts responses per survey, zero being a value', () => {
    // W46: 11 nps + 4 csat + 5 ces = 20; W45: n8, p1, p2 + e6, e7 = 5; W44: 0.
    expect(at(result, 'survey_responses', 0)).toEqual({ value: 20, detail: { nps: 11, csat: 4, ces: 5 } });
    expect(at(result, 'survey_responses', 1)).toEqual({ value: 5, detail: { nps: 3, csat: 0, ces: 2 } });
    expect(at(result, 'survey_responses', 2)?.value).toBe(0);
  });

  it('gives the feedback of the period: comment count, terms and the latest detractor comments', () => {
    const feedback = result.details?.feedback;
    // Non-empty comments in W46: n1–n7, n11, n12 and c1 = 10 (n9 is blanks, n10 has none).
    expect(feedback?.commentCount).toBe(10);
    // Detractor comments n4, n5, n6, n7, n11, n12: "exports" and "slow" in two comments each
    // (n4, n6), the rest once, ties in code-point order ("generują" < "gęślą" < "invoices").
    expect(feedback?.detractorTerms).toEqual([
      { term: 'exports', count: 2 },
      { term: 'slow', count: 2 },
      { term: 'alert', count: 1 },
      { term: 'buggy', count: 1 },
      { term: 'eksport', count: 1 },
      { term: 'expensive', count: 1 },
      { term: 'faktury', count: 1 },
      { term: 'generują', count: 1 },
      { term: 'gęślą', count: 1 },
      { term: 'invoices', count: 1 },
    ]);
    // Promoter comments n1 (EN) and n2 (ID): "onboarding" twice; "and", "sangat", "dan" are stop words.
    expect(feedback?.promoterTerms).toEqual([
      { term: 'onboarding', count: 2 },
      { term: 'cepat', count: 1 },
      { term: 'dukungan', count: 1 },
      { term: 'fast', count: 1 },
      { term: 'great', count: 1 },
      { term: 'mudah', count: 1 },
      { term: 'support', count: 1 },
    ]);
    // Latest five of the six detractor comments: n7, n6, n5, n4, n12 (n11 is the oldest).
    const latest = feedback?.latestDetractorComments ?? [];
    expect(latest.map((c) => c.responseId)).toEqual(['n7', 'n6', 'n5', 'n4', 'n12']);
    expect(latest[0]).toEqual({
      responseId: 'n7',
      accountId: 'a1',
      accountName: 'Acme <b>&</b> "Co"',
      survey: 'nps',
      score: 5,
      respondedAt: '2026-11-15T23:30:00.000Z',
      comment: 'Laporan lambat',
    });
    // a3 has no accounts row.
    expect(latest[1]).toMatchObject({ accountId: 'a3', accountName: null, score: 0 });
  });

  it('passes markup, quotes, ampersands and emoji through unchanged', () => {
    const n4 = result.details?.feedback?.latestDetractorComments.find((c) => c.responseId === 'n4');
    expect(n4?.comment).toBe('<script>alert("x")</script> slow & buggy "exports" 😡');
    expect(n4?.accountName).toBe('Acme <b>&</b> "Co"');
  });

  it('runs two queries, each one row per period or bounded comment rows, which parse as Trino SQL', () => {
    expect(engine.requests.map((r) => r.name)).toEqual(['voice_scores', 'voice_comments']);
    const parser = new TrinoSQL();
    for (const request of engine.requests) expect(parser.validate(request.sql), request.name).toEqual([]);
  });
});

describe('voice group, 2026-W46 in Europe/Warsaw', async () => {
  const { result } = await run(voiceGroup, FIXTURE, '2026-W46', 'Europe/Warsaw');

  it('moves responses across the local period bounds', () => {
    // [11-08 23:00Z, 11-15 23:00Z): n7 (23:30Z on the 15th) leaves, n8 (23:30Z on the 8th) joins.
    // 11 responses; promoters n1, n2, n8 = 3; detractors n4, n5, n6, n9, n10, n11, n12 = 7.
    // (3 − 7) / 11 × 100 = −36.36
    expect(at(result, 'nps', 0)?.value).toBeCloseTo(-36.3636364, 6);
    // W45 in Warsaw: p1 (10), p2 (7): (1 − 0) / 2 × 100 = 50
    expect(at(result, 'nps', 1)?.value).toBe(50);
    // p1, p2, e6, e7
    expect(at(result, 'survey_responses', 1)?.value).toBe(4);
  });

  it('takes the feedback from the local period', () => {
    const feedback = result.details?.feedback;
    // n1–n6, n8, n11, n12 and c1 = 10
    expect(feedback?.commentCount).toBe(10);
    expect(feedback?.latestDetractorComments.map((c) => c.responseId)).toEqual([
      'n6',
      'n5',
      'n4',
      'n12',
      'n11',
    ]);
    // Promoters n1, n2, n8 (PL): "świetny" sorts after "zespół" by code point and is the 11th term.
    expect(feedback?.promoterTerms.map((t) => t.term)).toEqual([
      'onboarding',
      'cepat',
      'dukungan',
      'fast',
      'great',
      'mudah',
      'pomoc',
      'support',
      'szybka',
      'zespół',
    ]);
  });
});

describe('voice group without survey data', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'voice-empty-'));
  const { result } = await run(voiceGroup, empty, '2026-W46').finally(() =>
    rmSync(empty, { recursive: true, force: true }),
  );

  it('is switched off by the report when survey_responses is absent', () => {
    expect(voiceGroup.requires).toEqual(['survey_responses']);
  });

  it('gives nulls with reasons, zero responses and empty feedback when there are no responses', () => {
    expect(at(result, 'nps', 0)).toEqual({ value: null, reason: 'no NPS responses in the period' });
    expect(at(result, 'csat', 0)).toEqual({ value: null, reason: 'no CSAT responses in the period' });
    expect(at(result, 'ces', 0)).toEqual({ value: null, reason: 'no CES responses in the period' });
    expect(at(result, 'survey_responses', 0)?.value).toBe(0);
    expect(result.details?.feedback).toEqual({
      commentCount: 0,
      detractorTerms: [],
      promoterTerms: [],
      latestDetractorComments: [],
    });
  });
});

describe('voice formulas', () => {
  it('NPS ranges from −100 to 100', () => {
    expect(npsValue({ ...NO_SURVEY_COUNTS, npsResponses: 4, npsPromoters: 4 }).value).toBe(100);
    expect(npsValue({ ...NO_SURVEY_COUNTS, npsResponses: 4, npsDetractors: 4 }).value).toBe(-100);
    // 1 promoter, 1 detractor, 2 passives: 0
    expect(npsValue({ ...NO_SURVEY_COUNTS, npsResponses: 4, npsPromoters: 1, npsDetractors: 1 }).value).toBe(
      0,
    );
  });

  it('CSAT is the share of 4s and 5s', () => {
    // 3 of 4: 75
    expect(csatValue({ ...NO_SURVEY_COUNTS, csatResponses: 4, csatSatisfied: 3 }).value).toBe(75);
  });

  it('CES takes the 7-point mean when 7-point responses are the majority, the 5-point on a tie', () => {
    const sevenMajority = cesValue({
      ...NO_SURVEY_COUNTS,
      ces5Responses: 1,
      ces5ScoreSum: 2,
      ces5Easy: 1,
      ces7Responses: 3,
      ces7ScoreSum: 12,
      ces7Easy: 1,
    });
    // 7-point mean 12 / 3 = 4; easy (1 + 1) / 4 = 50 %
    expect(sevenMajority.value).toBe(4);
    expect(sevenMajority.detail).toMatchObject({ scale_max: 7, easy_rate: 50, mean_5pt: 2 });
    const tie = cesValue({
      ...NO_SURVEY_COUNTS,
      ces5Responses: 2,
      ces5ScoreSum: 6,
      ces7Responses: 2,
      ces7ScoreSum: 10,
    });
    // 5-point mean 6 / 2 = 3
    expect(tie.value).toBe(3);
    expect(tie.detail).toMatchObject({ scale_max: 5, easy_rate: 0, mean_7pt: 5 });
  });

  it('survey responses split per survey', () => {
    const v = surveyResponsesValue({
      ...NO_SURVEY_COUNTS,
      responses: 6,
      npsResponses: 3,
      csatResponses: 1,
      ces5Responses: 1,
      ces7Responses: 1,
    });
    expect(v).toEqual({ value: 6, detail: { nps: 3, csat: 1, ces: 2 } });
  });
});

describe('voice group on generated sample data', async () => {
  const result = await runOnSampleData(voiceGroup, '2026-W47', 'Europe/Warsaw');

  it('gives plausible values: scores in range, no NaN', () => {
    for (const v of series(result, 'nps'))
      if (v.value !== null) expect(Math.abs(v.value)).toBeLessThanOrEqual(100);
    for (const v of series(result, 'csat')) if (v.value !== null) expect(v.value).toBeGreaterThanOrEqual(0);
    for (const v of series(result, 'csat')) if (v.value !== null) expect(v.value).toBeLessThanOrEqual(100);
    for (const v of series(result, 'ces')) {
      if (v.value === null) continue;
      expect(v.value).toBeGreaterThanOrEqual(1);
      expect(v.value).toBeLessThanOrEqual(Number(v.detail?.scale_max));
    }
    const all = (['nps', 'csat', 'ces', 'survey_responses'] as const).flatMap((id) => series(result, id));
    expect(all.every((v) => v.value === null || Number.isFinite(v.value))).toBe(true);
    expect(at(result, 'survey_responses', 0)?.value).toBeGreaterThan(0);
  });

  it('gives bounded feedback from the report period', () => {
    const feedback = result.details?.feedback;
    expect(feedback?.detractorTerms.length).toBeLessThanOrEqual(10);
    expect(feedback?.promoterTerms.length).toBeLessThanOrEqual(10);
    const latest = feedback?.latestDetractorComments ?? [];
    expect(latest.length).toBeLessThanOrEqual(5);
    for (const c of latest) {
      // W47 in Warsaw: [2026-11-15 23:00Z, 2026-11-22 23:00Z)
      expect(c.respondedAt >= '2026-11-15T23:00:00.000Z' && c.respondedAt < '2026-11-22T23:00:00.000Z').toBe(
        true,
      );
      expect(c.score).toBeLessThanOrEqual(6);
    }
  });
});
