import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { startStandInLlmServer } from '../../src/testing/stand-in-llm-server.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { until as untilValue } from '../../src/testing/until.js';

const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const files = sharedPath('data', 'files');
const LARGE_JOB_FILES = 4000;

interface JobView {
  id: string;
  status: string;
  progress: { filesTotal: number | null; filesDone: number; filesFailed: number; filesSkipped: number; chunksDone: number };
  error: string | null;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => statSync(join(dir, name)).isFile()).sort();
}

/** Reads SSE blocks from a fetch response until `stop` says so or the stream ends. */
async function readEvents(response: Response, stop: (event: { event: string; data: Record<string, unknown> }) => boolean) {
  const events: Array<{ id?: string; event: string; data: Record<string, unknown> }> = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const read = await reader.read();
    if (read.done) break;
    buffer += decoder.decode(read.value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n').filter((line) => line && !line.startsWith(':'));
      if (lines.length === 0) continue;
      const field = (name: string) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      const id = field('id');
      const event = { ...(id === undefined ? {} : { id }), event: field('event') ?? 'message', data: JSON.parse(field('data') ?? 'null') as Record<string, unknown> };
      events.push(event);
      if (stop(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

const until = <T>(check: () => Promise<T | undefined>, what: string): Promise<T> => untilValue(check, what, 180_000);

describe('cairn serve runs durable ingestion jobs', { skip: model && files ? false : SHARED_MISSING }, () => {
  let home: string;
  let allowed: string;
  let env: Record<string, string>;
  let key = '';
  let llm: Awaited<ReturnType<typeof startStandInLlmServer>>;
  const children = new Set<ChildProcess>();

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-serve-jobs-'));
    allowed = join(home, 'allowed');
    mkdirSync(allowed, { recursive: true });
    llm = await startStandInLlmServer({ answer: 'Rotate the key as the handbook says [1].' });
    env = {
      CAIRN_HOME: home,
      CAIRN_EMBEDDER: `static:${model}`,
      CAIRN_OFFLINE: '1',
      CAIRN_RERANKER: 'none',
      CAIRN_LLM_DISCOVER: '0',
      CAIRN_LLM_URL: llm.url,
      CAIRN_ALLOWED_DIRS: allowed,
    };
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await llm.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** `cairn serve` on this test's home; killed in `after` if a test left it running. */
  async function startServe(): Promise<CairnServe> {
    const served = await startCairnServe({ HOME: home, ...env });
    children.add(served.child);
    void served.exited.then(() => children.delete(served.child));
    return served;
  }

  const headers = () => ({ authorization: `Bearer ${key}` });
  const getJob = async (url: string, id: string) => (await (await fetch(`${url}/v1/jobs/${id}`, { headers: headers() })).json()) as JobView;

  it('uploads the fixtures, follows the SSE to completion, then searches and asks', async () => {
    const served = await startServe();
    try {
      key = served.adminKey;
      assert.match(key, /^cairn_/);

      const form = new FormData();
      const names = filesUnder(files!);
      for (const name of names) form.append('file', new Blob([readFileSync(join(files!, name))]), name);
      form.append('tags', 'fixtures');
      const submitted = await fetch(`${served.url}/v1/collections/kb/documents`, { method: 'POST', headers: headers(), body: form });
      assert.equal(submitted.status, 202, await submitted.clone().text());
      const job = ((await submitted.json()) as { job: JobView }).job;
      assert.equal(job.status, 'queued');

      const stream = await fetch(`${served.url}/v1/jobs/${job.id}/events`, { headers: headers() });
      assert.equal(stream.status, 200);
      const events = await readEvents(stream, () => false);
      assert.equal(events[0]?.event, 'snapshot');
      const final = events.at(-1)!;
      assert.equal(final.event, 'status');
      assert.equal(final.data.status, 'succeeded', JSON.stringify(final.data));
      const fileEvents = events.filter((event) => event.event === 'file');
      assert.equal(fileEvents.length, names.length, 'one file event per uploaded file');
      assert.ok(fileEvents.filter((event) => event.data.outcome === 'ingested').length >= names.length / 2);

      const done = await getJob(served.url, job.id);
      assert.equal(done.progress.filesTotal, names.length);
      assert.equal(done.progress.filesDone + done.progress.filesFailed + done.progress.filesSkipped, names.length);

      const search = await fetch(`${served.url}/v1/search?q=${encodeURIComponent('Universal Declaration of Human Rights')}&collection=kb&k=3`, { headers: headers() });
      assert.equal(search.status, 200);
      const found = (await search.json()) as { results: Array<{ source_uri?: string; sourceUri?: string; relative_path?: string }> };
      assert.ok(found.results.length > 0);
      assert.match(JSON.stringify(found.results[0]), /upload:\/\//);

      const ask = await fetch(`${served.url}/v1/ask`, {
        method: 'POST',
        headers: { ...headers(), 'content-type': 'application/json' },
        body: JSON.stringify({ collection: 'kb', question: 'What does the Universal Declaration of Human Rights say?', stream: false }),
      });
      assert.equal(ask.status, 200);
      const answer = (await ask.json()) as { answer: string; citations: unknown[] };
      assert.match(answer.answer, /Rotate the key/);
      assert.ok(answer.citations.length > 0);
    } finally {
      served.child.kill('SIGTERM');
      const { code } = await served.exited;
      assert.equal(code, 0, served.output.stderr);
    }
  });

  it('completes a large job killed with SIGKILL mid-run after a restart, storing every document exactly once', async () => {
    assert.ok(key, 'the first test printed the admin key');
    const corpus = join(allowed, 'big');
    for (let i = 0; i < LARGE_JOB_FILES; i += 1) {
      const dir = join(corpus, `part-${Math.floor(i / 500)}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `note-${i}.md`), `# Note ${i}\n\nService ${i} rotates its key in vault ${i % 13}.\n\n${`Paragraph about operations number ${i}. `.repeat(40)}\n`);
    }
    const first = await startServe();
    const submitted = await fetch(`${first.url}/v1/collections/big/documents`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ path: relative(allowed, corpus) }),
    });
    assert.equal(submitted.status, 202, await submitted.clone().text());
    const job = ((await submitted.json()) as { job: JobView }).job;
    const atKill = await until(async () => {
      const view = await getJob(first.url, job.id);
      return view.progress.filesDone >= 100 || view.status !== 'queued' && view.status !== 'running' ? view : undefined;
    }, 'the job to be under way');
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(atKill.status, 'running', 'killed while running');
    assert.ok(atKill.progress.filesDone < LARGE_JOB_FILES, `killed after ${atKill.progress.filesDone} files`);

    const second = await startServe();
    try {
      const done = await until(async () => {
        const view = await getJob(second.url, job.id);
        return ['succeeded', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
      }, 'the job to finish after the restart');
      assert.equal(done.status, 'succeeded', done.error ?? '');
      assert.equal(done.progress.filesDone, LARGE_JOB_FILES);
      const replay = await fetch(`${second.url}/v1/jobs/${job.id}/events`, { headers: headers() });
      const statuses = (await readEvents(replay, () => false)).filter((event) => event.event === 'status').map((event) => event.data.status);
      assert.deepEqual(statuses, ['queued', 'running', 'queued', 'running', 'succeeded']);
    } finally {
      second.child.kill('SIGTERM');
      const { code } = await second.exited;
      assert.equal(code, 0, second.output.stderr);
    }

    const db = new Database(join(home, 'cairn.db'), { readonly: true });
    try {
      const documents = db.prepare(`SELECT count(*) AS n, count(DISTINCT uri) AS uris FROM documents WHERE collection = 'big'`).get() as { n: number; uris: number };
      assert.deepEqual(documents, { n: LARGE_JOB_FILES, uris: LARGE_JOB_FILES });
      const mismatched = db
        .prepare(`SELECT d.uri, d.chunk_count, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS stored FROM documents d WHERE d.collection = 'big' AND d.chunk_count != (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)`)
        .all();
      assert.deepEqual(mismatched, []);
      const duplicated = db.prepare(`SELECT document_id, ordinal FROM chunks WHERE collection = 'big' GROUP BY document_id, ordinal HAVING count(*) > 1`).all();
      assert.deepEqual(duplicated, []);
      const perUri = db.prepare(`SELECT DISTINCT d.chunk_count AS chunks FROM documents d WHERE d.collection = 'big'`).all() as Array<{ chunks: number }>;
      assert.ok(perUri.every((row) => row.chunks >= 1));
    } finally {
      db.close();
    }
  });
});
