/**
 * Search latency and throughput per mode through the use-case layer (`search()`), recall@10 of the
 * dense arm (HNSW) against exact search, and the query-embedding time of the MiniLM-shaped model.
 * Targets at ~100k chunks: lexical p50 <= 1 ms; dense (excluding the query embedding) p50 <= 1 ms
 * with recall@10 >= 0.98; hybrid including the MiniLM-shaped query embedding p50 <= 10 ms.
 *
 *   node --import tsx bench/search-latency.ts --home <CAIRN_HOME> --collection <name>
 *     [--queries 500] [--warmup 50] [--recall-queries 200] [--k 10] [--models-dir /work/shared/models]
 *     [--query-embedder onnx:cairn/minilm-l6-shape-random | none] [--ef-search N]
 *   node --import tsx bench/search-latency.ts --limit-files 200        (builds a throw-away collection first)
 *
 * Queries: 30 fixed natural questions about the corpus's projects, plus headings of randomly drawn
 * chunks of the collection (seeded, so every run asks the same), shuffled. Each mode runs the same
 * queries one after another after a warm-up; latency is the wall time of one `search()` call.
 *
 * Hybrid with the MiniLM-shaped model is an ESTIMATE: a ~100k-chunk collection embedded with that
 * transformer takes hours on 2 cores, and its query vectors cannot search a static-model collection.
 * So the hybrid latency on the static-model collection is added to the measured `embedQuery` time of
 * the MiniLM-shaped model over the same queries; the output says so.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CairnApp } from '../src/app/cairn-app.js';
import { search } from '../src/app/search.js';
import type { SearchMode } from '../src/core/search-types.js';
import { prepareQuery } from '../src/retrieve/query/prepare-query.js';
import { copyDatabase } from '../src/app/db/copy-database.js';
import { openDatabase } from '../src/app/db/open-database.js';
import { parseStoreLocation } from '../src/app/db/store-location.js';
import { startBenchPostgres } from './bench-postgres.js';
import { postgresBackendCpu, postgresCpuSpent } from './http-load-support.js';
import { measureDenseRecall } from './dense-recall.js';
import { NATURAL_QUESTIONS, buildQueries } from './search-queries.js';
import {
  DOCS_CORPUS, MINILM_SHAPED_EMBEDDER, MODELS_DIR, STATIC_EMBEDDER, benchConfig, copySubset, latencyStats, loadAverage, machineFacts,
  openBenchApp, parseIntegerOption, peakRssMiB, removeDirectory, report, round, temporaryDirectory, timedIngest,
  type LatencyStats,
} from './bench-support.js';

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    collection: { type: 'string', default: 'bench' },
    queries: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '50' },
    'recall-queries': { type: 'string', default: '200' },
    k: { type: 'string', default: '10' },
    'models-dir': { type: 'string', default: MODELS_DIR },
    'query-embedder': { type: 'string', default: MINILM_SHAPED_EMBEDDER },
    'limit-files': { type: 'string', default: '200' },
    source: { type: 'string', default: DOCS_CORPUS },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    seed: { type: 'string', default: '20261121' },
    'ef-search': { type: 'string' },
    /** on (default): the in-memory BM25 postings a server keeps, built before measuring; off: FTS5 alone, as one-shot commands search. */
    'lexical-accelerator': { type: 'string', default: 'on' },
    /** A PostgreSQL URL: build and search the collection there (CAIRN_DATABASE_URL) instead of in SQLite. */
    'database-url': { type: 'string' },
    /**
     * sqlite (default); postgres: a throwaway cluster (bench-postgres.ts) gets the collection — copied
     * from the SQLite home with `cairn db copy`'s copyDatabase (timed), or ingested — and SQLite then
     * PostgreSQL are measured in this one run, so their ratio is what counts on a shared machine.
     */
    backend: { type: 'string', default: 'sqlite' },
  },
});

const facts = machineFacts();
const k = parseIntegerOption(values.k, 'k') ?? 10;
const queryCount = parseIntegerOption(values.queries, 'queries') ?? 500;
const warmup = parseIntegerOption(values.warmup, 'warmup') ?? 50;
const recallCount = parseIntegerOption(values['recall-queries'], 'recall-queries') ?? 200;
const work = temporaryDirectory('cairn-bench-search-');
const home = values.home ?? join(work, 'home');
const collection = values.collection;
const database = values['database-url'] === undefined ? {} : { databaseUrl: values['database-url'] };

try {
  let built: Record<string, unknown> | undefined;
  if (values.home === undefined) {
    const limit = parseIntegerOption(values['limit-files'], 'limit-files') ?? 200;
    const subset = copySubset(values.source, limit, work);
    const { summary } = await timedIngest({ home, embedder: values.embedder, modelsDir: values['models-dir'], ...database }, collection, subset.root, 'build');
    built = { files: subset.files, chunks: summary.chunksWritten, embedder: values.embedder, seconds: round(summary.millis.total / 1000, 2) };
  }
  await measureStore(values['database-url'] === undefined ? 'sqlite' : 'postgres', database, built);
  if (values.backend === 'postgres') {
    const cluster = await startBenchPostgres();
    try {
      const url = await cluster.createDatabase('bench');
      const copied = await copyIntoPostgres(home, url);
      await measureStore('postgres', { databaseUrl: url }, { ...copied, server: `PostgreSQL ${cluster.version}` });
    } finally {
      await cluster.server.dispose();
    }
  }
} finally {
  removeDirectory(work);
}

/** The SQLite home's knowledge base copied into PostgreSQL as `cairn db copy` does (HNSW built once, at the end). */
async function copyIntoPostgres(sqliteHome: string, url: string): Promise<Record<string, unknown>> {
  const config = benchConfig({ home: sqliteHome, modelsDir: values['models-dir'] });
  const source = await openDatabase(parseStoreLocation(join(sqliteHome, 'cairn.db'), sqliteHome), config);
  const target = await openDatabase(parseStoreLocation(url, sqliteHome), config);
  const loadBefore = loadAverage();
  try {
    const report = await copyDatabase(source, target);
    const chunks = report.counts.find((count) => count.name.endsWith('chunks'))?.target ?? 0;
    process.stderr.write(`copied into PostgreSQL in ${(report.millis / 1000).toFixed(1)} s\n`);
    return { copySeconds: round(report.millis / 1000, 1), copiedChunks: chunks, copyLoadBefore: loadBefore, copyLoadAfter: loadAverage() };
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

async function measureStore(backend: string, database: { databaseUrl?: string }, built: Record<string, unknown> | undefined): Promise<void> {
  const efSearch = parseIntegerOption(values['ef-search'], 'ef-search');
  const accelerator = values['lexical-accelerator'] === 'off' ? 'off' : 'on';
  const app = await openBenchApp({ home, modelsDir: values['models-dir'], lexicalAccelerator: accelerator, ...database, ...(efSearch === undefined ? {} : { efSearch }) });
  try {
    const record = await app.chunks.getCollection(collection);
    if (!record) throw new Error(`Collection "${collection}" does not exist in ${home}.`);
    const watermark = await app.chunks.vectorWatermark(collection);
    const indexOpen = record.dimensions > 0 ? await app.vectors.open(collection, record.dimensions) : undefined;
    const warmStarted = performance.now();
    const lexicalWarm = accelerator === 'on' ? { ready: (await app.lexical.warm?.(collection)) === true, millis: round(performance.now() - warmStarted, 1) } : undefined;
    const queries = await buildQueries(app, collection, queryCount, Number(values.seed));
    const rssBeforeSearch = peakRssMiB();

    const modes: SearchMode[] = record.dimensions > 0 ? ['lexical', 'dense', 'hybrid'] : ['lexical'];
    const perMode: Record<string, ModeResult> = {};
    for (const mode of modes) perMode[mode] = await measureMode(app, mode, queries);

    const loaded = await app.loadEmbedder(record.embedder);
    const recall = loaded.embedder && recallCount > 0 ? await measureDenseRecall(app, loaded.embedder, { collection, k, queries: queries.slice(0, recallCount) }) : undefined;
    const queryEmbedder = values['query-embedder'] === 'none' ? undefined : await measureQueryEmbedding(app, values['query-embedder'], queries);

    const hybrid = perMode.hybrid;
    const dense = perMode.dense;
    const estimate = hybrid && queryEmbedder?.embedQueryMs
      ? {
          note: `ESTIMATE, not measured: hybrid search p50 on this ${record.embedder} collection (query embedded by that model) plus the measured embedQuery p50 of ${values['query-embedder']}. The static-model embedding time is left in, so this over-estimates by about ${dense?.embedMs?.p50 ?? 0} ms.`,
          p50Ms: round(hybrid.wallMs.p50 + queryEmbedder.embedQueryMs.p50, 3),
          p95Ms: round(hybrid.wallMs.p95 + queryEmbedder.embedQueryMs.p95, 3),
          target: 10,
        }
      : undefined;

    const result = {
      backend,
      ...facts,
      loadAverageAfter: loadAverage(),
      home: values.home ?? '(temporary)',
      built,
      collection,
      embedder: record.embedder,
      dimensions: record.dimensions,
      chunksWithVectors: watermark.vectorCount,
      hnsw: hnswOf(app),
      indexOpen,
      lexicalAccelerator: accelerator,
      lexicalWarm,
      queries: queries.length,
      warmup,
      k,
      modes: perMode,
      recall,
      queryEmbedder,
      hybridWithMiniLmEstimate: estimate,
      peakRssMiBDuringSearch: rssBeforeSearch,
      peakRssMiB: peakRssMiB(),
    };
    const line = (mode: string) => {
      const r = perMode[mode];
      if (!r) return `${mode.padEnd(8)} not run (collection has no vectors)`;
      const parts = [`${mode.padEnd(8)} p50 ${r.wallMs.p50} ms, p95 ${r.wallMs.p95} ms, p99 ${r.wallMs.p99} ms, ${r.qps} queries/s`];
      if (r.embedMs) parts.push(`query embedding p50 ${r.embedMs.p50} ms`);
      if (mode === 'dense' && r.excludingEmbedMs && r.denseArmMs) parts.push(`excluding it p50 ${r.excludingEmbedMs.p50} ms (HNSW arm alone p50 ${r.denseArmMs.p50} ms)`);
      parts.push(`CPU/query ${r.cpuMsPerQuery.client} ms here${r.cpuMsPerQuery.server === undefined ? '' : ` + ${r.cpuMsPerQuery.server} ms PostgreSQL`}`);
      if (r.fellBack > 0) parts.push(`${r.fellBack} fell back to another mode`);
      return parts.join('; ');
    };
    report('search-latency', result, [
      `search-latency  [${backend}]  ${facts.at}  ${facts.cpus} x ${facts.cpuModel}  node ${facts.node}  load ${facts.loadAverageBefore.join(' ')} -> ${result.loadAverageAfter.join(' ')}`,
      `collection      ${collection}: ${watermark.vectorCount} chunks with vectors, ${record.embedder} (${record.dimensions}-d); HNSW M ${hnswOf(app).m}, efSearch ${hnswOf(app).efSearch}; index ${indexOpen ? `${indexOpen.source} in ${Math.round(indexOpen.millis)} ms` : 'none'}`,
      `lexical arm     ${lexicalWarm ? `FTS5 + in-memory BM25 postings (${lexicalWarm.ready ? 'built' : 'NOT built'} in ${lexicalWarm.millis} ms before measuring)` : 'FTS5 alone (--lexical-accelerator off)'}`,
      `queries         ${queries.length} (${Math.min(NATURAL_QUESTIONS.length, queries.length)} natural questions + chunk headings), warm-up ${warmup}, k ${k}, sequential`,
      `${line('lexical')}   (target p50 <= 1 ms)`,
      `${line('dense')}   (target excluding the embedding p50 <= 1 ms)`,
      line('hybrid'),
      recall
        ? `recall@${k}       search() dense ${recall.searchRecall} (tie-aware ${recall.searchRecallTieAware}) vs exact over ${recall.vectors} vectors, ${recall.queries} queries; index alone ${recall.indexRecall} (tie-aware ${recall.indexRecallTieAware}); exact scan p50 ${recall.exactMs.p50} ms   (target >= 0.98)`
        : 'recall          not measured',
      queryEmbedder
        ? queryEmbedder.embedQueryMs
          ? `${values['query-embedder']} embedQuery p50 ${queryEmbedder.embedQueryMs.p50} ms, p95 ${queryEmbedder.embedQueryMs.p95} ms`
          : `${values['query-embedder']} unavailable: ${queryEmbedder.unavailable}`
        : '',
      estimate ? `hybrid + MiniLM  p50 ${estimate.p50Ms} ms, p95 ${estimate.p95Ms} ms   (target p50 <= 10 ms)\n                ${estimate.note}` : '',
      `peak RSS        ${result.peakRssMiB} MiB (${rssBeforeSearch} MiB before the searches; the exact-search matrix of the recall check comes on top)`,
    ].filter((text) => text !== ''));
  } finally {
    await app.close();
  }
}

/** The HNSW parameters the backend searches with: hnswlib's (vectorIndex.*) or pgvector's (store.hnsw). */
function hnswOf(app: CairnApp): { m: number; efConstruction: number; efSearch: number } {
  return app.config.store.url === undefined ? { m: app.config.vectorIndex.m, efConstruction: app.config.vectorIndex.efConstruction, efSearch: app.config.vectorIndex.efSearch } : app.config.store.hnsw;
}

interface ModeResult {
  cpuMsPerQuery: { client: number; server?: number };
  wallMs: LatencyStats;
  totalMs: LatencyStats;
  qps: number;
  lexicalMs?: LatencyStats;
  embedMs?: LatencyStats;
  denseArmMs?: LatencyStats;
  excludingEmbedMs?: LatencyStats;
  fuseMs: LatencyStats;
  hydrateMs: LatencyStats;
  meanResults: number;
  fellBack: number;
}

/** CPU ms so far of each backend serving the benchmark's database (same machine, /proc), empty on SQLite. */
function serverCpu(): Promise<Map<number, number>> {
  return postgresBackendCpu(values['database-url']);
}

async function measureMode(app: CairnApp, mode: SearchMode, queries: string[]): Promise<ModeResult> {
  for (let i = 0; i < Math.min(warmup, queries.length); i++) await search(app, { collection, query: queries[i] as string, mode, k });
  const wall: number[] = [];
  const total: number[] = [];
  const lexical: number[] = [];
  const embed: number[] = [];
  const denseArm: number[] = [];
  const excluding: number[] = [];
  const fuse: number[] = [];
  const hydrate: number[] = [];
  let results = 0;
  let fellBack = 0;
  const serverBefore = await serverCpu();
  const cpuBefore = process.cpuUsage();
  for (const query of queries) {
    const started = performance.now();
    const response = await search(app, { collection, query, mode, k });
    const elapsed = performance.now() - started;
    wall.push(elapsed);
    const t = response.timings;
    total.push(t.totalMs);
    if (t.lexicalMs !== undefined) lexical.push(t.lexicalMs);
    if (t.embedMs !== undefined) {
      embed.push(t.embedMs);
      excluding.push(elapsed - t.embedMs);
    }
    if (t.denseMs !== undefined) denseArm.push(t.denseMs - (t.embedMs ?? 0));
    fuse.push(t.fusionMs);
    hydrate.push(t.hydrateMs);
    results += response.results.length;
    if (response.mode !== mode) fellBack++;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = await serverCpu();
  const serverMs = postgresCpuSpent(serverBefore, serverAfter);
  const seconds = wall.reduce((sum, ms) => sum + ms, 0) / 1000;
  return {
    /** CPU per query: this process (all threads) and, on PostgreSQL, the database's backends; steadier than wall time on a shared machine. */
    cpuMsPerQuery: { client: round((cpu.user + cpu.system) / 1000 / queries.length, 3), ...(values['database-url'] === undefined ? {} : { server: round(serverMs / queries.length, 3) }) },
    wallMs: latencyStats(wall),
    totalMs: latencyStats(total),
    qps: round(queries.length / seconds, 1),
    ...(lexical.length > 0 ? { lexicalMs: latencyStats(lexical) } : {}),
    ...(embed.length > 0 ? { embedMs: latencyStats(embed), excludingEmbedMs: latencyStats(excluding) } : {}),
    ...(denseArm.length > 0 ? { denseArmMs: latencyStats(denseArm) } : {}),
    fuseMs: latencyStats(fuse),
    hydrateMs: latencyStats(hydrate),
    meanResults: round(results / queries.length, 2),
    fellBack,
  };
}

/** `embedQuery` time of another embedder (the MiniLM-shaped transformer) over the same queries. */
async function measureQueryEmbedding(app: CairnApp, id: string, queries: string[]) {
  const loaded = await app.loadEmbedder(id);
  if (!loaded.embedder) return { embedder: id, unavailable: loaded.unavailableReason ?? 'not loaded' };
  const texts = queries.map((query) => prepareQuery(query).text);
  for (const text of texts.slice(0, Math.min(20, texts.length))) await loaded.embedder.embedQuery(text);
  const samples: number[] = [];
  for (const text of texts) {
    const started = performance.now();
    await loaded.embedder.embedQuery(text);
    samples.push(performance.now() - started);
  }
  return { embedder: id, embedQueryMs: latencyStats(samples) };
}
