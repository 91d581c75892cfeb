import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { startRecordingListener } from '../../testing/recording-listener.js';
import { createOpenAiEmbedder } from './openai-embedder.js';

let server: Server;
let baseUrl = '';
const batches: string[][] = [];
const authorizations: (string | undefined)[] = [];

/** Unnormalised vector made from the text, so tests can predict it: [length, vowels, words, 1]. */
function fakeEmbedding(text: string): number[] {
  return [text.length, (text.match(/[aeiou]/g) ?? []).length, text.split(/\s+/).length, 1];
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

before(async () => {
  // Speaks the OpenAI wire format; answers in reverse order so clients must sort by `index`.
  server = createServer(async (request, response) => {
    const body = JSON.parse(await readBody(request)) as { model: string; input: string[] };
    authorizations.push(request.headers.authorization);
    if (request.url !== '/v1/embeddings' || request.method !== 'POST') {
      response.writeHead(404).end('not found');
      return;
    }
    if (body.model === 'needs-key' && request.headers.authorization !== 'Bearer secret') {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"invalid api key"}}');
      return;
    }
    if (body.model === 'slow') return; // never answers
    if (body.model === 'broken' && body.input[0] !== 'dimension probe') {
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"CUDA out of memory"}}');
      return;
    }
    batches.push(body.input);
    const data = body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text) })).reverse();
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ object: 'list', model: body.model, data, usage: { prompt_tokens: body.input.length * 3, total_tokens: body.input.length * 3 } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

test('openai embedder batches, reorders by index and normalises', async () => {
  const embedder = await createOpenAiEmbedder({ id: 'openai:x#m', baseUrl: `${baseUrl}/`, model: 'm', maxBatchSize: 3 });
  assert.equal(embedder.dimensions, 4);
  assert.equal(embedder.tokenizer.exact, false);
  batches.length = 0;
  const texts = ['alpha', 'be', 'a longer sentence here', 'x', 'queue', 'io', 'seventh text'];
  const { vectors, tokens } = await embedder.embed({ texts });
  assert.deepEqual(batches.map((batch) => batch.length), [3, 3, 1]);
  assert.equal(tokens, 21);
  texts.forEach((text, i) => {
    const raw = fakeEmbedding(text);
    const length = Math.hypot(...raw);
    raw.forEach((value, d) => assert.ok(Math.abs((vectors[i]?.[d] ?? NaN) - value / length) < 1e-6));
  });
  const query = await embedder.embedQuery('be');
  assert.deepEqual(query, vectors[1]);
});

test('openai embedder sends the API key and reports HTTP errors with status and body', async () => {
  await assert.rejects(createOpenAiEmbedder({ id: 'i', baseUrl, model: 'needs-key' }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.match(error.message, /HTTP 401.*invalid api key/);
    assert.match(error.hint ?? '', /CAIRN_EMBEDDER_API_KEY/);
    return true;
  });
  const keyed = await createOpenAiEmbedder({ id: 'i', baseUrl, model: 'needs-key', apiKey: 'secret' });
  assert.equal(authorizations.at(-1), 'Bearer secret');
  assert.equal(keyed.dimensions, 4);

  const broken = await createOpenAiEmbedder({ id: 'i', baseUrl, model: 'broken' });
  await assert.rejects(broken.embed({ texts: ['a'] }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.equal(error.retryable, true);
    assert.match(error.message, /HTTP 500.*CUDA out of memory/);
    return true;
  });
});

test('openai embedder times out, honours abort and reports an unreachable server', async () => {
  const started = Date.now();
  await assert.rejects(createOpenAiEmbedder({ id: 'i', baseUrl, model: 'slow', timeoutMs: 200 }), /no answer within 200 ms/);
  assert.ok(Date.now() - started < 3000);

  const embedder = await createOpenAiEmbedder({ id: 'i', baseUrl, model: 'm' });
  await assert.rejects(embedder.embed({ texts: ['a'], signal: AbortSignal.abort() }), { code: 'ABORTED' });

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await assert.rejects(createOpenAiEmbedder({ id: 'i', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.match(error.message, /ECONNREFUSED/);
    return true;
  });
});

test('a redirect is not followed: the host it points to sees nothing', async () => {
  const target = await startRecordingListener();
  const redirecting = createServer((_request, response) => {
    response.writeHead(307, { location: `${target.origin}/v1/embeddings` }).end();
  });
  await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
  const port = (redirecting.address() as AddressInfo).port;
  try {
    await assert.rejects(createOpenAiEmbedder({ id: 'i', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', apiKey: 'secret' }), { code: 'UPSTREAM_FAILED' });
    assert.deepEqual(target.requests, []);
  } finally {
    await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    await target.close();
  }
});
