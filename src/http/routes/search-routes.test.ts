import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
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

  it('errors on the search routes are still problem+json', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const { server, auth } = t;
    const missing = await server.inject({ method: 'GET', url: '/v1/search?q=x&collection=nope', headers: auth });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
    assert.equal(missing.json().code, 'COLLECTION_NOT_FOUND');
  });
});
