import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { analyzeForIndex } from '../models/tokenize/lexical-analyzer.js';
import { snapshotPaths } from '../stores/sqlite/hnsw-snapshot.js';
import { openSqliteStore } from '../stores/sqlite/open-sqlite-store.js';
import { FakeEmbedder } from '../testing/fake-embedder.js';
import { runIngest, type IngestRequest } from './run-ingest.js';

const request = (source: string): IngestRequest => ({
  collection: 'c', sources: [source], prune: false, tags: [], chunkSize: 256, chunkOverlap: 0, maxTokens: 512,
  cacheDir: tmpdir(), maxFileBytes: 1024 * 1024, embedBatchSize: 64, prepareWorkers: 0,
});

function writeNotes(dir: string, count: number, prefix: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `${prefix}-${i}.md`), `# ${prefix} ${i}\n\nnote ${prefix} number ${i} about topic ${i % 17}\n`);
}

test('a small ingest catches the vector index up without rewriting its snapshot; a large one, and close, write it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'cairn-ingest-snapshot-'));
  try {
    const store = await openSqliteStore({ path: join(home, 'cairn.db'), lexicalAnalyzer: analyzeForIndex, hnsw: { m: 16, efConstruction: 64, efSearch: 64 } });
    const embedder = new FakeEmbedder();
    await store.chunks.createCollection('c', { embedder: embedder.id, dimensions: embedder.dimensions, chunkSize: 256, chunkOverlap: 0 });
    const deps = { chunks: store.chunks, vectors: store.vectors, embedder, tokenizer: embedder.tokenizer };
    const sidecar = snapshotPaths(join(home, 'vectors'), 'c').sidecar;
    const persistedCount = async () => (JSON.parse(await readFile(sidecar, 'utf8')) as { count: number }).count;

    writeNotes(join(home, 'big'), 1_200, 'big');
    const big = await runIngest(deps, request(join(home, 'big')));
    assert.equal(big.chunksWritten, 1_200);
    assert.equal(await persistedCount(), 1_200);

    writeNotes(join(home, 'small'), 3, 'small');
    const small = await runIngest(deps, request(join(home, 'small')));
    assert.equal(small.chunksWritten, 3);
    assert.equal(await persistedCount(), 1_200, 'the snapshot was not rewritten for 3 chunks');

    await store.close();
    assert.ok(existsSync(sidecar));
    const reopened = await openSqliteStore({ path: join(home, 'cairn.db'), lexicalAnalyzer: analyzeForIndex, hnsw: { m: 16, efConstruction: 64, efSearch: 64 } });
    const status = await reopened.vectors.open('c', embedder.dimensions);
    assert.equal(status.count, 1_203, 'every vector is in the graph after reopening');
    const hit = await reopened.vectors.search({ collection: 'c', vector: embedder.vectorOf('small 2 note small number 2 about topic 2'), k: 1 });
    assert.ok(hit.length === 1);
    await reopened.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('an ingest into a collection whose graph is open here is searchable once it returns, without removed chunks', async () => {
  const home = mkdtempSync(join(tmpdir(), 'cairn-ingest-open-'));
  try {
    const store = await openSqliteStore({ path: join(home, 'cairn.db'), lexicalAnalyzer: analyzeForIndex, hnsw: { m: 16, efConstruction: 64, efSearch: 64 } });
    const embedder = new FakeEmbedder();
    await store.chunks.createCollection('c', { embedder: embedder.id, dimensions: embedder.dimensions, chunkSize: 256, chunkOverlap: 0 });
    const deps = { chunks: store.chunks, vectors: store.vectors, embedder, tokenizer: embedder.tokenizer };
    const documentId = async (name: string) => (await store.chunks.getDocument('c', pathToFileURL(join(home, 'docs', name)).href))!.id;
    const idsOf = async (name: string) => (await store.chunks.getDocumentChunks(await documentId(name))).map((chunk) => chunk.id);
    /** The chunk the index finds nearest to a stored chunk's own vector: itself, once the index has it. */
    const nearestToItself = async (id: number) => {
      const vector = (await store.chunks.getVectors([id])).get(id)!;
      return (await store.vectors.search({ collection: 'c', vector, k: 1 }))[0]?.chunkId;
    };
    writeNotes(join(home, 'docs'), 20, 'first');
    await runIngest(deps, request(join(home, 'docs')));
    assert.equal((await store.vectors.open('c', embedder.dimensions)).count, 20, 'the graph is open in this process');

    /** Whether a search with the chunk's own (stored) vector still returns it. */
    const findsItself = async (id: number, vector: Float32Array) =>
      (await store.vectors.search({ collection: 'c', vector, k: 10 })).some((hit) => hit.chunkId === id);
    // A small ingest (caught up in this process) and a large one (caught up by a worker, then reloaded).
    for (const [count, prefix] of [[5, 'second'], [1_100, 'third']] as const) {
      writeNotes(join(home, 'docs'), count, prefix);
      writeFileSync(join(home, 'docs', 'first-0.md'), `# rewritten by ${prefix}\n\nfirst note, now about ${prefix} things\n`);
      const [replaced] = await idsOf('first-0.md');
      const replacedVector = (await store.chunks.getVectors([replaced!])).get(replaced!)!;
      assert.ok(await findsItself(replaced!, replacedVector));
      await runIngest(deps, request(join(home, 'docs')));
      const [added] = await idsOf(`${prefix}-${count - 1}.md`);
      assert.equal(await nearestToItself(added!), added, `${prefix}: a new chunk is found`);
      assert.ok(!(await findsItself(replaced!, replacedVector)), `${prefix}: the replaced chunk is gone`);
    }
    rmSync(join(home, 'docs', 'first-1.md'));
    const [pruned] = await idsOf('first-1.md');
    const prunedVector = (await store.chunks.getVectors([pruned!])).get(pruned!)!;
    await runIngest(deps, { ...request(join(home, 'docs')), prune: true });
    assert.ok(!(await findsItself(pruned!, prunedVector)), 'a pruned chunk is gone');
    assert.equal((await store.vectors.open('c', embedder.dimensions)).count, 20 + 5 + 1_100 - 1);
    await store.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
