import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeForIndex } from '../models/tokenize/lexical-analyzer.js';
import { snapshotPaths } from '../stores/sqlite/hnsw-snapshot.js';
import { openSqliteStore } from '../stores/sqlite/open-sqlite-store.js';
import type { VectorIndex } from '../stores/vector-index.js';
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
    // The store's index, recording how each ingest ends (runIngest calls only these members).
    const calls: string[] = [];
    const vectors = {
      kind: store.vectors.kind,
      open: (collection: string, dimensions: number) => store.vectors.open(collection, dimensions),
      snapshot: async (collection: string) => {
        calls.push('snapshot');
        await store.vectors.snapshot(collection);
      },
      refresh: async (collection: string) => {
        calls.push('refresh');
        await store.vectors.refresh!(collection);
      },
    } as VectorIndex;
    const deps = { chunks: store.chunks, vectors, embedder, tokenizer: embedder.tokenizer };
    const sidecar = snapshotPaths(join(home, 'vectors'), 'c').sidecar;
    const persistedCount = async () => (JSON.parse(await readFile(sidecar, 'utf8')) as { count: number }).count;

    writeNotes(join(home, 'big'), 1_200, 'big');
    const big = await runIngest(deps, request(join(home, 'big')));
    assert.equal(big.chunksWritten, 1_200);
    assert.equal(calls.at(-1), 'snapshot');
    assert.equal(await persistedCount(), 1_200);

    writeNotes(join(home, 'small'), 3, 'small');
    const small = await runIngest(deps, request(join(home, 'small')));
    assert.equal(small.chunksWritten, 3);
    assert.deepEqual(calls.slice(-1), ['refresh'], 'a small ingest only refreshes');
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
