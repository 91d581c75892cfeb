import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadPort, useStandInServers } from '../../testing/llm-test-kit.js';
import { type LanguageModelSettings, resolveLanguageModel } from './create-language-model.js';
import { discoverLocalServer } from './discover-local-server.js';

const serve = useStandInServers();

function settings(overrides: Partial<LanguageModelSettings>): LanguageModelSettings {
  return {
    urls: [],
    discover: true,
    contextWindow: 8192,
    connectTimeoutMs: 10_000, // generous: under a loaded CI machine a 1 s probe of /v1/models timed out
    idleTimeoutMs: 10_000,
    retries: 1,
    breakerFailures: 3,
    breakerCooldownMs: 30_000,
    ...overrides,
  };
}

const question = { messages: [{ role: 'user' as const, content: 'hello' }] };

test('an unnamed model is the first one the server lists', async () => {
  const server = await serve({ models: ['qwen2.5-7b-instruct', 'other'], answer: 'hi' });
  const llm = await resolveLanguageModel(settings({ urls: [server.url] }));
  assert.ok(llm);
  assert.equal(llm.model, 'qwen2.5-7b-instruct');
  assert.equal(llm.id, `openai:${server.url}#qwen2.5-7b-instruct`);
  assert.equal(llm.contextWindow, 8192);
  const result = await llm.generate(question);
  assert.equal(result.text, 'hi');
  assert.equal((server.requests.at(-1)!.body as { model?: unknown }).model, 'qwen2.5-7b-instruct');
  assert.equal(server.requests.filter((request) => request.path === '/v1/models').length, 1);
});

test('a named model is used as given without asking the server', async () => {
  const server = await serve({ models: ['listed'] });
  const llm = await resolveLanguageModel(settings({ urls: [server.url], model: 'named', credentials: [{ url: server.url, apiKey: 'secret' }] }));
  assert.equal(llm?.model, 'named');
  await llm?.generate(question);
  assert.deepEqual(server.requests.map((request) => request.path), ['/v1/chat/completions']);
  assert.equal(server.requests[0]?.headers.authorization, 'Bearer secret');
});

test('a key goes only to the endpoints it is bound to: not to another replica, not to a discovered server', async () => {
  const keyed = await serve({ models: ['m'], answer: 'a' });
  const other = await serve({ models: ['m'], answer: 'b' });
  const llm = await resolveLanguageModel(settings({ urls: [keyed.url, other.url], credentials: [{ url: keyed.url, apiKey: 'secret' }] }));
  await llm?.generate(question);
  await llm?.generate(question);
  assert.ok(keyed.requests.length > 0 && other.requests.length > 0);
  for (const request of keyed.requests) assert.equal(request.headers.authorization, 'Bearer secret', request.path);
  for (const request of other.requests) assert.equal(request.headers.authorization, undefined, request.path);

  const local = await serve({ models: ['found'], answer: 'c' });
  const discovered = await resolveLanguageModel(settings({ discoverPorts: [local.port], credentials: [{ url: keyed.url, apiKey: 'secret' }] }));
  assert.equal(discovered?.model, 'found');
  await discovered?.generate(question);
  assert.ok(local.requests.length >= 2);
  for (const request of local.requests) assert.equal(request.headers.authorization, undefined, request.path);
});

test('a base URL without /v1 is tried as given and upgraded to /v1 on 404', async () => {
  const server = await serve({ models: ['m'], answer: 'ok' });
  const bare = server.url.replace(/\/v1$/, '');
  const llm = await resolveLanguageModel(settings({ urls: [bare] }));
  assert.equal(llm?.model, 'm');
  assert.equal(llm?.id, `openai:${server.url}#m`);
  const parts = [];
  for await (const part of llm?.stream(question) ?? []) parts.push(part);
  assert.deepEqual(parts[0], { type: 'start', endpoint: server.url, model: 'm' });
  assert.deepEqual(
    server.requests.map((request) => request.path),
    ['/models', '/v1/models', '/v1/chat/completions'],
  );
});

test('when the configured server is down the model still resolves and asks for the model name later', async () => {
  const port = await deadPort();
  const llm = await resolveLanguageModel(settings({ urls: [`http://127.0.0.1:${port}/v1`] }));
  assert.ok(llm);
  assert.equal(llm.model, '');
  const server = await serve({ port, models: ['late'], answer: 'up now' });
  const result = await llm.generate(question);
  assert.equal(result.text, 'up now');
  assert.equal(llm.model, 'late');
  assert.equal(server.port, port);
});

test('discovery finds a server on the given ports, in port order, and says so once', async () => {
  const first = await serve({ models: ['llama3.2'] });
  const second = await serve({ models: ['other'] });
  const hanging = await serve({ hang: true });
  const dead = await deadPort();
  const notices: string[] = [];
  const started = performance.now();
  const llm = await resolveLanguageModel(
    settings({ discoverPorts: [dead, hanging.port, first.port, second.port], onNotice: (text) => notices.push(text) }),
  );
  const elapsed = performance.now() - started;
  assert.ok(llm);
  assert.equal(llm.model, 'llama3.2');
  assert.equal(llm.id, `openai:${first.url}#llama3.2`);
  assert.ok(elapsed < 900, `probes run in parallel with a short timeout (${elapsed} ms)`);
  assert.deepEqual(notices, [
    `Using the LLM server found at ${first.url} (model llama3.2); set CAIRN_LLM_URL to choose, CAIRN_LLM_DISCOVER=0 to stop looking.`,
  ]);
  assert.deepEqual(await discoverLocalServer({ ports: [second.port, first.port] }), { url: second.url, port: second.port, models: ['other'] });
});

test('discovery returns null when nothing answers, when a port serves no model list, and when it is off', async () => {
  const failing = await serve({ status: 500 });
  const empty = await serve({ models: [] });
  const hanging = await serve({ hang: true });
  const notices: string[] = [];
  const started = performance.now();
  const none = await resolveLanguageModel(settings({ discoverPorts: [await deadPort(), failing.port, empty.port, hanging.port], onNotice: (text) => notices.push(text) }));
  assert.equal(none, null);
  assert.ok(performance.now() - started < 900);
  assert.deepEqual(notices, []);
  const server = await serve();
  assert.equal(await resolveLanguageModel(settings({ discover: false, discoverPorts: [server.port] })), null);
  assert.equal(server.requests.length, 0);
});

test('a bare base URL is upgraded on the first chat request too when the model is named', async () => {
  const server = await serve({ answer: 'ok' });
  const llm = await resolveLanguageModel(settings({ urls: [server.url.replace(/\/v1$/, '/')], model: 'stand-in-model' }));
  assert.equal((await llm?.generate(question))?.text, 'ok');
  assert.equal((await llm?.generate(question))?.text, 'ok');
  assert.deepEqual(server.requests.map((request) => request.path), ['/chat/completions', '/v1/chat/completions', '/v1/chat/completions']);
  assert.equal(llm?.endpoints()[0]?.url, server.url);
});
