import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalizeFilter } from '../../core/search-filter.js';
import { clusteredVectors, contractAnalyzer, exactTopK, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { readQuantizedVectors } from './hnsw-quantized-vectors.js';
import { readSidecar, snapshotPaths, type SnapshotSidecar } from './hnsw-snapshot.js';
import { HnswVectorIndex } from './hnsw-vector-index.js';
import { openSqliteStore } from './open-sqlite-store.js';
import type { SqliteChunkStore } from './sqlite-chunk-store.js';
import { until } from '../../testing/until.js';

/** A graph this sparse misses true neighbours: a result equal to the exact one did not come from it. */
const POOR_GRAPH = { m: 4, efConstruction: 8, efSearch: 8 };

test('opening a store removes the temporary files of snapshot writes that cannot finish, and keeps a live process\'s', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-cold-'));
  try {
    const vectors = join(directory, 'vectors');
    await mkdir(vectors);
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const names = {
      deadIndex: `c.hnsw.tmp-${gone}-1700000000000`,
      deadSidecar: `c.hnsw.json.tmp-${gone}-1700000000000`,
      deadQuantized: `c.hnsw.q8.tmp-${gone}-1700000000000`,
      ownEarlier: `c.hnsw.tmp-${process.pid}-1600000000000`,
      liveOther: `c.hnsw.tmp-${process.ppid}-1700000000001`,
      snapshot: 'c.hnsw',
    };
    for (const name of Object.values(names)) await writeFile(join(vectors, name), 'x');
    // A file of this pid from before this process started: a restarted container reuses its pid.
    const past = new Date(Date.now() - 3_600_000 - process.uptime() * 1000);
    await utimes(join(vectors, names.ownEarlier), past, past);
    const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer });
    await store.close();
    assert.deepEqual((await readdir(vectors)).sort(), [names.liveOther, names.snapshot].sort());
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('a search while the graph is not loaded answers exactly from the stored vectors, filtered or not, then the graph takes over', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-cold-'));
  try {
    const path = join(directory, 'cairn.db');
    const writer = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH });
    await writer.chunks.createCollection('c', { embedder: 'test:v', dimensions: 32, chunkSize: 256, chunkOverlap: 0 });
    const vectors = clusteredVectors(3000, 32, 11, 4);
    const items: { id: number; vector: Float32Array }[] = [];
    const tagged: { id: number; vector: Float32Array }[] = [];
    for (let i = 0; i < vectors.length; i += 100) {
      for (let j = i; j < i + 100; j += 1) {
        const tags = j % 3 === 0 ? ['third'] : [];
        const result = await writer.chunks.writeDocument(makeDocument('c', `${j}.txt`, [makeChunk(0, `text ${j}`, vectors[j]!)], { tags }));
        items.push({ id: result.chunkIds[0]!, vector: vectors[j]! });
        if (tags.length > 0) tagged.push(items.at(-1)!);
      }
    }
    // No snapshot: the next process has to build the graph.
    await writer.close();

    const reader = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH });
    try {
      const queries = clusteredVectors(20, 32, 99, 4);
      assert.equal(reader.vectors.isReady('c'), false);
      for (const query of queries) {
        const hits = await reader.vectors.search({ collection: 'c', vector: query, k: 50 });
        assert.deepEqual(hits.map((hit) => hit.chunkId), exactTopK(query, items, 50));
        const filtered = await reader.vectors.search({ collection: 'c', vector: query, k: 20, filter: normalizeFilter({ tags: ['third'] })! });
        assert.deepEqual(filtered.map((hit) => hit.chunkId), exactTopK(query, tagged, 20));
      }
      await assert.rejects(reader.vectors.search({ collection: 'c', vector: new Float32Array(8), k: 5 }), { code: 'EMBEDDER_MISMATCH' });
      await assert.rejects(reader.vectors.search({ collection: 'nope', vector: queries[0]!, k: 5 }), { code: 'COLLECTION_NOT_FOUND' });
      // The first search started the load in the background; once it is done the (poor) graph answers.
      await until(async () => (reader.vectors.isReady('c') ? true : undefined), 'the graph to load');
      let differs = false;
      for (const query of queries) {
        const hits = await reader.vectors.search({ collection: 'c', vector: query, k: 50 });
        differs ||= hits.map((hit) => hit.chunkId).join() !== exactTopK(query, items, 50).join();
      }
      assert.ok(differs, 'the sparse graph misses some neighbours, so the first answers were not from it');
    } finally {
      await reader.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('while the graph is not loaded, the exact path reads what a current snapshot holds from the snapshot and only the rest from the store', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-cold-'));
  try {
    const path = join(directory, 'cairn.db');
    const vectors = clusteredVectors(1800, 32, 13, 4);
    const items = new Map<string, { id: number; vector: Float32Array }>();
    const write = async (store: Awaited<ReturnType<typeof openSqliteStore>>, i: number) => {
      const result = await store.chunks.writeDocument(makeDocument('c', `${i}.txt`, [makeChunk(0, `text ${i}`, vectors[i]!)]));
      items.set(`${i}.txt`, { id: result.chunkIds[0]!, vector: vectors[i]! });
    };
    const writer = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH });
    await writer.chunks.createCollection('c', { embedder: 'test:v', dimensions: 32, chunkSize: 256, chunkOverlap: 0 });
    for (let i = 0; i < 1500; i += 1) await write(writer, i);
    await writer.vectors.open('c', 32);
    await writer.vectors.snapshot('c');
    await writer.close();
    // Published with the snapshot: the int8 copy the exact path reads first.
    const paths = snapshotPaths(join(directory, 'vectors'), 'c');
    assert.ok((await readQuantizedVectors(paths.quantized, (await readSidecar(paths))!, 32)) !== undefined);
    const tailIds = new Set<number>();

    /** A fresh index over the store (graph never loaded: every answer is the exact path's), counting the vectors it reads from the store. */
    const coldSearches = async (queries: Float32Array[]) => {
      const reader = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH, readonly: true });
      let rowsRead = 0;
      const chunks = reader.chunks as SqliteChunkStore;
      const counting = new Proxy(chunks, {
        get(target, property) {
          if (property === 'iterateVectors') {
            return async function* (collection: string, afterId: number, pageSize: number) {
              for await (const page of target.iterateVectors(collection, afterId, pageSize)) {
                rowsRead += page.length;
                yield page;
              }
            };
          }
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const index = new HnswVectorIndex(counting, { directory: join(directory, 'vectors'), params: POOR_GRAPH, readonly: true, openOnSearch: false });
      try {
        const results: number[][] = [];
        for (const query of queries) results.push((await index.search({ collection: 'c', vector: query, k: 40 })).map((hit) => hit.chunkId));
        assert.equal(index.isReady('c'), false);
        return { results, rowsRead };
      } finally {
        await index.close();
        await reader.close();
      }
    };
    const queries = clusteredVectors(6, 32, 98, 4);
    const clean = await coldSearches(queries);
    assert.equal(clean.rowsRead, 0, 'every vector came from the current snapshot');
    clean.results.forEach((result, i) => assert.deepEqual(result, exactTopK(queries[i]!, [...items.values()], 40)));

    // Written and removed since the snapshot: the tail is read from the store, removed chunks are left out.
    const more = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH });
    for (let i = 1500; i < 1800; i += 1) {
      await write(more, i);
      tailIds.add(items.get(`${i}.txt`)!.id);
    }
    const removed = Array.from({ length: 200 }, (_, i) => `${i * 7}.txt`);
    await more.chunks.deleteDocuments('c', removed.map((name) => `file:///root/${name}`));
    for (const name of removed) items.delete(name);
    await more.close();
    const after = await coldSearches(queries);
    assert.equal(after.rowsRead, 300, 'only the 300 vectors written after the snapshot came from the store');
    after.results.forEach((result, i) => assert.deepEqual(result, exactTopK(queries[i]!, [...items.values()], 40)));
    assert.ok(after.results.flat().some((id) => tailIds.has(id)), 'the tail is among the answers');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('the exact path follows writes and removals while the graph stays unloaded', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-cold-'));
  try {
    const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH });
    const index = new HnswVectorIndex(store.chunks as SqliteChunkStore, { directory: join(directory, 'vectors'), params: POOR_GRAPH, readonly: true, openOnSearch: false });
    try {
      await store.chunks.createCollection('w', { embedder: 'test:v', dimensions: 16, chunkSize: 256, chunkOverlap: 0 });
      const vectors = clusteredVectors(600, 16, 21);
      const items = new Map<string, { id: number; vector: Float32Array }>();
      const write = async (i: number) => {
        const result = await store.chunks.writeDocument(makeDocument('w', `${i}.txt`, [makeChunk(0, `t ${i}`, vectors[i]!)]));
        items.set(`${i}.txt`, { id: result.chunkIds[0]!, vector: vectors[i]! });
      };
      const check = async () => {
        for (const query of clusteredVectors(5, 16, 77)) {
          const hits = await index.search({ collection: 'w', vector: query, k: 30 });
          assert.deepEqual(hits.map((hit) => hit.chunkId), exactTopK(query, [...items.values()], 30));
        }
      };
      for (let i = 0; i < 300; i += 1) await write(i);
      await check();
      for (let i = 300; i < 400; i += 1) await write(i);
      await check();
      await store.chunks.deleteDocuments('w', Array.from({ length: 100 }, (_, i) => `file:///root/${i * 3}.txt`));
      for (let i = 0; i < 100; i += 1) items.delete(`${i * 3}.txt`);
      await check();
      // Rewritten documents: their old chunks go, new ones come.
      for (let i = 1; i < 60; i += 3) await store.chunks.writeDocument(makeDocument('w', `${i}.txt`, [makeChunk(0, `new ${i}`, vectors[400 + i]!)])).then((result) => items.set(`${i}.txt`, { id: result.chunkIds[0]!, vector: vectors[400 + i]! }));
      await check();
      assert.equal(index.isReady('w'), false);
    } finally {
      await index.close();
      await store.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('a long write persists the graph every snapshotEveryChunks vectors, before any flush or close', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-cold-'));
  try {
    const path = join(directory, 'cairn.db');
    const store = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH, snapshotEveryChunks: 500 });
    try {
      await store.chunks.createCollection('long', { embedder: 'test:v', dimensions: 16, chunkSize: 256, chunkOverlap: 0 });
      const vectors = clusteredVectors(8000, 16, 5);
      const sidecarPath = snapshotPaths(join(directory, 'vectors'), 'long').sidecar;
      const persisted = async () => readFile(sidecarPath, 'utf8').then((text) => JSON.parse(text) as SnapshotSidecar, () => undefined);
      let written = 0;
      const writeBatch = async () => {
        for (const end = written + 250; written < end; written += 1) {
          await store.chunks.writeDocument(makeDocument('long', `${written}.txt`, [makeChunk(0, `a ${written}`, vectors[written]!)]));
        }
      };
      await writeBatch();
      await store.vectors.snapshot('long');
      assert.equal((await persisted())?.count, 250);
      // Writes keep coming (a refresh every 250 chunks, so the idle snapshot never fires; the worker
      // that loads the 250 keeps its graph across refreshes): only the periodic snapshot can appear.
      let sidecar: SnapshotSidecar | undefined;
      while (sidecar === undefined && written < vectors.length) {
        await writeBatch();
        await store.vectors.refresh('long');
        const latest = await persisted();
        if (latest !== undefined && latest.count > 250) sidecar = latest;
      }
      assert.ok(sidecar !== undefined, `no snapshot after ${written} vectors, with snapshotEveryChunks 500`);
      assert.ok(sidecar.count >= 750 && sidecar.count <= written, `${sidecar.count} of ${written}`);
    } finally {
      await store.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

/** A closed store in `directory` with 1,500 one-chunk documents (clustered vectors of `seed`) and a published snapshot of collection `c`. */
async function writeSnapshottedStore(directory: string, seed: number): Promise<{ path: string; items: { id: number; vector: Float32Array }[] }> {
  const path = join(directory, 'cairn.db');
  const vectors = clusteredVectors(1500, 32, seed, 4);
  const items: { id: number; vector: Float32Array }[] = [];
  const writer = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH });
  await writer.chunks.createCollection('c', { embedder: 'test:v', dimensions: 32, chunkSize: 256, chunkOverlap: 0 });
  for (let i = 0; i < vectors.length; i += 1) {
    const result = await writer.chunks.writeDocument(makeDocument('c', `${i}.txt`, [makeChunk(0, `text ${i}`, vectors[i]!)]));
    items.push({ id: result.chunkIds[0]!, vector: vectors[i]! });
  }
  await writer.vectors.open('c', 32);
  await writer.vectors.snapshot('c');
  await writer.close();
  return { path, items };
}

test('a snapshot damaged in place serves the exact path only until its hash is checked, then the store answers', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-cold-'));
  try {
    const { path, items } = await writeSnapshottedStore(directory, 17);
    // Same size, same header, same labels: only the first element's vector changed, into the query itself.
    const query = clusteredVectors(1, 32, 97, 4)[0]!;
    const file = snapshotPaths(join(directory, 'vectors'), 'c').index;
    const bytes = await readFile(file);
    const dataOffset = Number(bytes.readBigUInt64LE(5 * 8));
    Buffer.from(query.buffer, query.byteOffset, query.byteLength).copy(bytes, 96 + dataOffset);
    await writeFile(file, bytes);
    // Without its int8 copy, the exact path reads the snapshot file itself.
    await rm(snapshotPaths(join(directory, 'vectors'), 'c').quantized);

    const reader = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH, readonly: true });
    const index = new HnswVectorIndex(reader.chunks as SqliteChunkStore, { directory: join(directory, 'vectors'), params: POOR_GRAPH, readonly: true, openOnSearch: false });
    try {
      const exact = exactTopK(query, items, 20);
      const search = async () => (await index.search({ collection: 'c', vector: query, k: 20 })).map((hit) => hit.chunkId);
      await search();
      // The hash check fails in the background; from then on every answer comes from the stored vectors.
      await until(async () => ((await search()).join() === exact.join() ? true : undefined), 'the damaged snapshot to be dropped', 20_000);
      for (let i = 0; i < 3; i += 1) assert.deepEqual(await search(), exact);
    } finally {
      await index.close();
      await reader.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('an int8 copy damaged in place is never used for an answer, and the next load that verifies the snapshot rewrites it', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-cold-'));
  try {
    const { path, items } = await writeSnapshottedStore(directory, 23);
    const paths = snapshotPaths(join(directory, 'vectors'), 'c');
    const sidecar = (await readSidecar(paths))!;
    const good = (await readQuantizedVectors(paths.quantized, sidecar, 32))!;
    // Same size and header; the codes of the query's true neighbours zeroed: used, it would leave them out.
    const query = clusteredVectors(1, 32, 96, 4)[0]!;
    const exact = exactTopK(query, items, 20);
    const bytes = await readFile(paths.quantized);
    const codesAt = 128 + 16 * good.ids.length;
    for (const id of exact) bytes.fill(0, codesAt + good.ids.indexOf(id) * 32, codesAt + (good.ids.indexOf(id) + 1) * 32);
    await writeFile(paths.quantized, bytes);

    const reader = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH, readonly: true });
    const index = new HnswVectorIndex(reader.chunks as SqliteChunkStore, { directory: join(directory, 'vectors'), params: POOR_GRAPH, readonly: true, openOnSearch: false });
    try {
      for (let i = 0; i < 3; i += 1) assert.deepEqual((await index.search({ collection: 'c', vector: query, k: 20 })).map((hit) => hit.chunkId), exact);
    } finally {
      await index.close();
      await reader.close();
    }
    assert.equal(await readQuantizedVectors(paths.quantized, sidecar, 32), undefined);
    const reopened = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: POOR_GRAPH });
    await reopened.vectors.open('c', 32);
    await reopened.close();
    assert.ok((await readQuantizedVectors(paths.quantized, sidecar, 32)) !== undefined, 'rewritten from the verified snapshot');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
