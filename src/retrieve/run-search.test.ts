import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CairnError, isCairnError } from '../core/cairn-error.js';
import { FakeEmbedder } from '../testing/fake-embedder.js';
import { InMemoryChunkStore } from '../testing/in-memory-chunk-store.js';
import { InMemoryLexicalIndex, InMemoryVectorIndex } from '../testing/in-memory-indexes.js';
import { writeIndexed } from '../testing/write-indexed.js';
import { runSearch, type SearchDeps, type SearchRequest } from './run-search.js';

const documents = [
  { path: 'docs/keys.md', title: 'Signing keys', format: 'markdown', tags: ['ops'], headings: ['Keys', 'Rotation'],
    text: 'To rotate the signing key, run cairn keys rotate. The old key stays valid for a day.' },
  { path: 'docs/install.md', title: 'Installation', format: 'markdown', tags: [], headings: ['Install'],
    text: 'Install cairn with npm. It requires Node 20 or later.' },
  { path: 'src/user.ts', title: 'user.ts', format: 'code', language: 'typescript', tags: [], headings: [],
    text: 'export function getUserName(user) { return user.name; }' },
  { path: 'notes/keys-history.md', title: 'Key history', format: 'markdown', tags: ['history'], headings: [],
    text: 'Signing key history: the keys were rotated twice in 2024.' },
];

async function setup(options: { embedder?: FakeEmbedder | null; collectionEmbedder?: string } = {}) {
  const embedder = options.embedder === undefined ? new FakeEmbedder() : options.embedder;
  const vectorsOf = new FakeEmbedder();
  const chunks = new InMemoryChunkStore();
  const collectionEmbedder = options.collectionEmbedder ?? vectorsOf.id;
  await chunks.createCollection('kb', { embedder: collectionEmbedder, dimensions: collectionEmbedder === 'none' ? 0 : 64, chunkSize: 256, chunkOverlap: 38 });
  const vectors = new InMemoryVectorIndex();
  for (const doc of documents) {
    await writeIndexed(chunks, vectors, {
      collection: 'kb', uri: `file:///repo/${doc.path}`, relativePath: doc.path, sourceRoot: '/repo', title: doc.title,
      format: doc.format, ...(doc.language ? { language: doc.language } : {}), contentHash: doc.path, sizeBytes: doc.text.length,
      modifiedMs: 0, tags: doc.tags, metadata: {},
      chunks: [{ ordinal: 0, text: doc.text, headingPath: doc.headings, tokenCount: 10, contentHash: doc.path, vector: vectorsOf.vectorOf(doc.text) }],
    });
  }
  const lexical = new InMemoryLexicalIndex(chunks);
  const deps: SearchDeps = { chunks, lexical, vectors, embedder };
  return { deps, chunks, lexical, vectors };
}

const request = (overrides: Partial<SearchRequest>): SearchRequest => ({
  collection: 'kb', query: 'rotate the signing key', mode: 'hybrid', k: 10, candidates: 20, fusion: { kind: 'fixed', lexicalWeight: 0.7 }, ...overrides,
});

test('lexical search returns hydrated results with snippet, heading path and the lexical arm', async () => {
  const { deps } = await setup();
  const response = await runSearch(deps, request({ mode: 'lexical' }));
  assert.equal(response.mode, 'lexical');
  assert.deepEqual(response.notices, []);
  const first = response.results[0];
  assert.equal(first?.relativePath, 'docs/keys.md');
  assert.equal(first?.sourceUri, 'file:///repo/docs/keys.md');
  assert.equal(first?.title, 'Signing keys');
  assert.deepEqual(first?.headingPath, ['Keys', 'Rotation']);
  assert.deepEqual(first?.highlights.map(([start, end]) => first.snippet.slice(start, end)).slice(0, 3), ['rotate', 'signing', 'key']);
  assert.equal(first?.scores.lexical?.rank, 1);
  assert.equal(first?.scores.dense, undefined);
  assert.ok(!response.results.some((result) => result.relativePath === 'docs/install.md'));
  assert.equal(typeof response.timings.lexicalMs, 'number');
  assert.equal(response.timings.embedMs, undefined);
});

test('hybrid search fuses both arms; scores lie in [0, 1]; k and minScore cut the list', async () => {
  const { deps } = await setup();
  const response = await runSearch(deps, request({}));
  assert.equal(response.mode, 'hybrid');
  assert.equal(response.results[0]?.relativePath, 'docs/keys.md');
  assert.ok(response.results[0]?.scores.lexical && response.results[0]?.scores.dense);
  assert.ok(response.results.every((result) => result.score >= 0 && result.score <= 1 + 1e-9));
  assert.equal(response.results.length, 4); // the dense arm returns every chunk
  assert.equal((await runSearch(deps, request({ k: 2 }))).results.length, 2);
  const strict = await runSearch(deps, request({ minScore: 0.5 }));
  assert.ok(strict.results.length >= 1 && strict.results.length < 4);
  assert.ok(strict.results.every((result) => result.score >= 0.5));
  for (const key of ['lexicalMs', 'embedMs', 'denseMs', 'fusionMs', 'hydrateMs', 'totalMs'] as const) {
    assert.equal(typeof response.timings[key], 'number', key);
  }
  assert.ok(response.timings.denseMs! >= response.timings.embedMs!, 'the dense arm includes the query embedding');
  assert.equal(response.timings.rerankMs, undefined, 'runSearch itself does not rerank');
});

test('hybrid search sends the dense query before the synchronous lexical arm holds the thread', async () => {
  // A Chroma query is an HTTP request and an embedding runs on the model's threads: both must be on their
  // way before SQLite's BM25 (synchronous) runs, or the arms run one after the other.
  const { deps, lexical, vectors } = await setup();
  const calls: string[] = [];
  const lexicalSearch = lexical.search.bind(lexical);
  const vectorSearch = vectors.search.bind(vectors);
  const embedQuery = deps.embedder!.embedQuery.bind(deps.embedder);
  const traced: SearchDeps = {
    ...deps,
    lexical: Object.assign(Object.create(lexical) as typeof lexical, {
      search: (options: Parameters<typeof lexicalSearch>[0]) => {
        calls.push('lexical');
        return lexicalSearch(options);
      },
    }),
    vectors: Object.assign(Object.create(vectors) as typeof vectors, {
      search: (options: Parameters<typeof vectorSearch>[0]) => {
        calls.push('dense');
        return vectorSearch(options);
      },
    }),
    embedder: Object.assign(Object.create(deps.embedder!) as FakeEmbedder, {
      embedQuery: (text: string) => {
        calls.push('embed');
        return embedQuery(text);
      },
    }),
  };
  const response = await runSearch(traced, request({}));
  assert.equal(response.mode, 'hybrid');
  assert.deepEqual(calls, ['embed', 'dense', 'lexical']);
});

test('dense or hybrid without vectors falls back to lexical with a notice', async () => {
  const noEmbedder = await setup({ embedder: null });
  const response = await runSearch(noEmbedder.deps, request({ mode: 'dense' }));
  assert.equal(response.mode, 'lexical');
  assert.match(response.notices[0] ?? '', /No embedding model/);
  assert.equal(response.results[0]?.relativePath, 'docs/keys.md');

  const lexicalCollection = await setup({ collectionEmbedder: 'none' });
  const hybrid = await runSearch(lexicalCollection.deps, request({}));
  assert.equal(hybrid.mode, 'lexical');
  assert.match(hybrid.notices[0] ?? '', /no vectors/);

  const failing = await setup({ embedder: new FakeEmbedder({ failWith: new CairnError('EMBEDDER_UNAVAILABLE', 'model server down') }) });
  const fallback = await runSearch(failing.deps, request({ mode: 'dense' }));
  assert.equal(fallback.mode, 'lexical');
  assert.match(fallback.notices[0] ?? '', /model server down/);
  assert.equal(fallback.results[0]?.relativePath, 'docs/keys.md');
});

test('another embedder than the collection one is an error naming cairn reembed', async () => {
  const { deps } = await setup({ embedder: new FakeEmbedder({ id: 'fake:other' }) });
  await assert.rejects(runSearch(deps, request({})), (error) => isCairnError(error) && error.code === 'EMBEDDER_MISMATCH' && /cairn reembed/.test(error.hint ?? ''));
  // Lexical search does not need the embedder.
  assert.equal((await runSearch(deps, request({ mode: 'lexical' }))).mode, 'lexical');
});

test('a filter reaches both indexes once, normalised, as data', async () => {
  const { deps, lexical, vectors } = await setup();
  const response = await runSearch(deps, request({ filter: { fileType: ['.MD', 'markdown', ''], tags: [], pathGlob: '' } }));
  assert.deepEqual(response.results.map((result) => result.relativePath).sort(), ['docs/install.md', 'docs/keys.md', 'notes/keys-history.md']);
  assert.deepEqual(lexical.calls[0]?.filter, { fileType: ['md', 'markdown'] });
  assert.deepEqual(vectors.calls[0]?.filter, { fileType: ['md', 'markdown'] });
  const dense = await runSearch(deps, request({ mode: 'dense', filter: { pathPrefix: 'notes/' } }));
  assert.deepEqual(dense.results.map((result) => result.relativePath), ['notes/keys-history.md']);
});

test('a lexical search filtered by language finds identifiers split for the index', async () => {
  const { deps, lexical } = await setup();
  const response = await runSearch(deps, request({ mode: 'lexical', filter: { language: ['TypeScript'] }, query: 'user name' }));
  assert.deepEqual(response.results.map((result) => result.relativePath), ['src/user.ts']);
  assert.deepEqual(lexical.calls[0]?.filter, { language: ['typescript'] });
  const hit = response.results[0];
  assert.ok(hit?.highlights.some(([start, end]) => hit.snippet.slice(start, end) === 'getUserName'));
});

test('an empty filter is no filter; a bad one is INPUT_INVALID before any index is asked', async () => {
  const { deps, lexical, vectors } = await setup();
  await runSearch(deps, request({ filter: { language: [], pathPrefix: ' ' } }));
  assert.equal(lexical.calls[0]?.filter, undefined);
  assert.equal(vectors.calls[0]?.filter, undefined);
  for (const filter of [{ modifiedAfter: 'last tuesday' }, { pathGlob: 'src/[a' }]) {
    await assert.rejects(runSearch(deps, request({ filter })), (error) => isCairnError(error) && error.code === 'INPUT_INVALID');
  }
  assert.equal(lexical.calls.length, 1);
  assert.equal(vectors.calls.length, 1);
});

test('errors: unknown collection, empty query, stop words only, aborted', async () => {
  const { deps } = await setup();
  await assert.rejects(runSearch(deps, request({ collection: 'nope' })), (error) => isCairnError(error) && error.code === 'COLLECTION_NOT_FOUND');
  await assert.rejects(runSearch(deps, request({ query: '  ' })), (error) => isCairnError(error) && error.code === 'INPUT_INVALID');
  const stopWords = await runSearch(deps, request({ mode: 'lexical', query: 'the of and' }));
  assert.deepEqual(stopWords.results, []);
  assert.match(stopWords.notices[0] ?? '', /no searchable words/);
  const hybridStopWords = await runSearch(deps, request({ query: 'the of and' }));
  assert.equal(hybridStopWords.mode, 'dense');
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(runSearch(deps, request({ signal: controller.signal })), (error) => isCairnError(error) && error.code === 'ABORTED');
});
