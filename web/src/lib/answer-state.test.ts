import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage, Citation } from '../api/types.js';
import { createTokenMeter, emptyAnswer, reduceAnswer, turnsFromMessages } from './answer-state.js';

const source: Citation = { n: 1, source_uri: 'file:///a.md', title: 'A', heading_path: [], page_start: null, page_end: null, line_start: 1, line_end: 2, chunk_ids: [3], document_id: 4, score: 1, text: 'alpha' };

describe('reduceAnswer', () => {
  it('folds a streamed answer: sources, deltas with live TTFT and tokens/s, then the server figures', () => {
    let clock = 0;
    const meter = createTokenMeter(() => clock, 0);
    let state = emptyAnswer();
    state = reduceAnswer(state, 'sources', { citations: [source] }, meter, 40);
    assert.equal(state.live.sourcesMs, 40);
    assert.equal(state.sources.length, 1);
    clock = 200;
    state = reduceAnswer(state, 'text-delta', { text: 'Alpha ' }, meter, 200);
    clock = 300;
    state = reduceAnswer(state, 'text-delta', { text: 'is first [1].' }, meter, 300);
    assert.equal(state.text, 'Alpha is first [1].');
    assert.equal(state.live.ttftMs, 200);
    assert.equal(state.live.tokensPerSecond, 10);
    assert.ok(state.streaming);
    const timings = { retrieval_ms: 30, rerank_ms: 5, context_ms: 1, preparation_ms: 36, ttft_ms: 190, decode_ms: 100, tokens_per_second: 12.5, prompt_tokens: 10, completion_tokens: 2, total_ms: 300 };
    state = reduceAnswer(state, 'finish', { answer: 'Alpha is first [1].', extractive: false, citations: [source], model: 'm', endpoint: null, finish_reason: 'stop', timings }, meter, 310);
    assert.equal(state.streaming, false);
    assert.equal(state.finish?.timings.tokens_per_second, 12.5);
  });

  it('records notices and a streamed error, and ends streaming on error', () => {
    const meter = createTokenMeter(() => 0, 0);
    let state = reduceAnswer(emptyAnswer(), 'notice', { text: 'searched lexically' }, meter, 1);
    state = reduceAnswer(state, 'error', { code: 'LLM_UNAVAILABLE', message: 'down' }, meter, 2);
    assert.deepEqual(state.notices, ['searched lexically']);
    assert.deepEqual(state.error, { code: 'LLM_UNAVAILABLE', message: 'down' });
    assert.equal(state.streaming, false);
  });

  it('marks an extractive finish', () => {
    const state = reduceAnswer(emptyAnswer(), 'finish', { answer: 'quoted', extractive: true, citations: [], timings: { retrieval_ms: 1 } }, createTokenMeter(() => 0, 0), 5);
    assert.equal(state.extractive, true);
    assert.equal(state.text, 'quoted');
  });
});

describe('turnsFromMessages', () => {
  it('pairs stored questions and answers, reading camelCase or snake_case timings', () => {
    const messages: ChatMessage[] = [
      { id: 'u1', role: 'user', content: 'Q1', createdAt: '' },
      { id: 'a1', role: 'assistant', content: 'A1 [1]', citations: [source], timings: { retrievalMs: 12, ttftMs: 80, tokensPerSecond: 30 }, createdAt: '' },
      { id: 'u2', role: 'user', content: 'Q2', createdAt: '' },
      { id: 'a2', role: 'assistant', content: 'A2', extractive: true, timings: { retrieval_ms: 7, ttft_ms: null }, createdAt: '' },
      { id: 'u3', role: 'user', content: 'Q3 unanswered', createdAt: '' },
    ];
    const turns = turnsFromMessages(messages);
    assert.deepEqual(turns.map((t) => [t.question, t.answer.text]), [['Q1', 'A1 [1]'], ['Q2', 'A2'], ['Q3 unanswered', '']]);
    assert.equal(turns[0]?.answer.finish?.timings.retrieval_ms, 12);
    assert.equal(turns[0]?.answer.finish?.timings.ttft_ms, 80);
    assert.equal(turns[0]?.answer.sources[0]?.n, 1);
    assert.equal(turns[1]?.answer.extractive, true);
    assert.ok(turns.every((t) => !t.answer.streaming));
  });
});
