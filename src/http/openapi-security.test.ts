import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { CairnApp } from '../app/cairn-app.js';
import { openCairn } from '../app/open-cairn.js';
import { loadConfig } from '../config/load-config.js';
import { buildServer } from './build-server.js';

interface Operation {
  security?: Record<string, string[]>[];
  description?: string;
  responses?: Record<string, unknown>;
}

describe('OpenAPI document at /docs/json', () => {
  let home: string;
  let app: CairnApp;
  let server: FastifyInstance;
  const routes: { method: string; url: string; hidden: boolean; scope: string | undefined }[] = [];
  let spec: { paths: Record<string, Record<string, Operation>>; components?: { securitySchemes?: Record<string, { type: string; scheme: string }> } };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-openapi-'));
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    server = await buildServer(app, {
      version: 'test',
      onRoute: (route: RouteOptions) => {
        const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide) || route.url.includes('*') || route.url.startsWith('/docs');
        for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, hidden, scope: route.config?.scope });
      },
    });
    spec = (await server.inject({ method: 'GET', url: '/docs/json' })).json();
  });
  after(async () => {
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('declares the API key schemes: bearer and HTTP Basic', () => {
    assert.deepEqual(
      Object.entries(spec.components?.securitySchemes ?? {}).map(([name, scheme]) => [name, scheme.type, scheme.scheme]),
      [
        ['bearerAuth', 'http', 'bearer'],
        ['basicAuth', 'http', 'basic'],
      ],
    );
  });

  it('lists every visible route, /v1 ones with their security and scope, public ones without', () => {
    const visible = routes.filter((route) => !route.hidden);
    assert.ok(visible.length > 30, `${visible.length} routes`);
    for (const route of visible) {
      const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      const operation = spec.paths[path]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${path} is in the document (paths: ${Object.keys(spec.paths).join(', ')})`);
      if (route.url.startsWith('/v1/')) {
        assert.deepEqual(operation.security, [{ bearerAuth: [] }, { basicAuth: [] }], `${route.method} ${path}`);
        assert.match(operation.description ?? '', new RegExp(`scope \`${route.scope ?? 'admin'}\``), `${route.method} ${path}`);
      } else {
        assert.equal(operation.security, undefined, `${route.method} ${path} is public`);
      }
    }
  });

  it('names paths as the API contract does (no trailing slash) and documents 204 answers', () => {
    for (const path of Object.keys(spec.paths)) assert.ok(path === '/' || !path.endsWith('/'), path);
    for (const path of ['/v1/jobs', '/v1/events']) assert.ok(spec.paths[path]?.get, path);
    for (const path of ['/v1/chat/sessions/{id}', '/v1/memories/{id}']) assert.ok(spec.paths[path]?.delete?.responses?.['204'], `DELETE ${path} answers 204`);
  });

  it('answers DELETE with 204 and an empty body', async () => {
    const { key } = await app.keys.create('writer', ['write']);
    const created = await server.inject({ method: 'POST', url: '/v1/memories', headers: { authorization: `Bearer ${key}` }, payload: { content: 'Prod DB is on db-2' } });
    assert.equal(created.statusCode, 201, created.body);
    const removed = await server.inject({ method: 'DELETE', url: `/v1/memories/${created.json().id}`, headers: { authorization: `Bearer ${key}` } });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal(removed.body, '');
  });
});
