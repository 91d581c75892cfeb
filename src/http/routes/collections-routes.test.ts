import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import { startRecordingListener, type RecordingListener } from '../../testing/recording-listener.js';
import { buildServer } from '../build-server.js';

const listeners: RecordingListener[] = [];
after(() => Promise.all(listeners.map((listener) => listener.close())));

async function listener(): Promise<RecordingListener> {
  const started = await startRecordingListener();
  listeners.push(started);
  return started;
}

/** A server over a fresh home with a write key; `env` adds to a lexical-only, offline configuration. */
async function startServer(env: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'cairn-model-specs-'));
  const app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', ...env } }));
  const server = await buildServer(app, { version: 'test' });
  const { key } = await app.keys.create('writer', ['write']);
  const headers = { authorization: `Bearer ${key}` };
  return {
    home,
    create: (body: Record<string, unknown>) => server.inject({ method: 'POST', url: '/v1/collections', headers, payload: body }),
    inject: (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) => server.inject({ method, url, headers, ...(payload ? { payload } : {}) }),
    async close() {
      await server.close();
      await app.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function assertNotAllowed(response: LightMyRequestResponse, spec: string): void {
  assert.equal(response.statusCode, 403, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = response.json();
  assert.equal(problem.code, 'MODEL_NOT_ALLOWED');
  assert.ok(problem.detail.includes(spec), problem.detail);
  assert.match(problem.hint, /models\.allowed/);
}

describe('model specs carried by HTTP requests', () => {
  it('POST /v1/collections with an openai: embedder the operator did not allow: 403, and its host sees no request', async () => {
    const internal = await listener();
    const server = await startServer({ CAIRN_EMBEDDER: 'none' });
    try {
      for (const spec of [`openai:${internal.origin}/v1#m`, `openai:${internal.origin}/latest/meta-data#m`, 'openai:http://169.254.169.254/latest#m']) {
        assertNotAllowed(await server.create({ name: 'x', embedder: spec }), spec);
      }
      assert.equal((await server.inject('GET', '/v1/collections/x')).statusCode, 404);
      assert.deepEqual(internal.requests, []);
    } finally {
      await server.close();
    }
  });

  it('static: and onnx: specs naming a filesystem path are refused', async () => {
    const server = await startServer({ CAIRN_EMBEDDER: 'none' });
    try {
      const folder = join(server.home, 'model');
      mkdirSync(folder);
      for (const file of ['config.json', 'tokenizer.json', 'model.safetensors']) writeFileSync(join(folder, file), '{}');
      for (const spec of ['static:/etc', `static:${folder}`, 'static:../../etc', 'onnx:/etc/passwd']) {
        const response = await server.create({ name: 'x', embedder: spec });
        assertNotAllowed(response, spec);
        assert.match(response.json().detail, /filesystem path/);
      }
    } finally {
      await server.close();
    }
  });

  it('POST /v1/search with an embedder that is not allowed: 403, and its host sees no request', async () => {
    const internal = await listener();
    const server = await startServer({ CAIRN_EMBEDDER: 'none' });
    try {
      assert.equal((await server.create({ name: 'kb' })).statusCode, 201);
      const spec = `openai:${internal.origin}/v1#m`;
      assertNotAllowed(await server.inject('POST', '/v1/search', { collection: 'kb', query: 'anything', embedder: spec }), spec);
      assert.equal((await server.inject('POST', '/v1/search', { collection: 'kb', query: 'anything', embedder: 'none' })).statusCode, 200);
      assert.deepEqual(internal.requests, []);
    } finally {
      await server.close();
    }
  });

  it('an embedder under an allowed base URL is used (the guard is not a blanket refusal)', async () => {
    const allowed = await listener();
    const server = await startServer({ CAIRN_EMBEDDER: 'none', CAIRN_MODELS_ALLOWED: `openai:${allowed.origin}/v1` });
    try {
      const spec = `openai:${allowed.origin}/v1#any-model`;
      const created = await server.create({ name: 'remote', embedder: spec });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().embedder, spec);
      assert.equal(created.json().dimensions, 4);
      assert.ok(allowed.requests.some((request) => request.path === '/v1/embeddings'));
    } finally {
      await server.close();
    }
  });

  it('CAIRN_EMBEDDER_API_KEY goes to the configured embedder only, never to another (allowed) server', async () => {
    const configured = await listener();
    const other = await listener();
    const server = await startServer({
      CAIRN_EMBEDDER: `openai:${configured.origin}/v1#m`,
      CAIRN_EMBEDDER_API_KEY: 'embedder-secret',
      CAIRN_MODELS_ALLOWED: `openai:${other.origin}/v1`,
    });
    try {
      assert.equal((await server.create({ name: 'elsewhere', embedder: `openai:${other.origin}/v1#m` })).statusCode, 201);
      assert.ok(other.requests.length > 0);
      for (const request of other.requests) assert.equal(request.headers.authorization, undefined, `${request.method} ${request.path}`);
      assert.equal((await server.create({ name: 'own' })).statusCode, 201);
      assert.ok(configured.requests.length > 0);
      for (const request of configured.requests) assert.equal(request.headers.authorization, 'Bearer embedder-secret');
    } finally {
      await server.close();
    }
  });
});
