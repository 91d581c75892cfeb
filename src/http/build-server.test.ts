import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { startHttpTestApp, type HttpTestApp } from '../testing/http-test-app.js';
import { SHARED_MISSING } from '../testing/shared-data.js';

let t: HttpTestApp | null = null;

before(async () => {
  t = await startHttpTestApp();
});
after(async () => {
  await t?.close();
});

/** The server, with every request sending the admin key (auth itself is tested in auth.test.ts). */
function server() {
  if (!t) throw new Error('no app');
  const { server: fastify, auth } = t;
  return {
    inject: (options: InjectOptions) => fastify.inject({ ...options, headers: { ...auth, ...options.headers } }),
  };
}

function assertProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string): Record<string, unknown> {
  assert.equal(response.statusCode, status);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  for (const field of ['type', 'title', 'detail']) assert.equal(typeof body[field], 'string', field);
  return body;
}

describe('HTTP server', () => {
  it('GET /healthz and /readyz', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const health = await server().inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    assert.ok(health.headers['x-request-id']);
    const ready = await server().inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    const body = ready.json();
    assert.equal(body.status, 'ready');
    assert.equal(body.store.ok, true);
    assert.equal(body.store.collections, 1);
    assert.equal(body.embedders[0].loaded, true);
    assert.deepEqual(body.embedders[0].collections, ['kb']);
    assert.equal(body.llm.available, false);
  });

  it('collections: list, create, get, delete; 404 and 409 as problem+json', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const list = await server().inject({ method: 'GET', url: '/v1/collections' });
    assert.equal(list.statusCode, 200);
    const kb = list.json().collections.find((c: { name: string }) => c.name === 'kb');
    assert.ok(kb.documentCount >= 7, `documents: ${kb.documentCount}`);
    assert.ok(kb.chunkCount > kb.documentCount);

    const created = await server().inject({ method: 'POST', url: '/v1/collections', payload: { name: 'notes', chunkSize: 128, chunkOverlap: 16 } });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().name, 'notes');
    assert.equal(created.json().chunkSize, 128);
    assertProblem(await server().inject({ method: 'POST', url: '/v1/collections', payload: { name: 'notes' } }), 409, 'COLLECTION_EXISTS');
    assertProblem(await server().inject({ method: 'POST', url: '/v1/collections', payload: { name: '../bad' } }), 400, 'INPUT_INVALID');

    const got = await server().inject({ method: 'GET', url: '/v1/collections/notes' });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().documentCount, 0);
    const deleted = await server().inject({ method: 'DELETE', url: '/v1/collections/notes' });
    assert.deepEqual(deleted.json(), { deleted: 'notes' });
    const missing = assertProblem(await server().inject({ method: 'GET', url: '/v1/collections/notes' }), 404, 'COLLECTION_NOT_FOUND');
    assert.equal(typeof missing.hint, 'string');
    assertProblem(await server().inject({ method: 'DELETE', url: '/v1/collections/notes' }), 404, 'COLLECTION_NOT_FOUND');
  });

  it('GET and POST /v1/search return the cairn search --json items', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const get = await server().inject({ method: 'GET', url: '/v1/search?q=Universal+Declaration+of+Human+Rights&collection=kb&mode=lexical&k=3&group=chunks' });
    assert.equal(get.statusCode, 200, get.body);
    const body = get.json();
    assert.equal(body.mode, 'lexical');
    assert.equal(body.results.length, 3);
    // By default: distinct documents, each once.
    const grouped = (await server().inject({ method: 'GET', url: '/v1/search?q=Universal+Declaration+of+Human+Rights&collection=kb&mode=lexical&k=3' })).json();
    const documentIds = grouped.results.map((result: { document_id: number }) => result.document_id);
    assert.ok(documentIds.length > 0);
    assert.equal(new Set(documentIds).size, documentIds.length);
    const first = body.results[0];
    for (const key of ['source_uri', 'title', 'text', 'score', 'snippet', 'heading_path', 'relative_path', 'chunk_id', 'document_id']) assert.ok(key in first, key);
    assert.match(first.relative_path, /UDHR/);

    const post = await server().inject({ method: 'POST', url: '/v1/search', payload: { collection: 'kb', query: 'Universal Declaration of Human Rights', mode: 'hybrid', k: 3 } });
    assert.equal(post.statusCode, 200, post.body);
    assert.equal(post.json().mode, 'hybrid');
    assert.ok(post.json().results.length > 0);
    assert.equal(typeof post.json().timings.totalMs, 'number');

    const dense = await server().inject({ method: 'GET', url: '/v1/search?q=Universal+Declaration+of+Human+Rights&collection=kb&mode=dense&k=2&min_score=-1' });
    assert.equal(dense.statusCode, 200, dense.body);
    assert.equal(dense.json().mode, 'dense');
    assert.equal(dense.json().results.length, 2);

    const filtered = await server().inject({ method: 'GET', url: '/v1/search?q=table&collection=kb&mode=lexical&type=markdown&type=md' });
    assert.equal(filtered.statusCode, 200, filtered.body);
    assert.ok(filtered.json().results.length > 0);
    for (const result of filtered.json().results) assert.equal(result.format, 'markdown');
  });

  it('bad input is a 4xx problem, never a 500', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    assertProblem(await server().inject({ method: 'GET', url: '/v1/search?q=x&collection=nope' }), 404, 'COLLECTION_NOT_FOUND');
    // A misspelling: the problem names what exists and the likely meant one, for clients that offer a choice.
    const misspelled = assertProblem(await server().inject({ method: 'GET', url: '/v1/search?q=x&collection=kbb' }), 404, 'COLLECTION_NOT_FOUND');
    assert.deepEqual([misspelled.existing, misspelled.suggestion], [['kb'], 'kb']);
    assert.match(String(misspelled.detail), /Did you mean "kb"\?/);
    assertProblem(await server().inject({ method: 'GET', url: '/v1/search?collection=kb' }), 400, 'INPUT_INVALID');
    assertProblem(await server().inject({ method: 'GET', url: '/v1/search?q=x&k=zero' }), 400, 'INPUT_INVALID');
    assertProblem(await server().inject({ method: 'GET', url: '/v1/search?q=x&after=yesterday' }), 400, 'INPUT_INVALID');
    assertProblem(await server().inject({ method: 'GET', url: '/v1/search?q=%20%20' }), 400, 'INPUT_INVALID');
    assertProblem(await server().inject({ method: 'POST', url: '/v1/search', payload: { query: 'x', bogus: 1 } }), 400, 'INPUT_INVALID');
    const malformed = await server().inject({ method: 'POST', url: '/v1/search', headers: { 'content-type': 'application/json' }, payload: '{"query": "x",' });
    assertProblem(malformed, 400, 'INPUT_INVALID');
    const unknown = assertProblem(await server().inject({ method: 'GET', url: '/v1/nothing-here' }), 404, 'NOT_FOUND');
    assert.match(String(unknown.detail), /nothing-here/);
    assertProblem(await server().inject({ method: 'POST', url: '/v1/search', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ query: 'x'.repeat(2_000_000) }) }), 413, 'INPUT_INVALID');
  });

  it('documents: paginated list with sort and filter, get with chunks, delete', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const page = await server().inject({ method: 'GET', url: '/v1/collections/kb/documents?limit=2&offset=1&sort=path&order=asc' });
    assert.equal(page.statusCode, 200, page.body);
    const body = page.json();
    assert.equal(body.items.length, 2);
    assert.equal(body.limit, 2);
    assert.equal(body.offset, 1);
    assert.ok(body.total >= 7);
    const all = (await server().inject({ method: 'GET', url: '/v1/collections/kb/documents?limit=500' })).json();
    const paths = all.items.map((d: { relativePath: string }) => d.relativePath);
    assert.deepEqual(paths, [...paths].sort());
    assert.deepEqual(body.items.map((d: { relativePath: string }) => d.relativePath), paths.slice(1, 3));
    const desc = (await server().inject({ method: 'GET', url: '/v1/collections/kb/documents?limit=500&order=desc' })).json();
    assert.deepEqual(desc.items.map((d: { relativePath: string }) => d.relativePath), [...paths].reverse());

    const filtered = (await server().inject({ method: 'GET', url: '/v1/collections/kb/documents?q=UDHR' })).json();
    assert.equal(filtered.total, 1);
    const id = filtered.items[0].id as number;
    const shown = await server().inject({ method: 'GET', url: `/v1/collections/kb/documents/${id}` });
    assert.equal(shown.statusCode, 200, shown.body);
    assert.equal(shown.json().document.id, id);
    assert.equal(shown.json().chunks.length, shown.json().document.chunkCount);

    assertProblem(await server().inject({ method: 'GET', url: '/v1/collections/kb/documents?limit=0' }), 400, 'INPUT_INVALID');
    assertProblem(await server().inject({ method: 'GET', url: '/v1/collections/nope/documents' }), 404, 'COLLECTION_NOT_FOUND');
    assertProblem(await server().inject({ method: 'GET', url: '/v1/collections/kb/documents/999999' }), 404, 'DOCUMENT_NOT_FOUND');

    const removed = await server().inject({ method: 'DELETE', url: `/v1/collections/kb/documents/${id}` });
    assert.equal(removed.statusCode, 200, removed.body);
    assert.equal(removed.json().removed[0].id, id);
    assertProblem(await server().inject({ method: 'GET', url: `/v1/collections/kb/documents/${id}` }), 404, 'DOCUMENT_NOT_FOUND');
  });

  it('serves the OpenAPI document at /docs', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const spec = await server().inject({ method: 'GET', url: '/docs/json' });
    assert.equal(spec.statusCode, 200);
    const paths = Object.keys(spec.json().paths);
    for (const path of ['/healthz', '/readyz', '/v1/collections', '/v1/collections/{name}', '/v1/collections/{name}/documents', '/v1/collections/{name}/documents/{id}', '/v1/search', '/v1/ask']) {
      assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
    }
    const ui = await server().inject({ method: 'GET', url: '/docs' });
    assert.ok(ui.statusCode === 200 || ui.statusCode === 302, String(ui.statusCode));
  });
});
