import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { ingest } from '../../app/ingest.js';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import { buildServer } from '../build-server.js';

interface SettingJson {
  key: string;
  value: unknown;
  configured: unknown;
  overridden: boolean;
  updatedBy: string | null;
  schema: Record<string, unknown>;
}

describe('/v1/settings', () => {
  let home: string;
  let app: CairnApp;
  let server: FastifyInstance;
  const keys = {} as Record<'read' | 'admin', { key: string; id: string }>;
  const env = () => ({ CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_ALLOWED_DIRS: join(home, 'docs') });
  const open = async () => {
    app = await openCairn(loadConfig({ cwd: home, env: env() }));
    server = await buildServer(app, { version: 'test' });
  };
  const call = (who: 'read' | 'admin', method: 'GET' | 'PATCH', url: string, payload?: object) =>
    server.inject({ method, url, headers: { authorization: `Bearer ${keys[who].key}` }, ...(payload ? { payload } : {}) });
  const setting = (body: { settings: SettingJson[] }, key: string) => body.settings.find((s) => s.key === key)!;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-settings-'));
    const docs = join(home, 'docs');
    mkdirSync(docs);
    for (let i = 0; i < 6; i += 1) writeFileSync(join(docs, `note-${i}.md`), `# Note ${i}\n\nThe harbour crane number ${i} lifts containers.\n`);
    await open();
    await ingest(app, { collection: 'kb', sources: [docs] });
    await ingest(app, { collection: 'other', sources: [docs] });
    for (const scope of ['read', 'admin'] as const) {
      const created = await app.keys.create(`${scope} key`, [scope]);
      keys[scope] = { key: created.key, id: created.record.id };
    }
  });
  after(async () => {
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows any key who it is, the sources remote callers may add, the models and the settings; server paths and endpoints to admins only', async () => {
    const read = await call('read', 'GET', '/v1/settings');
    assert.equal(read.statusCode, 200, read.body);
    const body = read.json();
    assert.deepEqual(body.key, { id: keys.read.id, name: 'read key', prefix: body.key.prefix, scope: 'read' });
    assert.deepEqual(body.sources, { pathsEnabled: true, gitEnabled: true, privateNetworks: false });
    assert.deepEqual(body.uploads, { maxFilesPerUpload: 1000, maxUploadBytes: 64 * 1024 * 1024 }, 'the upload limits, so the web UI splits a large folder');
    assert.equal(body.models.reranker, 'none');
    assert.equal(body.models.embedder, 'none');
    const k = setting(body, 'search.k');
    assert.deepEqual({ value: k.value, configured: k.configured, overridden: k.overridden }, { value: 10, configured: 10, overridden: false });
    assert.deepEqual(k.schema, { type: 'integer', minimum: 1, maximum: 1000 });
    assert.deepEqual(setting(body, 'search.mode').schema.enum, ['lexical', 'dense', 'hybrid']);
    assert.equal(body.models.llm.urls, undefined, 'endpoint URLs are for admins');
    const asAdmin = (await call('admin', 'GET', '/v1/settings')).json();
    assert.deepEqual(asAdmin.sources.allowedDirs, [join(home, 'docs')]);
    assert.deepEqual(asAdmin.models.llm.urls, []);
  });

  it('lets only an admin change settings; a change takes effect on the next request and survives a restart; null resets', async () => {
    const refused = await call('read', 'PATCH', '/v1/settings', { 'search.k': 3 });
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal((await call('read', 'GET', '/v1/search?q=harbour+crane&collection=kb')).json().results.length, 6);

    const changed = await call('admin', 'PATCH', '/v1/settings', { 'search.k': 3, defaultCollection: 'other' });
    assert.equal(changed.statusCode, 200, changed.body);
    const k = setting(changed.json(), 'search.k');
    assert.deepEqual({ value: k.value, configured: k.configured, overridden: k.overridden, updatedBy: k.updatedBy }, { value: 3, configured: 10, overridden: true, updatedBy: `key:${keys.admin.id}` });
    const searched = (await call('read', 'GET', '/v1/search?q=harbour+crane')).json();
    assert.equal(searched.results.length, 3, 'search.k applies at once');
    assert.equal(searched.collection, 'other', 'so does the default collection');

    await server.close();
    await app.close();
    await open();
    const reopened = (await call('read', 'GET', '/v1/settings')).json();
    assert.equal(setting(reopened, 'search.k').value, 3, 'kept in the database across a restart');
    assert.equal(setting(reopened, 'defaultCollection').value, 'other');

    const reset = (await call('admin', 'PATCH', '/v1/settings', { 'search.k': null })).json();
    assert.deepEqual([setting(reset, 'search.k').value, setting(reset, 'search.k').overridden], [10, false]);
    assert.equal((await call('read', 'GET', '/v1/search?q=harbour+crane&collection=kb')).json().results.length, 6);
  });

  it('refuses invalid values, unknown settings and unknown collections as a whole, with problem+json', async () => {
    const before = (await call('admin', 'GET', '/v1/settings')).json();
    const cases: [object, number, string][] = [
      [{ 'search.k': 0 }, 400, 'INPUT_INVALID'],
      [{ 'search.k': 'ten' }, 400, 'INPUT_INVALID'],
      [{ 'search.mode': 'fuzzy' }, 400, 'INPUT_INVALID'],
      [{ 'llm.temperature': 3 }, 400, 'INPUT_INVALID'],
      [{ 'llm.urls': ['http://x'] }, 400, 'INPUT_INVALID'],
      [{ 'answer.sources': 5, defaultCollection: 'kbb' }, 404, 'COLLECTION_NOT_FOUND'],
      [{ defaultCollection: '../etc' }, 400, 'INPUT_INVALID'],
    ];
    for (const [payload, status, code] of cases) {
      const response = await call('admin', 'PATCH', '/v1/settings', payload);
      assert.equal(response.statusCode, status, `${JSON.stringify(payload)}: ${response.body}`);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().code, code, JSON.stringify(payload));
    }
    const notFound = await call('admin', 'PATCH', '/v1/settings', { defaultCollection: 'kbb' });
    assert.match(notFound.json().hint, /kb, other/, 'the hint lists the existing collections');
    assert.deepEqual((await call('admin', 'GET', '/v1/settings')).json().settings, before.settings, 'nothing changed');
  });
});
