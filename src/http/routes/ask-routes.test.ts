import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { parseSseText } from '../../testing/parse-sse-text.js';
import { SHARED_MISSING } from '../../testing/shared-data.js';
import { startStandInLlmServer, type StandInLlmServer } from '../../testing/stand-in-llm-server.js';

describe('POST /v1/ask with a language model', () => {
  let llm: StandInLlmServer;
  let t: HttpTestApp | null = null;
  before(async () => {
    llm = await startStandInLlmServer();
    t = await startHttpTestApp({ CAIRN_LLM_URL: llm.url });
  });
  after(async () => {
    await t?.close();
    await llm.close();
  });

  it('streams the answer parts as Server-Sent Events, finish last with citations and timings', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const response = await t.server.inject({ headers: t.auth, method: 'POST', url: '/v1/ask', payload: { collection: 'kb', question: 'Who managed Norwich City?' } });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    const events = parseSseText(response.body);
    const types = events.map((e) => e.event);
    assert.equal(types[0], 'sources');
    assert.ok(types.includes('text-delta'));
    assert.equal(types.at(-1), 'finish');
    assert.ok(types.indexOf('sources') < types.indexOf('text-delta'));
    const text = events.filter((e) => e.event === 'text-delta').map((e) => e.data.text).join('');
    const finish = events.at(-1)!.data;
    assert.equal(finish.answer, text);
    assert.equal(finish.extractive, false);
    assert.ok(Array.isArray(finish.citations) && finish.citations.length > 0, JSON.stringify(finish));
    const timings = finish.timings as { total_ms: number; ttft_ms: number };
    assert.ok(timings.total_ms > 0 && timings.ttft_ms > 0);
    assert.equal(finish.model, 'stand-in-model');
  });

  it('/readyz reports the language model and its endpoints', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const ready = (await t.server.inject({ method: 'GET', url: '/readyz', headers: t.auth })).json();
    assert.equal(ready.llm.configured, true);
    assert.equal(ready.llm.available, true);
    assert.equal(ready.llm.model, 'stand-in-model');
    assert.deepEqual(ready.llm.endpoints.map((e: { url: string; state: string }) => [e.url, e.state]), [[llm.url, 'closed']]);
  });

  it('stream=false answers one JSON object like cairn ask --json', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    for (const request of [
      { url: '/v1/ask?stream=false', payload: { collection: 'kb', question: 'Who managed Norwich City?' } },
      { url: '/v1/ask', payload: { collection: 'kb', question: 'Who managed Norwich City?', stream: false } },
    ]) {
      const response: Awaited<ReturnType<HttpTestApp['server']['inject']>> = await t.server.inject({ headers: t.auth, method: 'POST', url: request.url, payload: request.payload });
      assert.equal(response.statusCode, 200, response.body);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const body = response.json();
      assert.equal(body.question, 'Who managed Norwich City?');
      assert.equal(body.collection, 'kb');
      assert.equal(body.extractive, false);
      assert.ok(body.answer.length > 0);
      assert.ok(body.citations.length > 0 && body.sources.length >= body.citations.length);
      assert.equal(typeof body.timings.total_ms, 'number');
    }
  });

  it('unknown collection and bad input are problem+json before any event', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const missing = await t.server.inject({ headers: t.auth, method: 'POST', url: '/v1/ask', payload: { collection: 'nope', question: 'x' } });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
    assert.equal(missing.json().code, 'COLLECTION_NOT_FOUND');
    const empty = await t.server.inject({ headers: t.auth, method: 'POST', url: '/v1/ask', payload: { collection: 'kb', question: ' ' } });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().code, 'INPUT_INVALID');
  });

  it('a client that disconnects aborts the upstream generation', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    llm.setBehaviour({ tokenDelayMs: 50, answer: 'one two three four five six seven eight nine ten eleven twelve' });
    await t.server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.server.server.address() as AddressInfo;
    const controller = new AbortController();
    const aborted = llm.abortedResponses;
    const response = await fetch(`http://127.0.0.1:${port}/v1/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...t.auth },
      body: JSON.stringify({ collection: 'kb', question: 'Who managed Norwich City?' }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('event: text-delta')) seen += decoder.decode((await reader.read()).value);
    controller.abort();
    await llm.until((server) => server.abortedResponses > aborted, 3000);
    llm.setBehaviour({ tokenDelayMs: 0, answer: undefined });
  });
});

describe('POST /v1/ask without a language model', () => {
  let t: HttpTestApp | null = null;
  before(async () => {
    t = await startHttpTestApp();
  });
  after(async () => {
    await t?.close();
  });

  it('answers extractively, streamed and as JSON', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const streamed = parseSseText((await t.server.inject({ headers: t.auth, method: 'POST', url: '/v1/ask', payload: { collection: 'kb', question: 'Universal Declaration of Human Rights' } })).body);
    const finish = streamed.at(-1)!;
    assert.equal(finish.event, 'finish');
    assert.equal(finish.data.extractive, true);
    assert.ok((finish.data.citations as unknown[]).length > 0);
    const json = await t.server.inject({ headers: t.auth, method: 'POST', url: '/v1/ask?stream=false', payload: { collection: 'kb', question: 'Universal Declaration of Human Rights' } });
    assert.equal(json.statusCode, 200, json.body);
    assert.equal(json.json().extractive, true);
    assert.equal(json.json().model, null);
    assert.match(json.json().answer, /\S/);
  });
});
