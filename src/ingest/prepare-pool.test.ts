import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CairnError } from '../core/cairn-error.js';
import type { EmbeddedChunk } from '../core/chunk.js';
import { createStaticEmbedder } from '../models/embed/static-embedder.js';
import { estimateTokenCounter } from '../models/tokenize/estimate-token-counter.js';
import type { ChunkStore, DocumentState, DocumentWrite } from '../stores/chunk-store.js';
import type { VectorIndex } from '../stores/vector-index.js';
import { pagedPdf, textContent } from '../testing/build-pdf.js';
import { sharedPath, SHARED_MISSING } from '../testing/shared-data.js';
import { embeddingInput } from './chunk/chunk-document.js';
import { DEFAULT_PARSE_LIMITS } from './parse/parse-limits.js';
import { prepareDocument } from './prepare-document.js';
import { PreparePool } from './prepare-pool.js';
import { runIngest, type IngestRequest } from './run-ingest.js';
import { describeForWorker } from './worker-recipe.js';

/** Just the ChunkStore methods runIngest calls, recording every write and touch. */
class RecordingStore {
  readonly writes: DocumentWrite[] = [];
  readonly touched: string[] = [];
  constructor(readonly states = new Map<string, DocumentState>()) {}
  async startRun(): Promise<number> {
    return 1;
  }
  async finishRun(): Promise<void> {}
  async listDocumentStates(): Promise<Map<string, DocumentState>> {
    return this.states;
  }
  async getDocumentVectors(): Promise<Map<string, Float32Array>> {
    return new Map();
  }
  async writeDocument(document: DocumentWrite) {
    this.writes.push(document);
    return { documentId: this.writes.length, chunkIds: [], removedChunkIds: [] };
  }
  async touchDocument(_collection: string, uri: string): Promise<void> {
    this.touched.push(uri);
  }
  async deleteDocuments(): Promise<number[]> {
    return [];
  }
  async vectorWatermark(): Promise<{ maxChunkId: number; vectorCount: number }> {
    return { maxChunkId: 0, vectorCount: this.writes.reduce((sum, write) => sum + write.chunks.length, 0) };
  }
}

const vectors = { open: async () => ({ count: 0, source: 'built', addedSinceSnapshot: 0, millis: 0 }), snapshot: async () => {} } as unknown as VectorIndex;

const request = (sources: string[], workers: number, more: Partial<IngestRequest> = {}): IngestRequest => ({
  collection: 'c', sources, prune: false, tags: [], chunkSize: 128, chunkOverlap: 16, maxTokens: 512,
  cacheDir: '/tmp', maxFileBytes: 50 * 1024 * 1024, embedBatchSize: 64,
  prepareWorkers: workers, inlineFirst: 0, maxInFlight: 4, ...more,
});

const plain = (chunk: EmbeddedChunk) => ({ ...chunk, vector: chunk.vector === null ? null : [...chunk.vector] });
const byUri = (writes: DocumentWrite[]) =>
  new Map(writes.map((write) => [write.uri, { ...write, chunks: write.chunks.map(plain) }]));

test('the prepare pool (1 and 2 workers) writes the same documents, chunks and vectors as inline preparation', async (t) => {
  const files = sharedPath('data', 'files', 'tricky');
  const docs = sharedPath('data', 'docs-corpus', 'ollama');
  const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
  if (!files || !docs || !model) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: `static:${model}`, modelDir: model });
  const run = async (workers: number) => {
    const store = new RecordingStore();
    const summary = await runIngest(
      { chunks: store as unknown as ChunkStore, vectors, embedder, tokenizer: embedder.tokenizer },
      request([files, docs], workers),
    );
    assert.deepEqual(summary.notices, []);
    return { store, summary };
  };
  const inline = await run(0);
  assert.ok(inline.store.writes.length > 50, `only ${inline.store.writes.length} documents written`);
  assert.ok(inline.summary.skipped.some((entry) => entry.code === 'PARSE_ENCRYPTED'));
  const expected = byUri(inline.store.writes);
  for (const workers of [1, 2]) {
    const pooled = await run(workers);
    assert.deepEqual(pooled.store.writes.map((write) => write.uri), inline.store.writes.map((write) => write.uri), `order with ${workers} workers`);
    assert.deepEqual(byUri(pooled.store.writes), expected, `documents with ${workers} workers`);
    assert.deepEqual(pooled.summary.skipped, inline.summary.skipped, `skipped files with ${workers} workers`);
    assert.equal(pooled.summary.chunksEmbedded, inline.summary.chunksEmbedded);
    assert.equal(pooled.summary.tokensEmbedded, inline.summary.tokensEmbedded);
  }
});

test('the prepare pool skips unchanged files by stat and by hash, and re-ingests changed ones', async (t) => {
  const docs = sharedPath('data', 'docs-corpus', 'ollama');
  const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
  if (!docs || !model) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: `static:${model}`, modelDir: model });
  const deps = (store: RecordingStore) => ({ chunks: store as unknown as ChunkStore, vectors, embedder, tokenizer: embedder.tokenizer });
  const first = new RecordingStore();
  await runIngest(deps(first), request([docs], 1));
  const [a, b, c, ...rest] = first.writes;
  assert.ok(a && b && c && rest.length > 0);
  const states = new Map<string, DocumentState>(
    first.writes.map((write, id) => [write.uri, { id, contentHash: write.contentHash, sizeBytes: write.sizeBytes, modifiedMs: write.modifiedMs, sourceRoot: write.sourceRoot }]),
  );
  states.set(a.uri, { ...states.get(a.uri)!, modifiedMs: 1 });
  states.set(b.uri, { ...states.get(b.uri)!, modifiedMs: 1, contentHash: 'stale' });
  states.delete(c.uri);
  const second = new RecordingStore(states);
  const summary = await runIngest(deps(second), request([docs], 1));
  assert.deepEqual(second.touched, [a.uri]);
  assert.deepEqual(second.writes.map((write) => write.uri), [b.uri, c.uri]);
  assert.equal(summary.filesUpdated, 1);
  assert.equal(summary.filesNew, 1);
  assert.equal(summary.filesUnchanged, first.writes.length - 2);
});

test('an aborted ingest stops the pool and rejects with the abort reason', async (t) => {
  const docs = sharedPath('data', 'docs-corpus', 'curl');
  const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
  if (!docs || !model) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: `static:${model}`, modelDir: model });
  const store = new RecordingStore();
  const controller = new AbortController();
  const deps = { chunks: store as unknown as ChunkStore, vectors, embedder, tokenizer: embedder.tokenizer };
  const running = runIngest(deps, request([docs], 2, {
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type === 'file' && store.writes.length >= 5) controller.abort(new Error('stop here'));
    },
  }));
  await assert.rejects(running, /stop here/);
  assert.ok(store.writes.length < 900, `${store.writes.length} documents written after the abort`);
});

test('a pool worker returns what prepareDocument returns inline, PARSE_* errors with code, message and hint', async (t) => {
  const files = sharedPath('data', 'files');
  const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
  if (!files || !model) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: `static:${model}`, modelDir: model });
  const recipe = describeForWorker(embedder.tokenizer, embedder);
  assert.ok(recipe?.embedder, 'the static model is rebuilt in workers');
  const options = { chunkSize: 128, chunkOverlap: 16, maxTokens: 512, force: false };
  const pool = await PreparePool.start(1, { recipe, ...options });
  try {
    const item = (name: string) => {
      const absolutePath = join(files, name);
      const stats = statSync(absolutePath);
      return { uri: pathToFileURL(absolutePath).href, relativePath: name, absolutePath, extension: extname(name).slice(1), sizeBytes: stats.size, modifiedMs: stats.mtimeMs, sourceRoot: files };
    };
    const inline = (name: string) => prepareDocument(item(name), undefined, { tokenizer: embedder.tokenizer, ...options }, { read: 0, parse: 0, chunk: 0 });
    const md = readdirSync(join(files, 'md')).find((name) => name.endsWith('.md'));
    assert.ok(md);
    const good = await pool.prepare(item(`md/${md}`), undefined);
    const expected = await inline(`md/${md}`);
    assert.ok(good.ok && good.prepared.kind === 'ready' && expected.kind === 'ready');
    assert.deepEqual(good.prepared.chunks, expected.chunks);
    assert.equal(good.prepared.contentHash, expected.contentHash);
    const own = await embedder.embed({ texts: expected.chunks.map((chunk) => embeddingInput(expected.parsed.title, chunk)) });
    assert.deepEqual(good.prepared.vectors?.map((v) => [...v]), own.vectors.map((v) => [...v]));

    const encrypted = 'tricky/pypdf__crazyones-encrypted-256.pdf';
    const bad = await pool.prepare(item(encrypted), undefined);
    const thrown = await inline(encrypted).then(() => assert.fail('an encrypted PDF parsed'), (error: unknown) => error as CairnError);
    assert.ok(!bad.ok);
    assert.ok(bad.error instanceof CairnError);
    assert.equal(bad.error.code, 'PARSE_ENCRYPTED');
    assert.deepEqual([bad.error.code, bad.error.message, bad.error.hint], [thrown.code, thrown.message, thrown.hint]);
    assert.ok(bad.error.hint);
  } finally {
    await pool.close();
  }
});

test('ingest.limits reach the parsers inline and in pool workers; a document cut at a limit is a notice', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'cairn-limits-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(join(folder, 'deep.html'), `<html><body>${'<div>'.repeat(30)}deep${'</div>'.repeat(30)}</body></html>`);
  writeFileSync(join(folder, 'manual.pdf'), pagedPdf(5, textContent('A page of the manual')));
  const parseLimits = { ...DEFAULT_PARSE_LIMITS, maxNestingDepth: 16, pdf: { ...DEFAULT_PARSE_LIMITS.pdf, maxPages: 2 } };
  const recipe = describeForWorker(estimateTokenCounter, null);
  assert.ok(recipe, 'the estimator is rebuilt in workers');
  for (const workers of [0, 1]) {
    const store = new RecordingStore();
    const summary = await runIngest({ chunks: store as unknown as ChunkStore, vectors, embedder: null, tokenizer: estimateTokenCounter }, request([folder], workers, { parseLimits }));
    assert.deepEqual(summary.skipped.map((entry) => [entry.relativePath, entry.code]), [['deep.html', 'PARSE_BOMB']], `${workers} workers`);
    assert.deepEqual(summary.notices, ['manual.pdf: ingested in part: read the first 2 of 5 pages (ingest.limits.pdf.maxPages).'], `${workers} workers`);
    assert.equal(store.writes[0]?.metadata.truncated, 'read the first 2 of 5 pages (ingest.limits.pdf.maxPages)');
  }
});
