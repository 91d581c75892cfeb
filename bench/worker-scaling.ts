/**
 * Ingest throughput of `cairn worker` processes on PostgreSQL: 1 worker pinned to one core (`taskset`)
 * against 2 workers pinned to one core each, same corpus, same run (issue 14; target >= 1.7×). The
 * corpus is split into `--jobs` folders submitted as path jobs to as many collections through one
 * `cairn serve --no-jobs` (a job writes its collection alone, so N workers need N collections' worth
 * of jobs). Each configuration gets a fresh database on one PostgreSQL server; the jobs are queued
 * before the workers start, and the time is from the first job's start to the last one's end, as the
 * job rows say. Also reports the per-chunk database cost: the `write` stage of the workers' metrics
 * (`cairn_ingest_stage_duration_seconds`) over the chunks written.
 *
 *   node --import tsx bench/worker-scaling.ts [--files 1600] [--jobs 4] [--embedder static:<dir>] [--cores 0,1]
 *
 * PostgreSQL runs on the same machine, unpinned: on a 2-core machine it competes with the workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivatePostgres } from '../src/testing/postgres-server.js';
import { REPO_ROOT } from '../src/testing/shared-data.js';
import { startCairnServe } from '../test/e2e/start-cairn-serve.js';
import { DOCS_CORPUS, STATIC_EMBEDDER, listFiles, loadAverage, machineFacts, parseIntegerOption, removeDirectory, report, round, temporaryDirectory } from './bench-support.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '1600' },
    jobs: { type: 'string', default: '4' },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    cores: { type: 'string', default: '0,1' },
  },
});
const files = parseIntegerOption(values.files, 'files') ?? 1600;
const jobCount = parseIntegerOption(values.jobs, 'jobs') ?? 4;
const cores = values.cores.split(',');

interface JobRow {
  id: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

interface RunResult {
  workers: number;
  wallMs: number;
  chunks: number;
  chunksPerSecond: number;
  writeSeconds: number;
  writeBatches: number;
  writeMsPerChunk: number;
}

function splitCorpus(into: string): string[] {
  const all = listFiles(DOCS_CORPUS);
  // Every k-th file, so each job mixes the corpus' projects and sizes alike.
  const step = Math.max(1, Math.floor(all.length / files));
  const chosen = all.filter((_, index) => index % step === 0).slice(0, files);
  const folders = Array.from({ length: jobCount }, (_, index) => join(into, `part-${index}`));
  chosen.forEach((path, index) => {
    const target = join(folders[index % jobCount]!, path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(DOCS_CORPUS, path), target);
  });
  return folders;
}

function startWorker(env: Record<string, string>, core: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('taskset', ['-c', core, process.execPath, join(REPO_ROOT, 'bin', 'cairn.js'), 'worker', '--port', '0'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: env.CAIRN_HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${stderr}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /Health and metrics: (http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(stdout);
      if (found) {
        clearTimeout(timer);
        resolve({ child, url: found[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
  });
}

/** Sum and count of the `write` stage histogram in a worker's /metrics. */
async function writeStage(url: string): Promise<{ seconds: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = /cairn_ingest_stage_duration_seconds_sum\{[^}]*stage="write"[^}]*\} ([0-9.e+-]+)/.exec(text);
  const count = /cairn_ingest_stage_duration_seconds_count\{[^}]*stage="write"[^}]*\} ([0-9.e+-]+)/.exec(text);
  return { seconds: Number(sum?.[1] ?? 0), count: Number(count?.[1] ?? 0) };
}

async function run(workers: number, databaseUrl: string, folders: string[], work: string): Promise<RunResult> {
  const base = {
    CAIRN_DATABASE_URL: databaseUrl,
    CAIRN_EMBEDDER: values.embedder,
    CAIRN_OFFLINE: '1',
    CAIRN_RERANKER: 'none',
    CAIRN_LLM_DISCOVER: '0',
    CAIRN_ALLOWED_DIRS: work,
    CAIRN_JOBS_POLL_MS: '100',
    CAIRN_RATE_LIMIT: '0',
  };
  const api = await startCairnServe({ ...base, CAIRN_HOME: join(work, `api-${workers}`) }, { args: ['--no-jobs'] });
  const headers = { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' };
  const ids: string[] = [];
  for (const [index, folder] of folders.entries()) {
    const response = await fetch(`${api.url}/v1/collections/part${index}/documents`, { method: 'POST', headers, body: JSON.stringify({ path: folder }) });
    if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
    ids.push(((await response.json()) as { job: { id: string } }).job.id);
  }
  const started = await Promise.all(Array.from({ length: workers }, (_, index) => startWorker({ ...base, CAIRN_HOME: join(work, `worker-${workers}-${index}`) }, cores[index % cores.length]!)));
  let rows: JobRow[] = [];
  for (;;) {
    rows = await Promise.all(ids.map(async (id) => (await (await fetch(`${api.url}/v1/jobs/${id}`, { headers })).json()) as JobRow));
    if (rows.every((row) => ['succeeded', 'failed', 'cancelled'].includes(row.status))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for (const row of rows) if (row.status !== 'succeeded') throw new Error(`job ${row.id} ${row.status}: ${row.error}`);
  const first = Math.min(...rows.map((row) => Date.parse(row.startedAt!)));
  const last = Math.max(...rows.map((row) => Date.parse(row.finishedAt!)));
  let chunks = 0;
  for (let index = 0; index < folders.length; index++) {
    chunks += ((await (await fetch(`${api.url}/v1/collections/part${index}`, { headers })).json()) as { chunkCount: number }).chunkCount;
  }
  const stages = await Promise.all(started.map((worker) => writeStage(worker.url)));
  for (const worker of started) worker.child.kill('SIGTERM');
  await api.stop();
  const wallMs = last - first;
  const writeSeconds = stages.reduce((sum, stage) => sum + stage.seconds, 0);
  return {
    workers,
    wallMs,
    chunks,
    chunksPerSecond: round(chunks / (wallMs / 1000), 1),
    writeSeconds: round(writeSeconds, 2),
    writeBatches: stages.reduce((sum, stage) => sum + stage.count, 0),
    writeMsPerChunk: round((writeSeconds * 1000) / chunks, 3),
  };
}

const facts = machineFacts();
const loadBefore = loadAverage();
const work = temporaryDirectory('cairn-bench-workers-');
const server = await startPrivatePostgres();
if (server === null) throw new Error('PostgreSQL is not installed here (see src/testing/postgres-server.ts).');
try {
  const folders = splitCorpus(join(work, 'corpus'));
  const one = await run(1, await server.createDatabase('bench_one'), folders, work);
  const two = await run(2, await server.createDatabase('bench_two'), folders, work);
  const speedup = round(two.chunksPerSecond / one.chunksPerSecond, 2);
  const loadAfter = loadAverage();
  report('worker-scaling', { machine: facts, files, jobs: jobCount, embedder: values.embedder, one, two, speedup, loadBefore, loadAfter }, [
    `worker scaling on PostgreSQL, ${files} files of the docs corpus in ${jobCount} jobs (${values.embedder.split('/').at(-1)})`,
    `  1 worker  (taskset -c ${cores[0]}): ${one.chunks} chunks in ${round(one.wallMs / 1000, 1)} s = ${one.chunksPerSecond} chunks/s; write ${one.writeMsPerChunk} ms/chunk`,
    `  2 workers (taskset -c ${cores.slice(0, 2).join(' / ')}): ${two.chunks} chunks in ${round(two.wallMs / 1000, 1)} s = ${two.chunksPerSecond} chunks/s; write ${two.writeMsPerChunk} ms/chunk`,
    `  speedup ${speedup}×   load average before ${loadBefore.map((v) => round(v, 2)).join(' ')}, after ${loadAfter.map((v) => round(v, 2)).join(' ')}`,
  ]);
} finally {
  await server.dispose();
  removeDirectory(work);
}
