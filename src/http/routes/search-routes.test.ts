import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { ingest } from '../../app/ingest.js';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { SHARED_MISSING } from '../../testing/shared-data.js';
import { searchResponseSchema, searchResultSchema } from '../http-schemas.js';

let t: HttpTestApp | null = null;

before(async () => {
  t = await startHttpTestApp();
});
after(async () => {
  await t?.close();
});

/** The search routes skip the zod serializer (plain JSON.stringify): the body must still be exactly the schema's shape. */
function assertMatchesSchema(body: Record<string, unknown>): void {
  const strict = searchResponseSchema.extend({ results: z.array(searchResultSchema.strict()) }).strict();
  const parsed = strict.safeParse(body);
  assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
  assert.deepEqual(JSON.parse(JSON.stringify(z.encode(searchResponseSchema, parsed.data))), body);
}

describe('search routes', () => {
  it('GET and POST answer bodies of exactly the documented response schema', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const { server, auth } = t;
    for (const mode of ['lexical', 'dense', 'hybrid']) {
      const get = await server.inject({ method: 'GET', url: `/v1/search?q=Universal+Declaration+of+Human+Rights&collection=kb&mode=${mode}&k=4`, headers: auth });
      assert.equal(get.statusCode, 200, get.body);
      assert.match(String(get.headers['content-type']), /^application\/json/);
      const body = get.json() as Record<string, unknown>;
      assert.equal(body.mode, mode);
      assert.ok((body.results as unknown[]).length > 0);
      assertMatchesSchema(body);
    }
    const post = await server.inject({ method: 'POST', url: '/v1/search', headers: auth, payload: { collection: 'kb', query: 'table', mode: 'lexical', k: 2 } });
    assert.equal(post.statusCode, 200, post.body);
    assertMatchesSchema(post.json() as Record<string, unknown>);
  });

  it('returns k distinct documents with their best passages by default, chunks with group=chunks', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const { server, auth } = t;
    type Result = { document_id: number; chunk_id: number; score: number; passages?: { chunk_id: number; score: number }[] };
    const chunks = await server.inject({ method: 'GET', url: '/v1/search?q=rights+city&collection=kb&mode=lexical&k=20&group=chunks', headers: auth });
    assert.equal(chunks.statusCode, 200, chunks.body);
    const chunkBody = chunks.json() as { group: string; results: Result[] };
    assertMatchesSchema(chunkBody as unknown as Record<string, unknown>);
    assert.equal(chunkBody.group, 'chunks');
    assert.ok(chunkBody.results.every((r) => r.passages === undefined));
    const chunkDocuments = new Set(chunkBody.results.map((r) => r.document_id));
    assert.ok(chunkDocuments.size < chunkBody.results.length, 'the fixture has documents with several matching chunks');

    const grouped = await server.inject({ method: 'POST', url: '/v1/search', headers: auth, payload: { collection: 'kb', query: 'rights city', mode: 'lexical', k: chunkDocuments.size } });
    assert.equal(grouped.statusCode, 200, grouped.body);
    const body = grouped.json() as { group: string; results: Result[] };
    assertMatchesSchema(body as unknown as Record<string, unknown>);
    assert.equal(body.group, 'documents');
    assert.equal(body.results.length, chunkDocuments.size);
    assert.equal(new Set(body.results.map((r) => r.document_id)).size, body.results.length, 'one result per document');
    assert.ok(body.results.some((r) => (r.passages?.length ?? 0) > 1), 'a document shows several passages');
    for (const result of body.results) {
      assert.equal(result.passages?.[0]?.chunk_id, result.chunk_id);
      const scores = (result.passages ?? []).map((p) => p.score);
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'passages best first');
    }
    const one = await server.inject({ method: 'GET', url: '/v1/search?q=rights+city&collection=kb&mode=lexical&k=3&passages=1', headers: auth });
    assert.ok((one.json() as { results: Result[] }).results.every((r) => r.passages?.length === 1));
  });

  it('one document per near-duplicate cluster with also_in by default (collapse=false: each), in the documented schema', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const { server, auth, app } = t;
    const copies = mkdtempSync(join(tmpdir(), 'cairn-search-copies-'));
    try {
      const body = `# Key rotation\n\nHow to rotate the signing key safely. ${Array.from({ length: 200 }, (_, i) => `term${(i * 7919) % 5003}`).join(' ')}\n`;
      writeFileSync(join(copies, 'rotation.md'), body);
      writeFileSync(join(copies, 'rotation-copy.md'), body.replace('safely', 'safely, again'));
      await ingest(app, { collection: 'copies', sources: [copies] });
    } finally {
      rmSync(copies, { recursive: true, force: true });
    }
    type Result = { relative_path: string; also_in?: string[]; passages?: unknown[] };
    const every = await server.inject({ method: 'GET', url: '/v1/search?q=rotate+signing+key&collection=copies&mode=lexical&collapse=false', headers: auth });
    assert.equal((every.json() as { results: Result[] }).results.length, 2, 'collapse=false lists each copy');
    const collapsed = await server.inject({ method: 'GET', url: '/v1/search?q=rotate+signing+key&collection=copies&mode=lexical', headers: auth });
    assert.equal(collapsed.statusCode, 200, collapsed.body);
    const json = collapsed.json() as { results: Result[] };
    assertMatchesSchema(json as unknown as Record<string, unknown>);
    assert.equal(json.results.length, 1);
    assert.ok(json.results[0]!.passages !== undefined);
    assert.equal(json.results[0]!.also_in?.length, 1);
    const post = await server.inject({ method: 'POST', url: '/v1/search', headers: auth, payload: { collection: 'copies', query: 'rotate signing key', mode: 'lexical' } });
    assert.equal((post.json() as { results: Result[] }).results[0]!.also_in?.length, 1);
  });

  it('errors on the search routes are still problem+json', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const { server, auth } = t;
    const missing = await server.inject({ method: 'GET', url: '/v1/search?q=x&collection=nope', headers: auth });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
    assert.equal(missing.json().code, 'COLLECTION_NOT_FOUND');
  });
});
