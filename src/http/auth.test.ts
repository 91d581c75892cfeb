import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse, RouteOptions } from 'fastify';
import type { CairnApp } from '../app/cairn-app.js';
import { openCairn } from '../app/open-cairn.js';
import { loadConfig } from '../config/load-config.js';
import { scopeAllows, type KeyScope } from '../stores/key-store.js';
import { buildServer } from './build-server.js';

/** The only routes answered without a key. Anything else registered must answer 401 without one. */
const PUBLIC = [/^\/healthz$/, /^\/readyz$/, /^\/metrics$/, /^\/docs(\/|$)/, /^\/\*?$/];

/** Routes whose answer is an event stream that does not end by itself. */
const STREAMING = /^(GET|HEAD) \/v1\/events\/?$/;

interface RouteRow {
  method: HTTPMethods;
  url: string;
  /** What the route declares; undefined means the hook's fail-closed default (admin). */
  scope: KeyScope | undefined;
}

function injectable(row: RouteRow): { method: HTTPMethods; url: string } {
  return { method: row.method, url: row.url.replace(/:[A-Za-z_]+/g, 'zz-missing').replace(/\*$/, 'x') };
}

function assertProblem(response: LightMyRequestResponse, status: number, code: string, where: string): void {
  assert.equal(response.statusCode, status, `${where}: ${response.body}`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/, where);
  assert.equal(response.json().code, code, where);
}

/** The OpenAI-compatible routes answer errors in OpenAI's shape (see src/http/openai/openai-error.ts). */
const OPENAI_ROUTE = /^\/v1\/(models|chat\/completions|embeddings)(\/|$)/;
const OPENAI_CODES: Record<string, string> = { UNAUTHENTICATED: 'invalid_api_key', FORBIDDEN: 'forbidden' };

function assertRouteError(row: RouteRow, response: LightMyRequestResponse, status: number, code: string, where: string): void {
  if (!OPENAI_ROUTE.test(row.url)) {
    assertProblem(response, status, code, where);
    return;
  }
  assert.equal(response.statusCode, status, `${where}: ${response.body}`);
  assert.match(String(response.headers['content-type']), /^application\/json/, where);
  assert.equal(response.json().error.code, OPENAI_CODES[code], where);
}

describe('API keys on every route', () => {
  let home: string;
  let app: CairnApp;
  let server: FastifyInstance;
  const routes: RouteRow[] = [];
  const keys = {} as Record<KeyScope, string>;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-auth-'));
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    server = await buildServer(app, {
      version: 'test',
      onRoute: (route: RouteOptions) => {
        for (const method of [route.method].flat()) routes.push({ method, url: route.url, scope: route.config?.scope });
      },
    });
    await server.ready();
    for (const scope of ['read', 'write', 'admin'] as const) keys[scope] = (await app.keys.create(`${scope} key`, [scope])).key;
  });
  after(async () => {
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  const isPublic = (row: RouteRow) => PUBLIC.some((pattern) => pattern.test(row.url));
  const isPrivate = (row: RouteRow) => !isPublic(row);

  it('enumerates the registered routes, public and private', () => {
    const urls = new Set(routes.map((r) => r.url));
    for (const url of ['/healthz', '/readyz', '/v1/collections', '/v1/search', '/v1/ask', '/v1/keys', '/v1/keys/:id']) assert.ok(urls.has(url), `${url} in ${[...urls].join(' ')}`);
    assert.ok(routes.filter(isPrivate).length >= 12, `private routes: ${routes.filter(isPrivate).length}`);
  });

  it('each route declares the scope of the policy', () => {
    const policy: Record<string, KeyScope> = {
      'GET /v1/collections': 'read',
      'GET /v1/collections/:name': 'read',
      'GET /v1/collections/:name/documents': 'read',
      'GET /v1/collections/:name/documents/:id': 'read',
      'GET /v1/search': 'read',
      'POST /v1/search': 'read',
      'POST /v1/ask': 'read',
      'POST /v1/collections': 'write',
      'DELETE /v1/collections/:name': 'write',
      'DELETE /v1/collections/:name/documents/:id': 'write',
      'GET /v1/keys': 'admin',
      'POST /v1/keys': 'admin',
      'DELETE /v1/keys/:id': 'admin',
      'POST /v1/collections/:name/documents': 'write',
      'POST /v1/collections/:name/documents/:id/reingest': 'write',
      'GET /v1/jobs': 'read',
      'GET /v1/jobs/:id': 'read',
      'POST /v1/jobs/:id/cancel': 'write',
      'GET /v1/jobs/:id/events': 'read',
      'GET /v1/events': 'read',
      'POST /v1/benchmarks/scaling': 'admin',
      'GET /v1/backups': 'admin',
      'POST /v1/backups': 'admin',
      'POST /v1/chat/sessions': 'read',
      'GET /v1/chat/sessions': 'read',
      'PATCH /v1/chat/sessions/:id': 'read',
      'DELETE /v1/chat/sessions/:id': 'read',
      'POST /v1/chat/sessions/:id/messages': 'read',
      'GET /v1/settings': 'read',
      'PATCH /v1/settings': 'admin',
      'GET /v1/collections/:name/documents/:id/original': 'read',
      'GET /v1/analytics': 'admin',
      'GET /v1/models': 'read',
      'GET /v1/models/*': 'read',
      'POST /v1/chat/completions': 'read',
      'POST /v1/embeddings': 'read',
    };
    for (const [route, scope] of Object.entries(policy)) {
      const [method, url] = route.split(' ');
      const row = routes.find((r) => r.method === method && r.url === url);
      assert.equal(row?.scope, scope, route);
    }
  });

  it('every non-public route answers 401 with a Bearer challenge without a key, or with a wrong one', async () => {
    for (const row of routes.filter(isPrivate)) {
      const where = `${row.method} ${row.url}`;
      const without = await server.inject(injectable(row));
      assert.equal(without.statusCode, 401, `${where} answered ${without.statusCode} without a key`);
      assert.match(String(without.headers['www-authenticate']), /^Bearer/, where);
      if (row.method !== 'HEAD') assertRouteError(row, without, 401, 'UNAUTHENTICATED', where);
      const wrong = await server.inject({ ...injectable(row), headers: { authorization: 'Bearer cairn_not-a-real-key' } });
      assert.equal(wrong.statusCode, 401, `${where} with a wrong key`);
    }
  });

  it('public routes answer without a key', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/docs/json']) assert.equal((await server.inject({ method: 'GET', url: path })).statusCode, 200, path);
  });

  it('each key passes exactly the routes its scope covers (admin everywhere; no scope declared = admin)', async () => {
    for (const row of routes.filter(isPrivate)) {
      const needed = row.scope ?? 'admin';
      for (const held of ['read', 'write', 'admin'] as const) {
        const where = `${row.method} ${row.url} with a ${held} key (needs ${needed})`;
        if (STREAMING.test(`${row.method} ${row.url}`)) {
          // An endless event stream: only its status is checked, then the client goes away.
          const streamed = await server.inject({ ...injectable(row), headers: { authorization: `Bearer ${keys[held]}` }, payloadAsStream: true });
          streamed.stream().destroy();
          assert.equal(streamed.statusCode, scopeAllows(held, needed) ? 200 : 403, where);
          continue;
        }
        const response = await server.inject({ ...injectable(row), headers: { authorization: `Bearer ${keys[held]}` } });
        if (scopeAllows(held, needed)) assert.ok(![401, 403].includes(response.statusCode), `${where}: ${response.statusCode} ${response.body}`);
        else if (row.method === 'HEAD') assert.equal(response.statusCode, 403, where);
        else assertRouteError(row, response, 403, 'FORBIDDEN', where);
      }
    }
  });

  it('scopes: read cannot create a collection, write can, only admin manages keys', async () => {
    const read = { authorization: `Bearer ${keys.read}` };
    const write = { authorization: `Bearer ${keys.write}` };
    assertProblem(await server.inject({ method: 'POST', url: '/v1/collections', headers: read, payload: { name: 'notes' } }), 403, 'FORBIDDEN', 'read create');
    assert.equal((await server.inject({ method: 'POST', url: '/v1/collections', headers: write, payload: { name: 'notes' } })).statusCode, 201);
    assert.equal((await server.inject({ method: 'GET', url: '/v1/collections', headers: read })).statusCode, 200);
    assertProblem(await server.inject({ method: 'GET', url: '/v1/keys', headers: write }), 403, 'FORBIDDEN', 'write lists keys');
  });

  it('HTTP Basic with the key as password works; a revoked key is refused', async () => {
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    assert.equal((await server.inject({ method: 'GET', url: '/v1/collections', headers: basic('anyone', keys.read) })).statusCode, 200);
    assert.equal((await server.inject({ method: 'GET', url: '/v1/collections', headers: basic('', keys.read) })).statusCode, 200);
    assertProblem(await server.inject({ method: 'GET', url: '/v1/collections', headers: basic(keys.read, 'x') }), 401, 'UNAUTHENTICATED', 'key as user name');

    const admin = { authorization: `Bearer ${keys.admin}` };
    const created = await server.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { name: 'short-lived', scope: 'write' } });
    assert.equal(created.statusCode, 201, created.body);
    const { id, key, scopes } = created.json() as { id: string; key: string; scopes: string[] };
    assert.deepEqual(scopes, ['write']);
    const listed = await server.inject({ method: 'GET', url: '/v1/keys', headers: admin });
    assert.ok(listed.json().keys.some((k: { id: string }) => k.id === id));
    assert.ok(!listed.body.includes(key), 'the list never carries a secret');
    assert.equal((await server.inject({ method: 'GET', url: '/v1/collections', headers: { authorization: `Bearer ${key}` } })).statusCode, 200);
    assert.deepEqual((await server.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: admin })).json(), { revoked: id });
    assertProblem(await server.inject({ method: 'GET', url: '/v1/collections', headers: { authorization: `Bearer ${key}` } }), 401, 'UNAUTHENTICATED', 'revoked');
    assertProblem(await server.inject({ method: 'DELETE', url: '/v1/keys/nope', headers: admin }), 404, 'NOT_FOUND', 'unknown key id');
    assertProblem(await server.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { scope: 'root' } }), 400, 'INPUT_INVALID', 'bad scope');
  });
});
