import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chunkStoreContract } from '../chunk-store.contract.js';
import { lexicalIndexContract } from '../lexical-index.contract.js';
import { clusteredVectors, contractAnalyzer, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { vectorIndexContract } from '../vector-index.contract.js';
import { snapshotPaths } from './hnsw-snapshot.js';
import { openSqliteStore } from './open-sqlite-store.js';

const HNSW = { m: 16, efConstruction: 100, efSearch: 80 };

chunkStoreContract('sqlite', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-sqlite-'));
  const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
  return {
    chunks: store.chunks,
    lexical: store.lexical,
    async close() {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

lexicalIndexContract('sqlite fts5', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-sqlite-'));
  const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer });
  return {
    chunks: store.chunks,
    lexical: store.lexical,
    async close() {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

// A low exact-filter limit, so that selective filters are scored exactly and broad ones walk the graph.
vectorIndexContract('sqlite + hnswlib', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-hnsw-'));
  const path = join(directory, 'cairn.db');
  return {
    open: () => openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW, exactFilterLimit: 100 }),
    async damageSnapshot(collection, how) {
      const paths = snapshotPaths(join(directory, 'vectors'), collection);
      if (how === 'delete') {
        await rm(paths.index, { force: true });
        return;
      }
      const bytes = await readFile(paths.index);
      for (let i = 64; i < bytes.length; i += 97) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
      await writeFile(paths.index, bytes);
    },
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
});

test('a read-only store searches a database another connection wrote, and cannot write', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-readonly-'));
  try {
    const path = join(directory, 'cairn.db');
    await assert.rejects(openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, readonly: true }), { code: 'STORE_FAILED' });
    const writer = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    await writer.chunks.createCollection('ro', { embedder: 'test:v', dimensions: 2, chunkSize: 256, chunkOverlap: 0 });
    const { chunkIds } = await writer.chunks.writeDocument(makeDocument('ro', 'a.txt', [makeChunk(0, 'shared words', Float32Array.of(1, 0))]));
    const reader = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW, readonly: true });
    assert.deepEqual((await reader.lexical.search({ collection: 'ro', terms: ['shared'], k: 5 })).map((hit) => hit.chunkId), chunkIds);
    assert.equal((await reader.vectors.open('ro', 2)).count, 1);
    await assert.rejects(reader.vectors.open('ro', 3), { code: 'EMBEDDER_MISMATCH' });
    await reader.vectors.snapshot('ro');
    assert.equal(existsSync(join(directory, 'vectors')), false, 'a read-only store writes no snapshot');
    await assert.rejects(reader.chunks.createCollection('nope', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 }));
    await reader.close();
    await writer.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('snapshot() of a graph not open in this process is built in a worker thread', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-worker-'));
  try {
    const path = join(directory, 'cairn.db');
    const writer = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    await writer.chunks.createCollection('bg', { embedder: 'test:v', dimensions: 16, chunkSize: 256, chunkOverlap: 0 });
    const vectors = clusteredVectors(400, 16, 11);
    const ids: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const result = await writer.chunks.writeDocument(makeDocument('bg', `${i}.txt`, [makeChunk(0, `a ${i}`, vectors[i]!)]));
      ids.push(...result.chunkIds);
    }
    const first = writer.vectors.snapshot('bg');
    const coalesced = writer.vectors.snapshot('bg');
    for (let i = 200; i < 400; i += 1) {
      const result = await writer.chunks.writeDocument(makeDocument('bg', `${i}.txt`, [makeChunk(0, `a ${i}`, vectors[i]!)]));
      ids.push(...result.chunkIds);
    }
    await Promise.all([first, coalesced, writer.vectors.snapshot('bg')]);
    await writer.close();
    const sidecar = JSON.parse(await readFile(snapshotPaths(join(directory, 'vectors'), 'bg').sidecar, 'utf8')) as { count: number; watermark: number };
    assert.equal(sidecar.count, 400, 'the run requested during the first one covered the later writes');
    assert.equal(sidecar.watermark, ids[ids.length - 1]);

    const reader = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    const status = await reader.vectors.open('bg', 16);
    assert.deepEqual([status.source, status.count, status.addedSinceSnapshot], ['snapshot', 400, 0]);
    const hits = await reader.vectors.search({ collection: 'bg', vector: vectors[123]!, k: 1 });
    assert.equal(hits[0]?.chunkId, ids[123]);
    await reader.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('describe() names the backend, its file and indexes, and says whether it answers', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-describe-'));
  try {
    const path = join(directory, 'cairn.db');
    const store = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    const described = await store.describe();
    assert.deepEqual(
      { ...described, sizeBytes: undefined },
      { kind: 'sqlite', location: path, ok: true, lexical: 'sqlite-fts5', vectors: 'hnswlib', sizeBytes: undefined },
    );
    assert.ok((described.sizeBytes ?? 0) > 0);
    await store.close();
    const closed = await store.describe();
    assert.equal(closed.ok, false);
    assert.match(closed.error ?? '', /closed/);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
