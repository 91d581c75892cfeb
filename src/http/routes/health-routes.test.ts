import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import type { KeyScope } from '../../stores/key-store.js';
import { deadUrl, useStandInServers } from '../../testing/llm-test-kit.js';
import { buildServer } from '../build-server.js';

const standIn = useStandInServers();

/** `/readyz` of a fresh server, asked with a key of `scope` (admin by default) or with none. */
async function readyz(env: Record<string, string>, scope: KeyScope | 'none' = 'admin') {
  const home = mkdtempSync(join(tmpdir(), 'cairn-ready-'));
  const app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', ...env } }));
  try {
    await app.chunks.createCollection('notes', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 38 });
    const server = await buildServer(app, { version: '9.9.9' });
    const headers = scope === 'none' ? {} : { authorization: `Bearer ${(await app.keys.create(scope, [scope])).key}` };
    const response = await server.inject({ method: 'GET', url: '/readyz', headers });
    await server.close();
    return { status: response.statusCode, body: response.json(), contentType: String(response.headers['content-type']) };
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
}

describe('GET /readyz', () => {
  it('states the store, lexical-only collections, the reranker, and an LLM that answers', async () => {
    const llm = await standIn();
    const { status, body } = await readyz({ CAIRN_LLM_URL: llm.url });
    assert.equal(status, 200);
    assert.equal(body.status, 'ready');
    assert.equal(body.version, '9.9.9');
    assert.equal(body.store.ok, true);
    assert.equal(body.store.collections, 1);
    assert.ok(body.store.sizeBytes > 0);
    assert.match(body.store.location, /cairn\.db$/);
    assert.deepEqual(body.embedders.map((e: { id: string; lexicalOnly: boolean }) => [e.id, e.lexicalOnly]), [['none', true]]);
    assert.match(body.embedders[0].reason, /lexical/);
    assert.deepEqual(body.reranker, { id: 'none', enabled: false, loaded: false, state: 'off' });
    assert.deepEqual(body.lexical, { kind: 'sqlite-fts5', accelerators: [] }, 'a one-shot process keeps no in-memory postings');
    assert.equal(body.llm.configured, true);
    assert.equal(body.llm.available, true);
    assert.equal(body.llm.reachable, true);
    assert.equal(body.llm.model, 'stand-in-model');
    assert.equal(body.llm.endpoints.length, 1);
    assert.equal(body.llm.endpoints[0].reachable, true);
    assert.ok(llm.requests.filter((r) => r.path.endsWith('/models')).length >= 2, 'the readiness check asked the endpoint again');
  });

  it('lists each collection\'s in-memory BM25 postings when the lexical accelerator is on', async () => {
    const { body } = await readyz({ CAIRN_LEXICAL_ACCELERATOR: 'on' });
    assert.equal(body.lexical.kind, 'sqlite-fts5+memory-bm25');
    assert.deepEqual(body.lexical.accelerators.map((a: { collection: string }) => a.collection), ['notes']);
    assert.equal(body.lexical.accelerators[0].state, 'absent', 'nothing is built before the first search or warm-up');
  });

  it('says so when the LLM does not answer, and stays ready (answers are extractive)', async () => {
    const { status, body } = await readyz({ CAIRN_LLM_URL: await deadUrl() });
    assert.equal(status, 200);
    assert.equal(body.status, 'ready');
    assert.equal(body.llm.configured, true);
    assert.notEqual(body.llm.reachable, true);
    for (const endpoint of body.llm.endpoints) {
      assert.equal(endpoint.reachable, false);
      assert.ok(endpoint.error);
    }
  });

  it('without any LLM: not configured, not available, reachability unknown', async () => {
    const { body } = await readyz({});
    assert.deepEqual({ ...body.llm }, { configured: false, available: false, reachable: null, endpoints: [] });
  });

  it('without an admin key: the status alone, no database path, and no model server is contacted', async () => {
    for (const scope of ['none', 'read', 'write'] as const) {
      const llm = await standIn();
      const { status, body, contentType } = await readyz({ CAIRN_LLM_URL: llm.url, CAIRN_EMBEDDER: `openai:${llm.url}#m` }, scope);
      assert.equal(status, 200, scope);
      assert.match(contentType, /^application\/json/);
      assert.deepEqual(body, { status: 'ready' }, scope);
      assert.deepEqual(llm.requests, [], `${scope}: the probe reached ${llm.requests.map((r) => r.path).join(', ')}`);
    }
    const unknown = await readyz({}, 'none');
    assert.deepEqual(unknown.body, { status: 'ready' });
  });

  it('a configured reranker that cannot load is stated, and the server stays ready', async () => {
    const { status, body } = await readyz({ CAIRN_RERANKER: 'onnx:nobody/no-such-reranker' });
    assert.equal(status, 200);
    assert.deepEqual(body.reranker, { id: 'onnx:nobody/no-such-reranker', enabled: true, loaded: false, state: 'unavailable' });
  });
});
