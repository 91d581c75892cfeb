import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { SHARED_MISSING } from '../../testing/shared-data.js';

describe('/v1/memories', () => {
  let t: HttpTestApp | null = null;
  before(async () => {
    t = await startHttpTestApp();
  });
  after(async () => {
    await t?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    (t as HttpTestApp).server.inject({ method, url, headers: (t as HttpTestApp).auth, ...(payload !== undefined ? { payload: payload as object } : {}) });

  it('creates (201), gets, lists with filters, updates and deletes (204) a memory', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const created = await call('POST', '/v1/memories', { content: 'Prod DB is on host db-2, port 5433', tags: ['infra'], source: 'runbook', userId: 'ann' });
    assert.equal(created.statusCode, 201, created.body);
    const memory = created.json();
    assert.deepEqual(Object.keys(memory).sort(), ['content', 'createdAt', 'expiresAt', 'id', 'sessionId', 'source', 'tags', 'updatedAt', 'userId']);
    assert.equal(memory.sessionId, null);
    assert.equal(memory.userId, 'ann');

    assert.deepEqual((await call('GET', `/v1/memories/${memory.id}`)).json(), memory);
    const listed = (await call('GET', '/v1/memories?tag=infra&userId=ann&q=db-2&limit=10')).json();
    assert.deepEqual(listed.items.map((m: { id: string }) => m.id), [memory.id]);
    assert.equal(listed.nextCursor, null);
    assert.deepEqual((await call('GET', '/v1/memories?userId=bob')).json().items, []);

    const patched = await call('PATCH', `/v1/memories/${memory.id}`, { tags: ['infra', 'db'], expiresAt: '2999-01-01T00:00:00Z' });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json().tags, ['infra', 'db']);
    assert.equal(patched.json().expiresAt, '2999-01-01T00:00:00.000Z');

    assert.equal((await call('DELETE', `/v1/memories/${memory.id}`)).statusCode, 204);
    const gone = await call('GET', `/v1/memories/${memory.id}`);
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'MEMORY_NOT_FOUND');
  });

  it('searches within the scope it names, with scores', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const a = (await call('POST', '/v1/memories', { content: 'The VPN gateway is vpn.example.org', sessionId: 'chat-a' })).json();
    const global = (await call('POST', '/v1/memories', { content: 'VPN access needs a hardware token', tags: ['vpn'] })).json();
    const search = async (body: object) => {
      const response = await call('POST', '/v1/memories/search', { query: 'VPN gateway', ...body });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().items as { id: string; score: number }[];
    };
    const unscoped = await search({});
    assert.ok(unscoped.some((m) => m.id === global.id));
    assert.ok(!unscoped.some((m) => m.id === a.id), 'a session memory stays in its session');
    const inSession = await search({ sessionId: 'chat-a', k: 1 });
    assert.equal(inSession[0]?.id, a.id);
    assert.ok(inSession[0] && inSession[0].score > 0 && inSession[0].score <= 1);
    assert.deepEqual((await search({ tags: ['vpn'] })).map((m) => m.id), [global.id]);
  });

  it('answers bad input with 400 and unknown ids with 404, as problem+json', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const cases: [string, string, unknown, number][] = [
      ['POST', '/v1/memories', {}, 400],
      ['POST', '/v1/memories', { content: '' }, 400],
      ['POST', '/v1/memories', { content: 'x', tags: 'infra' }, 400],
      ['POST', '/v1/memories', { content: 'x', expiresAt: 'soon' }, 400],
      ['POST', '/v1/memories', { content: 'x', extra: true }, 400],
      ['POST', '/v1/memories/search', { query: '' }, 400],
      ['POST', '/v1/memories/search', { query: 'x', k: 0 }, 400],
      ['GET', '/v1/memories?limit=0', undefined, 400],
      ['GET', '/v1/memories?cursor=abc', undefined, 400],
      ['PATCH', '/v1/memories/mem_missing', { content: 'x' }, 404],
      ['DELETE', '/v1/memories/mem_missing', undefined, 404],
      ['GET', '/v1/memories/mem_missing', undefined, 404],
    ];
    const existing = (await call('POST', '/v1/memories', { content: 'something to patch' })).json();
    cases.push(['PATCH', `/v1/memories/${existing.id}`, {}, 400], ['PATCH', `/v1/memories/${existing.id}`, { content: '' }, 400]);
    for (const [method, url, payload, status] of cases) {
      const response = await call(method as 'GET', url, payload);
      assert.equal(response.statusCode, status, `${method} ${url} ${JSON.stringify(payload)}: ${response.body}`);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    }
    const malformed = await t.server.inject({ method: 'POST', url: '/v1/memories', headers: { ...t.auth, 'content-type': 'application/json' }, payload: '{"content":' });
    assert.equal(malformed.statusCode, 400);
  });

  it('needs write scope to change memories and read scope to search them', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const { key } = await t.app.keys.create('reader', ['read']);
    const reader = { authorization: `Bearer ${key}` };
    const denied = await t.server.inject({ method: 'POST', url: '/v1/memories', headers: reader, payload: { content: 'x' } });
    assert.equal(denied.statusCode, 403);
    const allowed = await t.server.inject({ method: 'POST', url: '/v1/memories/search', headers: reader, payload: { query: 'x' } });
    assert.equal(allowed.statusCode, 200);
  });
});
