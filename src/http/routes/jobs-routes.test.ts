import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { JobRunner } from '../../app/jobs/job-runner.js';
import { createJobRunner } from '../../app/jobs/create-job-runner.js';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import type { Job } from '../../stores/job-store.js';
import { parseSseText } from '../../testing/parse-sse-text.js';
import { buildServer } from '../build-server.js';

/** A multipart/form-data body (RFC 7578) with file parts named `file` and text fields. */
function multipart(files: Array<{ name: string; content: string | Buffer }>, fields: Record<string, string> = {}): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----cairn-test-boundary';
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: application/octet-stream\r\n\r\n`));
    chunks.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

function assertProblem(response: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.equal(response.json().code, code, response.body);
}

describe('job routes', () => {
  let home: string;
  let allowed: string;
  let app: CairnApp;
  let server: FastifyInstance;
  let auth: { authorization: string };

  before(async () => {
    home = realpathSync(mkdtempSync(join(tmpdir(), 'cairn-jobs-http-')));
    allowed = join(home, 'allowed');
    mkdirSync(join(allowed, 'docs'), { recursive: true });
    writeFileSync(join(allowed, 'docs', 'guide.md'), '# Guide\n\nRotate the signing key every ninety days.\n');
    writeFileSync(join(home, 'secret.md'), '# Secret\n\noutside the allowed folder\n');
    symlinkSync(join(home, 'secret.md'), join(allowed, 'docs', 'escape.md'));
    app = await openCairn(
      loadConfig({
        cwd: home,
        env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' },
        flags: { jobs: { maxUploadBytes: 4096, maxFilesPerUpload: 5 } },
      }),
    );
    server = await buildServer(app, { version: 'test' });
    await server.ready();
    auth = { authorization: `Bearer ${(await app.keys.create('writer', ['write'])).key}` };
  });
  after(async () => {
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  const upload = (collection: string, files: Array<{ name: string; content: string | Buffer }>, fields: Record<string, string> = {}) => {
    const body = multipart(files, fields);
    return server.inject({ method: 'POST', url: `/v1/collections/${collection}/documents`, headers: { ...auth, ...body.headers }, payload: body.payload });
  };
  /** Follows the job's SSE stream to its end (it ends after the final status). */
  const follow = async (id: string, lastEventId?: string) => {
    const response = await server.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: { ...auth, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    return parseSseText(response.body);
  };

  it('uploads one file: 202 with a queued job, SSE from snapshot to the final status, upload folder removed', async () => {
    const response = await upload('kb', [{ name: 'handbook.md', content: '# Handbook\n\nRotate keys every quarter.\n' }]);
    assert.equal(response.statusCode, 202, response.body);
    const job = response.json().job as Job;
    assert.equal(job.kind, 'upload');
    assert.equal(job.collection, 'kb');
    assert.deepEqual(job.sources, ['handbook.md']);
    const events = await follow(job.id);
    assert.equal(events[0]?.event, 'snapshot');
    assert.equal((events[0]!.data.job as Job).id, job.id);
    const last = events.at(-1)!;
    assert.equal(last.event, 'status');
    assert.equal(last.data.status, 'succeeded');
    assert.ok(events.some((event) => event.event === 'file' && event.data.file === 'handbook.md' && event.data.outcome === 'ingested'));
    assert.ok(events.some((event) => event.event === 'progress'));
    for (const event of events.slice(1)) assert.match(event.id ?? '', new RegExp(`^${job.id}:\\d+$`));
    const done = (await server.inject({ method: 'GET', url: `/v1/jobs/${job.id}`, headers: auth })).json() as Job;
    assert.equal(done.status, 'succeeded');
    assert.equal(done.progress.filesDone, 1);
    assert.ok(!existsSync(join(home, 'uploads', job.id)));
  });

  it('uploads many files with folders and tags; uploading a file again updates its document', async () => {
    const files = [
      { name: 'a.md', content: '# A\n\nalpha\n' },
      { name: 'guides/b.md', content: '# B\n\nbravo\n' },
      { name: 'guides/deep/c.txt', content: 'charlie\n' },
      { name: 'img/logo.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]) },
      { name: 'data.bin', content: Buffer.from([0, 1, 2, 3]) },
    ];
    const first = await upload('many', files, { tags: 'team, ops' });
    assert.equal(first.statusCode, 202, first.body);
    const firstEvents = await follow(first.json().job.id);
    assert.equal(firstEvents.at(-1)?.data.status, 'succeeded');
    const outcomes = Object.fromEntries(firstEvents.filter((event) => event.event === 'file').map((event) => [event.data.file, event.data.outcome]));
    assert.deepEqual(outcomes, { 'a.md': 'ingested', 'guides/b.md': 'ingested', 'guides/deep/c.txt': 'ingested', 'img/logo.png': 'skipped', 'data.bin': 'skipped' });
    const firstJob = (await server.inject({ method: 'GET', url: `/v1/jobs/${first.json().job.id}`, headers: auth })).json() as Job;
    assert.equal(firstJob.progress.filesTotal, 5);
    assert.equal(firstJob.progress.filesSkipped, 2);
    assert.deepEqual(firstJob.errors.map((error) => error.file).sort(), ['data.bin', 'img/logo.png']);
    const listed = (await server.inject({ method: 'GET', url: '/v1/collections/many/documents?limit=100', headers: auth })).json();
    assert.equal(listed.total, 3);
    assert.deepEqual(listed.items.map((d: { relativePath: string }) => d.relativePath).sort(), ['a.md', 'guides/b.md', 'guides/deep/c.txt']);
    assert.ok(JSON.stringify(listed.items).includes('upload://guides/b.md'));
    assert.ok(JSON.stringify(listed.items).includes('"ops"'));

    const again = await upload('many', [{ name: 'a.md', content: '# A\n\nalpha, revised\n' }]);
    const events = await follow(again.json().job.id);
    assert.ok(events.some((event) => event.event === 'file' && event.data.file === 'a.md' && event.data.outcome === 'ingested'));
    const after = (await server.inject({ method: 'GET', url: '/v1/collections/many/documents?limit=100', headers: auth })).json();
    assert.equal(after.total, 3);
  });

  it('answers 413 for an oversized file or too many files, 400 for bad multipart and unsafe names, and keeps nothing', async () => {
    assertProblem(await upload('kb', [{ name: 'big.md', content: 'x'.repeat(10_000) }]), 413, 'UPLOAD_TOO_LARGE');
    assertProblem(await upload('kb', Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.md`, content: `# ${i}\n` }))), 413, 'UPLOAD_TOO_LARGE');
    assertProblem(await upload('kb', [{ name: '../escape.md', content: '# no\n' }]), 400, 'INPUT_INVALID');
    assertProblem(await upload('kb', []), 400, 'INPUT_INVALID');
    const truncated = multipart([{ name: 'a.md', content: '# A\n' }]);
    const cut = truncated.payload.subarray(0, truncated.payload.length - 30);
    assertProblem(await server.inject({ method: 'POST', url: '/v1/collections/kb/documents', headers: { ...auth, ...truncated.headers }, payload: cut }), 400, 'INPUT_INVALID');
    const noBoundary = await server.inject({ method: 'POST', url: '/v1/collections/kb/documents', headers: { ...auth, 'content-type': 'multipart/form-data' }, payload: 'garbage' });
    assertProblem(noBoundary, 400, 'INPUT_INVALID');
    assertProblem(await upload('bad name!', [{ name: 'a.md', content: '# A\n' }]), 400, 'INPUT_INVALID');
    const uploads = join(home, 'uploads');
    assert.deepEqual(existsSync(uploads) ? readdirSync(uploads) : [], []);
  });

  it('refuses server-side paths when no directory is allowed, and outside or through symlinks when one is', async () => {
    const post = (payload: unknown) => server.inject({ method: 'POST', url: '/v1/collections/paths/documents', headers: auth, payload: payload as object });
    const off = await post({ path: join(allowed, 'docs') });
    assertProblem(off, 403, 'PATH_NOT_ALLOWED');
    assert.match(off.json().hint, /sources\.allowedDirs/);

    app.config.sources.allowedDirs = [allowed];
    try {
      assertProblem(await post({ path: `${allowed}/../secret.md` }), 403, 'PATH_NOT_ALLOWED');
      assertProblem(await post({ path: '../secret.md' }), 403, 'PATH_NOT_ALLOWED');
      assertProblem(await post({ path: join(home, 'secret.md') }), 403, 'PATH_NOT_ALLOWED');
      assertProblem(await post({ path: join(allowed, 'docs', 'escape.md') }), 403, 'PATH_NOT_ALLOWED');
      assertProblem(await post({ path: join(allowed, 'missing') }), 404, 'SOURCE_NOT_FOUND');
      assertProblem(await post({ path: allowed, git: 'https://github.com/a/b.git' }), 400, 'INPUT_INVALID');
      assertProblem(await post({}), 400, 'INPUT_INVALID');
      assertProblem(await server.inject({ method: 'POST', url: '/v1/collections/paths/documents', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"path": ' }), 400, 'INPUT_INVALID');

      const accepted = await post({ path: join(allowed, 'docs', 'guide.md'), tags: ['ops'] });
      assert.equal(accepted.statusCode, 202, accepted.body);
      const job = accepted.json().job as Job;
      assert.equal(job.kind, 'path');
      assert.equal((await follow(job.id)).at(-1)?.data.status, 'succeeded');

      const folder = await server.inject({ method: 'POST', url: '/v1/collections/folder/documents', headers: auth, payload: { path: 'docs' } });
      assert.equal(folder.statusCode, 202, folder.body);
      const folderEvents = await follow(folder.json().job.id);
      const escaped = folderEvents.find((event) => event.event === 'file' && String(event.data.file).endsWith('escape.md'));
      assert.equal(escaped?.data.code, 'SOURCE_UNREADABLE', 'a symlink leading out of the allowed folder is not followed');
      assert.equal(folderEvents.at(-1)?.data.status, 'succeeded');
      const folderDocs = (await server.inject({ method: 'GET', url: '/v1/collections/folder/documents', headers: auth })).json();
      assert.deepEqual(folderDocs.items.map((d: { relativePath: string }) => d.relativePath), ['guide.md']);

      const documents = (await server.inject({ method: 'GET', url: '/v1/collections/paths/documents', headers: auth })).json();
      const id = documents.items[0].id as number;
      const reingest = await server.inject({ method: 'POST', url: `/v1/collections/paths/documents/${id}/reingest`, headers: auth });
      assert.equal(reingest.statusCode, 202, reingest.body);
      const reingestJob = reingest.json().job as Job;
      assert.equal(reingestJob.kind, 'reingest');
      const events = await follow(reingestJob.id);
      assert.ok(events.some((event) => event.event === 'file' && event.data.outcome === 'ingested'), 'forced: not unchanged');
      assert.equal(events.at(-1)?.data.status, 'succeeded');
      assert.equal((await server.inject({ method: 'GET', url: '/v1/collections/paths/documents', headers: auth })).json().total, 1);
    } finally {
      app.config.sources.allowedDirs = [];
    }
    assertProblem(await server.inject({ method: 'POST', url: '/v1/collections/paths/documents/999/reingest', headers: auth }), 404, 'DOCUMENT_NOT_FOUND');
    const uploaded = (await server.inject({ method: 'GET', url: '/v1/collections/kb/documents', headers: auth })).json().items[0].id as number;
    assertProblem(await server.inject({ method: 'POST', url: `/v1/collections/kb/documents/${uploaded}/reingest`, headers: auth }), 400, 'INPUT_INVALID');
  });

  it('refuses git URLs of loopback and private hosts and file: URLs', async () => {
    const post = (git: string) => server.inject({ method: 'POST', url: '/v1/collections/git/documents', headers: auth, payload: { git } });
    for (const url of ['https://127.0.0.1/org/repo.git', 'http://[::1]/repo.git', 'https://10.1.2.3/org/repo.git', 'git@192.168.1.10:org/repo.git', 'https://localhost/org/repo.git']) {
      const refused = await post(url);
      assertProblem(refused, 403, 'ADDRESS_NOT_ALLOWED');
      assert.match(refused.json().hint, /sources\.allowPrivateNetworks/);
    }
    assertProblem(await post('file:///etc'), 403, 'ADDRESS_NOT_ALLOWED');
    assertProblem(await post('/srv/repo'), 400, 'INPUT_INVALID');
  });

  it('refuses crawls of loopback and private hosts, other schemes, a second source and more pages than the server allows', async () => {
    const post = (payload: Record<string, unknown>) => server.inject({ method: 'POST', url: '/v1/collections/site/documents', headers: auth, payload });
    for (const url of ['http://127.0.0.1:8080/docs/', 'https://[::1]/docs/', 'http://169.254.169.254/latest/', 'https://localhost/docs/']) {
      const refused = await post({ crawl: { url } });
      assertProblem(refused, 403, 'ADDRESS_NOT_ALLOWED');
      assert.match(refused.json().hint, /sources\.allowPrivateNetworks/);
    }
    assertProblem(await post({ crawl: { url: 'ftp://files.example/docs/' } }), 400, 'INPUT_INVALID');
    assertProblem(await post({ crawl: { url: 'https://93.184.216.34/docs/' }, git: 'https://github.com/a/b.git' }), 400, 'INPUT_INVALID');
    assertProblem(await post({ crawl: { url: 'https://93.184.216.34/docs/', maxPages: 1_000_000 } }), 400, 'INPUT_INVALID');
    assertProblem(await post({ crawl: { url: 'https://93.184.216.34/docs/', delayMs: 0 } }), 400, 'INPUT_INVALID');
  });

  it('lists jobs newest first with a cursor, 404s unknown ones, and cancels', async () => {
    const page = (await server.inject({ method: 'GET', url: '/v1/jobs?limit=2', headers: auth })).json();
    assert.equal(page.items.length, 2);
    assert.ok(page.nextCursor);
    const next = (await server.inject({ method: 'GET', url: `/v1/jobs?limit=2&cursor=${page.nextCursor}`, headers: auth })).json();
    assert.ok(next.items.every((job: Job) => !page.items.some((seen: Job) => seen.id === job.id)));
    const filtered = (await server.inject({ method: 'GET', url: '/v1/jobs?collection=many&status=succeeded', headers: auth })).json();
    assert.equal(filtered.items.length, 2);
    assertProblem(await server.inject({ method: 'GET', url: '/v1/jobs/nope', headers: auth }), 404, 'JOB_NOT_FOUND');
    assertProblem(await server.inject({ method: 'GET', url: '/v1/jobs/nope/events', headers: auth }), 404, 'JOB_NOT_FOUND');
    assertProblem(await server.inject({ method: 'GET', url: '/v1/jobs?status=bogus', headers: auth }), 400, 'INPUT_INVALID');

    const finished = page.items[0] as Job;
    const cancelFinished = await server.inject({ method: 'POST', url: `/v1/jobs/${finished.id}/cancel`, headers: auth });
    assert.equal(cancelFinished.statusCode, 200);
    assert.equal(cancelFinished.json().status, finished.status);
  });

  it('replays stored events after Last-Event-ID and ends with the final status', async () => {
    const job = (await upload('kb', [{ name: 'replay.md', content: '# Replay\n\ntext\n' }])).json().job as Job;
    const all = await follow(job.id);
    const stored = all.filter((event) => event.id !== undefined);
    assert.ok(stored.length >= 4);
    const resumeAt = stored[1]!.id!;
    const resumed = await follow(job.id, resumeAt);
    assert.equal(resumed[0]?.event, 'snapshot');
    assert.deepEqual(resumed.slice(1).map((event) => event.id), stored.slice(2).map((event) => event.id));
    const afterEnd = await follow(job.id, stored.at(-1)!.id);
    assert.deepEqual(afterEnd.map((event) => event.event), ['snapshot']);
  });
});

describe('job routes with a full queue', () => {
  it('answers 429 QUEUE_FULL with Retry-After once jobs.maxQueued jobs wait, for uploads and path sources', async () => {
    const home = realpathSync(mkdtempSync(join(tmpdir(), 'cairn-jobs-full-')));
    writeFileSync(join(home, 'cairn.config.json'), JSON.stringify({ jobs: { maxQueued: 2 } }));
    const app = await openCairn(
      loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_ALLOWED_DIRS: home } }),
    );
    // The runner `cairn serve` builds from the configuration, never started: every job stays queued.
    const runner = createJobRunner(app)!;
    const server = await buildServer(app, { version: 'test', jobRunner: runner });
    try {
      await server.ready();
      const headers = { authorization: `Bearer ${(await app.keys.create('writer', ['write'])).key}` };
      const send = (name: string) => {
        const body = multipart([{ name, content: `# ${name}\n\ntext\n` }]);
        return server.inject({ method: 'POST', url: '/v1/collections/kb/documents', headers: { ...headers, ...body.headers }, payload: body.payload });
      };
      assert.equal((await send('a.md')).statusCode, 202);
      assert.equal((await send('b.md')).statusCode, 202);
      const refused = await send('c.md');
      assertProblem(refused, 429, 'QUEUE_FULL');
      assert.equal(refused.headers['retry-after'], '5');
      assert.equal(existsSync(join(home, 'uploads')) ? readdirSync(join(home, 'uploads')).length : 0, 2, 'nothing kept for the refused upload');
      const byPath = await server.inject({ method: 'POST', url: '/v1/collections/kb/documents', headers, payload: { path: home } });
      assertProblem(byPath, 429, 'QUEUE_FULL');
      await runner.cancel((await runner.store.listQueued(1))[0]!.id);
      assert.equal((await send('d.md')).statusCode, 202, 'room again once a queued job is gone');
    } finally {
      await server.close();
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('job routes over a real socket', () => {
  let home: string;
  let app: CairnApp;
  let server: FastifyInstance;
  let runner: JobRunner;
  let key: string;
  let port: number;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-jobs-sse-'));
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    runner = new JobRunner(app, app.jobs!, { workers: 1 });
    server = await buildServer(app, { version: 'test', jobRunner: runner });
    await server.listen({ host: '127.0.0.1', port: 0 });
    port = (server.server.address() as AddressInfo).port;
    key = (await app.keys.create('reader', ['write'])).key;
  });
  after(async () => {
    await runner.stop();
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('streams /v1/events for all jobs, resumes from a global id, and drops the listener when the client goes away', async () => {
    const baseline = runner.events.listenerCount;
    let text = '';
    const request = httpRequest({ host: '127.0.0.1', port, path: '/v1/events', headers: { authorization: `Bearer ${key}` } });
    const opened = new Promise<void>((resolve, reject) => {
      request.on('response', (response) => {
        assert.equal(response.statusCode, 200);
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes(': connected')) resolve();
        });
        response.on('error', () => {});
      });
      request.on('error', reject);
    });
    request.end();
    await opened;
    assert.equal(runner.events.listenerCount, baseline + 1);

    // Queued while the runner is not started: cancelling it gives a known sequence of events.
    const body = multipart([{ name: 'x.md', content: '# X\n' }]);
    const submitted = await server.inject({ method: 'POST', url: '/v1/collections/live/documents', headers: { authorization: `Bearer ${key}`, ...body.headers }, payload: body.payload });
    const job = submitted.json().job as Job;
    await server.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel`, headers: { authorization: `Bearer ${key}` } });
    const deadline = Date.now() + 30_000;
    while (!parseSseText(text).some((event) => event.data.status === 'cancelled') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const events = parseSseText(text);
    assert.deepEqual(events.map((event) => `${event.event}:${String(event.data.status)}`), ['status:queued', 'status:cancelled']);
    assert.ok(Number(events[1]!.id) > Number(events[0]!.id));

    request.destroy();
    while (runner.events.listenerCount > baseline && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(runner.events.listenerCount, baseline, 'the listener of a closed client is removed');

    const resumed = await server.inject({
      method: 'GET',
      url: '/v1/events',
      headers: { authorization: `Bearer ${key}`, 'last-event-id': events[0]!.id! },
      payloadAsStream: true,
    });
    assert.equal(resumed.statusCode, 200);
    let replayed = '';
    const stream = resumed.stream();
    for await (const chunk of stream) {
      replayed += String(chunk);
      if (replayed.includes('cancelled')) break;
    }
    stream.destroy();
    assert.deepEqual(parseSseText(replayed).map((event) => event.id), [events[1]!.id]);
  });
});
