/**
 * Pieces of bench/http-load.ts: the ~100k-chunk store (built once, reused with --home), the
 * 384-d collection the hybrid run searches with the MiniLM-shaped model, the `cairn serve` process,
 * and its resident memory.
 */
import pg from 'pg';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CairnApp } from '../src/app/cairn-app.js';
import { IndexSync } from '../src/ingest/index-sync.js';
import type { DocumentWrite, WriteResult } from '../src/stores/chunk-store.js';
import { round } from './bench-support.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/**
 * Copies every document and chunk of `from` into `to` (created with `embedder` at `dimensions`), each
 * vector zero-padded to `dimensions` and renormalised, then builds its HNSW index. Padding keeps every
 * cosine between stored vectors, so the index has the same neighbourhoods as the source's.
 *
 * Why: hybrid load must embed each query with the MiniLM-shaped transformer (384-d), whose vectors can
 * only search a collection recorded with that embedder; embedding ~100k chunks with it takes hours on
 * 2 cores, and its weights are random, so its own document vectors would mean no more than these.
 * The work the load test measures (query embedding, HNSW search over ~100k 384-d vectors, fusion,
 * hydration) is the real one.
 */
export async function copyWithPaddedVectors(app: CairnApp, from: string, to: string, embedder: string, dimensions: number): Promise<number> {
  const source = await app.chunks.getCollection(from);
  if (!source) throw new Error(`collection ${from} does not exist`);
  await app.chunks.createCollection(to, { embedder, dimensions, chunkSize: source.chunkSize, chunkOverlap: source.chunkOverlap });
  const sync = new IndexSync(app, to, (text) => process.stderr.write(`${text}\n`));
  let written = 0;
  for (let offset = 0; ; offset += 500) {
    const page = await app.chunks.listDocuments({ collection: from, limit: 500, offset });
    if (page.items.length === 0) break;
    const writes: DocumentWrite[] = [];
    for (const { id, chunkCount: _count, ingestedAt: _at, ...fields } of page.items) {
      const chunks = await app.chunks.getDocumentChunks(id);
      const vectors = await app.chunks.getVectors(chunks.map((chunk) => chunk.id));
      writes.push({
        ...fields,
        collection: to,
        chunks: chunks.map(({ id: chunkId, documentId: _doc, ...chunk }) => ({ ...chunk, vector: padded(vectors.get(chunkId), dimensions) })),
      });
      written += chunks.length;
    }
    const results: WriteResult[] = [];
    if (app.chunks.writeDocuments) results.push(...(await app.chunks.writeDocuments(writes)));
    else for (const write of writes) results.push(await app.chunks.writeDocument(write));
    await sync.written(writes.map((document, i) => ({ document, result: results[i]! })));
    process.stderr.write(`copied ${offset + page.items.length} documents, ${written} chunks into ${to}\n`);
  }
  await sync.finish();
  return written;
}

function padded(vector: Float32Array | undefined, dimensions: number): Float32Array | null {
  if (!vector) return null;
  const out = new Float32Array(dimensions);
  out.set(vector.subarray(0, dimensions));
  let norm = 0;
  for (const value of out) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}

/** Compiles src/ to dist/ (what `bin/cairn.js` runs); type errors elsewhere do not stop the emit. */
export function buildDist(): void {
  const result = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, encoding: 'utf8' });
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error(`the build produced no dist/cli/main.js:\n${result.stdout}${result.stderr}`);
  if (result.status !== 0) process.stderr.write(`warning: tsc reported errors (dist/ was still emitted):\n${result.stdout.split('\n').slice(0, 5).join('\n')}\n`);
}

export interface ServeProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM (graceful shutdown), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * Starts `cairn serve` (bin/cairn.js) on 127.0.0.1 with a free port and the given environment, and
 * resolves with its address once it listens. Its log lines (stderr) go to `onLogLine` when given;
 * `nodeArgs` go to node before the script (`--cpu-prof`).
 */
export async function startServe(env: NodeJS.ProcessEnv, onLogLine?: (line: string) => void, nodeArgs: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...nodeArgs, join(REPO, 'bin', 'cairn.js'), 'serve', '--host', '127.0.0.1', '--port', '0'], {
    cwd: env.CAIRN_HOME, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-4000);
    if (onLogLine) for (const line of text.split('\n')) if (line) onLogLine(line);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      out += text;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`cairn serve exited with ${code} before listening:\n${stderrTail}`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** Resident memory of a process in MiB, from /proc (Linux); NaN elsewhere or once it exited. */
export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? round(Number(match[1]) / 1024, 1) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Peak resident memory of a process in MiB (VmHWM). */
export function peakRssOfMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? round(Number(match[1]) / 1024, 1) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc (Linux); NaN elsewhere. */
export function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // Fields 14 and 15 of stat(5), counted from the state field (3) after the command name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Waits until the server has no queued or running ingestion job (uploads of an earlier mixed run
 * resume when the server starts, and would share the CPU with a measurement). Resolves at once when
 * the server has no jobs route.
 */
export async function waitForIdleJobs(url: string, headers: Record<string, string>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    let busy = 0;
    for (const status of ['queued', 'running']) {
      const response = await fetch(`${url}/v1/jobs?status=${status}&limit=1`, { headers });
      if (response.status === 404) return;
      const body = (await response.json()) as { items?: unknown[] };
      busy += body.items?.length ?? 0;
    }
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error(`ingestion jobs still running after ${timeoutMs / 1000} s`);
    if (!said) process.stderr.write('waiting for the server\'s ingestion jobs to finish…\n');
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Waits until `/readyz` reports no lexical accelerator still being built (the server builds the
 * in-memory BM25 postings of every collection after it starts; FTS5 answers meanwhile, slower).
 * Returns the accelerators' final states for the report. `headers` must carry an admin key: `/readyz`
 * shows its details to admins only.
 */
export async function waitForSearchIndexes(url: string, headers: Record<string, string>, timeoutMs = 180_000): Promise<{ collection: string; state: string; builtInMs?: number; bytes: number }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/readyz`, { headers });
    const body = (await response.json()) as { lexical?: { accelerators: { collection: string; state: string; builtInMs?: number; bytes: number }[] } };
    if (body.lexical === undefined) throw new Error('/readyz sent no details: the key is not an admin key');
    const accelerators = body.lexical.accelerators;
    if (!accelerators.some((a) => a.state === 'building' || a.state === 'absent')) return accelerators;
    if (Date.now() > deadline) throw new Error(`search indexes still building after ${timeoutMs / 1000} s: ${JSON.stringify(accelerators)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * CPU ms so far of each backend serving the database at `url` (same machine, /proc), by pid; empty
 * without a URL. Backends that end between two reads drop out, so read it while the pool is up.
 */
export async function postgresBackendCpu(url: string | undefined): Promise<Map<number, number>> {
  if (url === undefined) return new Map();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return new Map(rows.map((row) => [row.pid, cpuMsOf(row.pid)] as const).filter(([, ms]) => Number.isFinite(ms)));
  } finally {
    await client.end();
  }
}

/** CPU ms the backends spent between two postgresBackendCpu reads (a backend that appeared counts from 0). */
export function postgresCpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let spent = 0;
  for (const [pid, ms] of after) spent += ms - (before.get(pid) ?? 0);
  return spent;
}
