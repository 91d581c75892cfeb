import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderToStaticMarkup } from 'react-dom/server';
import type { AnswerTimings, FinishPart } from '../api/types.js';
import { emptyAnswer, type AnswerState } from '../lib/answer-state.js';
import { AnswerBadges } from './answer-badges.js';

const timings = (extra: Partial<AnswerTimings>): AnswerTimings => ({
  retrieval_ms: 12, rerank_ms: 0, context_ms: 1, preparation_ms: 14, ttft_ms: null, decode_ms: null, tokens_per_second: null, prompt_tokens: null, completion_tokens: null, total_ms: 20, ...extra,
});
const finished = (extractive: boolean, t: AnswerTimings): AnswerState => ({
  ...emptyAnswer(), streaming: false, extractive,
  finish: { answer: 'a', extractive, citations: [], model: null, endpoint: null, finish_reason: 'stop', timings: t } as FinishPart,
});
const badges = (answer: AnswerState) => [...renderToStaticMarkup(<AnswerBadges answer={answer} />).matchAll(/<li[^>]*>(.*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));

describe('AnswerBadges', () => {
  it('shows no Rerank badge when no reranker ran, and no TTFT or tokens/s on an extractive answer', () => {
    assert.deepEqual(badges(finished(true, timings({}))), ['Retrieval 12 ms']);
  });

  it('shows every badge for a reranked, generated answer', () => {
    assert.deepEqual(badges(finished(false, timings({ rerank_ms: 41.6, ttft_ms: 300, tokens_per_second: 12.25 }))), ['Retrieval 12 ms', 'Rerank 42 ms', 'TTFT 300 ms', '12.3 tokens/s']);
  });

  it('keeps TTFT and tokens/s while an answer streams, before anyone knows how it ends', () => {
    const live = { ...emptyAnswer(), live: { sourcesMs: 9, ttftMs: 120, tokensPerSecond: 8, tokens: 3 } };
    assert.deepEqual(badges(live), ['Retrieval 9 ms', 'TTFT 120 ms', '8.0 tokens/s (live)']);
  });
});
