/**
 * pgvector HNSW: recall@10 against exact search, dense walk latency and build time, per build variant
 * (vector or halfvec, m, ef_construction, parallel maintenance workers) and per ef_search, with the
 * real query texts of bench/search-latency.ts (30 natural questions + seeded chunk headings) embedded
 * by the collection's own embedder. One run: a throwaway cluster (bench-postgres.ts), the SQLite
 * home copied in once with `cairn db copy`'s copyDatabase (timed: the baseline), then each variant's
 * index built in turn on the same rows, so build times and recalls are compared in one run.
 *
 *   node --import tsx bench/pgvector-index-study.ts --home /tmp/pgperf/sqlite-home --collection study
 *     [--queries 200] [--variants vector:16:64:2,halfvec:16:64:2] [--ef 40,64,100,200]
 *     [--filters 4] [--filtered-queries 50]   (filtered queries: path prefixes of the largest top-level folders)
 *     [--database-url postgres://…]   (a database already holding the copy: skips the cluster and the copy)
 *
 * Exact search is the same statement with index scans off (a sequential scan, exact by construction).
 * Recall is given plain and tie-aware (as ANN-benchmarks counts it): a returned id at least as near as
 * the k-th exact neighbour is a hit; the corpus holds many identical chunks (equal vectors), among which
 * the exact top 10 picks the smallest ids and the index any of them.
 * Filtered queries use the iterative scan (`hnsw.iterative_scan = relaxed_order`) as PgvectorIndex does.
 * Build CPU is the server's: the building backend's own CPU plus its exited parallel workers' (the
 * postmaster's children time), read from /proc (the cluster runs on this machine).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { copyDatabase } from '../src/app/db/copy-database.js';
import { openDatabase } from '../src/app/db/open-database.js';
import { parseStoreLocation } from '../src/app/db/store-location.js';
import { prepareQuery } from '../src/retrieve/query/prepare-query.js';
import { EXACT_FILTER_CHUNKS, filteredSql } from '../src/stores/postgres/pgvector-index.js';
import { vectorLiteral } from '../src/stores/postgres/vector-literal.js';
import { startBenchPostgres } from './bench-postgres.js';
import { buildQueries } from './search-queries.js';
import { MODELS_DIR, benchConfig, latencyStats, loadAverage, machineFacts, openBenchApp, parseIntegerOption, report, round } from './bench-support.js';

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    collection: { type: 'string', default: 'study' },
    queries: { type: 'string', default: '200' },
    seed: { type: 'string', default: '20261121' },
    'models-dir': { type: 'string', default: MODELS_DIR },
    variants: { type: 'string', default: 'vector:16:64:2,vector:16:40:2,halfvec:16:64:2,vector:24:64:2' },
    ef: { type: 'string', default: '40,64,100,150,200,300' },
    filters: { type: 'string', default: '4' },
    /** Filtered queries per prefix (the first N of the query set): a filtered walk is much slower. */
    'filtered-queries': { type: 'string', default: '50' },
    /** A database already holding the collection (a previous run's copy): no cluster, no copy. */
    'database-url': { type: 'string' },
  },
});
if (values.home === undefined) throw new Error('--home <a SQLite CAIRN_HOME holding the collection> is required');
const home = values.home;
const collection = values.collection;
const facts = machineFacts();

interface Variant {
  type: 'vector' | 'halfvec';
  m: number;
  efConstruction: number;
  workers: number;
}
const variants: Variant[] = values.variants.split(',').map((spec) => {
  const [type, m, efc, workers] = spec.split(':');
  if (type !== 'vector' && type !== 'halfvec') throw new Error(`variant ${spec}: type must be vector or halfvec`);
  return { type, m: Number(m), efConstruction: Number(efc), workers: Number(workers ?? 2) };
});
const efValues = values.ef.split(',').map(Number);
const filteredCount = parseIntegerOption(values['filtered-queries'], 'filtered-queries') ?? 50;

/** Recall@k plain (the exact ids) and tie-aware (a returned id as near as the k-th exact one counts). */
function recallOf(got: Ranked[], exact: Ranked[]): { plain: number; tieAware: number } {
  let hits = 0;
  let tied = 0;
  let total = 0;
  got.forEach((result, index) => {
    const truth = exact[index]!;
    const ids = new Set(truth.ids);
    const threshold = (truth.exactDistances.at(-1) ?? Number.POSITIVE_INFINITY) + 1e-6;
    total += ids.size;
    hits += result.ids.filter((id) => ids.has(id)).length;
    tied += Math.min(ids.size, result.exactDistances.filter((distance) => distance <= threshold).length);
  });
  return total === 0 ? { plain: 1, tieAware: 1 } : { plain: round(hits / total, 4), tieAware: round(tied / total, 4) };
}

interface Ranked {
  ids: number[];
  /** Each id's exact cosine distance (float4 vectors), whatever type the index walked. */
  exactDistances: number[];
}

/** Server CPU seconds of the backend `pid` plus the postmaster's exited children (parallel workers). */
function serverCpuSeconds(pid: number): number {
  const fields = (path: string) => readFileSync(path, 'utf8').replace(/^.*\) /, '').split(' ');
  const own = fields(`/proc/${pid}/stat`);
  const postmaster = fields(`/proc/${Number(own[1])}/stat`);
  // After "pid (comm) ": state is [0], ppid [1], utime [11], stime [12], cutime [13], cstime [14].
  return (Number(own[11]) + Number(own[12]) + Number(postmaster[13]) + Number(postmaster[14])) / 100;
}

async function timedBuild(client: pg.Client, variant: Variant, d: number, collectionId: number) {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0]!.pid;
  await client.query("SET maintenance_work_mem = '1GB'");
  await client.query(`SET max_parallel_maintenance_workers = ${variant.workers}`);
  const loadBefore = loadAverage();
  const cpuBefore = serverCpuSeconds(pid);
  const started = performance.now();
  const ops = variant.type === 'vector' ? 'vector_cosine_ops' : 'halfvec_cosine_ops';
  await client.query(`CREATE INDEX chunks_hnsw_${collectionId} ON chunks USING hnsw ((embedding::${variant.type}(${d})) ${ops})
    WITH (m = ${variant.m}, ef_construction = ${variant.efConstruction}) WHERE collection_id = ${collectionId}`);
  const seconds = round((performance.now() - started) / 1000, 2);
  const cpu = round(serverCpuSeconds(pid) - cpuBefore, 2);
  const { rows: size } = await client.query<{ mb: number }>(`SELECT round(pg_relation_size('chunks_hnsw_${collectionId}') / 1048576.0, 1)::float8 AS mb`);
  await client.query('RESET maintenance_work_mem');
  await client.query('RESET max_parallel_maintenance_workers');
  return { seconds, serverCpuSeconds: cpu, indexMiB: size[0]!.mb, loadBefore, loadAfter: loadAverage() };
}

/** PgvectorIndex's statement (a halfvec variant casts both sides to halfvec) on connections with the session's settings. */
class Searcher {
  readonly #pool: pg.Pool;
  readonly #variant: Variant;
  readonly #d: number;
  readonly #collectionId: number;
  readonly #exact: boolean;

  constructor(url: string, variant: Variant, d: number, collectionId: number, options: { efSearch?: number; exact?: boolean }) {
    const settings = options.exact ? '-c enable_indexscan=off' : `-c hnsw.ef_search=${options.efSearch} -c hnsw.iterative_scan=relaxed_order`;
    this.#pool = new pg.Pool({ connectionString: url, max: 1, options: settings });
    this.#variant = variant;
    this.#d = d;
    this.#collectionId = collectionId;
    this.#exact = options.exact === true;
  }

  async run(list: { vector: Float32Array }[], prefix: string | undefined): Promise<{ results: Ranked[]; latency: ReturnType<typeof latencyStats> }> {
    const t = `${this.#variant.type}(${this.#d})`;
    const join = prefix === undefined ? '' : 'JOIN documents d ON d.id = c.document_id AND starts_with(d.relative_path, $3)';
    // A filtered query on a vector index is PgvectorIndex's own statement (the exact scan below EXACT_FILTER_CHUNKS).
    const sql = prefix !== undefined && this.#variant.type === 'vector' && !this.#exact ? filteredSql(this.#collectionId, this.#d, 'starts_with(d.relative_path, $3)', EXACT_FILTER_CHUNKS) : `WITH nearest AS MATERIALIZED (
        SELECT c.id, c.embedding::${t} <=> $1::${t} AS distance FROM chunks c ${join}
        WHERE c.collection_id = ${this.#collectionId} AND c.embedding IS NOT NULL
        ORDER BY c.embedding::${t} <=> $1::${t} LIMIT $2)
      SELECT id FROM nearest ORDER BY distance, id`;
    const results: Ranked[] = [];
    const millis: number[] = [];
    for (const query of list) {
      const params: unknown[] = [vectorLiteral(query.vector), 10];
      if (prefix !== undefined) params.push(prefix);
      const started = performance.now();
      const { rows } = await this.#pool.query<{ id: string }>(sql, params);
      millis.push(performance.now() - started);
      const ids = rows.map((row) => Number(row.id));
      // Not timed: the exact distances of what came back, for the tie-aware recall.
      const exact = await this.#pool.query<{ id: string; distance: number }>(
        `SELECT id, embedding::vector(${this.#d}) <=> $1::vector(${this.#d}) AS distance FROM chunks WHERE id = ANY($2::bigint[])`,
        [params[0], ids],
      );
      const distanceOf = new Map(exact.rows.map((row) => [Number(row.id), row.distance]));
      results.push({ ids, exactDistances: ids.map((id) => distanceOf.get(id) as number).sort((a, b) => a - b) });
    }
    return { results, latency: latencyStats(millis) };
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

// Real query texts, embedded by the collection's embedder (the SQLite home's app).
const sqliteApp = await openBenchApp({ home, modelsDir: values['models-dir'] });
let queries: { text: string; vector: Float32Array }[];
let dimensions: number;
try {
  const record = await sqliteApp.chunks.getCollection(collection);
  if (!record) throw new Error(`Collection "${collection}" does not exist in ${home}.`);
  dimensions = record.dimensions;
  const loaded = await sqliteApp.loadEmbedder(record.embedder);
  if (!loaded.embedder) throw new Error(`embedder ${record.embedder} unavailable`);
  const texts = await buildQueries(sqliteApp, collection, parseIntegerOption(values.queries, 'queries') ?? 200, Number(values.seed));
  queries = [];
  for (const text of texts) queries.push({ text, vector: await loaded.embedder.embedQuery(prepareQuery(text).text) });
} finally {
  await sqliteApp.close();
}

const cluster = values['database-url'] === undefined ? await startBenchPostgres() : undefined;
try {
  let url: string;
  let copy: Record<string, unknown> | undefined;
  if (cluster === undefined) url = values['database-url']!;
  else {
    url = await cluster.createDatabase('study');
    const config = benchConfig({ home, modelsDir: values['models-dir'] });
    const source = await openDatabase(parseStoreLocation(join(home, 'cairn.db'), home), config);
    const target = await openDatabase(parseStoreLocation(url, home), config);
    const copyLoadBefore = loadAverage();
    let copySeconds: number;
    try {
      const copied = await copyDatabase(source, target);
      copySeconds = round(copied.millis / 1000, 1);
    } finally {
      await Promise.all([source.close(), target.close()]);
    }
    copy = { seconds: copySeconds, store: config.store.hnsw, loadBefore: copyLoadBefore, loadAfter: loadAverage() };
    process.stderr.write(`copied in ${copySeconds} s\n`);
  }

  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows: collections } = await admin.query<{ id: number }>('SELECT id FROM collections WHERE name = $1', [collection]);
    const collectionId = collections[0]!.id;
    const { rows: folders } = await admin.query<{ prefix: string; chunks: number }>(
      `SELECT split_part(d.relative_path, '/', 1) || '/' AS prefix, count(*)::int AS chunks FROM chunks c JOIN documents d ON d.id = c.document_id
       WHERE c.collection_id = $1 GROUP BY 1 ORDER BY 2 DESC LIMIT $2`,
      [collectionId, parseIntegerOption(values.filters, 'filters') ?? 4],
    );
    const { rows: totals } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks WHERE collection_id = $1', [collectionId]);
    const exactSearch = new Searcher(url, { type: 'vector', m: 0, efConstruction: 0, workers: 0 }, dimensions, collectionId, { exact: true });
    const exactPlain = await exactSearch.run(queries, undefined);
    const exactFiltered = await Promise.all(folders.map(async (folder) => exactSearch.run(queries.slice(0, filteredCount), folder.prefix)));
    await exactSearch.close();

    const results = [];
    for (const variant of variants) {
      await admin.query(`DROP INDEX IF EXISTS chunks_hnsw_${collectionId}`);
      const build = await timedBuild(admin, variant, dimensions, collectionId);
      process.stderr.write(`built ${JSON.stringify(variant)} in ${build.seconds} s\n`);
      const perEf = [];
      for (const ef of efValues) {
        const searcher = new Searcher(url, variant, dimensions, collectionId, { efSearch: ef });
        await searcher.run(queries.slice(0, 20), undefined); // warm-up: the graph's pages into shared buffers / page cache
        const plain = await searcher.run(queries, undefined);
        const filtered = [];
        for (const [index, folder] of folders.entries()) {
          const got = await searcher.run(queries.slice(0, filteredCount), folder.prefix);
          filtered.push({ prefix: folder.prefix, share: round(folder.chunks / totals[0]!.n, 3), recall: recallOf(got.results, exactFiltered[index]!.results), p50Ms: got.latency.p50 });
        }
        await searcher.close();
        perEf.push({ efSearch: ef, recall: recallOf(plain.results, exactPlain.results), p50Ms: plain.latency.p50, p99Ms: plain.latency.p99, filtered });
        process.stderr.write(`  ef_search ${ef}: recall ${JSON.stringify(perEf.at(-1)!.recall)} filtered ${JSON.stringify(perEf.at(-1)!.filtered.map((f) => f.recall))}, p50 ${plain.latency.p50} ms\n`);
      }
      results.push({ variant, build, perEf });
    }
    await admin.query(`DROP INDEX IF EXISTS chunks_hnsw_${collectionId}`);
    const summary = results.flatMap(({ variant, build, perEf }) => [
      `${variant.type} m ${variant.m} ef_construction ${variant.efConstruction} workers ${variant.workers}: build ${build.seconds} s wall, ${build.serverCpuSeconds} s server CPU, ${build.indexMiB} MiB`,
      ...perEf.map((row) => `  ef_search ${row.efSearch}: recall@10 ${row.recall.plain} tie-aware ${row.recall.tieAware} (filtered ${row.filtered.map((f) => `${f.recall.plain}/${f.recall.tieAware}`).join(', ')}), p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`),
    ]);
    report('pgvector-index-study', {
      facts,
      
      chunks: totals[0]!.n,
      dimensions,
      queries: queries.length,
      filters: folders,
      copy,
      exactP50Ms: exactPlain.latency.p50,
      results,
      loadAverageAfter: loadAverage(),
    }, [copy === undefined ? 'copy: not in this run' : `copy ${copy.seconds} s (load ${(copy.loadBefore as number[]).join(' ')})`, ...summary]);
  } finally {
    await admin.end();
  }
} finally {
  await cluster?.server.dispose();
}

