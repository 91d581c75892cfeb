/**
 * Chroma against the in-process HNSW index, in the same run: ingest throughput (SQLite write + index
 * push + flush, pushed through `IndexSync` as ingest does: a push overlaps the next batch's write),
 * dense query latency (the vector index alone and hybrid search through `runSearch`'s arms), and
 * recall@10 against exact search. Clustered 384-d vectors (MiniLM's shape; uniform random vectors have
 * no neighbours). The ingest profile splits the wall time into the store writes, the waits for the
 * previous push and the final flush (what bounds the rate).
 * Usage: `node --import tsx bench/chroma-vs-hnsw.ts [chunks] [queries] [chroma batch size] [ef_search]`
 * (defaults 20,000, 200, `vectorStore.batchSize`'s default, `vectorIndex.efSearch`'s default).
 */
import { configSchema } from '../src/config/config-schema.js';
import { normalizeFilter } from '../src/core/search-filter.js';
import { IndexSync } from '../src/ingest/index-sync.js';
import { chromaClientFromConfig, chromaVectorIndexFactory } from '../src/stores/chroma/create-chroma-vector-index.js';
import { createSqliteBackend } from '../src/stores/sqlite/create-sqlite-backend.js';
import type { StoreBackend } from '../src/stores/store-backend.js';
import { clusteredVectors, exactTopK, makeChunk, makeDocument } from '../src/stores/store-contract-fixtures.js';
import { startPrivateChroma } from '../src/testing/chroma-server.js';
import { latencyStats, loadAverage, machineFacts, removeDirectory, round, temporaryDirectory } from './bench-support.js';

const CHUNKS = Number(process.argv[2] ?? 20_000);
const DIMENSIONS = 384;
const QUERIES = Number(process.argv[3] ?? 200);
const BATCH = 500;
const CHROMA_BATCH = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const EF_SEARCH = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
const loadAtStart = loadAverage();
const WORDS = ['install', 'server', 'token', 'proxy', 'backup', 'vector', 'index', 'search', 'chunk', 'query', 'graph', 'config'];

const chroma = await startPrivateChroma();
if (chroma === null) throw new Error('The Chroma server is not installed (npm install brings the chromadb devDependency).');
const vectors = clusteredVectors(CHUNKS, DIMENSIONS, 7, 64);
const queries = clusteredVectors(QUERIES, DIMENSIONS, 99, 64);
const items = vectors.map((vector, id) => ({ id, vector }));

async function measure(kind: 'hnsw' | 'chroma') {
  const home = temporaryDirectory(`cairn-bench-${kind}-`);
  const config = configSchema.parse({
    home,
    // A long query timeout: on a loaded machine a slow answer is a latency to record, not a failure.
    vectorStore: kind === 'chroma' ? { kind: 'chroma', url: chroma!.url, queryTimeoutMs: 60_000, ...(CHROMA_BATCH === undefined ? {} : { batchSize: CHROMA_BATCH }) } : {},
    vectorIndex: EF_SEARCH === undefined ? {} : { efSearch: EF_SEARCH },
  });
  const backend: StoreBackend = await createSqliteBackend(config, kind === 'chroma' ? { vectorIndex: chromaVectorIndexFactory(config) } : {});
  try {
    await backend.chunks.createCollection('bench', { embedder: 'bench:v', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0 });
    await backend.vectors.open('bench', DIMENSIONS);
    const ids: number[] = [];
    const notices: string[] = [];
    const sync = new IndexSync({ vectors: backend.vectors, chunks: backend.chunks }, 'bench', (text) => notices.push(text));
    let writeMs = 0;
    let pushWaitMs = 0;
    const started = performance.now();
    for (let from = 0; from < CHUNKS; from += BATCH) {
      const documents = vectors.slice(from, from + BATCH).map((vector, i) => {
        const n = from + i;
        const text = `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} document ${n}`;
        return makeDocument('bench', `area${n % 16}/doc-${n}.md`, [makeChunk(0, text, vector)], { language: n % 2 ? 'python' : 'go' });
      });
      let t = performance.now();
      const results = await backend.chunks.writeDocuments!(documents);
      writeMs += performance.now() - t;
      t = performance.now();
      await sync.written(documents.map((document, i) => ({ document, result: results[i]! })));
      pushWaitMs += performance.now() - t;
      ids.push(...results.map((result) => result.chunkIds[0]!));
    }
    const flushStarted = performance.now();
    await sync.finish();
    const flushMs = performance.now() - flushStarted;
    const ingestMs = performance.now() - started;
    if (notices.length > 0) throw new Error(`${kind}: the index sync failed: ${notices[0]}`);
    console.error(`${kind}: ingested ${CHUNKS} chunks in ${Math.round(ingestMs)} ms (store writes ${Math.round(writeMs)}, waits for pushes ${Math.round(pushWaitMs)}, flush ${Math.round(flushMs)}; load ${loadAverage().join(' ')})`);
    // Chunk ids follow insertion order; map them back to the vectors for exact search.
    const byId = ids.map((id, i) => ({ id, vector: items[i]!.vector }));
    const dense: number[] = [];
    const hybrid: number[] = [];
    const filtered: number[] = [];
    let found = 0;
    for (const query of queries) {
      let t = performance.now();
      const hits = await backend.vectors.search({ collection: 'bench', vector: query, k: 10 });
      dense.push(performance.now() - t);
      const truth = new Set(exactTopK(query, byId, 10));
      found += hits.filter((hit) => truth.has(hit.chunkId)).length;
      t = performance.now();
      // The two arms of hybrid search, as runSearch runs them (in parallel, with its candidate depth).
      await Promise.all([backend.lexical.search({ collection: 'bench', terms: ['install', 'proxy'], k: 50 }), backend.vectors.search({ collection: 'bench', vector: query, k: 50 })]);
      hybrid.push(performance.now() - t);
      t = performance.now();
      await backend.vectors.search({ collection: 'bench', vector: query, k: 10, filter: normalizeFilter({ pathGlob: 'area3/*.md', language: ['python'] }) });
      filtered.push(performance.now() - t);
    }
    // The bare loopback HTTP round trip (GET heartbeat): what a Chroma query costs before Chroma searches.
    const roundTrip: number[] = [];
    if (kind === 'chroma') {
      const client = chromaClientFromConfig(config);
      for (let i = 0; i < QUERIES; i++) {
        const t = performance.now();
        await client.heartbeat();
        roundTrip.push(performance.now() - t);
      }
    }
    return {
      kind,
      ...(kind === 'chroma' ? { httpRoundTrip: latencyStats(roundTrip) } : {}),
      ingestChunksPerSecond: round(CHUNKS / (ingestMs / 1000), 0),
      ingestProfileMs: { total: Math.round(ingestMs), storeWrites: Math.round(writeMs), waitsForPreviousPush: Math.round(pushWaitMs), finalFlush: Math.round(flushMs) },
      dense: latencyStats(dense),
      hybridArms: latencyStats(hybrid),
      filteredGlob: latencyStats(filtered),
      recallAt10: round(found / (QUERIES * 10), 4),
    };
  } finally {
    await backend.close();
    removeDirectory(home);
  }
}

try {
  const hnsw = await measure('hnsw');
  const viaChroma = await measure('chroma');
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: machineFacts(),
        loadAverage: { atStart: loadAtStart, atEnd: loadAverage() },
        chromaBatchSize: CHROMA_BATCH ?? configSchema.parse({ home: '/' }).vectorStore.batchSize,
        efSearch: EF_SEARCH ?? configSchema.parse({ home: '/' }).vectorIndex.efSearch,
        chunks: CHUNKS,
        dimensions: DIMENSIONS,
        queries: QUERIES,
        hnsw,
        chroma: viaChroma,
        ratios: {
          ingestChromaOverHnsw: round(viaChroma.ingestChunksPerSecond / hnsw.ingestChunksPerSecond, 2),
          denseP50ChromaOverHnsw: round(viaChroma.dense.p50 / hnsw.dense.p50, 2),
          hybridP50ChromaOverHnsw: round(viaChroma.hybridArms.p50 / hnsw.hybridArms.p50, 2),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await chroma.dispose();
}
