import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config/load-config.js';
import type { JobEvent, JobStore, StoredJob } from '../../stores/job-store.js';
import type { CairnApp } from '../cairn-app.js';
import { ingest } from '../ingest.js';
import { openCairn } from '../open-cairn.js';
import { JobRunner } from './job-runner.js';
import { until } from '../../testing/until.js';

function writeCorpus(dir: string, files: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i += 1) {
    writeFileSync(join(dir, `note-${String(i).padStart(4, '0')}.md`), `# Note ${i}\n\nThe rotation key for service ${i} is kept in vault ${i % 7}.\n\n${'Filler text about operations. '.repeat(20)}\n`);
  }
}

/** Documents and chunks per URI of a collection, straight from the store. */
async function documentsOf(app: CairnApp, collection: string): Promise<Map<string, number>> {
  const page = await app.chunks.listDocuments({ collection, limit: 100_000, offset: 0 });
  const byUri = new Map<string, number>();
  for (const document of page.items) {
    assert.equal(byUri.has(document.uri), false, `${document.uri} stored twice`);
    byUri.set(document.uri, document.chunkCount);
    assert.equal((await app.chunks.getDocumentChunks(document.id)).length, document.chunkCount, document.uri);
  }
  return byUri;
}

const finished = (store: JobStore, id: string) => async () => {
  const job = await store.get(id);
  return job && ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
};

describe('JobRunner', () => {
  let home: string;
  let app: CairnApp;
  let store: JobStore;
  let corpus: string;
  const FILES = 600;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-runner-'));
    corpus = join(home, 'corpus');
    writeCorpus(corpus, FILES);
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    store = app.jobs!;
  });
  after(async () => {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('runs a job to success, with file, progress and status events in order', async () => {
    const runner = new JobRunner(app, store, { workers: 1 });
    const events: JobEvent[] = [];
    const unsubscribe = runner.events.subscribe((event) => events.push(event));
    await runner.start();
    const small = join(home, 'small');
    writeCorpus(small, 3);
    const job = await runner.submit({ collection: 'small', kind: 'path', sources: [small], inputs: [small], options: { tags: ['t'] } });
    const done = await until(finished(store, job.id), 'the job');
    unsubscribe();
    await runner.stop();
    assert.equal(done.status, 'succeeded', done.error ?? '');
    assert.equal(done.progress.filesTotal, 3);
    assert.equal(done.progress.filesDone, 3);
    assert.equal(done.progress.chunksTotal, done.progress.chunksDone);
    assert.ok(done.progress.chunksDone >= 3);
    assert.ok(done.startedAt && done.finishedAt);
    const types = events.filter((event) => event.jobId === job.id).map((event) => event.data.type === 'status' ? `status:${event.data.status}` : event.data.type);
    assert.deepEqual(types.slice(0, 2), ['status:queued', 'status:running']);
    assert.equal(types.at(-1), 'status:succeeded');
    assert.equal(types.filter((type) => type === 'file').length, 3);
    assert.ok(types.includes('progress'));
    const seqs = events.filter((event) => event.jobId === job.id).map((event) => event.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(runner.events.listenerCount, 0);
  });

  it('resumes a job a crash left running, without duplicating what was stored', async () => {
    // The "crash": half of the corpus was stored by an earlier run of the job, which stayed `running`.
    const real = realpathSync(corpus);
    const half = Array.from({ length: FILES / 2 }, (_, i) => pathToFileURL(join(real, `note-${String(i * 2).padStart(4, '0')}.md`)).href);
    await ingest(app, { collection: 'resume', sources: [corpus], onlyUris: half });
    const partial = await documentsOf(app, 'resume');
    assert.equal(partial.size, FILES / 2);
    const job = await store.create({ collection: 'resume', kind: 'path', sources: [corpus], inputs: [corpus], options: {} });
    await store.update(job.id, { status: 'running', startedAt: new Date().toISOString() });

    const runner = new JobRunner(app, store, { workers: 1 });
    await runner.start();
    const done = await until(finished(store, job.id), 'the resumed job');
    await runner.stop();
    assert.equal(done.status, 'succeeded', done.error ?? '');
    assert.equal(done.progress.filesDone, FILES);
    const stored = await documentsOf(app, 'resume');
    assert.equal(stored.size, FILES);
    for (const [uri, chunks] of partial) assert.equal(stored.get(uri), chunks, uri);
    const events = await store.eventsOf(job.id, 0, 10_000);
    const outcomes = events.flatMap((event) => (event.data.type === 'file' ? [event.data.outcome] : []));
    assert.equal(outcomes.filter((outcome) => outcome === 'unchanged').length, FILES / 2);
    assert.equal(outcomes.filter((outcome) => outcome === 'ingested').length, FILES / 2);
    const again = await ingest(app, { collection: 'resume', sources: [corpus] });
    assert.equal(again.filesUnchanged, FILES);
    assert.deepEqual(await documentsOf(app, 'resume'), stored);
  });

  it('continues a resumed job\'s counters from where its earlier run stopped, counting no file twice', async () => {
    const folder = join(home, 'counted');
    writeCorpus(folder, 10);
    const real = realpathSync(folder);
    const names = Array.from({ length: 10 }, (_, i) => `note-${String(i).padStart(4, '0')}.md`);
    // The earlier run stored four files and reported them (100 chunks each, as it saw them), then the process was killed.
    await ingest(app, { collection: 'counted', sources: [folder], onlyUris: names.slice(0, 4).map((name) => pathToFileURL(join(real, name)).href) });
    const job = await store.create({ collection: 'counted', kind: 'path', sources: [folder], inputs: [folder], options: {} });
    await store.appendEvents(job.id, [
      ...names.slice(0, 3).map((file) => ({ type: 'file' as const, jobId: job.id, file, outcome: 'ingested' as const, chunks: 100 })),
      { type: 'file', jobId: job.id, file: names[3]!, outcome: 'failed', code: 'PARSE_CORRUPT', reason: 'was damaged' },
    ]);
    await store.update(job.id, {
      status: 'running',
      startedAt: new Date().toISOString(),
      progress: { filesTotal: 10, filesDone: 3, filesFailed: 1, filesSkipped: 0, chunksTotal: null, chunksDone: 300, chunksPerSecond: 0, embeddingsPerSecond: 0 },
      errors: [{ file: names[3]!, code: 'PARSE_CORRUPT', reason: 'was damaged' }],
    });
    const seen: JobEvent[] = [];
    const runner = new JobRunner(app, store, { workers: 1, flushIntervalMs: 5 });
    const unsubscribe = runner.events.subscribe((event) => event.jobId === job.id && seen.push(event));
    await runner.start();
    const done = await until(finished(store, job.id), 'the resumed job');
    unsubscribe();
    await runner.stop();
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const chunksOfRest = [...(await documentsOf(app, 'counted'))].filter(([uri]) => !names.slice(0, 4).some((name) => uri.endsWith(name))).reduce((sum, [, chunks]) => sum + chunks, 0);
    assert.deepEqual(
      [done.progress.filesTotal, done.progress.filesDone, done.progress.filesFailed, done.progress.chunksDone],
      [10, 9, 1, 300 + chunksOfRest],
    );
    assert.deepEqual(done.errors, [{ file: names[3], code: 'PARSE_CORRUPT', reason: 'was damaged' }]);
    const progress = seen.flatMap((event) => (event.data.type === 'progress' ? [event.data.progress] : []));
    assert.ok(progress.length > 0);
    for (const step of progress) assert.ok(step.filesDone >= 3 && step.chunksDone >= 300, `a progress event went back to ${step.filesDone} files, ${step.chunksDone} chunks`);
    const files = seen.flatMap((event) => (event.data.type === 'file' ? [event.data.file] : []));
    assert.deepEqual(files.sort(), names.slice(4));
  });

  it('stops between documents on shutdown, leaves the job queued, and a new runner finishes it once', async () => {
    const runner = new JobRunner(app, store, { workers: 1, flushIntervalMs: 20 });
    await runner.start();
    const job = await runner.submit({ collection: 'stop', kind: 'path', sources: [corpus], inputs: [corpus], options: {} });
    await until(async () => ((await store.get(job.id))?.progress.filesDone ?? 0) > 0 || undefined, 'first files');
    await runner.stop();
    const stopped = (await store.get(job.id))!;
    assert.equal(stopped.status, 'queued');
    await assert.rejects(runner.submit({ collection: 'stop', kind: 'path', sources: [corpus], inputs: [corpus], options: {} }));
    const partial = await documentsOf(app, 'stop');
    assert.ok(partial.size < FILES, `stopped after ${partial.size} files`);

    const next = new JobRunner(app, store, { workers: 1 });
    await next.start();
    const done = await until(finished(store, job.id), 'the job after restart');
    await next.stop();
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const stored = await documentsOf(app, 'stop');
    assert.equal(stored.size, FILES);
    for (const [uri, chunks] of partial) assert.equal(stored.get(uri), chunks, uri);
  });

  it('cancels a queued job at once and a running one between documents', async () => {
    const runner = new JobRunner(app, store, { workers: 1, flushIntervalMs: 20 });
    const queued = await runner.submit({ collection: 'cancel', kind: 'path', sources: [corpus], inputs: [corpus], options: {} });
    const cancelledQueued = await runner.cancel(queued.id);
    assert.equal(cancelledQueued.status, 'cancelled');
    assert.ok(cancelledQueued.finishedAt);

    await runner.start();
    const running = await runner.submit({ collection: 'cancel2', kind: 'path', sources: [corpus], inputs: [corpus], options: {} });
    await until(async () => ((await store.get(running.id))?.status === 'running' ? true : undefined), 'the job to run');
    const cancelled: StoredJob = await runner.cancel(running.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await runner.cancel(running.id)).status, 'cancelled');
    await runner.stop();
    const events = await store.eventsOf(running.id, 0, 10_000);
    assert.deepEqual(events.at(-1)?.data, { type: 'status', jobId: running.id, status: 'cancelled', error: null });
    await assert.rejects(runner.cancel('nope'), /No job nope/);
  });

  it('leaves a live holder its job, and takes a dead holder\'s job over once its lease expired, without duplicates', async () => {
    // A "dead process" claimed the job, stored half of the corpus, and stopped renewing its lease.
    const real = realpathSync(corpus);
    const half = Array.from({ length: FILES / 2 }, (_, i) => pathToFileURL(join(real, `note-${String(i * 2 + 1).padStart(4, '0')}.md`)).href);
    const job = await store.create({ collection: 'takeover', kind: 'path', sources: [corpus], inputs: [corpus], options: {} });
    await ingest(app, { collection: 'takeover', sources: [corpus], onlyUris: half });
    const partial = await documentsOf(app, 'takeover');
    const claimed = await store.claim({ owner: 'dead-process', leaseMs: 1500 });
    assert.equal(claimed?.id, job.id);

    const runner = new JobRunner(app, store, { workers: 1, leaseMs: 60_000, pollIntervalMs: 20 });
    await runner.start();
    // The lease is live: starting beside it took nothing.
    const during = (await store.get(job.id))!;
    assert.equal(during.status, 'running');
    assert.equal(during.lease?.owner, 'dead-process');
    assert.equal(runner.runningCount, 0);
    const done = await until(finished(store, job.id), 'the job taken over');
    await runner.stop();
    assert.equal(done.status, 'succeeded', done.error ?? '');
    assert.equal(done.lease, null);
    const stored = await documentsOf(app, 'takeover');
    assert.equal(stored.size, FILES);
    for (const [uri, chunks] of partial) assert.equal(stored.get(uri), chunks, uri);
    const events = await store.eventsOf(job.id, 0, 10_000);
    const outcomes = events.flatMap((event) => (event.data.type === 'file' ? [event.data.outcome] : []));
    assert.equal(outcomes.filter((outcome) => outcome === 'unchanged').length, FILES / 2);
  });

  it('cancels from a process that runs no jobs, and follows the events another process stored', async () => {
    // A frequent heartbeat (it reads the cancel flag) and a corpus of its own
    // (5,000 files) that outlasts many heartbeats: with 600 files and a 1 s heartbeat a quiet machine finished the
    // job before the worker read the flag.
    const big = join(home, 'corpus-cancel');
    writeCorpus(big, 5000);
    const worker = new JobRunner(app, store, { workers: 1, flushIntervalMs: 20, leaseMs: 3000, heartbeatMs: 50, pollIntervalMs: 20 });
    const api = new JobRunner(app, store, { workers: 1, runJobs: false, leaseMs: 3000, heartbeatMs: 50, pollIntervalMs: 20 });
    await api.start();
    const seen: JobEvent[] = [];
    const unsubscribe = api.events.subscribe((event) => seen.push(event));
    const job = await api.submit({ collection: 'cancel-remote', kind: 'path', sources: [big], inputs: [big], options: {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await store.get(job.id))?.status, 'queued', 'an API-only process runs nothing');
    await worker.start();
    await until(async () => ((await store.get(job.id))?.progress.filesDone ?? 0) > 0 || undefined, 'first files');
    const cancelled = await api.cancel(job.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(worker.runningCount, 0, 'the worker stopped the job');
    assert.ok((await documentsOf(app, 'cancel-remote')).size < 5000);
    await until(() => (seen.some((event) => event.data.type === 'status' && event.data.status === 'cancelled') ? true : undefined), 'the cancelled event');
    unsubscribe();
    await worker.stop();
    await api.stop();
    const ofJob = seen.filter((event) => event.jobId === job.id);
    assert.ok(ofJob.some((event) => event.data.type === 'file'), 'file events the worker stored reached the API process');
    const ids = ofJob.map((event) => event.id);
    assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b), 'each event once, in order');
    const stored = (await store.eventsOf(job.id, 0, 10_000)).filter((event) => event.data.type !== 'progress').map((event) => event.id);
    assert.deepEqual(ofJob.filter((event) => event.data.type !== 'progress').map((event) => event.id), stored, 'no file or status event missed');
  });
});
