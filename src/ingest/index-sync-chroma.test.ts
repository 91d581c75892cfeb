import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../config/config-schema.js';
import { chromaClientFromConfig, chromaVectorIndexFactory } from '../stores/chroma/create-chroma-vector-index.js';
import { createSqliteBackend } from '../stores/sqlite/create-sqlite-backend.js';
import type { StoreBackend } from '../stores/store-backend.js';
import { clusteredVectors, makeChunk, makeDocument } from '../stores/store-contract-fixtures.js';
import type { VectorIndex } from '../stores/vector-index.js';
import { CHROMA_MISSING, startChroma } from '../testing/chroma-server.js';
import { until } from '../testing/until.js';
import { IndexSync } from './index-sync.js';

const DIMENSIONS = 16;
const SETTINGS = { embedder: 'test:v', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0, vectorStore: 'chroma' };
const server = await startChroma();

/**
 * The real Chroma index with each `upsert` held until the test releases it (in call order), and every
 * call logged: the order in which acknowledgements arrive is the test's, the work is Chroma's.
 */
function heldIndex(index: VectorIndex, pushesInFlight: number) {
  const releases: (() => void)[] = [];
  const log: string[] = [];
  let upserts = 0;
  const held: VectorIndex = {
    kind: index.kind,
    pushesInFlight,
    open: (collection, dimensions) => index.open(collection, dimensions),
    search: (options) => index.search(options),
    upsert: async (collection, items) => {
      const call = upserts++;
      log.push(`upsert ${call} called`);
      await new Promise<void>((resolve) => releases.push(resolve));
      await index.upsert(collection, items);
      log.push(`upsert ${call} acknowledged`);
    },
    remove: async (collection, ids) => {
      log.push('remove called');
      await index.remove(collection, ids);
    },
    flush: (collection) => index.flush(collection),
    drop: (collection) => index.drop(collection),
    close: () => index.close(),
  };
  return { held, log, release: (call: number) => until(() => releases[call], `upsert ${call} to be called`).then((resolve) => resolve()) };
}

async function withBackend(run: (backend: StoreBackend, url: string) => Promise<void>): Promise<void> {
  if (server === null) return;
  const home = await mkdtemp(join(tmpdir(), 'cairn-index-sync-'));
  // batchSize 10: each push of 10 vectors is one upsert request of its own.
  const config = configSchema.parse({ home, vectorStore: { kind: 'chroma', url: server.url, batchSize: 10, collectionPrefix: `sync${process.pid}_` } });
  const backend = await createSqliteBackend(config, { vectorIndex: chromaVectorIndexFactory(config) });
  try {
    await backend.chunks.createCollection('kb', SETTINGS);
    await backend.vectors.open('kb', DIMENSIONS);
    await run(backend, server.url);
    await backend.vectors.drop('kb');
  } finally {
    await backend.close();
    await rm(home, { recursive: true, force: true });
  }
}

const all = clusteredVectors(40, DIMENSIONS, 11);
async function commit(backend: StoreBackend, from: number, path = (i: number) => `part/${i}.txt`) {
  const documents = all.slice(from, from + 10).map((vector, i) => makeDocument('kb', path(from + i), [makeChunk(0, `doc ${from + i}`, vector)]));
  const results = await backend.chunks.writeDocuments!(documents);
  return documents.map((document, i) => ({ document, result: results[i]! }));
}

test('with several pushes in flight the watermark advances only over contiguous acknowledged pushes', { skip: server === null ? CHROMA_MISSING : false }, async () => {
  await withBackend(async (backend) => {
    const { held, log, release } = heldIndex(backend.vectors, 3);
    const notices: string[] = [];
    const sync = new IndexSync({ vectors: held, chunks: backend.chunks }, 'kb', (text) => notices.push(text));
    for (const from of [0, 10, 20]) await sync.written(await commit(backend, from));
    // Three pushes running at once; the later two are acknowledged while the first is still held.
    await release(1);
    await release(2);
    await until(() => (log.includes('upsert 1 acknowledged') && log.includes('upsert 2 acknowledged') ? true : undefined), 'pushes 1 and 2 to be acknowledged');
    assert.equal(log.includes('upsert 0 acknowledged'), false);
    assert.equal(sync.acknowledged, 0, 'the watermark must not pass the unacknowledged first push');
    await release(0);
    await sync.settled();
    assert.equal(sync.acknowledged, 3);
    await sync.finish();
    assert.deepEqual(notices, []);
    assert.deepEqual((await backend.vectors.health!()).collections, [{ collection: 'kb', count: 30, expected: 30, inSync: true }]);
  });
});

test('a push that removes ids waits for every earlier push, and later pushes wait for it', { skip: server === null ? CHROMA_MISSING : false }, async () => {
  await withBackend(async (backend, url) => {
    const { held, log, release } = heldIndex(backend.vectors, 3);
    const sync = new IndexSync({ vectors: held, chunks: backend.chunks }, 'kb', () => {});
    await sync.written(await commit(backend, 0));
    // Rewriting documents 0–9 with other vectors: their old chunk ids are removed, new ones upserted.
    const rewrite = await commit(backend, 10, (i) => `part/${i - 10}.txt`);
    assert.ok(rewrite.every(({ result }) => result.removedChunkIds.length === 1));
    let rewriteStarted = false;
    const started = sync.written(rewrite).then(() => {
      rewriteStarted = true;
    });
    // A round trip to the server gives a push that was not held back every chance to start.
    await chromaClientFromConfig(configSchema.parse({ home: '/', vectorStore: { kind: 'chroma', url } })).heartbeat();
    assert.equal(rewriteStarted, false, 'the rewrite must wait for the upsert still in flight');
    assert.equal(log.includes('remove called'), false);
    await release(0);
    await started;
    await release(1);
    await sync.finish();
    assert.deepEqual(log, ['upsert 0 called', 'upsert 0 acknowledged', 'remove called', 'upsert 1 called', 'upsert 1 acknowledged']);
    assert.equal(sync.acknowledged, 2);
    const hits = await backend.vectors.search({ collection: 'kb', vector: all[10]!, k: 1 });
    assert.equal(hits[0]?.chunkId, rewrite[0]!.result.chunkIds[0]);
  });
});
