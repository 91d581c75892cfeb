/**
 * Chroma against the in-process HNSW index, in the same run: ingest throughput (SQLite write + index
 * push + flush, pushed through `IndexSync` as ingest does: a push overlaps the next batch's write),
 * dense query latency (the vector index alone and hybrid search through `runSearch`'s arms), and
 * recall@10 against exact search. Data `docs` (the default): real chunks of the docs corpus with real
 * embeddings (static model lifted into 384-d, MiniLM's shape; bench/docs-corpus-vectors.ts) and real
 * queries; `clustered`: the synthetic clusters of the contract suite (64 clusters; the queries lie
 * around centres of their own, equidistant from whole clusters: recall says more about the data). Recall counts a hit whose exact score
 * ties the 10th exact score as found (exact duplicates are common in real corpora).
 * The ingest profile splits the wall time into the store writes, the waits for the previous push and
 * the final flush (what bounds the rate); the hybrid profile runs `runSearch` (both arms, fusion,
 * hydration) and splits each query into its stages, the HTTP exchange with Chroma (until the answer's
 * headers, then the body) and the GC pauses that overlapped it.
 * Usage: `node --import tsx bench/chroma-vs-hnsw.ts [chunks] [queries] [chroma batch size] [ef_search] [docs|clustered]`
 * (defaults 20,000, 200, `vectorStore.batchSize`'s default, `vectorIndex.efSearch`'s default, docs).
 * `CHROMA_VARIANTS='[{"pushesInFlight":1},{"pushesInFlight":2,"m":16,"efConstruction":100}]'` measures
 * several Chroma settings against the one HNSW baseline of the run (each a JSON object of
 * `pushesInFlight`, `batchSize`, `m`, `efConstruction` (`vectorStore.hnsw.*`), `efSearch`; unset fields
 * take the defaults). The HNSW baseline keeps `vectorIndex.*` (M 32, ef_construction 200).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { configSchema } from '../src/config/config-schema.js';
import { normalizeFilter } from '../src/core/search-filter.js';
import { IndexSync } from '../src/ingest/index-sync.js';
import type { Embedder } from '../src/models/embed/embedder.js';
import { hybridFusionOf } from '../src/retrieve/fuse/fusion-types.js';
import { prepareQuery } from '../src/retrieve/query/prepare-query.js';
import { runSearch } from '../src/retrieve/run-search.js';
import { chromaClientFromConfig, chromaVectorIndexFactory } from '../src/stores/chroma/create-chroma-vector-index.js';
import { createSqliteBackend } from '../src/stores/sqlite/create-sqlite-backend.js';
import type { StoreBackend } from '../src/stores/store-backend.js';
import { clusteredVectors, dot, makeChunk, makeDocument } from '../src/stores/store-contract-fixtures.js';
import { startPrivateChroma } from '../src/testing/chroma-server.js';
import { latencyStats, loadAverage, machineFacts, removeDirectory, round, temporaryDirectory } from './bench-support.js';
import { docsCorpusVectors, neighbourStatistics } from './docs-corpus-vectors.js';

const CHUNKS = Number(process.argv[2] ?? 20_000);
const DIMENSIONS = 384;
const QUERIES = Number(process.argv[3] ?? 200);
const BATCH = 500;
const CHROMA_BATCH = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const EF_SEARCH = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
const loadAtStart = loadAverage();
const WORDS = ['install', 'server', 'token', 'proxy', 'backup', 'vector', 'index', 'search', 'chunk', 'query', 'graph', 'config'];

const DATA = process.argv[6] ?? 'docs';

/** Chroma settings measured against the run's HNSW baseline. */
interface ChromaVariant {
  pushesInFlight?: number;
  batchSize?: number;
  m?: number;
  efConstruction?: number;
  efSearch?: number;
}
const VARIANTS: ChromaVariant[] = process.env.CHROMA_VARIANTS === undefined ? [{}] : (JSON.parse(process.env.CHROMA_VARIANTS) as ChromaVariant[]);
if (DATA !== 'docs' && DATA !== 'clustered') throw new Error(`Unknown data "${DATA}": docs or clustered.`);

interface BenchChunk {
  path: string;
  text: string;
  language: string;
  vector: Float32Array;
}

async function benchData(): Promise<{ chunks: BenchChunk[]; queries: { text: string; vector: Float32Array }[]; filter: { pathGlob: string; language: string[] } }> {
  if (DATA === 'clustered') {
    const queryVectors = clusteredVectors(QUERIES, DIMENSIONS, 99, 64);
    return {
      chunks: clusteredVectors(CHUNKS, DIMENSIONS, 7, 64).map((vector, n) => ({
        path: `area${n % 16}/doc-${n}.md`,
        text: `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} document ${n}`,
        language: n % 2 ? 'python' : 'go',
        vector,
      })),
      queries: queryVectors.map((vector, i) => ({ text: `${WORDS[i % WORDS.length]} ${WORDS[(i * 5 + 3) % WORDS.length]}`, vector })),
      filter: { pathGlob: 'area3/*.md', language: ['python'] },
    };
  }
  const corpus = await docsCorpusVectors({ chunkSize: 200, queryCount: QUERIES });
  if (corpus.chunks.length < CHUNKS) throw new Error(`The docs corpus gives ${corpus.chunks.length} chunks at chunk size 200, fewer than ${CHUNKS}.`);
  // The language field carries the project (fastapi, redis, …): a selective metadata filter as users write them.
  return { chunks: corpus.chunks.slice(0, CHUNKS), queries: corpus.queries, filter: { pathGlob: 'fastapi/docs/en/docs/**/*.md', language: ['fastapi'] } };
}

const data = await benchData();
const vectors = data.chunks.map((chunk) => chunk.vector);
const queries = data.queries;
const matrix = new Float32Array(vectors.length * DIMENSIONS);
vectors.forEach((vector, row) => matrix.set(vector, row * DIMENSIONS));

/** The exact top-10 rows of each query (full scan) and the 10th score, for tie-aware recall. */
function exactTop(query: Float32Array, k: number): { rows: number[]; kthScore: number } {
  const best: { row: number; score: number }[] = [];
  for (let row = 0; row < vectors.length; row++) {
    let score = 0;
    const base = row * DIMENSIONS;
    for (let i = 0; i < DIMENSIONS; i++) score += query[i]! * matrix[base + i]!;
    if (best.length < k || score > best[best.length - 1]!.score) {
      best.push({ row, score });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
    }
  }
  return { rows: best.map((item) => item.row), kthScore: best[best.length - 1]!.score };
}
const exact = queries.map((query) => exactTop(query.vector, 10));
const statistics = neighbourStatistics(data.chunks, queries, 50);
console.error(`data ${DATA}: ${vectors.length} chunks, ${queries.length} queries, neighbours ${JSON.stringify(statistics)}`);

const chroma = await startPrivateChroma();
if (chroma === null) throw new Error('The Chroma server is not installed (npm install brings the chromadb devDependency).');

/** GC pauses (start, duration) seen by this process, for attributing slow queries. */
const gcPauses: { start: number; duration: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, duration: entry.duration });
}).observe({ entryTypes: ['gc'] });

/** Time of each Chroma HTTP exchange until the answer's headers and until its body is read. */
const exchanges: { headersMs: number; bodyMs: number }[] = [];
const plainFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const started = performance.now();
  const response = await plainFetch(input, init);
  const headersAt = performance.now();
  const text = await response.text();
  exchanges.push({ headersMs: headersAt - started, bodyMs: performance.now() - headersAt });
  const nullBody = response.status === 204 || response.status === 205 || response.status === 304;
  return new Response(nullBody ? null : text, { status: response.status, statusText: response.statusText, headers: response.headers });
};

/** Answers each bench query with its precomputed vector: the search path without an embedding model. */
function vectorLookupEmbedder(): Embedder {
  const byText = new Map(queries.map((query) => [query.text, query.vector]));
  return {
    id: 'bench:v',
    dimensions: DIMENSIONS,
    maxTokens: 512,
    maxBatchSize: 1,
    tokenizer: { count: (text: string) => text.split(/\s+/).length } as never,
    embed: async () => {
      throw new Error('not used');
    },
    embedQuery: async (text) => byText.get(text.trim()) ?? new Float32Array(DIMENSIONS),
  };
}

async function measure(kind: 'hnsw' | 'chroma', variant: ChromaVariant = {}) {
  const home = temporaryDirectory(`cairn-bench-${kind}-`);
  const batchSize = variant.batchSize ?? CHROMA_BATCH;
  const efSearch = variant.efSearch ?? EF_SEARCH;
  const config = configSchema.parse({
    home,
    // A long query timeout: on a loaded machine a slow answer is a latency to record, not a failure.
    vectorStore:
      kind === 'chroma'
        ? {
            kind: 'chroma',
            url: chroma!.url,
            queryTimeoutMs: 60_000,
            ...(batchSize === undefined ? {} : { batchSize }),
            ...(variant.pushesInFlight === undefined ? {} : { pushesInFlight: variant.pushesInFlight }),
            hnsw: { ...(variant.m === undefined ? {} : { m: variant.m }), ...(variant.efConstruction === undefined ? {} : { efConstruction: variant.efConstruction }) },
          }
        : {},
    vectorIndex: efSearch === undefined ? {} : { efSearch },
  });
  // Opened as `cairn serve` opens it (longRunning: the in-memory BM25 postings of search.lexicalAccelerator
  // `auto`), since hybrid latency through Chroma is a server's figure; ONE_SHOT=1 measures plain FTS5.
  const longRunning = process.env.ONE_SHOT !== '1';
  const backend: StoreBackend = await createSqliteBackend(config, { longRunning, ...(kind === 'chroma' ? { vectorIndex: chromaVectorIndexFactory(config) } : {}) });
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
      // One chunk per document (ids follow insertion order); a document's path is unique per chunk.
      const documents = data.chunks.slice(from, from + BATCH).map((chunk, i) =>
        makeDocument('bench', chunk.path.replace(/(\.[a-z]+)$/, `~${from + i}$1`), [makeChunk(0, chunk.text, chunk.vector)], { language: chunk.language }),
      );
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
    console.error(`${kind}${kind === 'chroma' ? ` ${JSON.stringify(variant)}` : ''}: ingested ${CHUNKS} chunks in ${Math.round(ingestMs)} ms (store writes ${Math.round(writeMs)}, waits for pushes ${Math.round(pushWaitMs)}, flush ${Math.round(flushMs)}; load ${loadAverage().join(' ')})`);
    const warmStarted = performance.now();
    const warmed = await (backend.lexical as { warm?: (collection: string) => Promise<boolean> }).warm?.('bench');
    console.error(`${kind}: lexical postings ${warmed ? `built in ${Math.round(performance.now() - warmStarted)} ms` : 'not used (FTS5)'}`);
    const rowOfId = new Map(ids.map((id, row) => [id, row]));
    const deps = { chunks: backend.chunks, lexical: backend.lexical, vectors: backend.vectors, embedder: vectorLookupEmbedder() };
    const searchDefaults = configSchema.parse({ home: '/' }).search;
    const filter = normalizeFilter(data.filter);
    const dense: number[] = [];
    const hybrid: number[] = [];
    const stages = { lexical: [] as number[], dense: [] as number[], fusion: [] as number[], hydrate: [] as number[] };
    const lexicalAlone: number[] = [];
    const filtered: number[] = [];
    const slow: { ms: number; lexicalMs: number; denseMs: number; hydrateMs: number; gcMs: number; exchange?: { headersMs: number; bodyMs: number } }[] = [];
    let found = 0;
    gcPauses.length = 0;
    exchanges.length = 0;
    const gcAtStart = gcPauses.length;
    const queryPhaseStarted = performance.now();
    for (const [q, query] of queries.entries()) {
      let t = performance.now();
      const hits = await backend.vectors.search({ collection: 'bench', vector: query.vector, k: 10 });
      dense.push(performance.now() - t);
      const truth = exact[q]!;
      const truthRows = new Set(truth.rows);
      // Found: an exact top-10 row, or a row whose exact score ties the 10th (an exact duplicate of it).
      found += hits.filter((hit) => {
        const row = rowOfId.get(hit.chunkId);
        return row !== undefined && (truthRows.has(row) || dot(query.vector, vectors[row]!) >= truth.kthScore - 1e-6);
      }).length;
      const terms = prepareQuery(query.text).terms;
      t = performance.now();
      await backend.lexical.search({ collection: 'bench', terms, k: searchDefaults.candidates });
      lexicalAlone.push(performance.now() - t);
      // Hybrid search as users get it: runSearch runs both arms with its candidate depth, fuses and hydrates.
      const exchangesBefore = exchanges.length;
      t = performance.now();
      const response = await runSearch(deps, { collection: 'bench', query: query.text, mode: 'hybrid', k: 10, candidates: searchDefaults.candidates, fusion: hybridFusionOf(searchDefaults) });
      const ended = performance.now();
      hybrid.push(ended - t);
      stages.lexical.push(response.timings.lexicalMs ?? 0);
      stages.dense.push(response.timings.denseMs ?? 0);
      stages.fusion.push(response.timings.fusionMs);
      stages.hydrate.push(response.timings.hydrateMs);
      const gcMs = gcPauses.filter((pause) => pause.start < ended && pause.start + pause.duration > t).reduce((sum, pause) => sum + pause.duration, 0);
      slow.push({ ms: ended - t, lexicalMs: response.timings.lexicalMs ?? 0, denseMs: response.timings.denseMs ?? 0, hydrateMs: response.timings.hydrateMs, gcMs, ...(exchanges.length > exchangesBefore ? { exchange: exchanges[exchanges.length - 1]! } : {}) });
      t = performance.now();
      await backend.vectors.search({ collection: 'bench', vector: query.vector, k: 10, filter });
      filtered.push(performance.now() - t);
    }
    const queryPhaseMs = performance.now() - queryPhaseStarted;
    const pauses = gcPauses.slice(gcAtStart);
    slow.sort((a, b) => b.ms - a.ms);
    const round3 = (value: number) => round(value, 2);
    const hybridProfile = {
      stagesP50: Object.fromEntries(Object.entries(stages).map(([name, samples]) => [name, latencyStats(samples).p50])),
      stagesP99: Object.fromEntries(Object.entries(stages).map(([name, samples]) => [name, latencyStats(samples).p99])),
      lexicalAlone: latencyStats(lexicalAlone),
      ...(exchanges.length > 0 ? { chromaExchangeHeadersMs: latencyStats(exchanges.map((e) => e.headersMs)), chromaExchangeBodyMs: latencyStats(exchanges.map((e) => e.bodyMs)) } : {}),
      gcDuringQueries: { pauses: pauses.length, totalMs: Math.round(pauses.reduce((sum, pause) => sum + pause.duration, 0)), maxMs: round3(Math.max(0, ...pauses.map((pause) => pause.duration))), shareOfQueryPhase: round(pauses.reduce((sum, pause) => sum + pause.duration, 0) / queryPhaseMs, 3) },
      slowestHybrid: slow.slice(0, Math.max(3, Math.ceil(slow.length / 50))).map((entry) => ({
        ms: round3(entry.ms),
        lexicalMs: round3(entry.lexicalMs),
        denseMs: round3(entry.denseMs),
        hydrateMs: round3(entry.hydrateMs),
        gcMs: round3(entry.gcMs),
        ...(entry.exchange ? { chromaHeadersMs: round3(entry.exchange.headersMs), chromaBodyMs: round3(entry.exchange.bodyMs) } : {}),
      })),
    };
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
      ...(kind === 'chroma' ? { settings: { pushesInFlight: config.vectorStore.pushesInFlight, batchSize: config.vectorStore.batchSize, m: config.vectorStore.hnsw.m, efConstruction: config.vectorStore.hnsw.efConstruction, efSearch: config.vectorStore.hnsw.efSearch ?? config.vectorIndex.efSearch } } : {}),
      ...(kind === 'chroma' ? { httpRoundTrip: latencyStats(roundTrip) } : {}),
      ingestChunksPerSecond: round(CHUNKS / (ingestMs / 1000), 0),
      ingestProfileMs: { total: Math.round(ingestMs), storeWrites: Math.round(writeMs), waitsForPreviousPush: Math.round(pushWaitMs), finalFlush: Math.round(flushMs) },
      dense: latencyStats(dense),
      hybrid: latencyStats(hybrid),
      hybridProfile,
      filteredGlob: latencyStats(filtered),
      recallAt10: round(found / (queries.length * 10), 4),
    };
  } finally {
    await backend.close();
    removeDirectory(home);
  }
}

try {
  const hnsw = await measure('hnsw');
  const variants = [];
  for (const variant of VARIANTS) {
    const measured = await measure('chroma', variant);
    console.error(`chroma ${JSON.stringify(variant)}: recall@10 ${measured.recallAt10}, hybrid p50/p99 ${measured.hybrid.p50}/${measured.hybrid.p99} ms, ingest ratio ${round(measured.ingestChunksPerSecond / hnsw.ingestChunksPerSecond, 2)}`);
    variants.push(measured);
  }
  const viaChroma = variants[0]!;
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: machineFacts(),
        loadAverage: { atStart: loadAtStart, atEnd: loadAverage() },
        chromaBatchSize: CHROMA_BATCH ?? configSchema.parse({ home: '/' }).vectorStore.batchSize,
        efSearch: EF_SEARCH ?? configSchema.parse({ home: '/' }).vectorIndex.efSearch,
        data: DATA,
        lexical: process.env.ONE_SHOT === '1' ? 'FTS5 (one-shot process)' : 'in-memory BM25 postings (as cairn serve)',
        neighbourStatistics: statistics,
        chunks: CHUNKS,
        dimensions: DIMENSIONS,
        queries: queries.length,
        hnsw,
        chroma: viaChroma,
        ...(variants.length > 1
          ? {
              chromaVariants: variants.map((measured) => ({
                settings: measured.settings,
                ingestChunksPerSecond: measured.ingestChunksPerSecond,
                ingestRatio: round(measured.ingestChunksPerSecond / hnsw.ingestChunksPerSecond, 2),
                ingestProfileMs: measured.ingestProfileMs,
                recallAt10: measured.recallAt10,
                hybrid: measured.hybrid,
                dense: measured.dense,
              })),
            }
          : {}),
        ratios: {
          ingestChromaOverHnsw: round(viaChroma.ingestChunksPerSecond / hnsw.ingestChunksPerSecond, 2),
          denseP50ChromaOverHnsw: round(viaChroma.dense.p50 / hnsw.dense.p50, 2),
          hybridP50ChromaOverHnsw: round(viaChroma.hybrid.p50 / hnsw.hybrid.p50, 2),
          hybridP99ChromaOverHnsw: round(viaChroma.hybrid.p99 / hnsw.hybrid.p99, 2),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await chroma.dispose();
}
