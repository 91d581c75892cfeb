import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { collect, unavailableBecause, useStandInServers } from '../../testing/llm-test-kit.js';
import type { StandInLlmServer } from '../../testing/stand-in-llm-server.js';
import type { GenerateStreamPart, LanguageModel } from './language-model.js';
import { createOpenAiChatModel, type OpenAiChatModelOptions } from './openai-chat-model.js';

const serve = useStandInServers();

function model(urls: string[], overrides: Partial<OpenAiChatModelOptions> = {}): LanguageModel {
  return createOpenAiChatModel({
    urls,
    model: 'stand-in-model',
    contextWindow: 4096,
    connectTimeoutMs: 2000,
    idleTimeoutMs: 2000,
    retries: 2,
    breakerFailures: 3,
    breakerCooldownMs: 60_000,
    backoffBaseMs: 10,
    ...overrides,
  });
}

const question = { messages: [{ role: 'user' as const, content: 'What is in [1] the manual\nTLS is configured with a secret named ingress-tls in the kb namespace.' }] };

const textOf = (parts: GenerateStreamPart[]): string => parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');

test('stream delivers deltas as the server sends them, then a finish part with usage', async () => {
  const server = await serve({ answer: 'one two three four five six', tokenDelayMs: 40 });
  const parts: GenerateStreamPart[] = [];
  let serverDoneAtFirstDelta: boolean | undefined;
  for await (const part of model([server.url]).stream({ ...question, maxTokens: 64, temperature: 0.1, stop: ['\n\n'] })) {
    if (part.type === 'text-delta' && serverDoneAtFirstDelta === undefined) serverDoneAtFirstDelta = server.requests[0]?.completedAt !== undefined;
    parts.push(part);
  }
  assert.equal(serverDoneAtFirstDelta, false, 'the first delta arrived while the server was still streaming');
  assert.deepEqual(parts[0], { type: 'start', endpoint: server.url, model: 'stand-in-model' });
  assert.equal(textOf(parts), 'one two three four five six');
  assert.equal(parts.filter((part) => part.type === 'text-delta').length, 6);
  const finish = parts.at(-1);
  assert.ok(finish?.type === 'finish');
  assert.equal(finish.finishReason, 'stop');
  assert.equal(finish.usage.completionTokens, 6);
  assert.ok((finish.usage.promptTokens ?? 0) > 0);
  assert.equal(finish.timings.tokensFromUsage, true);
  assert.ok(finish.timings.decodeMs >= 150, `decode ${finish.timings.decodeMs} ms`);
  assert.deepEqual(server.requests[0]?.body, {
    model: 'stand-in-model',
    messages: question.messages,
    max_tokens: 64,
    temperature: 0.1,
    stop: ['\n\n'],
    stream: true,
    stream_options: { include_usage: true },
  });
});

test('generate returns the whole completion without streaming', async () => {
  const server = await serve({ answer: 'a short reply', models: ['m1'] });
  const result = await model([server.url], { model: 'm1' }).generate({ ...question, maxTokens: 2 });
  assert.equal(result.text, 'a short');
  assert.equal(result.finishReason, 'length');
  assert.deepEqual(result.usage.completionTokens, 2);
  assert.equal(result.endpoint, server.url);
  assert.equal((server.requests[0]!.body as { stream?: unknown }).stream, false);
});

test('generate waits for a slow non-streamed completion up to the idle timeout, not the connect timeout', async () => {
  const server = await serve({ answer: 'slow but whole', firstTokenDelayMs: 300 });
  const result = await model([server.url], { connectTimeoutMs: 100, idleTimeoutMs: 2000 }).generate(question);
  assert.equal(result.text, 'slow but whole');
  assert.ok(result.timings.totalMs >= 295);
  await assert.rejects(model([server.url], { connectTimeoutMs: 100, idleTimeoutMs: 150, retries: 0 }).generate(question), unavailableBecause('UPSTREAM_TIMEOUT'));
});

test('concurrent first requests share one model lookup', async () => {
  const server = await serve({ answer: 'ok', models: ['only'] });
  const llm = model([server.url], { model: undefined });
  assert.equal(llm.model, '');
  const results = await Promise.all([llm.generate(question), llm.generate(question), collect(llm.stream(question))]);
  assert.equal(results[0].text, 'ok');
  assert.equal(llm.model, 'only');
  assert.equal(server.requests.filter((request) => request.path === '/v1/models').length, 1);
  assert.ok(server.requests.filter((request) => request.path === '/v1/chat/completions').every((request) => (request.body as { model: string }).model === 'only'));
});

test('the default stand-in answer cites [1] and echoes its text', async () => {
  const server = await serve();
  const result = await model([server.url]).generate(question);
  assert.equal(result.text, 'Based on the sources, TLS is configured with a secret named ingress-tls in the kb namespace. [1].');
});

test('a slow first token is measured in ttft', async () => {
  const server = await serve({ answer: 'late but fine', firstTokenDelayMs: 300 });
  const parts = await collect(model([server.url]).stream(question));
  const finish = parts.at(-1);
  assert.ok(finish?.type === 'finish');
  assert.ok(finish.timings.ttftMs >= 295 && finish.timings.ttftMs < 1500, `ttft ${finish.timings.ttftMs} ms`);
  assert.ok(finish.timings.totalMs >= finish.timings.ttftMs);
});

for (const errorMode of ['destroy', 'event'] as const) {
  test(`an error mid-stream (${errorMode}) ends the stream with an error part and is not retried`, async () => {
    const server = await serve({ answer: 'alpha beta gamma delta epsilon', errorAfterTokens: 3, errorMode });
    const llm = model([server.url]);
    const parts = await collect(llm.stream(question));
    assert.deepEqual(parts.map((part) => part.type), ['start', 'text-delta', 'text-delta', 'text-delta', 'error']);
    assert.equal(textOf(parts), 'alpha beta gamma');
    const last = parts.at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.code, 'UPSTREAM_FAILED');
    assert.equal(server.requests.length, 1, 'no retry after text started');
    assert.equal(llm.endpoints()[0]?.consecutiveFailures, 1);
  });
}

test('leaving the stream early closes the upstream connection', async () => {
  const server = await serve({ answer: Array.from({ length: 40 }, (_, index) => `w${index}`).join(' '), tokenDelayMs: 30 });
  let deltas = 0;
  for await (const part of model([server.url]).stream(question)) {
    if (part.type === 'text-delta' && ++deltas === 2) break;
  }
  await server.until((s) => s.abortedResponses === 1 && s.closedConnections >= 1);
  assert.equal(server.requests[0]?.aborted, true);
  assert.equal(server.requests[0]?.completedAt, undefined);
});

test('aborting the signal before the first token throws ABORTED and closes the connection', async () => {
  const server = await serve({ answer: 'never seen', firstTokenDelayMs: 2000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(collect(model([server.url]).stream({ ...question, signal: controller.signal })), (error) => isCairnError(error) && error.code === 'ABORTED');
  await server.until((s) => s.abortedResponses === 1);
  assert.equal(server.requests.length, 1, 'a cancelled request is not retried');
});

test('tokens per second come from usage when reported, else from counted deltas', async () => {
  const answer = Array.from({ length: 10 }, (_, index) => `t${index}`).join(' ');
  const withUsage = await serve({ answer, tokenDelayMs: 30, tokensPerDelta: 3 });
  const counted = await serve({ answer, tokenDelayMs: 30, noUsage: true });
  const finishOf = async (server: StandInLlmServer) => {
    const finish = (await collect(model([server.url]).stream(question))).at(-1);
    assert.ok(finish?.type === 'finish');
    return finish;
  };
  const fromUsage = await finishOf(withUsage);
  const fromCount = await finishOf(counted);
  assert.equal(fromUsage.timings.tokensFromUsage, true);
  assert.equal(fromUsage.usage.completionTokens, 30);
  assert.equal(fromCount.timings.tokensFromUsage, false);
  assert.equal(fromCount.usage.completionTokens, undefined);
  assert.ok(fromCount.timings.decodeMs >= 200);
  assert.ok(Math.abs(fromUsage.timings.tokensPerSecond - 29 / (fromUsage.timings.decodeMs / 1000)) < 1e-6);
  assert.ok(Math.abs(fromCount.timings.tokensPerSecond - 9 / (fromCount.timings.decodeMs / 1000)) < 1e-6);
  assert.ok(fromCount.timings.tokensPerSecond <= 9 / 0.2, `counted ${fromCount.timings.tokensPerSecond} tok/s`);
});

test('4xx other than 408/429 is thrown at once with the server message; 5xx and 429 are retried', async () => {
  const server = await serve({ status: 400 });
  await assert.rejects(collect(model([server.url]).stream(question)), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'INPUT_INVALID');
    assert.match(error.message, /stand-in answers HTTP 400/);
    return true;
  });
  assert.equal(server.requests.length, 1);
  for (const status of [500, 503, 429]) {
    const failing = await serve({ status });
    await assert.rejects(collect(model([failing.url], { breakerFailures: 10 }).stream(question)), unavailableBecause('UPSTREAM_FAILED'));
    assert.equal(failing.requests.length, 3, `HTTP ${status}: first attempt + 2 retries`);
  }
});

test('a 503 before the first token is retried and then succeeds', async () => {
  const server = await serve({ answer: 'recovered', status: 503 });
  const healOnFirstAnswer: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    server.setBehaviour({ status: undefined });
    return response;
  };
  const llm = model([server.url], { fetch: healOnFirstAnswer });
  const parts = await collect(llm.stream(question));
  assert.equal(textOf(parts), 'recovered');
  assert.deepEqual(server.requests.map((request) => request.behaviour.status), [503, undefined]);
  assert.deepEqual(llm.endpoints()[0], { url: server.url, state: 'closed', consecutiveFailures: 0 });
});

/** A fetch whose response body is `raw`, delivered in pieces of `size` bytes (boundaries fall anywhere). */
function recordedStream(raw: string, size: number): typeof fetch {
  return async () => {
    const bytes = new TextEncoder().encode(raw);
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) controller.close();
        else {
          controller.enqueue(bytes.slice(offset, offset + size));
          offset += size;
        }
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

const dialects: Record<string, string> = {
  // llama.cpp server: usage and timings ride on the finishing chunk, no space after "data:".
  'llama.cpp': [
    'data:{"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"object":"chat.completion.chunk"}\n\n',
    'data:{"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}],"object":"chat.completion.chunk"}\n\n',
    'data:{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"completion_tokens":2,"prompt_tokens":9,"total_tokens":11},"timings":{"predicted_per_second":50.1}}\n\n',
    'data: [DONE]\n\n',
  ].join(''),
  // Ollama: role on every delta, a content-less finishing chunk, usage in a chunk with no choices.
  ollama: [
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}\r\n\r\n',
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"lo"},"finish_reason":null}]}\r\n\r\n',
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}\r\n\r\n',
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}\r\n\r\n',
    'data: [DONE]\r\n\r\n',
  ].join(''),
  // vLLM / proxies: keep-alive comments, null content and null usage, no [DONE] after finish_reason.
  vllm: [
    ': ping\n\n',
    'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":null},"logprobs":null,"finish_reason":null}],"usage":null}\n\n',
    'data: {"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}\n\n',
    ': ping\n\n',
    'data: {"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop","stop_reason":null}],"usage":null}\n\n',
    'data: {"choices":[],"usage":{"prompt_tokens":9,"total_tokens":11,"completion_tokens":2}}\n\n',
  ].join(''),
};

for (const [dialect, raw] of Object.entries(dialects)) {
  test(`stream tolerates the ${dialect} dialect of the wire format`, async () => {
    for (const size of [1, 7, 64, raw.length]) {
      const parts = await collect(model(['http://127.0.0.1:9/v1'], { fetch: recordedStream(raw, size) }).stream(question));
      assert.equal(textOf(parts), 'Hello', `${dialect}, pieces of ${size}`);
      const finish = parts.at(-1);
      assert.ok(finish?.type === 'finish', `${dialect}, pieces of ${size}`);
      assert.equal(finish.finishReason, 'stop');
      assert.deepEqual(finish.usage, { promptTokens: 9, completionTokens: 2 });
    }
  });
}

test('a stream cut off before finish_reason and [DONE] is a retryable failure before text, an error part after', async () => {
  const cut = 'data: {"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\n\n';
  const parts = await collect(model(['http://127.0.0.1:9/v1'], { fetch: recordedStream(cut, 5) }).stream(question));
  assert.deepEqual(parts.map((part) => part.type), ['start', 'text-delta', 'error']);
  await assert.rejects(collect(model(['http://127.0.0.1:9/v1'], { fetch: recordedStream(': nothing\n\n', 5), retries: 0 }).stream(question)), unavailableBecause('UPSTREAM_FAILED'));
});
