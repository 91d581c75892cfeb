import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { useStandInServers } from '../../testing/llm-test-kit.js';
import { SHARED_MISSING } from '../../testing/shared-data.js';
import { buildServer } from '../build-server.js';

const standIn = useStandInServers();
let t: HttpTestApp | null = null;
before(async () => {
  t = await startHttpTestApp();
});
after(async () => {
  await t?.close();
});

/** The value of one sample line of the exposition text (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function scrape(): Promise<string> {
  const response = await t!.server.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return response.body;
}

describe('GET /metrics', () => {
  it('counts the ingest of the fixtures: documents, chunks, stage histograms, index sizes', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const text = await scrape();
    const collection = await t.app.chunks.getCollection('kb');
    assert.ok(collection && collection.chunkCount > 0);
    assert.equal(sample(text, 'cairn_ingest_documents_total'), collection.documentCount);
    assert.equal(sample(text, 'cairn_ingest_chunks_total'), collection.chunkCount);
    for (const stage of ['parse', 'chunk']) assert.equal(sample(text, 'cairn_ingest_stage_duration_seconds_count', `stage="${stage}"`), collection.documentCount, stage);
    for (const stage of ['embed', 'write']) assert.ok(sample(text, 'cairn_ingest_stage_duration_seconds_count', `stage="${stage}"`) >= 1, stage);
    assert.equal(sample(text, 'cairn_index_chunks', 'collection="kb"'), collection.chunkCount);
    assert.equal(sample(text, 'cairn_index_vectors', 'collection="kb"'), collection.chunkCount);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
  });

  it('a hybrid search moves the search stage histograms and the request histogram of its route pattern', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const before = await scrape();
    const response = await t.server.inject({ method: 'GET', url: '/v1/search?q=install&collection=kb&mode=hybrid', headers: t.auth });
    assert.equal(response.statusCode, 200, response.body);
    const timings = response.json().timings;
    for (const key of ['lexicalMs', 'embedMs', 'denseMs', 'fusionMs', 'hydrateMs', 'totalMs']) assert.equal(typeof timings[key], 'number', key);
    await t.server.inject({ method: 'GET', url: '/v1/collections/nope', headers: t.auth });
    const afterText = await scrape();
    for (const stage of ['lexical', 'embed', 'dense', 'fusion', 'hydrate', 'total']) {
      const labels = `stage="${stage}"`;
      assert.equal(sample(afterText, 'cairn_search_stage_duration_seconds_count', labels) - sample(before, 'cairn_search_stage_duration_seconds_count', labels), 1, stage);
    }
    assert.equal(sample(afterText, 'cairn_search_stage_duration_seconds_count', 'stage="rerank"'), 0, 'no rerank was asked for');
    assert.equal(sample(afterText, 'cairn_http_request_duration_seconds_count', 'method="GET",route="/v1/search",status_code="200"'), 1);
    assert.equal(sample(afterText, 'cairn_http_request_duration_seconds_count', 'method="GET",route="/v1/collections/:name",status_code="404"'), 1);
    assert.ok(!afterText.includes('route="/v1/collections/nope"'), 'raw URLs never become label values');
  });

  it('needs a key when server.metrics.requireKey is set, and is absent when metrics are off', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cairn-metrics-'));
    const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
    const guarded = await openCairn(loadConfig({ cwd: home, env, flags: { server: { metrics: { requireKey: true } } } }));
    const off = await openCairn(loadConfig({ cwd: home, env, flags: { server: { metrics: { enabled: false } } } }));
    try {
      const server = await buildServer(guarded, { version: 'test' });
      const { key } = await guarded.keys.create('reader', ['read']);
      assert.equal((await server.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
      const allowed = await server.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${key}` } });
      assert.equal(allowed.statusCode, 200);
      assert.match(allowed.body, /cairn_http_request_duration_seconds/);
      await server.close();
      const offServer = await buildServer(off, { version: 'test' });
      assert.equal((await offServer.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
      await offServer.close();
    } finally {
      await guarded.close();
      await off.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('job gauges', () => {
  it('read the queued and running jobs of the durable job store at each scrape', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cairn-metrics-jobs-'));
    const app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    try {
      const scrapeApp = async () => (await app.telemetry!.exposition())!.text;
      assert.equal(sample(await scrapeApp(), 'cairn_jobs_queue_depth'), 0);
      const jobs = app.jobs!;
      const first = await jobs.create({ collection: 'kb', kind: 'path', sources: ['a'], inputs: ['/tmp/a'], options: {} });
      await jobs.create({ collection: 'kb', kind: 'path', sources: ['b'], inputs: ['/tmp/b'], options: {} });
      assert.equal(sample(await scrapeApp(), 'cairn_jobs_queue_depth'), 2);
      await jobs.update(first.id, { status: 'running', startedAt: new Date().toISOString() });
      const text = await scrapeApp();
      assert.equal(sample(text, 'cairn_jobs_queue_depth'), 1);
      assert.equal(sample(text, 'cairn_jobs_running'), 1);
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('GET /metrics after answers', () => {
  it('a streamed model answer moves time to first token and tokens per second', async (context) => {
    const llm = await standIn({ answer: 'Install it with the package manager [1].', tokenDelayMs: 2 });
    const withModel = await startHttpTestApp({ CAIRN_LLM_URL: llm.url });
    if (!withModel) return context.skip(SHARED_MISSING);
    try {
      const scrapeIt = async () => (await withModel.server.inject({ method: 'GET', url: '/metrics' })).body;
      assert.equal(sample(await scrapeIt(), 'cairn_answer_time_to_first_token_seconds_count'), 0);
      const response = await withModel.server.inject({ method: 'POST', url: '/v1/ask', headers: withModel.auth, payload: { question: 'How do I install it?', collection: 'kb', stream: false } });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().extractive, false);
      const text = await scrapeIt();
      assert.equal(sample(text, 'cairn_answer_time_to_first_token_seconds_count'), 1);
      assert.equal(sample(text, 'cairn_answer_tokens_per_second_count'), 1);
      assert.ok(sample(text, 'cairn_answer_time_to_first_token_seconds_sum') > 0);
    } finally {
      await withModel.close();
    }
  });
});
