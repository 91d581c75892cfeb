import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import { IndexSync } from '../../ingest/index-sync.js';
import { CHROMA_MISSING, startPrivateChroma } from '../../testing/chroma-server.js';
import { createSqliteBackend } from '../sqlite/create-sqlite-backend.js';
import { clusteredVectors, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import type { VectorIndexHealth } from '../vector-index.js';
import type { ChromaVectorIndex } from './chroma-vector-index.js';
import { chromaVectorIndexFactory } from './create-chroma-vector-index.js';

const DIMENSIONS = 16;
const SETTINGS = { embedder: 'test:v', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0, vectorStore: 'chroma' };

const server = await startPrivateChroma();

test('Chroma stopped mid-ingest: pushes fail with a notice, nothing is lost, the flush after it returns catches up', { skip: server === null ? CHROMA_MISSING : false }, async () => {
  if (server === null) return;
  const home = await mkdtemp(join(tmpdir(), 'cairn-chroma-faults-'));
  const config = configSchema.parse({ home, vectorStore: { kind: 'chroma', url: server.url, timeoutMs: 2000, queryTimeoutMs: 2000, batchSize: 10 } });
  const backend = await createSqliteBackend(config, { vectorIndex: chromaVectorIndexFactory(config) });
  try {
    const vectors = backend.vectors as ChromaVectorIndex;
    await backend.chunks.createCollection('kb', SETTINGS);
    await vectors.open('kb', DIMENSIONS);
    const notices: string[] = [];
    const sync = new IndexSync({ vectors, chunks: backend.chunks }, 'kb', (text) => notices.push(text));
    const all = clusteredVectors(90, DIMENSIONS, 5);
    const writeBatch = async (from: number) => {
      const documents = all.slice(from, from + 30).map((vector, i) => makeDocument('kb', `part/${from + i}.txt`, [makeChunk(0, `doc ${from + i}`, vector)]));
      const results = await backend.chunks.writeDocuments!(documents);
      await sync.written(documents.map((document, i) => ({ document, result: results[i]! })));
      return results.map((result) => result.chunkIds[0]!);
    };
    await writeBatch(0);
    await sync.settled();
    await server.stop(true);
    const missed = await writeBatch(30);
    await sync.settled();
    assert.ok(notices.some((text) => /catch up later/.test(text) && /cannot be reached|did not answer/.test(text)), notices.join('\n'));
    assert.equal((await backend.chunks.getCollection('kb'))?.vectorsPending, true, 'the missed pushes are recorded durably');
    assert.equal(sync.acknowledged, 1, 'the watermark stays before the failed push');
    await assert.rejects(vectors.search({ collection: 'kb', vector: all[40]!, k: 3 }), (error: unknown) => error instanceof CairnError && error.code === 'VECTOR_STORE_UNAVAILABLE');
    const down: VectorIndexHealth = await vectors.health();
    assert.equal(down.ok, false);

    await server.start();
    await writeBatch(60);
    await sync.finish();
    assert.equal(sync.acknowledged, 1, 'a failed push holds the watermark back for good: the catch-up, not the push, brought its vectors');
    assert.equal((await backend.chunks.getCollection('kb'))?.vectorsPending, undefined);
    const health = await vectors.health();
    assert.equal(health.ok, true);
    assert.deepEqual(health.collections, [{ collection: 'kb', count: 90, expected: 90, inSync: true }]);
    for (const [i, id] of missed.entries()) {
      const hits = await vectors.search({ collection: 'kb', vector: all[30 + i]!, k: 1 });
      assert.equal(hits[0]?.chunkId, id, 'a vector written while Chroma was down is searchable');
    }
  } finally {
    await backend.close();
    await server.dispose();
    await rm(home, { recursive: true, force: true });
  }
});
