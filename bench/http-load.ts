/**
 * HTTP load on `cairn serve` at ~100k chunks (the docs corpus): lexical and hybrid `GET /v1/search`
 * driven by autocannon over 127.0.0.1, each request with another query (nothing is cached), reporting
 * requests/s, p50/p99, errors and the server's RSS. Targets on 2 cores: lexical >= 1,000 requests/s,
 * hybrid (the MiniLM-shaped model embedding each query) >= 200 requests/s, zero errors.
 *
 *   node --import tsx bench/http-load.ts [--home <dir>] [--limit-files N] [--seconds 20] [--connections 16]
 *     [--modes lexical,hybrid] [--models-dir /work/shared/models] [--no-build] [--cpu-prof <dir>]
 *   node --import tsx bench/http-load.ts --mixed --minutes 10 [--home <dir>] [--connections 8]
 *   node --import tsx bench/http-load.ts --home <dir> --database-url postgres://… --collection study --hybrid-collection study
 *
 * --database-url serves from PostgreSQL (CAIRN_DATABASE_URL; the home keeps only the configuration).
 * --collection / --hybrid-collection search existing collections instead of building `bench` and
 * `bench-minilm` (a hybrid collection of the static model embeds each query with that model, not the
 * MiniLM-shaped one). Run SQLite and PostgreSQL one after the other with the same collections and
 * compare their ratio: the machine is shared.
 *
 * The store: collection `bench` (static model, 256-d) ingested from the corpus, and `bench-minilm`, the
 * same chunks recorded under the MiniLM-shaped embedder with 384-d vectors (see copyWithPaddedVectors).
 * Both are built once; --home keeps them for the next run. The server is the real binary
 * (bin/cairn.js serve, dist/ rebuilt first) in its own process, so the client's CPU and memory are not
 * the server's; rate limits stay on with a budget no run reaches.
 *
 * --mixed runs, for N minutes, concurrent loops of searches (lexical and hybrid), streamed answers
 * against the stand-in LLM server, and uploads (POST /v1/collections/:name/documents, when the
 * server has that route), and reports status codes (5xx must be 0) and RSS samples over time.
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startStandInLlmServer } from '../src/testing/stand-in-llm-server.js';
import {
  DOCS_CORPUS, MINILM_SHAPED_EMBEDDER, MODELS_DIR, STATIC_EMBEDDER, copySubset, loadAverage, machineFacts, openBenchApp,
  parseIntegerOption, removeDirectory, report, round, temporaryDirectory, type BenchConfigOptions,
} from './bench-support.js';
import { buildDist, copyWithPaddedVectors, cpuMsOf, postgresBackendCpu, postgresCpuSpent, peakRssOfMiB, rssMiB, startServe, waitForIdleJobs, waitForSearchIndexes } from './http-load-support.js';
import { runMixed } from './http-load-mixed.js';
import { buildQueries } from './search-queries.js';
import { ingest } from '../src/app/ingest.js';

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    'limit-files': { type: 'string' },
    source: { type: 'string', default: DOCS_CORPUS },
    'models-dir': { type: 'string', default: MODELS_DIR },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string' },
    modes: { type: 'string', default: 'lexical,hybrid' },
    queries: { type: 'string', default: '2000' },
    mixed: { type: 'boolean', default: false },
    minutes: { type: 'string', default: '10' },
    'no-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'database-url': { type: 'string' },
    collection: { type: 'string', default: 'bench' },
    'hybrid-collection': { type: 'string', default: 'bench-minilm' },
  },
});

const facts = machineFacts();
const work = temporaryDirectory('cairn-bench-http-');
const home = values.home ?? `${work}/home`;
const LEXICAL = values.collection;
const HYBRID = values['hybrid-collection'];
const databaseUrl = values['database-url'];
const backend = databaseUrl === undefined ? 'sqlite' : 'postgres';
const appOptions: BenchConfigOptions = { home, embedder: STATIC_EMBEDDER, modelsDir: values['models-dir'], ...(databaseUrl === undefined ? {} : { databaseUrl }) };

try {
  const prepared = await prepareStore();
  if (!values['no-build']) buildDist();
  const llm = values.mixed ? await startStandInLlmServer({ tokenDelayMs: 5 }) : null;
  const serverLog = { errors: 0, lines: 0 };
  const server = await startServe(
    {
      CAIRN_HOME: home, CAIRN_MODELS_DIR: values['models-dir'], CAIRN_EMBEDDER: STATIC_EMBEDDER, CAIRN_OFFLINE: '1',
      CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_RATE_LIMIT_MAX: '1000000000',
      ...(llm ? { CAIRN_LLM_URL: llm.url } : {}),
      ...(databaseUrl === undefined ? {} : { CAIRN_DATABASE_URL: databaseUrl }),
    },
    (line) => {
      serverLog.lines += 1;
      if (/"level":(50|60)/.test(line)) serverLog.errors += 1;
    },
    values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [],
  );
  const headers = { authorization: `Bearer ${prepared.key}` };
  try {
    await waitForIdleJobs(server.url, headers);
    const accelerators = await waitForSearchIndexes(server.url, headers);
    if (values.mixed) {
      const minutes = Number(values.minutes);
      const result = await runMixed({
        url: server.url, headers, minutes, connections: parseIntegerOption(values.connections, 'connections') ?? 8,
        lexical: LEXICAL, hybrid: HYBRID, queries: prepared.queries, uploadSource: values.source, pid: server.pid,
      });
      // Uploads still being ingested would resume at the next start and load the next measurement.
      await waitForIdleJobs(server.url, headers);
      report('http-load-mixed', { ...facts, loadAverageAfter: loadAverage(), home: values.home ?? '(temporary)', chunks: prepared.chunks, serverErrorLogLines: serverLog.errors, ...result }, [
        `http-load --mixed  ${facts.at}  ${facts.cpus} x ${facts.cpuModel}  load ${facts.loadAverageBefore.join(' ')} -> ${loadAverage().join(' ')}`,
        `store            ${prepared.chunks.lexical} chunks (${LEXICAL}), ${prepared.chunks.hybrid} (${HYBRID})`,
        `duration         ${result.minutes} min, ${result.connections} loops`,
        ...Object.entries(result.byKind).map(([kind, r]) => `${kind.padEnd(16)} ${r.requests} requests, statuses ${JSON.stringify(r.statuses)}, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`),
        ...(result.uploadsSkipped ? [`uploads          skipped: ${result.uploadsSkipped}`] : []),
        `5xx              ${result.serverErrors}   (target 0); transport errors ${result.transportErrors}; server error log lines ${serverLog.errors}`,
        `RSS (MiB)        ${result.rssSamples.map((s) => `${s.minute}m:${s.rssMiB}`).join(' ')}`,
        `RSS growth       ${result.rssGrowthSecondHalfMiB} MiB over the second half   (target: stops growing)`,
      ]);
    } else {
      const seconds = parseIntegerOption(values.seconds, 'seconds') ?? 20;
      const runs = [];
      for (const mode of values.modes.split(',').map((m) => m.trim()).filter(Boolean)) {
        if (mode !== 'lexical' && mode !== 'hybrid') throw new Error(`--modes takes lexical and hybrid, not ${mode}`);
        const connections = parseIntegerOption(values.connections, 'connections') ?? (mode === 'lexical' ? 16 : 8);
        runs.push(await loadRun(server.url, headers, mode, connections, seconds, prepared.queries, server.pid));
      }
      const target = { lexical: 1000, hybrid: 200 } as const;
      report('http-load', { ...facts, backend, loadAverageAfter: loadAverage(), home: values.home ?? '(temporary)', chunks: prepared.chunks, serverErrorLogLines: serverLog.errors, accelerators, runs, serverPeakRssMiB: peakRssOfMiB(server.pid) }, [
        `http-load  [${backend}]  ${facts.at}  ${facts.cpus} x ${facts.cpuModel}  node ${facts.node}  load ${facts.loadAverageBefore.join(' ')} -> ${loadAverage().join(' ')}`,
        `store      ${prepared.chunks.lexical} chunks (${LEXICAL}), ${prepared.chunks.hybrid} (${HYBRID}, ${prepared.hybridEmbedder})`,
        `lexical    in-memory BM25 postings: ${accelerators.length === 0 ? 'none (FTS5 alone)' : accelerators.map((a) => `${a.collection} ${a.state}${a.builtInMs === undefined ? '' : ` (built in ${a.builtInMs} ms, ${round(a.bytes / 2 ** 20, 1)} MiB)`}`).join(', ')}`,
        ...runs.map((r) => `${r.mode.padEnd(8)}   ${r.requestsPerSecond} req/s (target >= ${target[r.mode]}), p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.connections} connections, ${r.seconds} s, errors ${r.errors}, non-2xx ${r.non2xx}, server CPU ${r.serverCpuMsPerRequest} ms/request${r.postgresCpuMsPerRequest === undefined ? '' : ` + PostgreSQL ${r.postgresCpuMsPerRequest} ms`}, RSS ${r.serverRssMiB} MiB`),
        `server     peak RSS ${peakRssOfMiB(server.pid)} MiB; error log lines ${serverLog.errors}`,
      ]);
    }
  } finally {
    await server.stop();
    await llm?.close();
  }
} finally {
  removeDirectory(work);
}

/** Ingests the corpus (or a subset) into `bench` and copies it into `bench-minilm` unless --home already has them. */
async function prepareStore() {
  const app = await openBenchApp(appOptions);
  try {
    if (LEXICAL === 'bench' && !((await app.chunks.getCollection(LEXICAL))?.chunkCount ?? 0)) {
      const limit = parseIntegerOption(values['limit-files'], 'limit-files');
      const source = limit === undefined ? values.source : copySubset(values.source, limit, work).root;
      process.stderr.write(`ingesting ${source} into ${LEXICAL} (static model)…\n`);
      const summary = await ingest(app, { collection: LEXICAL, sources: [source] });
      process.stderr.write(`ingested ${summary.chunksWritten} chunks in ${round(summary.millis.total / 1000, 1)} s\n`);
    }
    if (HYBRID === 'bench-minilm' && !(await app.chunks.getCollection(HYBRID))) {
      process.stderr.write(`copying ${LEXICAL} into ${HYBRID} (384-d, ${MINILM_SHAPED_EMBEDDER})…\n`);
      await copyWithPaddedVectors(app, LEXICAL, HYBRID, MINILM_SHAPED_EMBEDDER, 384);
    }
    const queries = await buildQueries(app, LEXICAL, parseIntegerOption(values.queries, 'queries') ?? 2000, 20261121);
    const { key } = await app.keys.create(`http-load ${facts.at}`, ['admin']);
    const chunks = { lexical: (await app.chunks.getCollection(LEXICAL))?.chunkCount ?? 0, hybrid: (await app.chunks.getCollection(HYBRID))?.chunkCount ?? 0 };
    const hybridEmbedder = (await app.chunks.getCollection(HYBRID))?.embedder ?? '(missing)';
    return { queries, key, chunks, hybridEmbedder };
  } finally {
    await app.close();
  }
}

/** One autocannon run of `GET /v1/search` in one mode, each request with the next query. */
async function loadRun(url: string, headers: Record<string, string>, mode: 'lexical' | 'hybrid', connections: number, seconds: number, queries: string[], pid: number) {
  const collection = mode === 'lexical' ? LEXICAL : HYBRID;
  let next = 0;
  const path = () => `/v1/search?${new URLSearchParams({ q: queries[next++ % queries.length]!, collection, mode, k: '10' })}`;
  // Warm-up: loads the embedder and the vector index, outside the measurement.
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${url}${path()}`, { headers });
    if (!response.ok) throw new Error(`warm-up ${mode} search answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }
  const cpuBefore = cpuMsOf(pid);
  const postgresBefore = await postgresBackendCpu(values['database-url']);
  const result = await autocannon({
    url, connections, duration: seconds, headers,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path() }) }],
  });
  return {
    mode, connections, seconds,
    requests: result.requests.total,
    requestsPerSecond: round(result.requests.total / result.duration, 1),
    p50Ms: result.latency.p50, p90Ms: result.latency.p90, p99Ms: result.latency.p99, maxMs: result.latency.max,
    errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, status5xx: result['5xx'],
    /** Server CPU (all its threads) per request: steadier than requests/s on a shared machine. */
    serverCpuMsPerRequest: round((cpuMsOf(pid) - cpuBefore) / Math.max(1, result.requests.total), 3),
    /** PostgreSQL's backends' CPU per request (with --database-url). */
    ...(values['database-url'] === undefined ? {} : { postgresCpuMsPerRequest: round(postgresCpuSpent(postgresBefore, await postgresBackendCpu(values['database-url'])) / Math.max(1, result.requests.total), 3) }),
    serverRssMiB: rssMiB(pid),
  };
}
