import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { modelContext } from '../../src/app/cairn-app.js';
import { configSchema } from '../../src/config/config-schema.js';
import { createEmbedder } from '../../src/models/embed/create-embedder.js';
import { ChromaClient } from '../../src/stores/chroma/chroma-client.js';
import { CHROMA_MISSING, startPrivateChroma, type ChromaServer } from '../../src/testing/chroma-server.js';
import { REPO_ROOT, SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { runCli } from './run-cli.js';
import { startCairnServe } from './start-cairn-serve.js';

const files = sharedPath('data', 'files');
const staticModel = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const server: ChromaServer | null = files && staticModel ? await startPrivateChroma() : null;
const chroma = () => new ChromaClient({ url: server!.url, tenant: 'default_tenant', database: 'default_database', tokenHeader: 'Authorization', timeoutMs: 30_000 });

/**
 * A Chroma collection filled as other tools fill one: the sections of this project's README, with
 * embeddings of the static model and LangChain-style `source` metadata.
 */
async function fillChromaCollection(client: ChromaClient, name: string): Promise<number> {
  const sections = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split(/\n(?=## )/).filter((text) => text.trim().length > 40);
  const embedder = await createEmbedder(`static:${staticModel}`, modelContext(configSchema.parse({ home: tmpdir(), models: { allowDownload: false } })));
  const { vectors } = await embedder.embed({ texts: sections });
  const created = await client.createCollection(name, { hnsw: { space: 'cosine' } }, { from: 'test' });
  await client.upsert(created.id, {
    ids: sections.map((_, i) => `readme-${i}`),
    embeddings: vectors.map((vector) => Array.from(vector)),
    metadatas: sections.map((text) => ({ source: 'README.md', title: text.split('\n')[0]!.replace(/^#+\s*/, '') })),
    documents: sections,
  });
  await embedder.close?.();
  return sections.length;
}

describe('cairn with its vectors in Chroma (real binary, real Chroma)', { skip: !files || !staticModel ? SHARED_MISSING : server === null ? CHROMA_MISSING : false }, () => {
  let home: string;
  let env: Record<string, string>;

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-chroma-'));
    env = { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${staticModel}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_VECTOR_STORE: `chroma:${server!.url}` };
  });
  after(async () => {
    await server?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  test('ingest puts the vectors in Chroma; dense, hybrid and filtered search read them; status shows them in sync', async () => {
    const ingested = await runCli(['ingest', files!, '--collection', 'fixtures', '--json'], env);
    assert.equal(ingested.code, 0, ingested.stderr);
    assert.ok(JSON.parse(ingested.stdout).chunksEmbedded > 0);
    for (const mode of ['dense', 'hybrid']) {
      const result = await runCli(['search', 'Stanley Cup', '--collection', 'fixtures', '--mode', mode, '--json'], env);
      assert.equal(result.code, 0, result.stderr);
      const body = JSON.parse(result.stdout);
      assert.equal(body.mode, mode);
      assert.ok(body.results.length > 0, `${mode}: no results`);
    }
    const filtered = JSON.parse((await runCli(['search', 'table', '--collection', 'fixtures', '--mode', 'dense', '--type', 'pdf', '--json'], env)).stdout);
    assert.ok(filtered.results.length > 0);
    for (const item of filtered.results) assert.equal(item.format, 'pdf');
    const status = JSON.parse((await runCli(['status', '--json'], env)).stdout);
    assert.equal(status.store.vectors, 'chroma');
    assert.equal(status.vectorStore.ok, true);
    assert.match(status.vectorStore.version, /^\d+\.\d+/);
    const fixtures = status.vectorStore.collections.find((c: { collection: string }) => c.collection === 'fixtures');
    assert.ok(fixtures.count > 0 && fixtures.inSync, JSON.stringify(fixtures));
    assert.equal(status.collections.find((c: { name: string }) => c.name === 'fixtures').vectorStore, 'chroma');
  });

  test('import chroma: records become searchable documents with their embeddings kept; a second run resumes with nothing to do', async () => {
    const records = await fillChromaCollection(chroma(), 'project-docs');
    const imported = await runCli(['import', 'chroma', '--url', server!.url, '--collection', 'project-docs', '--into', 'docs', '--embedder', `static:${staticModel}`, '--json'], env);
    assert.equal(imported.code, 0, imported.stderr);
    const summary = JSON.parse(imported.stdout);
    assert.deepEqual([summary.total, summary.imported, summary.documents, summary.vectors], [records, records, records, 'kept']);
    const again = JSON.parse((await runCli(['import', 'chroma', '--url', server!.url, '--collection', 'project-docs', '--into', 'docs', '--embedder', `static:${staticModel}`, '--json'], env)).stdout);
    assert.deepEqual([again.imported, again.unchanged], [0, records]);
    for (const mode of ['lexical', 'dense']) {
      const found = JSON.parse((await runCli(['search', 'ChromaDB token proxy', '--collection', 'docs', '--mode', mode, '--json'], env)).stdout);
      assert.ok(found.results.length > 0, mode);
      assert.match(found.results[0].source_uri, /^chroma:\/\/project-docs\//);
    }
    const missing = await runCli(['import', 'chroma', '--url', server!.url, '--collection', 'no-such-collection'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /VECTOR_STORE_FAILED|does not exist/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  });

  test('Chroma down: search degrades to lexical with a notice (CLI and HTTP, never a 500); after it returns, index rebuild brings it in sync', async () => {
    const serve = await startCairnServe(env);
    try {
      const headers = { authorization: `Bearer ${serve.adminKey}` };
      const ready = (await (await fetch(`${serve.url}/readyz`, { headers })).json()) as { vectorStore: { ok: boolean } };
      assert.equal(ready.vectorStore.ok, true);
      await server!.stop(true);

      const result = await runCli(['search', 'Stanley Cup', '--collection', 'fixtures', '--mode', 'hybrid', '--json'], env);
      assert.equal(result.code, 0, result.stderr);
      const body = JSON.parse(result.stdout);
      assert.ok(body.results.length > 0);
      assert.match(result.stderr, /notice: Dense search is unavailable \(The vector store: the Chroma server .* cannot be reached/);

      const response = await fetch(`${serve.url}/v1/search?q=${encodeURIComponent('Stanley Cup')}&collection=fixtures&mode=hybrid&k=3`, { headers });
      assert.equal(response.status, 200);
      const answered = (await response.json()) as { results: unknown[]; notices: string[] };
      assert.ok(answered.results.length > 0);
      assert.ok(answered.notices.some((text: string) => /Dense search is unavailable/.test(text)));
      const down = await fetch(`${serve.url}/readyz`, { headers });
      assert.equal(down.status, 200, 'a vector store that is down does not make the server unready');
      assert.equal(((await down.json()) as { vectorStore: { ok: boolean } }).vectorStore.ok, false);

    } finally {
      await serve.stop();
    }
    // Chroma comes back and loses the collection's vectors: status shows the drift, index rebuild repopulates it.
    await server!.start();
    const client = chroma();
    for (const found of await client.listCollections(100, 0)) if (found.metadata?.cairn_collection === 'fixtures') await client.deleteCollection(found.name);
    const drifted = JSON.parse((await runCli(['status', '--json'], env)).stdout).vectorStore.collections.find((c: { collection: string }) => c.collection === 'fixtures');
    assert.equal(drifted.count, 0);
    assert.equal(drifted.inSync, false);
    const rebuilt = await runCli(['index', 'rebuild', '--collection', 'fixtures', '--json'], env);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.equal(JSON.parse(rebuilt.stdout).collections[0].vectors, drifted.expected);
    const synced = JSON.parse((await runCli(['status', '--json'], env)).stdout).vectorStore.collections.find((c: { collection: string }) => c.collection === 'fixtures');
    assert.deepEqual([synced.count, synced.inSync], [drifted.expected, true]);
  });
});
