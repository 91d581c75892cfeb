import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import { buildServer } from '../build-server.js';

const INDEX = '<!doctype html><title>Cairn</title><div id="root"></div>';

describe('web UI routes', () => {
  let home: string;
  let app: CairnApp;
  let built: FastifyInstance;
  let missing: FastifyInstance;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-web-ui-'));
    const dist = join(home, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'main-abc123.js'), 'console.log(1);');
    writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: join(home, 'home'), CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    built = await buildServer(app, { version: 'test', webUiDir: dist });
    missing = await buildServer(app, { version: 'test', webUiDir: join(home, 'nowhere') });
  });
  after(async () => {
    await built.close();
    await missing.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('serves index.html at / and for app routes, never cached', async () => {
    for (const url of ['/', '/chat', '/documents/notes?x=1', '/index.html']) {
      const response = await built.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, INDEX, url);
      assert.match(String(response.headers['content-type']), /^text\/html/, url);
      assert.equal(response.headers['cache-control'], 'no-cache', url);
    }
  });

  it('serves hashed assets with a long immutable cache, other files with no-cache', async () => {
    const asset = await built.inject({ method: 'GET', url: '/assets/main-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.body, 'console.log(1);');
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    const icon = await built.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['cache-control'], 'no-cache');
  });

  it('leaves API paths and missing files to the problem+json 404', async () => {
    for (const url of ['/v1/nothing-here', '/v1', '/metrics-not/x.js', '/assets/gone-123.js', '/mcp', '/readyz/x']) {
      const response = await built.inject({ method: 'GET', url });
      if (url === '/metrics-not/x.js' || url === '/assets/gone-123.js') {
        assert.equal(response.statusCode, 404, url);
      } else {
        assert.notEqual(response.body, INDEX, `${url} must not get the app`);
      }
      if (response.statusCode === 404) assert.match(String(response.headers['content-type']), /^application\/problem\+json/, url);
    }
    const unknown = await built.inject({ method: 'GET', url: '/v1/nothing-here' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'NOT_FOUND');
  });

  it('keeps the API and public routes answering', async () => {
    assert.equal((await built.inject({ method: 'GET', url: '/healthz' })).json().status, 'ok');
    assert.equal((await built.inject({ method: 'GET', url: '/v1/collections' })).statusCode, 401);
    assert.equal((await built.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200);
  });

  it('refuses paths that climb out of the folder', async () => {
    for (const url of ['/..%2F..%2Fetc%2Fpasswd', '/assets/..%2F..%2Fhome%2Fx.txt']) {
      const response = await built.inject({ method: 'GET', url });
      assert.ok(!response.body.includes('root:'), url);
      assert.notEqual(response.statusCode, 500, url);
    }
  });

  it('says how to build the UI when web/dist is missing, and still 404s the API', async () => {
    const page = await missing.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /npm run build/);
    assert.equal((await missing.inject({ method: 'GET', url: '/v1/nothing-here' })).statusCode, 404);
    assert.equal((await missing.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});
