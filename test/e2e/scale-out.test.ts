import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { POSTGRES_MISSING, startPostgres } from '../../src/testing/postgres-server.js';
import { S3_MISSING, startS3 } from '../../src/testing/s3-server.js';
import { SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { runCli } from './run-cli.js';
import { assertTakenOver, uploadCorpus, FILES, type JobView, readEvents, until, writeCorpus, writeMsPerChunk } from './scale-out-kit.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { startCairnWorker, type CairnWorker } from './start-cairn-worker.js';

const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
/**
 * The multi-process deployment for real: one API-only `cairn serve --no-jobs` and two `cairn worker`
 * sharing one store. A corpus goes in through the API, the worker running the job is killed with
 * SIGKILL mid-job, the other takes the job over once the lease expired, and the collection ends with
 * exactly what a single process ingests; an SSE client on the API follows the job across the takeover
 * and resumes with Last-Event-ID; a cancel sent to the API stops a job a worker runs.
 */
/**
 * `storeEnv` answers the store's environment, or why the scenario cannot run here (a skip message).
 * `separateHomes`: the API and each worker get a data folder of their own, as on separate machines, so
 * the uploads can only reach the workers through the shared upload store (PostgreSQL or S3).
 */
function scaleOutScenario(name: string, storeEnv: () => Promise<Record<string, string> | string>, options: { skip: string | false; separateHomes?: boolean }): void {
  describe(name, { skip: options.skip }, () => {
    let missing: string | undefined;
    let home: string;
    let corpus: string;
    let env: Record<string, string>;
    const children = new Set<ChildProcess>();

    before(async () => {
      const store = await storeEnv();
      if (typeof store === 'string') missing = store;
      home = mkdtempSync(join(tmpdir(), 'cairn-scale-out-'));
      corpus = join(home, 'corpus');
      writeCorpus(corpus);
      env = {
        CAIRN_HOME: join(home, 'cairn'),
        CAIRN_EMBEDDER: `static:${model}`,
        CAIRN_OFFLINE: '1',
        CAIRN_RERANKER: 'none',
        CAIRN_LLM_DISCOVER: '0',
        // A short lease so the takeover comes within seconds; a fast poll so idle workers notice it.
        CAIRN_JOBS_LEASE_SECONDS: '2',
        CAIRN_JOBS_POLL_MS: '100',
        ...(typeof store === 'string' ? {} : store),
      };
    });
    after(() => {
      for (const child of children) child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    });

    /** The environment of one process: its own home when the scenario separates them. */
    const envOf = (role: string): Record<string, string> => (options.separateHomes ? { ...env, CAIRN_HOME: join(home, role) } : env);

    const track = <T extends { child: ChildProcess }>(process: T): T => {
      children.add(process.child);
      process.child.on('exit', () => children.delete(process.child));
      return process;
    };

    it('a job survives its worker killed with SIGKILL, with exactly the counts of a single-process ingest', async (t) => {
      if (missing !== undefined) return t.skip(missing);
      const api: CairnServe = track(await startCairnServe({ HOME: home, ...envOf('api') }, { args: ['--no-jobs'] }));
      const headers = { authorization: `Bearer ${api.adminKey}` };
      const getJob = async (id: string) => (await (await fetch(`${api.url}/v1/jobs/${id}`, { headers })).json()) as JobView;
      assert.match(api.adminKey, /^cairn_/);

      const { job, stream } = await uploadCorpus(api.url, headers, corpus);
      // The API runs no jobs: the upload waits for a worker.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal((await getJob(job.id)).status, 'queued');

      if (options.separateHomes) {
        const local = join(home, 'api', 'uploads');
        assert.ok(!existsSync(local) || readdirSync(local).length === 0, 'the upload is not on the API machine\'s disk');
      }
      const workers: CairnWorker[] = [track(await startCairnWorker(envOf('worker-1'))), track(await startCairnWorker(envOf('worker-2')))];
      const [one] = workers;
      assert.equal((await fetch(`${one!.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${one!.url}/readyz`)).status, 200);
      assert.match(await (await fetch(`${one!.url}/metrics`)).text(), /cairn_jobs_queue_depth/);
      assert.equal((await fetch(`${one!.url}/v1/search?q=x`)).status, 404, 'a worker serves no API');
      const firstEvents = await readEvents(stream, (event) => event.event === 'file' && Number(event.id?.split(':')[1]) > 20);
      await until(async () => ((await getJob(job.id)).progress.filesDone >= 40 ? true : undefined), 'the job under way', 120_000);
      // Each worker logs the jobs it runs: kill the one running this job.
      const holder = workers.find((worker) => worker.output.stderr.includes(job.id));
      assert.ok(holder, 'a worker logged the job');
      const survivor = workers.find((worker) => worker !== holder)!;
      const during = await getJob(job.id);
      holder.child.kill('SIGKILL');
      assert.equal((await holder.exited).signal, 'SIGKILL');
      assert.equal(during.status, 'running');
      assert.ok(during.progress.filesDone < FILES, `killed after ${during.progress.filesDone} files`);

      // The client reconnects where it stopped (as after losing the connection) and follows to the end.
      const lastId = firstEvents.at(-1)!.id!;
      const resumed = await fetch(`${api.url}/v1/jobs/${job.id}/events`, { headers: { ...headers, 'last-event-id': lastId } });
      const restEvents = await readEvents(resumed, () => false);
      const done = await getJob(job.id);
      assert.equal(done.status, 'succeeded', done.error ?? '');
      assert.equal(done.progress.filesDone, FILES);

      const seqs = [...firstEvents, ...restEvents].filter((event) => event.id !== undefined).map((event) => Number(event.id!.split(':')[1]));
      assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'every event once, in order, across the reconnect');
      assert.equal(seqs[0], 1);
      assert.equal(restEvents.find((event) => event.id !== undefined)?.id, `${job.id}:${Number(lastId.split(':')[1]) + 1}`, 'resumed right after Last-Event-ID');
      const statuses = [...firstEvents, ...restEvents].filter((event) => event.event === 'status').map((event) => event.data.status);
      assertTakenOver(statuses);
      assert.ok(restEvents.some((event) => event.event === 'progress'));
      const outcomes = new Map<string, string>();
      for (const event of [...firstEvents, ...restEvents]) if (event.event === 'file') outcomes.set(String(event.data.file), String(event.data.outcome));
      assert.equal(outcomes.size, FILES, 'a file event for every file');

      // Exactly what one process makes of the same files.
      const reference = await runCli(['ingest', corpus, '--collection', 'kb'], { ...env, CAIRN_HOME: join(home, 'reference'), CAIRN_DATABASE_URL: '' });
      assert.equal(reference.code, 0, reference.stderr);
      const referenceDb = new Database(join(home, 'reference', 'cairn.db'), { readonly: true });
      const expected = new Map((referenceDb.prepare('SELECT relative_path, chunk_count FROM documents').all() as { relative_path: string; chunk_count: number }[]).map((row) => [row.relative_path, row.chunk_count]));
      referenceDb.close();
      assert.equal(expected.size, FILES);
      const stored = new Map<string, number>();
      for (let offset = 0; ; offset += 500) {
        const page = (await (await fetch(`${api.url}/v1/collections/kb/documents?limit=500&offset=${offset}&sort=path`, { headers })).json()) as { total: number; items: { relativePath: string; chunkCount: number }[] };
        assert.equal(page.total, FILES, 'no document stored twice');
        for (const item of page.items) stored.set(item.relativePath, item.chunkCount);
        if (page.items.length < 500) break;
      }
      assert.deepEqual(stored, expected);
      const collection = (await (await fetch(`${api.url}/v1/collections/kb`, { headers })).json()) as { documentCount: number; chunkCount: number };
      assert.equal(collection.chunkCount, [...expected.values()].reduce((a, b) => a + b, 0), 'no chunk stored twice');

      // The API process searches what the workers wrote.
      const search = (await (await fetch(`${api.url}/v1/search?q=${encodeURIComponent('Service 377 rotates its key')}&collection=kb&k=3`, { headers })).json()) as { results: unknown[] };
      assert.match(JSON.stringify(search.results[0]), /note-0377/);

      // A cancel sent to the API reaches the worker that runs the job.
      const again = new FormData();
      for (const file of readdirSync(corpus).sort()) again.append('file', new Blob([readFileSync(join(corpus, file))]), file);
      const other = ((await (await fetch(`${api.url}/v1/collections/kb2/documents`, { method: 'POST', headers, body: again })).json()) as { job: JobView }).job;
      await until(async () => ((await getJob(other.id)).progress.filesDone > 0 ? true : undefined), 'the second job under way');
      const cancelled = (await (await fetch(`${api.url}/v1/jobs/${other.id}/cancel`, { method: 'POST', headers })).json()) as JobView;
      assert.equal(cancelled.status, 'cancelled');
      assert.ok(cancelled.progress.filesDone < FILES);

      assert.ok(survivor.output.stderr.includes(other.id), 'the survivor ran the cancelled job');
      const cost = await writeMsPerChunk(survivor.url);
      t.diagnostic(`the survivor wrote ${cost.chunks} chunks at ${cost.ms.toFixed(2)} ms per chunk in the write stage (loopback)`);
      survivor.child.kill('SIGTERM');
      assert.equal((await survivor.exited).code, 0, survivor.output.stderr);
      assert.equal(await api.stop(), 0, api.output.stderr);
    });
  });
}

scaleOutScenario('scale-out on one machine: cairn serve --no-jobs and two cairn worker sharing the SQLite file', async () => ({}), { skip: model ? false : SHARED_MISSING });

scaleOutScenario(
  'scale-out on PostgreSQL: cairn serve --no-jobs and two cairn worker, each with its own data folder, uploads in the database',
  async () => {
    const server = await startPostgres();
    return server === null ? POSTGRES_MISSING : { CAIRN_DATABASE_URL: await server.createDatabase('cairn_scale_out') };
  },
  { skip: model ? false : SHARED_MISSING, separateHomes: true },
);

scaleOutScenario(
  'scale-out on PostgreSQL with uploads in S3 (s3rver): cairn serve --no-jobs and two cairn worker, each with its own data folder',
  async () => {
    const server = await startPostgres();
    if (server === null) return POSTGRES_MISSING;
    const s3 = await startS3();
    if (s3 === null) return S3_MISSING;
    return {
      CAIRN_DATABASE_URL: await server.createDatabase('cairn_scale_out_s3'),
      CAIRN_UPLOAD_STORE: 's3',
      CAIRN_S3_BUCKET: s3.bucket,
      CAIRN_S3_ENDPOINT: s3.endpoint,
      CAIRN_S3_FORCE_PATH_STYLE: '1',
      CAIRN_S3_ACCESS_KEY_ID: s3.accessKeyId,
      CAIRN_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      // The SDK's notice that its releases after January 2027 need Node 22 (Cairn runs on 20).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  },
  { skip: model ? false : SHARED_MISSING, separateHomes: true },
);
