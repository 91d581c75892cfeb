import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { createHttpReranker } from './http-reranker.js';

/** Words of the query found in the document, divided by the document's words: predictable scores. */
function overlap(query: string, document: string): number {
  const words = new Set(query.toLowerCase().split(/\W+/).filter(Boolean));
  const tokens = document.toLowerCase().split(/\W+/).filter(Boolean);
  return tokens.filter((token) => words.has(token)).length / (tokens.length + 1);
}

interface Seen {
  url: string;
  body: Record<string, unknown>;
  authorization?: string;
}

let server: Server;
let origin = '';
const seen: Seen[] = [];
const closedQueries = new Set<string>();

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

function json(response: import('node:http').ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

before(async () => {
  // One process, several stand-ins, told apart by path prefix:
  //   /vllm/v1/rerank  vLLM / Jina: { model, query, documents, top_n } → { results: [{ index, document, relevance_score }] } in input order
  //   /cohere/v2/rerank Cohere v2: same request → results sorted by relevance, cut to top_n
  //   /tei/rerank       TEI: { query, texts } → [{ index, score }] sorted by score; a `documents` body gets 422
  //   /fail, /slow, /garbage, /short: failure modes
  server = createServer(async (request, response) => {
    const raw = await readBody(request);
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const url = request.url ?? '';
    seen.push({ url, body, authorization: request.headers.authorization });
    const query = String(body.query ?? '');
    if (url === '/vllm/v1/rerank') {
      if (typeof body.model !== 'string' || !Array.isArray(body.documents)) return json(response, 400, { error: 'model and documents required' });
      const documents = body.documents as string[];
      const results = documents.map((text, index) => ({ index, document: { text }, relevance_score: overlap(query, text) }));
      return json(response, 200, { id: 'rerank-1', model: body.model, usage: { total_tokens: 10 }, results });
    }
    if (url === '/cohere/v2/rerank') {
      if (request.headers.authorization !== 'Bearer co-key') return json(response, 401, { message: 'invalid api token' });
      const documents = body.documents as string[];
      const results = documents
        .map((text, index) => ({ index, relevance_score: overlap(query, text) }))
        .sort((a, b) => b.relevance_score - a.relevance_score)
        .slice(0, Number(body.top_n ?? documents.length));
      return json(response, 200, { id: 'c1', results, meta: { api_version: { version: '2' } } });
    }
    if (url === '/tei/rerank') {
      if (!Array.isArray(body.texts)) return json(response, 422, { error: 'Failed to deserialize the JSON body: missing field `texts`', error_type: 'Validation' });
      const texts = body.texts as string[];
      return json(
        response,
        200,
        texts.map((text, index) => ({ index, score: overlap(query, text) })).sort((a, b) => b.score - a.score),
      );
    }
    if (url === '/fail/rerank') return json(response, 503, { error: 'model is loading, retry later' });
    if (url === '/garbage/rerank') return json(response, 200, { hello: 'world' });
    if (url === '/short/rerank') return json(response, 200, { results: [{ index: 0, relevance_score: 1 }] });
    if (url === '/slow/rerank') {
      if (query === 'probe') return json(response, 200, { results: [{ index: 0, relevance_score: 0 }] });
      request.socket.on('close', () => closedQueries.add(query));
      return; // never answers
    }
    response.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const QUERY = 'configure tls for the ingress';
const DOCUMENTS = ['bananas are yellow', 'the ingress terminates tls; configure it with a secret', 'tls ciphers', 'nothing here at all'];
const EXPECTED = DOCUMENTS.map((document) => overlap(QUERY, document));

test('vLLM / Jina shape: scores in input order, model sent, batched to maxBatchSize', async () => {
  const reranker = await createHttpReranker({ id: 'http:v', baseUrl: `${origin}/vllm/v1/`, model: 'bge-reranker', maxBatchSize: 3 });
  seen.length = 0;
  const { scores } = await reranker.rerank({ query: QUERY, documents: DOCUMENTS });
  assert.deepEqual(scores, EXPECTED);
  assert.deepEqual(seen.map((request) => (request.body.documents as string[]).length), [3, 1]);
  assert.equal(seen[0]?.body.model, 'bge-reranker');
  assert.equal(seen[0]?.body.top_n, 3);
  assert.equal(seen[0]?.url, '/vllm/v1/rerank');
});

test('Cohere shape: results sorted by relevance are put back by index, API key sent', async () => {
  const reranker = await createHttpReranker({ id: 'http:c', baseUrl: `${origin}/cohere/v2`, model: 'rerank-v3.5', apiKey: 'co-key' });
  const { scores } = await reranker.rerank({ query: QUERY, documents: DOCUMENTS });
  assert.deepEqual(scores, EXPECTED);
  await assert.rejects(createHttpReranker({ id: 'http:c', baseUrl: `${origin}/cohere/v2`, model: 'm', apiKey: 'wrong' }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.match(error.message, /HTTP 401.*invalid api token/);
    assert.match(error.hint ?? '', /API key/);
    return true;
  });
});

test('TEI shape: found after the documents shape is refused, then used directly', async () => {
  seen.length = 0;
  const reranker = await createHttpReranker({ id: 'http:t', baseUrl: `${origin}/tei`, maxBatchSize: 2 });
  assert.deepEqual(
    seen.map((request) => Object.keys(request.body).sort().join(',')),
    ['documents,query,top_n', 'query,texts,truncate'],
  );
  seen.length = 0;
  const { scores } = await reranker.rerank({ query: QUERY, documents: DOCUMENTS });
  assert.deepEqual(scores, EXPECTED);
  assert.equal(seen.length, 2);
  assert.ok(seen.every((request) => Array.isArray(request.body.texts) && request.body.documents === undefined));
});

test('server errors carry the status and a body excerpt', async () => {
  await assert.rejects(createHttpReranker({ id: 'http:f', baseUrl: `${origin}/fail`, model: 'm' }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.equal(error.retryable, true);
    assert.equal(error.details.status, 503);
    assert.match(error.message, /HTTP 503: .*model is loading/);
    return true;
  });
  await assert.rejects(createHttpReranker({ id: 'http:n', baseUrl: `${origin}/nowhere`, model: 'm' }), /HTTP 404, then 404: not found/);
});

test('unexpected bodies and missing indexes are UPSTREAM_FAILED', async () => {
  await assert.rejects(createHttpReranker({ id: 'g', baseUrl: `${origin}/garbage`, model: 'm' }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.match(error.message, /unexpected body.*hello/);
    return true;
  });
  const reranker = await createHttpReranker({ id: 's', baseUrl: `${origin}/short`, model: 'm' });
  await assert.rejects(reranker.rerank({ query: 'q', documents: ['a', 'b'] }), /1 scores for 2 documents \(index 1 missing\)/);
});

test('a server that never answers times out, and an aborted call closes its request', async () => {
  const reranker = await createHttpReranker({ id: 'slow', baseUrl: `${origin}/slow`, model: 'm', timeoutMs: 300 });
  const started = performance.now();
  await assert.rejects(reranker.rerank({ query: 'q', documents: ['a'] }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_TIMEOUT');
    return true;
  });
  assert.ok(performance.now() - started < 3_000);

  const controller = new AbortController();
  const pending = reranker.rerank({ query: 'abort me', documents: ['a'], signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(pending, (error) => isCairnError(error) && error.code === 'ABORTED');
  for (let i = 0; i < 50 && !closedQueries.has('abort me'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(closedQueries.has('abort me'), 'the stand-in saw the aborted request closed');
});

test('a dead port fails fast with UPSTREAM_FAILED', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(createHttpReranker({ id: 'dead', baseUrl: `http://127.0.0.1:${port}`, model: 'm' }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.match(error.message, /could not be reached: ECONNREFUSED/);
    return true;
  });
});
