import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../config/config-schema.js';
import { CairnError } from '../core/cairn-error.js';
import type { Measurement } from '../core/telemetry.js';
import { FakeEmbedder } from '../testing/fake-embedder.js';
import { FakeReranker } from '../testing/fake-reranker.js';
import { InMemoryChunkStore } from '../testing/in-memory-chunk-store.js';
import { InMemoryLexicalIndex, InMemoryVectorIndex } from '../testing/in-memory-indexes.js';
import { writeIndexed } from '../testing/write-indexed.js';
import type { CairnApp } from './cairn-app.js';
import { search } from './search.js';

const TEXTS = [
  'Backups run nightly; the backup key rotates monthly.',
  'Rotate the signing key with the rotate command, then restart.',
  'The key ring holds every signing key ever used.',
  'Install the package and start the server.',
];

/** The members the search use case reads, around in-memory stores (with the reranker and telemetry under test). */
async function fakeApp(reranker: FakeReranker | null) {
  const embedder = new FakeEmbedder();
  const chunks = new InMemoryChunkStore();
  await chunks.createCollection('kb', { embedder: embedder.id, dimensions: 64, chunkSize: 256, chunkOverlap: 38 });
  const vectors = new InMemoryVectorIndex();
  for (const [index, text] of TEXTS.entries()) {
    await writeIndexed(chunks, vectors, {
      collection: 'kb', uri: `file:///kb/${index}.md`, relativePath: `${index}.md`, sourceRoot: '/kb', title: `Doc ${index}`, format: 'markdown',
      contentHash: String(index), sizeBytes: 10, modifiedMs: 0, tags: [], metadata: {},
      chunks: [{ ordinal: 0, text, headingPath: [], tokenCount: 8, contentHash: String(index), vector: embedder.vectorOf(text) }],
    });
  }
  const observed: { measurement: Measurement; value: number }[] = [];
  const app = {
    config: configSchema.parse({ home: '/tmp/cairn-search-test', rerank: { reranker: reranker ? 'fake' : 'none' } }),
    chunks, lexical: new InMemoryLexicalIndex(chunks), vectors,
    loadEmbedder: async (id: string) => ({ id, embedder, tokenizer: embedder.tokenizer, maxTokens: 512 }),
    loadReranker: async () => reranker,
    telemetry: {
      observe: (measurement: Measurement, value: number) => observed.push({ measurement, value }),
      count() {}, gauge() {}, exposition: async () => null,
    },
    notice() {},
  } as unknown as CairnApp;
  return { app, observed };
}

test('without rerank: no rerank scores or time; every stage reported to telemetry', async () => {
  const { app, observed } = await fakeApp(new FakeReranker());
  const response = await search(app, { collection: 'kb', query: 'rotate signing key', mode: 'hybrid', k: 2 });
  assert.equal(response.results.length, 2);
  assert.equal(response.timings.rerankMs, undefined);
  assert.ok(response.results.every((r) => r.scores.rerank === undefined));
  assert.deepEqual(observed.map((o) => o.measurement).sort(), ['search.denseMs', 'search.embedMs', 'search.fusionMs', 'search.hydrateMs', 'search.lexicalMs', 'search.totalMs']);
});

test('with rerank: the reranker orders a wider candidate list, cut to k, with its rank and score', async () => {
  // Scores the install chunk highest, which retrieval ranks last for this query.
  const reranker = new FakeReranker({ score: (_query, document) => (document.startsWith('Install') ? 10 : document.length / 100) });
  const { app, observed } = await fakeApp(reranker);
  const response = await search(app, { collection: 'kb', query: 'rotate signing key', mode: 'hybrid', k: 2, rerank: true });
  assert.equal(reranker.calls.length, 1);
  assert.equal(reranker.calls[0]?.documents.length, 4, 'more candidates than k reach the reranker');
  assert.equal(response.results.length, 2);
  assert.equal(response.results[0]?.relativePath, '3.md');
  assert.deepEqual(response.results.map((r) => r.scores.rerank?.rank), [1, 2]);
  assert.equal(response.results[0]?.scores.rerank?.score, 10);
  assert.equal(typeof response.timings.rerankMs, 'number');
  assert.ok(observed.some((o) => o.measurement === 'search.rerankMs'));
});

test('rerank asked without a reranker, or failing: retrieval order with a notice', async () => {
  const none = await fakeApp(null);
  const plain = await search(none.app, { collection: 'kb', query: 'rotate signing key', mode: 'hybrid', k: 2, rerank: true });
  assert.equal(plain.results.length, 2);
  assert.ok(plain.notices.some((n) => /No reranker/.test(n)));
  const failing = await fakeApp(new FakeReranker({ failWith: new CairnError('RERANKER_UNAVAILABLE', 'the reranker is down') }));
  const kept = await search(failing.app, { collection: 'kb', query: 'rotate signing key', mode: 'hybrid', k: 2, rerank: true });
  assert.equal(kept.results.length, 2);
  assert.deepEqual(kept.results.map((r) => r.relativePath), plain.results.map((r) => r.relativePath));
  assert.ok(kept.notices.some((n) => /Reranking failed \(the reranker is down\)/.test(n)));
});

test('rerankDepth: the reranker sees the top depth chunks only; the chunks past it follow, so grouping still fills k documents', async () => {
  // Prefers the later text of TEXTS.
  const reranker = new FakeReranker({ score: (_query, document) => TEXTS.indexOf(document) });
  const { app } = await fakeApp(reranker);
  const plain = await search(app, { collection: 'kb', query: 'rotate signing key', mode: 'hybrid', k: 4 });
  const order = plain.results.map((r) => r.relativePath);
  const reranked = await search(app, { collection: 'kb', query: 'rotate signing key', mode: 'hybrid', k: 4, rerank: true, rerankDepth: 2 });
  assert.equal(reranker.calls.at(-1)?.documents.length, 2);
  assert.equal(reranked.group, 'documents');
  assert.equal(reranked.documents?.length, 4, 'k documents although only 2 chunks were reranked');
  assert.deepEqual(order.slice(0, 2), ['1.md', '2.md'], 'retrieval order of the fixture');
  assert.deepEqual(reranked.results.slice(0, 2).map((r) => r.relativePath), ['2.md', '1.md'], 'the head in the reranker\'s order');
  assert.deepEqual(reranked.results.slice(2).map((r) => r.relativePath), order.slice(2), 'the tail in retrieval order');
  assert.deepEqual(reranked.results.map((r) => r.scores.rerank?.rank), [1, 2, undefined, undefined]);
});

test('rerankStrict (evaluation): no reranker or a failing one throws instead of keeping the retrieval order', async () => {
  const none = await fakeApp(null);
  await assert.rejects(search(none.app, { collection: 'kb', query: 'rotate signing key', k: 2, rerank: true, rerankStrict: true }), { code: 'RERANKER_UNAVAILABLE' });
  const failing = await fakeApp(new FakeReranker({ failWith: new CairnError('UPSTREAM_FAILED', 'the reranker is down') }));
  await assert.rejects(search(failing.app, { collection: 'kb', query: 'rotate signing key', k: 2, rerank: true, rerankStrict: true }), { code: 'UPSTREAM_FAILED' });
});
