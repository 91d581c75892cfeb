import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import hnswlib from 'hnswlib-node';
import { clusteredVectors, contractAnalyzer, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { snapshotPaths } from './hnsw-snapshot.js';
import { openSqliteStore } from './open-sqlite-store.js';

const HNSW = { m: 16, efConstruction: 100, efSearch: 80 };

/** Labels the persisted graph returns (marked-deleted ones never come back from a search). */
async function persistedLabels(directory: string, collection: string, dimensions: number, probe: Float32Array): Promise<Set<number>> {
  const index = new hnswlib.HierarchicalNSW('cosine', dimensions);
  await index.readIndex(snapshotPaths(join(directory, 'vectors'), collection).index);
  index.setEf(index.getCurrentCount());
  return new Set(index.searchKnn(Array.from(probe), index.getCurrentCount()).neighbors);
}

test('refresh() keeps one worker across an ingest; snapshot() drops chunks removed below its watermark', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-refresh-'));
  try {
    const path = join(directory, 'cairn.db');
    const writer = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    await writer.chunks.createCollection('r', { embedder: 'test:v', dimensions: 16, chunkSize: 256, chunkOverlap: 0 });
    const vectors = clusteredVectors(500, 16, 7);
    const ids = new Map<string, number>();
    const write = async (i: number, vector: Float32Array) => {
      const result = await writer.chunks.writeDocument(makeDocument('r', `${i}.txt`, [makeChunk(0, `a ${i}`, vector)]));
      ids.set(`${i}.txt`, result.chunkIds[0]!);
    };
    for (let i = 0; i < 300; i += 1) await write(i, vectors[i]!);
    await writer.vectors.refresh!('r');
    await sleep(500);
    const stale = [...ids.values()];
    // Rewrites and deletions remove chunk ids the worker already inserted.
    for (let i = 0; i < 100; i += 1) await write(i, vectors[400 + i]!);
    await writer.chunks.deleteDocuments('r', Array.from({ length: 50 }, (_, i) => `file:///root/${100 + i}.txt`));
    for (let i = 100; i < 150; i += 1) ids.delete(`${i}.txt`);
    await writer.vectors.refresh!('r');
    for (let i = 300; i < 400; i += 1) await write(i, vectors[i]!);
    await writer.vectors.refresh!('r');
    await writer.vectors.snapshot('r');
    await writer.close();

    const expected = new Set(ids.values());
    assert.equal(expected.size, 350);
    assert.ok(stale.some((id) => !expected.has(id)));
    assert.deepEqual(await persistedLabels(directory, 'r', 16, vectors[0]!), expected, 'the snapshot holds exactly the stored chunks');
    const sidecar = JSON.parse(await readFile(snapshotPaths(join(directory, 'vectors'), 'r').sidecar, 'utf8')) as { watermark: number };
    assert.equal(sidecar.watermark, Math.max(...expected));

    const reader = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    const status = await reader.vectors.open('r', 16);
    assert.deepEqual([status.source, status.count, status.addedSinceSnapshot], ['snapshot', 350, 0]);
    const hits = await reader.vectors.search({ collection: 'r', vector: vectors[450]!, k: 1 });
    assert.equal(hits[0]?.chunkId, ids.get('50.txt'));
    await reader.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('close() persists what a live worker holds; drop() ends it without writing', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-refresh-'));
  try {
    const path = join(directory, 'cairn.db');
    const writer = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    const vectors = clusteredVectors(200, 16, 3);
    for (const name of ['kept', 'gone']) {
      await writer.chunks.createCollection(name, { embedder: 'test:v', dimensions: 16, chunkSize: 256, chunkOverlap: 0 });
      for (let i = 0; i < 200; i += 1) await writer.chunks.writeDocument(makeDocument(name, `${i}.txt`, [makeChunk(0, `a ${i}`, vectors[i]!)]));
      await writer.vectors.refresh!(name);
    }
    await sleep(500);
    await writer.vectors.drop('gone');
    await writer.close();
    assert.equal((await persistedLabels(directory, 'kept', 16, vectors[0]!)).size, 200);
    await assert.rejects(readFile(snapshotPaths(join(directory, 'vectors'), 'gone').sidecar));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('a graph open in one process follows what another process writes to the same file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-follow-'));
  try {
    const path = join(directory, 'cairn.db');
    // Two stores on one file: an API process that searches and a worker that writes (each its own connection).
    const worker = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    const api = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
    await worker.chunks.createCollection('f', { embedder: 'test:v', dimensions: 16, chunkSize: 256, chunkOverlap: 0 });
    const vectors = clusteredVectors(300, 16, 11);
    const ids = new Map<number, number>();
    const write = async (i: number, vector: Float32Array) => {
      ids.set(i, (await worker.chunks.writeDocument(makeDocument('f', `${i}.txt`, [makeChunk(0, `a ${i}`, vector)]))).chunkIds[0]!);
    };
    for (let i = 0; i < 100; i += 1) await write(i, vectors[i]!);
    const nearest = async (probe: number) => (await api.vectors.search({ collection: 'f', vector: vectors[probe]!, k: 1 }))[0]?.chunkId;
    assert.equal(await nearest(5), ids.get(5), 'the API process opened the graph');

    // The worker adds documents, rewrites one (new chunk id) and deletes another; it pushes to its own index only.
    for (let i = 100; i < 200; i += 1) await write(i, vectors[i]!);
    const oldSeven = ids.get(7)!;
    await write(7, vectors[250]!);
    await worker.chunks.deleteDocuments('f', ['file:///root/9.txt']);
    await worker.vectors.flush('f');

    assert.equal(await nearest(150), ids.get(150), 'a chunk written by the other process is found');
    assert.equal(await nearest(250), ids.get(7), 'a rewritten chunk is found under its new id');
    const everything = await api.vectors.search({ collection: 'f', vector: vectors[9]!, k: 300 });
    const returned = new Set(everything.map((hit) => hit.chunkId));
    assert.equal(returned.has(oldSeven), false, 'the replaced chunk is gone');
    assert.equal(everything.length, 199);
    await api.close();
    await worker.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
