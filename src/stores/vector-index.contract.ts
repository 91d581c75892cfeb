import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ChunkStore } from './chunk-store.js';
import { clusteredVectors, exactTopK, makeChunk, makeDocument } from './store-contract-fixtures.js';
import type { VectorIndex } from './vector-index.js';

export interface VectorStoreHandle {
  chunks: ChunkStore;
  vectors: VectorIndex;
  close(): Promise<void>;
}

/**
 * One persistent location (a temporary directory, a database schema) that can be opened many times.
 * `damageSnapshot` exists only for stores whose index is a derived snapshot (embedded HNSW).
 */
export interface VectorStoreLocation {
  open(): Promise<VectorStoreHandle>;
  damageSnapshot?(collection: string, how: 'delete' | 'corrupt'): Promise<void>;
  dispose(): Promise<void>;
}

const DIMENSIONS = 24;

interface Written {
  id: number;
  vector: Float32Array;
  uri: string;
}

/** Writes `count` one-chunk documents with clustered vectors and upserts them; returns what was written. */
async function writeVectors(handle: VectorStoreHandle, collection: string, count: number, seed: number, prefix: string): Promise<Written[]> {
  const vectors = clusteredVectors(count, DIMENSIONS, seed);
  const written: Written[] = [];
  for (const [i, vector] of vectors.entries()) {
    const document = makeDocument(collection, `${prefix}/${i}.txt`, [makeChunk(0, `${prefix} ${i}`, vector)]);
    const result = await handle.chunks.writeDocument(document);
    written.push({ id: result.chunkIds[0]!, vector, uri: document.uri });
  }
  await handle.vectors.upsert(collection, written);
  return written;
}

async function recallAt10(handle: VectorStoreHandle, collection: string, items: Written[], queries: Float32Array[]): Promise<number> {
  let found = 0;
  for (const query of queries) {
    const truth = new Set(exactTopK(query, items, 10));
    const hits = await handle.vectors.search({ collection, vector: query, k: 10 });
    found += hits.filter((hit) => truth.has(hit.chunkId)).length;
  }
  return found / (queries.length * 10);
}

/** The VectorIndex contract, run by every implementation's `*.test.ts` with a factory of fresh locations. */
export function vectorIndexContract(name: string, createLocation: () => Promise<VectorStoreLocation>): void {
  describe(`VectorIndex contract: ${name}`, () => {
    const locations: VectorStoreLocation[] = [];
    const fresh = async () => {
      const location = await createLocation();
      locations.push(location);
      return location;
    };
    after(async () => {
      for (const location of locations) await location.dispose();
    });
    const queries = clusteredVectors(20, DIMENSIONS, 99);

    it('finds the exact neighbours on a small set, honours accept and removals', async () => {
      const location = await fresh();
      const handle = await location.open();
      await handle.chunks.createCollection('small', { embedder: 'test:v', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0 });
      const status = await handle.vectors.open('small', DIMENSIONS);
      assert.equal(status.count, 0);
      const items = await writeVectors(handle, 'small', 300, 1, 'a');
      assert.ok((await recallAt10(handle, 'small', items, queries)) >= 0.99);
      const self = await handle.vectors.search({ collection: 'small', vector: items[42]!.vector, k: 3 });
      assert.equal(self[0]?.chunkId, items[42]!.id);
      assert.ok(Math.abs((self[0]?.score ?? 0) - 1) < 1e-4, 'score is cosine similarity');
      const even = (id: number) => id % 2 === 0;
      for (const query of queries.slice(0, 5)) {
        const hits = await handle.vectors.search({ collection: 'small', vector: query, k: 10, accept: even });
        assert.equal(hits.length, 10);
        assert.ok(hits.every((hit) => even(hit.chunkId)));
        assert.deepEqual(hits.map((hit) => hit.chunkId), exactTopK(query, items.filter((item) => even(item.id)), 10));
      }
      const removed = exactTopK(queries[0]!, items, 5);
      await handle.vectors.remove('small', removed);
      const after = await handle.vectors.search({ collection: 'small', vector: queries[0]!, k: 10 });
      assert.ok(!after.some((hit) => removed.includes(hit.chunkId)));
      assert.deepEqual(after.map((hit) => hit.chunkId), exactTopK(queries[0]!, items.filter((item) => !removed.includes(item.id)), 10));
      assert.deepEqual(await handle.vectors.search({ collection: 'small', vector: queries[0]!, k: 10, accept: () => false }), []);
      await handle.close();
    });

    it('reopens from a snapshot, adds the tail, honours deletions made after it', async () => {
      const location = await fresh();
      let handle = await location.open();
      await handle.chunks.createCollection('snap', { embedder: 'test:v', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0 });
      await handle.vectors.open('snap', DIMENSIONS);
      const items = await writeVectors(handle, 'snap', 200, 2, 'a');
      const before = await handle.vectors.search({ collection: 'snap', vector: queries[1]!, k: 10 });
      await handle.vectors.snapshot('snap');
      await handle.close();

      handle = await location.open();
      const reopened = await handle.vectors.open('snap', DIMENSIONS);
      assert.equal(reopened.count, 200);
      assert.ok(reopened.source === 'snapshot' || reopened.source === 'server');
      assert.equal(reopened.addedSinceSnapshot, 0);
      assert.deepEqual(await handle.vectors.search({ collection: 'snap', vector: queries[1]!, k: 10 }), before);
      const tail = await writeVectors(handle, 'snap', 50, 3, 'b');
      await handle.close();

      handle = await location.open();
      const withTail = await handle.vectors.open('snap', DIMENSIONS);
      assert.equal(withTail.count, 250);
      if (withTail.source === 'snapshot') assert.equal(withTail.addedSinceSnapshot, 50);
      const all = [...items, ...tail];
      assert.ok((await recallAt10(handle, 'snap', all, queries)) >= 0.99);
      const tailHit = await handle.vectors.search({ collection: 'snap', vector: tail[7]!.vector, k: 1 });
      assert.equal(tailHit[0]?.chunkId, tail[7]!.id);
      await handle.vectors.snapshot('snap');
      await handle.close();

      handle = await location.open();
      const gone = items.slice(0, 20);
      await handle.chunks.deleteDocuments('snap', gone.map((item) => item.uri));
      await handle.close();
      handle = await location.open();
      const afterDelete = await handle.vectors.open('snap', DIMENSIONS);
      assert.equal(afterDelete.count, 230);
      const goneIds = new Set(gone.map((item) => item.id));
      for (const item of gone.slice(0, 5)) {
        const hits = await handle.vectors.search({ collection: 'snap', vector: item.vector, k: 10 });
        assert.ok(!hits.some((hit) => goneIds.has(hit.chunkId)), 'a deleted chunk is never returned');
      }
      await handle.close();
    });

    it('rebuilds from the chunk store when the snapshot is missing or corrupt', async (t) => {
      const location = await fresh();
      if (location.damageSnapshot === undefined) {
        t.skip('the index is not a snapshot of this store');
        return;
      }
      let handle = await location.open();
      await handle.chunks.createCollection('damaged', { embedder: 'test:v', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0 });
      await handle.vectors.open('damaged', DIMENSIONS);
      const items = await writeVectors(handle, 'damaged', 120, 4, 'a');
      await handle.vectors.snapshot('damaged');
      await handle.close();
      for (const how of ['corrupt', 'delete'] as const) {
        await location.damageSnapshot('damaged', how);
        handle = await location.open();
        const status = await handle.vectors.open('damaged', DIMENSIONS);
        assert.equal(status.source, 'rebuilt', `after ${how}`);
        assert.equal(status.count, 120);
        assert.ok((await recallAt10(handle, 'damaged', items, queries)) >= 0.99);
        await handle.vectors.snapshot('damaged');
        await handle.close();
      }
      handle = await location.open();
      assert.equal((await handle.vectors.open('damaged', DIMENSIONS)).source, 'snapshot');
      await handle.close();
    });

    it('treats a re-created collection or rewritten vectors as a new index', async () => {
      const location = await fresh();
      let handle = await location.open();
      const settings = { embedder: 'test:v', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0 };
      await handle.chunks.createCollection('again', settings);
      const first = await writeVectors(handle, 'again', 40, 5, 'a');
      await handle.vectors.snapshot('again');
      await handle.chunks.deleteCollection('again');
      await handle.vectors.drop('again');
      await handle.chunks.createCollection('again', settings);
      const second = await writeVectors(handle, 'again', 30, 6, 'b');
      await handle.close();
      handle = await location.open();
      const status = await handle.vectors.open('again', DIMENSIONS);
      assert.equal(status.count, 30);
      const firstIds = new Set(first.map((item) => item.id));
      const hits = await handle.vectors.search({ collection: 'again', vector: first[0]!.vector, k: 30 });
      assert.ok(!hits.some((hit) => firstIds.has(hit.chunkId)));
      const target = second[3]!;
      await handle.chunks.updateVectors([{ id: target.id, vector: first[0]!.vector }]);
      await handle.vectors.open('again', DIMENSIONS);
      const moved = await handle.vectors.search({ collection: 'again', vector: first[0]!.vector, k: 1 });
      assert.equal(moved[0]?.chunkId, target.id);
      await handle.close();
    });
  });
}
