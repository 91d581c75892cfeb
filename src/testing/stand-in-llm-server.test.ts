import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { defaultStandInAnswer, startStandInLlmServer, type StandInLlmServer } from './stand-in-llm-server.js';

const servers: StandInLlmServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function serve(options: Parameters<typeof startStandInLlmServer>[0] = {}): Promise<StandInLlmServer> {
  const server = await startStandInLlmServer(options);
  servers.push(server);
  return server;
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('streams the OpenAI wire format: role chunk, one chunk per token, finish_reason, usage chunk, [DONE]', async () => {
  const server = await serve({ answer: 'hello there world', models: ['m'] });
  const response = await post(server.url, { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, stream: true, stream_options: { include_usage: true } });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const raw = await response.text();
  const events = raw.split('\n\n').filter(Boolean);
  assert.ok(events.every((event) => event.startsWith('data: ')), raw);
  assert.equal(events.at(-1), 'data: [DONE]');
  const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice(6)) as { object: string; model: string; choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[]; usage?: unknown });
  assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'm'));
  assert.deepEqual(chunks.map((chunk) => chunk.choices[0]?.delta ?? null), [{ role: 'assistant', content: '' }, { content: 'hello' }, { content: ' there' }, {}, null]);
  assert.equal(chunks[3]?.choices[0]?.finish_reason, 'length');
  assert.deepEqual(chunks[4]?.usage, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
});

test('sends no usage chunk unless asked for, or when noUsage is set', async () => {
  const server = await serve({ answer: 'x' });
  const plain = await (await post(server.url, { messages: [{ role: 'user', content: 'q' }], stream: true })).text();
  assert.doesNotMatch(plain, /usage/);
  server.setBehaviour({ noUsage: true });
  const asked = await (await post(server.url, { messages: [{ role: 'user', content: 'q' }], stream: true, stream_options: { include_usage: true } })).text();
  assert.doesNotMatch(asked, /usage/);
});

test('behaviour is overridden per request by header or by a marker in the last user message', async () => {
  const server = await serve({ answer: 'server default' });
  const byHeader = await post(server.url, { messages: [{ role: 'user', content: 'q' }] }, { 'x-stand-in': '{"status":429}' });
  assert.equal(byHeader.status, 429);
  assert.deepEqual(await byHeader.json(), { error: { message: 'stand-in answers HTTP 429', type: 'invalid_request_error', code: 429 } });
  const byMessage = await post(server.url, {
    messages: [
      { role: 'user', content: '[stand-in {"answer":"ignored"}]' },
      { role: 'user', content: 'tell me [stand-in {"answer":"scripted reply"}]' },
    ],
  });
  const completion = (await byMessage.json()) as { object: string; choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.choices[0]?.message.content, 'scripted reply');
  assert.equal(completion.choices[0]?.finish_reason, 'stop');
  assert.equal(completion.usage.completion_tokens, 2);
  assert.deepEqual(server.requests.map((request) => request.behaviour.answer), ['server default', 'scripted reply']);
});

test('rejects malformed requests and unknown routes like an OpenAI server', async () => {
  const server = await serve();
  assert.equal((await post(server.url, { model: 'x' })).status, 400);
  assert.equal((await fetch(`${server.url}/embeddings`, { method: 'POST', body: '{}' })).status, 404);
  const models = (await (await fetch(`${server.url}/models`)).json()) as { object: string; data: { id: string }[] };
  assert.deepEqual(models.data.map((model) => model.id), ['stand-in-model']);
});

test('the default answer echoes the body of source [1], skipping its header line', () => {
  assert.equal(
    defaultStandInAnswer([{ content: 'Sources:\n[1] Guide (docs/tls.md)\nUse cert-manager to issue the ingress certificate.\n[2] Other\nnope' }]),
    'Based on the sources, Use cert-manager to issue the ingress certificate. [1].',
  );
  assert.equal(defaultStandInAnswer([{ content: 'no sources at all' }]), 'The sources do not contain the answer to this question.');
});
