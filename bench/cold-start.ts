/**
 * Cold paths (issue 12 §4): how long the first search takes in a process that just opened the store,
 * (a) after a `kill -9` during an ingest, and (b) after a clean start with a current graph snapshot, and
 * what it returns. Baseline in the same run: the time until the HNSW graph is ready, which is what a
 * first dense search waited for before searches stopped waiting for derived indexes.
 *
 *   node --import tsx bench/cold-start.ts [--chunks 100000] [--queries 20] [--crash both|paced|unpaced] [--baseline DIR]
 *
 * `--baseline DIR`: a second checkout (with node_modules, e.g. `git worktree add DIR main` and a link to
 * this checkout's node_modules) whose probe runs on a copy of the same killed store, taken before either
 * probe touched it; its clean start probes its own copy after its own catch-up (what its code leaves).
 * The report then gives both, and the ratio, from the same run.
 *
 * Two crashes. `unpaced` (pessimistic): the writer writes as fast as SQLite takes chunks (100k in
 * ≈ 17 s on a quiet machine), far faster than the graph worker inserts them, so the snapshot at the
 * kill holds a small part and the tail is most of the collection. `paced` (the design's contract): the
 * writer waits whenever the last snapshot lags it by more than snapshotEveryChunks + 2,000 chunks (one
 * refresh), as a real ingest does without trying, because embedding a chunk costs more than inserting it
 * into the graph; the tail at the kill is then at most that. The goal is checked against `paced`.
 *
 * The corpus is synthetic, built fast: 384-dimensional unit vectors clustered around 64 seeded centres
 * (the shape of real embeddings) and texts drawn from a seeded word list, 10 chunks per document,
 * written through the chunk store and pushed to the vector index as an ingest does (IndexSync). Default
 * config HNSW parameters (M 32, efConstruction 200, efSearch 400) and snapshotEveryChunks 20,000.
 * Each probe is a fresh process: it opens the store as `cairn serve` does (lexical accelerator on,
 * indexes warmed in the background as warmSearch does — the graph, then the postings — not awaited),
 * then searches at once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IndexSync } from '../src/ingest/index-sync.js';
import { analyzeForIndex } from '../src/models/tokenize/lexical-analyzer.js';
import { makeChunk, makeDocument, normalize } from '../src/stores/store-contract-fixtures.js';
import { snapshotPaths } from '../src/stores/sqlite/hnsw-snapshot.js';
import { openSqliteStore } from '../src/stores/sqlite/open-sqlite-store.js';
import { seededRandom } from '../src/core/seeded-random.js';
import { loadAverage, machineFacts, parseIntegerOption, removeDirectory, report, round, temporaryDirectory } from './bench-support.js';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string' },
    queries: { type: 'string' },
    role: { type: 'string' },
    db: { type: 'string' },
    out: { type: 'string' },
    crash: { type: 'string' },
    paced: { type: 'boolean' },
    baseline: { type: 'string' },
  },
});
const CHUNKS = parseIntegerOption(values.chunks, 'chunks') ?? 100_000;
const QUERIES = parseIntegerOption(values.queries, 'queries') ?? 20;
const DIMENSIONS = 384;
const CLUSTERS = 64;
const PER_DOCUMENT = 10;
const COLLECTION = 'cold';
const HNSW = { m: 32, efConstruction: 200, efSearch: 400 };
const SNAPSHOT_EVERY_CHUNKS = 20_000;
/** The paced writer lets the last snapshot lag by at most this many chunks (snapshotEveryChunks + one refresh). */
const PACED_LAG = SNAPSHOT_EVERY_CHUNKS + 2_000;
const BASELINE = values.baseline;
const CRASHES = values.crash === undefined || values.crash === 'both' ? ['paced', 'unpaced'] : [values.crash];
if (CRASHES.some((crash) => crash !== 'paced' && crash !== 'unpaced')) throw new Error(`--crash must be both, paced or unpaced (got ${values.crash})`);
const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu amber basalt cobalt dune ember flint granite harbor iris jasper kelp lagoon marble nickel onyx pumice quartz ridge slate tundra umber vale willow'.split(' ');

function storeOptions(path: string) {
  return { path, lexicalAnalyzer: analyzeForIndex, hnsw: HNSW, snapshotEveryChunks: SNAPSHOT_EVERY_CHUNKS, lexicalAccelerator: true };
}

/** The same clustered vectors in every process: centres from seed 1, points from a per-chunk seed. */
function makeVectorSource(): (index: number) => Float32Array {
  const random = seededRandom(1);
  const gaussian = (next: () => number) => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const centres = Array.from({ length: CLUSTERS }, () => normalize(Float32Array.from({ length: DIMENSIONS }, () => gaussian(random))));
  return (index) => {
    const local = seededRandom(1000 + index);
    const centre = centres[index % CLUSTERS]!;
    return normalize(centre.map((value) => value + (0.8 * gaussian(local)) / Math.sqrt(DIMENSIONS)));
  };
}

function textOf(index: number): string {
  const random = seededRandom(500_000 + index);
  return `${Array.from({ length: 40 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ')} chunk${index}`;
}

/** Child: writes documents until killed, printing the chunk count after each thousand; `paced`: see the header. */
async function writer(path: string, paced: boolean): Promise<void> {
  const home = join(path, '..');
  const store = await openSqliteStore(storeOptions(path));
  await store.chunks.createCollection(COLLECTION, { embedder: 'synthetic:clustered-384', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0 });
  const sync = new IndexSync({ vectors: store.vectors, chunks: store.chunks }, COLLECTION, () => undefined);
  const vectorOf = makeVectorSource();
  for (let written = 0; ; ) {
    const chunks = Array.from({ length: PER_DOCUMENT }, (_, ordinal) => makeChunk(ordinal, textOf(written + ordinal), vectorOf(written + ordinal)));
    const document = makeDocument(COLLECTION, `d/${written / PER_DOCUMENT}.txt`, chunks);
    const result = await store.chunks.writeDocument(document);
    await sync.written([{ document, result }]);
    written += PER_DOCUMENT;
    if (written % 1000 !== 0) continue;
    process.stdout.write(`written ${written}\n`);
    while (paced && written - (sidecarOf(home)?.count ?? 0) > PACED_LAG) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exactTop(matrix: Float32Array, ids: number[], query: Float32Array, k: number): number[] {
  const scores = ids.map((id, row) => {
    let sum = 0;
    for (let d = 0; d < DIMENSIONS; d++) sum += matrix[row * DIMENSIONS + d]! * query[d]!;
    return { id, sum };
  });
  return scores.sort((a, b) => b.sum - a.sum || a.id - b.id).slice(0, k).map((item) => item.id);
}

/** Child: opens the store as a server does and searches at once; writes its measurements as JSON. */
async function probe(path: string, out: string): Promise<void> {
  const loadAt = loadAverage();
  const started = performance.now();
  const store = await openSqliteStore(storeOptions(path));
  const openedMs = performance.now() - started;
  // What warmSearch does after the server listens, not awaited: the graph, then the BM25 postings.
  const ready = (async () => {
    await store.vectors.open(COLLECTION, DIMENSIONS);
    return performance.now() - started;
  })();
  const lexicalReady = ready.then(() => store.lexical.warm!(COLLECTION)).then(() => performance.now() - started);
  const queryVector = makeVectorSource();
  const queries = Array.from({ length: QUERIES }, (_, i) => queryVector(10_000_000 + i));
  const terms = analyzeForIndex(`${WORDS[3]} ${WORDS[17]} ${WORDS[40]}`).split(' ');
  const t0 = performance.now();
  const first = await store.vectors.search({ collection: COLLECTION, vector: queries[0]!, k: 10 });
  const firstDenseMs = performance.now() - t0;
  const t1 = performance.now();
  const lexicalHits = await store.lexical.search({ collection: COLLECTION, terms, k: 10 });
  const firstLexicalMs = performance.now() - t1;
  const coldResults: number[][] = [first.map((hit) => hit.chunkId)];
  const coldMs: number[] = [firstDenseMs];
  let coldWhileLoading = 1;
  for (const query of queries.slice(1)) {
    const loading = !store.vectors.isReady(COLLECTION);
    const t = performance.now();
    coldResults.push((await store.vectors.search({ collection: COLLECTION, vector: query, k: 10 })).map((hit) => hit.chunkId));
    coldMs.push(performance.now() - t);
    if (loading) coldWhileLoading++;
  }
  const readyMs = await ready;
  const lexicalReadyMs = await lexicalReady;
  const warmResults: number[][] = [];
  const warmMs: number[] = [];
  for (const query of queries) {
    const t = performance.now();
    warmResults.push((await store.vectors.search({ collection: COLLECTION, vector: query, k: 10 })).map((hit) => hit.chunkId));
    warmMs.push(performance.now() - t);
  }
  const status = await store.vectors.open(COLLECTION, DIMENSIONS);
  // Independent exact answers: every stored vector, scored here.
  const ids: number[] = [];
  const rows: Float32Array[] = [];
  for await (const page of store.chunks.iterateVectors(COLLECTION, 0, 4096)) {
    for (const item of page) {
      ids.push(item.id);
      rows.push(item.vector);
    }
  }
  const matrix = new Float32Array(ids.length * DIMENSIONS);
  rows.forEach((row, i) => matrix.set(row, i * DIMENSIONS));
  const recall = (results: number[][]) => {
    let hit = 0;
    results.forEach((result, i) => {
      const exact = new Set(exactTop(matrix, ids, queries[i]!, 10));
      hit += result.filter((id) => exact.has(id)).length;
    });
    return round(hit / (results.length * 10), 4);
  };
  await store.close();
  const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  writeFileSync(
    out,
    JSON.stringify({
      loadAverage1: loadAt[0],
      vectors: ids.length,
      openStoreMs: round(openedMs),
      firstDenseMs: round(firstDenseMs),
      firstLexicalMs: round(firstLexicalMs),
      lexicalHits: lexicalHits.length,
      coldQueries: coldWhileLoading,
      coldMedianMs: round(median(coldMs)),
      coldRecallAt10: recall(coldResults),
      graphReadyMs: round(readyMs),
      graphSource: status.source,
      lexicalAcceleratorReadyMs: round(lexicalReadyMs),
      warmMedianMs: round(median(warmMs)),
      warmRecallAt10: recall(warmResults),
    }),
  );
}

function runChild(
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
  checkout?: string,
): Promise<{ signal: NodeJS.Signals | null; code: number | null }> {
  const script = checkout === undefined ? fileURLToPath(import.meta.url) : join(checkout, 'bench', 'cold-start.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], ...(checkout === undefined ? {} : { cwd: checkout }) });
  let buffer = '';
  child.stdout.on('data', (data: Buffer) => {
    buffer += data.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) onLine?.(line, () => child.kill('SIGKILL'));
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function temporariesIn(home: string): string[] {
  try {
    return readdirSync(join(home, 'vectors')).filter((name) => name.includes('.tmp-'));
  } catch {
    return [];
  }
}

function sidecarOf(home: string): { count: number; watermark: number } | undefined {
  try {
    return JSON.parse(readFileSync(snapshotPaths(join(home, 'vectors'), COLLECTION).sidecar, 'utf8')) as { count: number; watermark: number };
  } catch {
    return undefined;
  }
}

interface CrashRun {
  crash: string;
  chunks: number;
  writeSeconds: number;
  snapshotAtKill: { count: number; watermark: number } | null;
  temporariesAtKill: number;
  temporariesAfterReopen: number;
  afterCrash: Record<string, number>;
  /** Only for the last crash run: a clean start of the same store once the graph was caught up. */
  afterStart?: Record<string, number>;
  /** The same probes by the --baseline checkout, on its copy of the store. */
  baseline?: { afterCrash: Record<string, number>; afterStart?: Record<string, number> };
}

/** Runs a probe (of this checkout or of `checkout`) on the store at `path`; answers its measurements. */
async function runProbe(path: string, out: string, checkout?: string): Promise<Record<string, number>> {
  await runChild(['--role', 'probe', '--db', path, '--out', out, '--queries', String(QUERIES)], undefined, checkout);
  return JSON.parse(readFileSync(out, 'utf8')) as Record<string, number>;
}

async function crashRun(crash: string, cleanStartToo: boolean): Promise<CrashRun> {
  const home = temporaryDirectory('cairn-bench-cold-');
  const path = join(home, 'cairn.db');
  try {
    const writeStarted = performance.now();
    let killedAt = 0;
    const writerArgs = ['--role', 'writer', '--db', path, ...(crash === 'paced' ? ['--paced'] : [])];
    const writerExit = await runChild(writerArgs, (line, kill) => {
      const written = Number(line.split(' ')[1]);
      if (killedAt === 0 && written >= CHUNKS) {
        killedAt = written;
        kill();
      }
    });
    if (writerExit.signal !== 'SIGKILL') throw new Error(`the writer exited by itself (${writerExit.code})`);
    const writeSeconds = round((performance.now() - writeStarted) / 1000, 1);
    const atKill = sidecarOf(home);
    const temporaries = temporariesIn(home);
    const baselineHome = `${home}-baseline`;
    if (BASELINE !== undefined) {
      cpSync(home, baselineHome, { recursive: true });
      // The copy's write-back (≈ 450 MB) must not land on the next probe's first search.
      spawnSync('sync');
    }
    const afterCrash = await runProbe(path, join(home, 'after-crash.json'));
    const leftTemporaries = temporariesIn(home);
    const run: CrashRun = {
      crash,
      chunks: killedAt,
      writeSeconds,
      snapshotAtKill: atKill ?? null,
      temporariesAtKill: temporaries.length,
      temporariesAfterReopen: leftTemporaries.length,
      afterCrash,
    };
    if (BASELINE !== undefined) run.baseline = { afterCrash: await runProbe(join(baselineHome, 'cairn.db'), join(baselineHome, 'after-crash.json'), BASELINE) };
    if (cleanStartToo) {
      run.afterStart = await runProbe(path, join(home, 'after-start.json'));
      if (run.baseline !== undefined) run.baseline.afterStart = await runProbe(join(baselineHome, 'cairn.db'), join(baselineHome, 'after-start.json'), BASELINE);
    }
    return run;
  } finally {
    removeDirectory(home);
    removeDirectory(`${home}-baseline`);
  }
}

async function main(): Promise<void> {
  const facts = machineFacts();
  const runs: CrashRun[] = [];
  for (const [i, crash] of CRASHES.entries()) runs.push(await crashRun(crash, i === CRASHES.length - 1));
  const result = { facts, loadAverageAfter: loadAverage(), runs };
  const ratio = (probe: Record<string, number>) => round(probe.graphReadyMs! / probe.firstDenseMs!, 1);
  const lines = [`cold start, ${CHUNKS} chunks (${DIMENSIONS}-d synthetic clustered); load ${facts.loadAverageBefore.join(' ')} → ${loadAverage().join(' ')}`];
  for (const run of runs) {
    const { afterCrash, snapshotAtKill: atKill } = run;
    lines.push(
      `${run.crash} crash: ${run.chunks} chunks written in ${run.writeSeconds} s; snapshot at the kill: ${atKill ? `${atKill.count} vectors (tail ${run.chunks - atKill.count})` : 'none'}; temporary files at the kill ${run.temporariesAtKill}, after reopening ${run.temporariesAfterReopen}`,
      `  after kill -9 (load ${afterCrash.loadAverage1}): first dense ${afterCrash.firstDenseMs} ms (recall@10 ${afterCrash.coldRecallAt10} over ${QUERIES} queries, ${afterCrash.coldQueries} before the graph was ready, later ones ${afterCrash.coldMedianMs} ms median), first lexical ${afterCrash.firstLexicalMs} ms; graph ready after ${afterCrash.graphReadyMs} ms (${ratio(afterCrash)}× the first search), then ${afterCrash.warmMedianMs} ms/search, recall@10 ${afterCrash.warmRecallAt10}`,
    );
    const afterStart = run.afterStart;
    if (afterStart !== undefined) {
      lines.push(
        `after a clean start (load ${afterStart.loadAverage1}): first dense ${afterStart.firstDenseMs} ms (recall@10 ${afterStart.coldRecallAt10}, later cold ones ${afterStart.coldMedianMs} ms median), first lexical ${afterStart.firstLexicalMs} ms; graph ready after ${afterStart.graphReadyMs} ms (${ratio(afterStart)}×), then ${afterStart.warmMedianMs} ms/search, recall@10 ${afterStart.warmRecallAt10}`,
      );
    }
    const baseline = run.baseline;
    if (baseline !== undefined) {
      const versus = (ours: Record<string, number> | undefined, theirs: Record<string, number> | undefined) =>
        ours === undefined || theirs === undefined
          ? 'not run'
          : `first dense ${theirs.firstDenseMs} ms (load ${theirs.loadAverage1}; this checkout ${round(theirs.firstDenseMs! / ours.firstDenseMs!, 2)}× faster), recall@10 ${theirs.coldRecallAt10}, later cold ${theirs.coldMedianMs} ms median, graph ready ${theirs.graphReadyMs} ms`;
      lines.push(`  baseline ${BASELINE} after kill -9: ${versus(run.afterCrash, baseline.afterCrash)}`);
      if (run.afterStart !== undefined) lines.push(`  baseline ${BASELINE} after a clean start: ${versus(run.afterStart, baseline.afterStart)}`);
    }
  }
  report('cold-start', result, lines);
}

if (values.role === 'writer') await writer(values.db!, values.paced === true);
else if (values.role === 'probe') await probe(values.db!, values.out!);
else await main();
