import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { filterableFields, normalizeFilter } from '../core/search-filter.js';
import type { SearchFilter } from '../core/search-types.js';
import type { ChunkStore, DocumentWrite, WriteResult } from './chunk-store.js';
import { clusteredVectors, exactTopK, FILTER_CASES, FILTER_DOCUMENTS, filterFixtureWrite, makeChunk, makeDocument } from './store-contract-fixtures.js';
import type { VectorIndex, VectorItem } from './vector-index.js';

export interface VectorStoreHandle {
  chunks: ChunkStore;
  vectors: VectorIndex;
  close(): Promise<void>;
}

/**
 * One persistent location (a temporary directory, a database schema, a remote index's namespace) that
 * can be opened many times. `damageSnapshot` exists only for indexes that are a derived snapshot
 * (embedded HNSW).
 */
export interface VectorStoreLocation {
  open(): Promise<VectorStoreHandle>;
  damageSnapshot?(collection: string, how: 'delete' | 'corrupt'): Promise<void>;
  dispose(): Promise<void>;
}

const DIMENSIONS = 24;
/** Chunks of the selective/broad filter case: enough that a broad filter takes a graph walk in an index that has one. */
const FILTERED_COUNT = 1200;
const SETTINGS = { embedder: 'test:v', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0 };

interface Written {
  id: number;
  vector: Float32Array;
  uri: string;
}

/** What every writer does: commit to the ChunkStore, then push the vectors written and the ids replaced. */
async function writePushed(handle: VectorStoreHandle, documents: DocumentWrite[]): Promise<WriteResult[]> {
  const results = handle.chunks.writeDocuments
    ? await handle.chunks.writeDocuments(documents)
    : await Promise.all(documents.map((document) => handle.chunks.writeDocument(document)));
  const byCollection = new Map<string, { items: VectorItem[]; removed: number[] }>();
  for (const [i, document] of documents.entries()) {
    const entry = byCollection.get(document.collection) ?? { items: [], removed: [] };
    byCollection.set(document.collection, entry);
    const result = results[i]!;
    entry.removed.push(...result.removedChunkIds);
    const ordered = [...document.chunks].sort((a, b) => a.ordinal - b.ordinal);
    for (const [j, chunk] of ordered.entries()) {
      if (chunk.vector !== null) entry.items.push({ id: result.chunkIds[j]!, vector: chunk.vector, document: filterableFields(document) });
    }
  }
  for (const [collection, { items, removed }] of byCollection) {
    await handle.vectors.remove(collection, removed);
    await handle.vectors.upsert(collection, items);
  }
  return results;
}

/** Writes `count` one-chunk documents with clustered vectors, pushes them and flushes; returns what was written. */
async function writeVectors(handle: VectorStoreHandle, collection: string, count: number, seed: number, prefix: string): Promise<Written[]> {
  const vectors = clusteredVectors(count, DIMENSIONS, seed);
  const documents = vectors.map((vector, i) => makeDocument(collection, `${prefix}/${i}.txt`, [makeChunk(0, `${prefix} ${i}`, vector)]));
  const results = await writePushed(handle, documents);
  await handle.vectors.flush(collection);
  return results.map((result, i) => ({ id: result.chunkIds[0]!, vector: vectors[i]!, uri: documents[i]!.uri }));
}

/** Deletes documents from the store, pushes the removed ids and flushes. */
async function deletePushed(handle: VectorStoreHandle, collection: string, uris: string[]): Promise<void> {
  await handle.vectors.remove(collection, await handle.chunks.deleteDocuments(collection, uris));
  await handle.vectors.flush(collection);
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

/**
 * The VectorIndex contract, run by every implementation's `*.test.ts` with a factory of fresh
 * locations. Writes go through the ChunkStore and are pushed to the index, then flushed (see
 * VectorIndex): after the flush, searches see them and never return removed ids; filters arrive
 * normalised and every kind is honoured, with k hits whenever k chunks pass.
 */
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

    it('finds the exact neighbours on a small set and never returns removed ids', async () => {
      const location = await fresh();
      const handle = await location.open();
      await handle.chunks.createCollection('small', SETTINGS);
      const status = await handle.vectors.open('small', DIMENSIONS);
      assert.equal(status.count, 0);
      const items = await writeVectors(handle, 'small', 300, 1, 'a');
      assert.ok((await recallAt10(handle, 'small', items, queries)) >= 0.99);
      const self = await handle.vectors.search({ collection: 'small', vector: items[42]!.vector, k: 3 });
      assert.equal(self[0]?.chunkId, items[42]!.id);
      assert.ok(Math.abs((self[0]?.score ?? 0) - 1) < 1e-4, 'score is cosine similarity');
      const removed = exactTopK(queries[0]!, items, 5);
      await deletePushed(handle, 'small', items.filter((item) => removed.includes(item.id)).map((item) => item.uri));
      const after = await handle.vectors.search({ collection: 'small', vector: queries[0]!, k: 10 });
      assert.ok(!after.some((hit) => removed.includes(hit.chunkId)));
      assert.deepEqual(after.map((hit) => hit.chunkId), exactTopK(queries[0]!, items.filter((item) => !removed.includes(item.id)), 10));
      // A rewritten document: its old chunk is replaced by the new one.
      const target = items[7]!;
      const [rewritten] = await writePushed(handle, [makeDocument('small', 'a/7.txt', [makeChunk(0, 'a 7 again', queries[3]!)])]);
      await handle.vectors.flush('small');
      const moved = await handle.vectors.search({ collection: 'small', vector: queries[3]!, k: 300 });
      assert.equal(moved[0]?.chunkId, rewritten!.chunkIds[0]);
      assert.ok(!moved.some((hit) => hit.chunkId === target.id), 'the replaced chunk is gone');
      assert.deepEqual(await handle.vectors.search({ collection: 'small', vector: queries[0]!, k: 10, filter: normalizeFilter({ tags: ['none-has-it'] }) }), []);
      await handle.close();
    });

    it('keeps what was pushed across reopening, with the deletions made later', async () => {
      const location = await fresh();
      let handle = await location.open();
      await handle.chunks.createCollection('kept', SETTINGS);
      await handle.vectors.open('kept', DIMENSIONS);
      const items = await writeVectors(handle, 'kept', 200, 2, 'a');
      const before = await handle.vectors.search({ collection: 'kept', vector: queries[1]!, k: 10 });
      await handle.close();

      handle = await location.open();
      const reopened = await handle.vectors.open('kept', DIMENSIONS);
      assert.equal(reopened.count, 200);
      assert.deepEqual(await handle.vectors.search({ collection: 'kept', vector: queries[1]!, k: 10 }), before);
      const tail = await writeVectors(handle, 'kept', 50, 3, 'b');
      await handle.close();

      handle = await location.open();
      assert.equal((await handle.vectors.open('kept', DIMENSIONS)).count, 250);
      const all = [...items, ...tail];
      assert.ok((await recallAt10(handle, 'kept', all, queries)) >= 0.99);
      const tailHit = await handle.vectors.search({ collection: 'kept', vector: tail[7]!.vector, k: 1 });
      assert.equal(tailHit[0]?.chunkId, tail[7]!.id);
      const gone = items.slice(0, 20);
      await deletePushed(handle, 'kept', gone.map((item) => item.uri));
      await handle.close();

      handle = await location.open();
      assert.equal((await handle.vectors.open('kept', DIMENSIONS)).count, 230);
      const goneIds = new Set(gone.map((item) => item.id));
      for (const item of gone.slice(0, 5)) {
        const hits = await handle.vectors.search({ collection: 'kept', vector: item.vector, k: 10 });
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
      await handle.chunks.createCollection('damaged', SETTINGS);
      await handle.vectors.open('damaged', DIMENSIONS);
      const items = await writeVectors(handle, 'damaged', 120, 4, 'a');
      await handle.close();
      for (const how of ['corrupt', 'delete'] as const) {
        await location.damageSnapshot('damaged', how);
        handle = await location.open();
        const status = await handle.vectors.open('damaged', DIMENSIONS);
        assert.equal(status.source, 'rebuilt', `after ${how}`);
        assert.equal(status.count, 120);
        assert.ok((await recallAt10(handle, 'damaged', items, queries)) >= 0.99);
        await handle.close();
      }
      handle = await location.open();
      assert.equal((await handle.vectors.open('damaged', DIMENSIONS)).source, 'snapshot');
      await handle.close();
    });

    it('treats a re-created collection as a new index and follows vectors rewritten in place', async () => {
      const location = await fresh();
      let handle = await location.open();
      await handle.chunks.createCollection('again', SETTINGS);
      const first = await writeVectors(handle, 'again', 40, 5, 'a');
      await handle.chunks.deleteCollection('again');
      await handle.vectors.drop('again');
      await handle.chunks.createCollection('again', SETTINGS);
      const second = await writeVectors(handle, 'again', 30, 6, 'b');
      await handle.close();
      handle = await location.open();
      const status = await handle.vectors.open('again', DIMENSIONS);
      assert.equal(status.count, 30);
      const firstIds = new Set(first.map((item) => item.id));
      const hits = await handle.vectors.search({ collection: 'again', vector: first[0]!.vector, k: 30 });
      assert.ok(!hits.some((hit) => firstIds.has(hit.chunkId)));
      // Re-embedding rewrites vectors in place and pushes them.
      const target = second[3]!;
      await handle.chunks.updateVectors([{ id: target.id, vector: first[0]!.vector }]);
      const record = (await handle.chunks.getDocument('again', target.uri))!;
      await handle.vectors.upsert('again', [{ id: target.id, vector: first[0]!.vector, document: filterableFields(record) }]);
      await handle.vectors.flush('again');
      const moved = await handle.vectors.search({ collection: 'again', vector: first[0]!.vector, k: 1 });
      assert.equal(moved[0]?.chunkId, target.id);
      await handle.close();
    });

    it('honours every filter kind, and fields changed without a rewrite', async () => {
      const location = await fresh();
      const handle = await location.open();
      await handle.chunks.createCollection('filters', SETTINGS);
      await handle.vectors.open('filters', DIMENSIONS);
      const vectors = clusteredVectors(FILTER_DOCUMENTS.length * 2, DIMENSIONS, 12);
      const writes = FILTER_DOCUMENTS.map((document, i) => filterFixtureWrite('filters', document, [vectors[2 * i]!, vectors[2 * i + 1]!]));
      const results = await writePushed(handle, writes);
      await handle.vectors.flush('filters');
      const items = results.flatMap((result, i) =>
        result.chunkIds.map((id, j) => ({ id, vector: vectors[2 * i + j]!, path: FILTER_DOCUMENTS[i]!.path })),
      );
      for (const { filter, paths } of FILTER_CASES) {
        const passing = items.filter((item) => paths.includes(item.path));
        for (const query of queries.slice(0, 3)) {
          const hits = await handle.vectors.search({ collection: 'filters', vector: query, k: 100, filter: normalizeFilter(filter) });
          assert.deepEqual(hits.map((hit) => hit.chunkId), exactTopK(query, passing, 100), JSON.stringify(filter));
        }
      }
      // Unchanged content with a new modification time (touchDocument) moves the document between date ranges.
      const manual = writes[FILTER_DOCUMENTS.findIndex((document) => document.path === 'docs/manual.pdf')]!;
      await handle.chunks.touchDocument('filters', manual.uri, Date.UTC(2025, 5, 1), manual.sizeBytes);
      const record = (await handle.chunks.getDocument('filters', manual.uri))!;
      const ids = (await handle.chunks.getDocumentChunks(record.id)).map((chunk) => chunk.id);
      await handle.vectors.updateFields?.('filters', ids, filterableFields(record));
      await handle.vectors.flush('filters');
      const recent = await handle.vectors.search({ collection: 'filters', vector: queries[0]!, k: 100, filter: normalizeFilter({ modifiedAfter: '2025-01-01' }) });
      assert.deepEqual(recent.map((hit) => hit.chunkId).sort((a, b) => a - b), ids);
      await handle.close();
    });

    it('returns k hits for selective and broad filters, with recall against exact filtered search', async () => {
      const location = await fresh();
      const handle = await location.open();
      await handle.chunks.createCollection('filtered', SETTINGS);
      await handle.vectors.open('filtered', DIMENSIONS);
      const languages = ['python', 'typescript', 'go'];
      const vectors = clusteredVectors(FILTERED_COUNT, DIMENSIONS, 21);
      const writes = vectors.map((vector, i) =>
        makeDocument('filtered', `area${i % 8}/file-${i}.src`, [makeChunk(0, `file ${i}`, vector)], {
          format: 'code',
          language: languages[i % 3]!,
          tags: i % 50 === 0 ? ['rare'] : [],
          modifiedMs: Date.UTC(2024, 0, 1 + (i % 300)),
        }),
      );
      const results = await writePushed(handle, writes);
      await handle.vectors.flush('filtered');
      const items = results.map((result, i) => ({ id: result.chunkIds[0]!, vector: vectors[i]!, index: i }));
      const cases: { filter: SearchFilter; passes: (i: number) => boolean }[] = [
        { filter: { tags: ['rare'] }, passes: (i) => i % 50 === 0 },
        { filter: { pathPrefix: 'area3/', language: ['python'] }, passes: (i) => i % 8 === 3 && i % 3 === 0 },
        { filter: { pathGlob: 'area[12]/*.src', modifiedBefore: '2024-01-04' }, passes: (i) => (i % 8 === 1 || i % 8 === 2) && i % 300 < 4 },
        { filter: { language: ['python', 'go'] }, passes: (i) => i % 3 !== 1 },
        { filter: { modifiedAfter: '2024-01-11' }, passes: (i) => i % 300 >= 10 },
      ];
      for (const { filter, passes } of cases) {
        const passing = items.filter((item) => passes(item.index));
        const passingIds = new Set(passing.map((item) => item.id));
        let found = 0;
        for (const query of queries) {
          const hits = await handle.vectors.search({ collection: 'filtered', vector: query, k: 10, filter: normalizeFilter(filter) });
          assert.equal(hits.length, Math.min(10, passing.length), `${JSON.stringify(filter)}: k hits when k pass`);
          assert.ok(hits.every((hit) => passingIds.has(hit.chunkId)), `${JSON.stringify(filter)}: only passing chunks`);
          const truth = new Set(exactTopK(query, passing, 10));
          found += hits.filter((hit) => truth.has(hit.chunkId)).length;
        }
        const recall = found / (queries.length * Math.min(10, passing.length));
        assert.ok(recall >= 0.95, `${JSON.stringify(filter)}: recall@10 ${recall.toFixed(3)} against exact filtered search`);
      }
      await handle.close();
    });
  });
}
