import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { ingest } from '../../app/ingest.js';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import { makeChunk, makeDocument } from '../../stores/store-contract-fixtures.js';
import { buildServer } from '../build-server.js';

describe('a document\'s source actions and its original file', () => {
  let home: string;
  let docs: string;
  let app: CairnApp;
  let server: FastifyInstance;
  let readKey: string;
  const get = (url: string) => server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${readKey}` } });
  const idOf = async (path: string) => (await get(`/v1/collections/kb/documents?q=${encodeURIComponent(path)}`)).json().items[0].id as number;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-original-'));
    docs = join(home, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'kept.md'), '# Kept\n\nThe harbour crane lifts containers.\n');
    writeFileSync(join(docs, 'page.html'), '<html><body><h1>Page</h1><p>The harbour crane report.</p><script>alert(1)</script></body></html>');
    writeFileSync(join(docs, 'changed.md'), '# Changed\n\nThe harbour crane before.\n');
    writeFileSync(join(docs, 'gone.md'), '# Gone\n\nThe harbour crane that left.\n');
    writeFileSync(join(docs, 'swapped.md'), '# Swapped\n\nThe harbour crane: AAAA.\n');
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    await ingest(app, { collection: 'kb', sources: [docs] });
    await app.chunks.writeDocument(makeDocument('kb', 'uploaded.md', [makeChunk(0, 'uploaded harbour notes', null)], { uri: 'upload://uploaded.md', sourceRoot: 'upload://' }));
    writeFileSync(join(docs, 'changed.md'), '# Changed\n\nThe harbour crane after, longer than before.\n');
    rmSync(join(docs, 'gone.md'));
    writeFileSync(join(docs, 'swapped.md'), '# Swapped\n\nThe harbour crane: BBBB.\n');
    server = await buildServer(app, { version: 'test' });
    readKey = (await app.keys.create('reader', ['read'])).key;
  });
  after(async () => {
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('says per document what can be re-ingested and downloaded, and why not', async () => {
    const source = async (path: string) => (await get(`/v1/collections/kb/documents/${await idOf(path)}`)).json().source;
    assert.deepEqual(await source('kept.md'), { kind: 'file', reingest: true, original: true });
    assert.deepEqual(await source('uploaded.md'), { kind: 'upload', reingest: false, original: false, reason: 'The document was uploaded; the server keeps no copy of its file.' });
    assert.deepEqual(await source('changed.md'), { kind: 'file', reingest: true, original: false, reason: 'The file changed since it was ingested.' });
    assert.equal((await source('gone.md')).reingest, false);
  });

  it('hands a read key the original bytes as an attachment that never renders as a page', async () => {
    const kept = await get(`/v1/collections/kb/documents/${await idOf('kept.md')}/original`);
    assert.equal(kept.statusCode, 200, kept.body);
    assert.equal(kept.body, readFileSync(join(docs, 'kept.md'), 'utf8'));
    assert.match(String(kept.headers['content-type']), /^text\/markdown/);
    assert.match(String(kept.headers['content-disposition']), /^attachment; filename="kept\.md"/);
    const page = await get(`/v1/collections/kb/documents/${await idOf('page.html')}/original`);
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-disposition']), /^attachment/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['content-security-policy'], 'sandbox');
  });

  it('refuses uploads, changed and vanished files and unknown documents with problem+json', async () => {
    for (const [path, pattern] of [['uploaded.md', /uploaded/], ['changed.md', /changed since/], ['gone.md', /no longer where/], ['swapped.md', /changed since/]] as const) {
      const response = await get(`/v1/collections/kb/documents/${await idOf(path)}/original`);
      assert.equal(response.statusCode, 404, `${path}: ${response.body}`);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().code, 'ORIGINAL_UNAVAILABLE');
      assert.match(response.json().detail, pattern);
    }
    assert.equal((await get('/v1/collections/kb/documents/999999/original')).json().code, 'DOCUMENT_NOT_FOUND');
  });
});
