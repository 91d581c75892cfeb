import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { collect, deadUrl, unavailableBecause, useStandInServers } from '../../testing/llm-test-kit.js';
import type { GenerateStreamPart, LanguageModel } from './language-model.js';
import { createOpenAiChatModel, type OpenAiChatModelOptions } from './openai-chat-model.js';

const serve = useStandInServers();

/** fetch that counts calls per base URL, i.e. connection attempts the client made to each endpoint. */
function countingFetch(counts: Map<string, number>): typeof fetch {
  return (input, init) => {
    const url = String(input).replace(/\/chat\/completions$|\/models$/, '');
    counts.set(url, (counts.get(url) ?? 0) + 1);
    return fetch(input, init);
  };
}

function model(urls: string[], overrides: Partial<OpenAiChatModelOptions> = {}): LanguageModel {
  return createOpenAiChatModel({
    urls,
    model: 'stand-in-model',
    contextWindow: 4096,
    connectTimeoutMs: 2000,
    idleTimeoutMs: 2000,
    retries: 2,
    breakerFailures: 2,
    breakerCooldownMs: 60_000,
    backoffBaseMs: 10,
    ...overrides,
  });
}

const question = { messages: [{ role: 'user' as const, content: 'Which port does the ingress use?' }] };

test('with one dead endpoint among three every request succeeds and the dead one is skipped once its breaker opens', async () => {
  const first = await serve({ answer: 'port 443' });
  const dead = await deadUrl();
  const third = await serve({ answer: 'port 443' });
  const counts = new Map<string, number>();
  const llm = model([first.url, dead, third.url], { fetch: countingFetch(counts) });
  for (let index = 0; index < 20; index += 1) {
    const parts = await collect(llm.stream(question));
    assert.equal(parts.at(-1)?.type, 'finish', `request ${index}`);
    assert.equal(parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join(''), 'port 443');
  }
  assert.equal(counts.get(dead), 2, 'tried until its breaker opened (2 failures), never after');
  assert.equal(first.requests.length + third.requests.length, 20);
  assert.ok(first.requests.length >= 9 && third.requests.length >= 9, `${first.requests.length} / ${third.requests.length}: round-robin over the healthy two`);
  assert.deepEqual(llm.endpoints().map((endpoint) => endpoint.state), ['closed', 'open', 'closed']);
  assert.ok(llm.endpoints()[1]?.retryAt);
  const result = await llm.generate(question);
  assert.equal(result.text, 'port 443');
  assert.equal(counts.get(dead), 2);
});

test('a server that never answers fails with UPSTREAM_TIMEOUT after the connect timeout (LLM_UNAVAILABLE when it is the only one)', async () => {
  const server = await serve({ hang: true });
  const started = performance.now();
  await assert.rejects(collect(model([server.url], { connectTimeoutMs: 200, retries: 0 }).stream(question)), unavailableBecause('UPSTREAM_TIMEOUT'));
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 195 && elapsed < 1000, `${elapsed} ms`);
  await server.until((s) => s.abortedResponses === 1);
  const healthy = await serve();
  await assert.rejects(collect(model([server.url, healthy.url], { connectTimeoutMs: 200, retries: 0 }).stream(question)), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_TIMEOUT', 'out of attempts while another endpoint was untried: the failure itself');
    assert.equal(error.retryable, true);
    return true;
  });
  assert.equal(healthy.requests.length, 0);
});

test('a server that sends headers and then nothing fails with UPSTREAM_TIMEOUT after the idle timeout', async () => {
  const server = await serve({ answer: 'too late', firstTokenDelayMs: 5000 });
  const started = performance.now();
  await assert.rejects(collect(model([server.url], { idleTimeoutMs: 250, retries: 0 }).stream(question)), (error) => {
    unavailableBecause('UPSTREAM_TIMEOUT')(error);
    assert.match((error as Error).message, /silent for 250 ms/);
    return true;
  });
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 245 && elapsed < 1200, `${elapsed} ms`);
});

test('a hanging endpoint fails over to a healthy one within the timeout', async () => {
  const hanging = await serve({ hang: true });
  const healthy = await serve({ answer: 'from the healthy one' });
  const llm = model([hanging.url, healthy.url], { connectTimeoutMs: 200, idleTimeoutMs: 200 });
  const started = performance.now();
  const parts = await collect(llm.stream(question));
  const elapsed = performance.now() - started;
  assert.deepEqual(parts[0], { type: 'start', endpoint: healthy.url, model: 'stand-in-model' });
  assert.equal(parts.at(-1)?.type, 'finish');
  assert.ok(elapsed >= 195 && elapsed < 1500, `${elapsed} ms`);
  assert.equal(hanging.requests.length, 1);
  assert.equal(llm.endpoints()[0]?.consecutiveFailures, 1);
});

test('when every breaker is open the call throws LLM_UNAVAILABLE before any part, and half-opens after the cooldown', async () => {
  const deadA = await deadUrl();
  const deadB = await deadUrl();
  const llm = model([deadA, deadB], { breakerFailures: 1, breakerCooldownMs: 300, retries: 3 });
  await assert.rejects(collect(llm.stream(question)), unavailableBecause('UPSTREAM_FAILED'));
  assert.deepEqual(llm.endpoints().map((endpoint) => endpoint.state), ['open', 'open']);
  const received: GenerateStreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const part of llm.stream(question)) received.push(part);
    })(),
    (error) => isCairnError(error) && error.code === 'LLM_UNAVAILABLE',
  );
  assert.equal(received.length, 0);
  await assert.rejects(llm.generate(question), (error) => isCairnError(error) && error.code === 'LLM_UNAVAILABLE');
  await new Promise((resolve) => setTimeout(resolve, 320));
  assert.deepEqual(llm.endpoints().map((endpoint) => endpoint.state), ['half-open', 'half-open']);
});

test('an endpoint that fails after text started reports an error part, not a failover', async () => {
  const broken = await serve({ answer: 'partial answer here', errorAfterTokens: 1 });
  const healthy = await serve({ answer: 'complete' });
  const parts = await collect(model([broken.url, healthy.url]).stream(question));
  assert.deepEqual(parts.map((part) => part.type), ['start', 'text-delta', 'error']);
  assert.equal(healthy.requests.length, 0);
});
