import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser, Page } from 'playwright-core';
import { ChromaClient } from '../../src/stores/chroma/chroma-client.js';
import { CHROMA_MISSING, startPrivateChroma, type ChromaServer } from '../../src/testing/chroma-server.js';
import { REPO_ROOT, SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { fillChromaFromDocs } from './fill-chroma-from-docs.js';
import { callOk } from './mcp-test-kit.js';
import { runCli } from './run-cli.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { CHROMIUM_MISSING, launchChromium, logIn, openPage, saveScreenshot, withFailureScreenshot } from './web/browser-harness.js';

const PROJECT = 'ollama';
const docs = sharedPath('data', 'docs-corpus', PROJECT);
const staticModel = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const UI_NOT_BUILT = 'web/dist is missing: build the web UI with `npm run build` first (npm ci runs it)';
const skip = !docs || !staticModel ? SHARED_MISSING : CHROMIUM_MISSING;
const server: ChromaServer | null = skip ? null : await startPrivateChroma();

/**
 * A new user's way in (issue 15): a knowledge base that already lives in Chroma (one project of the
 * docs corpus, filled by a loader script with the static model's embeddings), brought over with
 * `cairn import chroma --embedder`, then searched from the web UI and over MCP while Cairn keeps its
 * own vectors in the same Chroma server; the Status page shows Chroma's heartbeat, version, the
 * per-collection counts and a drift that `cairn index rebuild` repairs.
 */
describe('walkthrough: a Chroma knowledge base imported, searched from the web UI and MCP, watched on Status', { skip: skip ?? (server === null ? CHROMA_MISSING : false), timeout: 600_000 }, () => {
  const embedder = `static:${staticModel}`;
  const source = `${PROJECT}-docs`;
  let home: string;
  let env: Record<string, string>;
  let records: number;
  let serve: CairnServe;
  let browser: Browser;
  let page: Page;
  let log: string[];
  let failed: string | null = null;
  const chroma = () => new ChromaClient({ url: server!.url, tenant: 'default_tenant', database: 'default_database', tokenHeader: 'Authorization', timeoutMs: 60_000 });
  const scenario = (name: string, body: (t: TestContext) => Promise<void>) =>
    it(name, async (t) => {
      if (failed) return t.skip(`the earlier scenario "${failed}" failed and this one builds on it`);
      try {
        await body(t);
      } catch (error) {
        failed = name;
        throw error;
      }
    });
  const step = <T>(name: string, body: () => Promise<T>) => withFailureScreenshot(page, name, log, body);
  const vectorsOf = (collection: string) => page.getByRole('list', { name: 'Vectors per collection' }).getByRole('listitem').filter({ has: page.getByText(collection, { exact: true }) });

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')), UI_NOT_BUILT);
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-chroma-walkthrough-'));
    env = { CAIRN_HOME: home, CAIRN_EMBEDDER: embedder, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_VECTOR_STORE: `chroma:${server!.url}` };
    records = (await fillChromaFromDocs(chroma(), source, docs!, embedder)).records;
    assert.ok(records > 100, `${records} records from ${docs}`);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    const code = await serve?.stop();
    await server?.dispose();
    if (home) rmSync(home, { recursive: true, force: true });
    if (serve) assert.equal(code, 0, `cairn serve exit; stderr:\n${serve.output.stderr.slice(-4000)}`);
  });

  scenario('cairn import chroma keeps the embeddings and ends with the count check; a rerun has nothing to do', async () => {
    const imported = await runCli(['import', 'chroma', '--url', server!.url, '--collection', source, '--into', PROJECT, '--embedder', embedder], env);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(
      imported.stdout.trim().replace(/ \([\d.]+ s\)\.$/, ''),
      `Imported ${records} records of Chroma "${source}" into "${PROJECT}" (0 unchanged, 0 without text; vectors kept); count check: ${records} of ${records} records in Cairn`,
    );
    assert.doesNotMatch(imported.stderr, /notice:/, 'the embeddings are kept without a re-embedding notice');
    const again = await runCli(['import', 'chroma', '--url', server!.url, '--collection', source, '--into', PROJECT, '--embedder', embedder, '--json'], env);
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout);
    assert.deepEqual([summary.imported, summary.unchanged, summary.documents, summary.total], [0, records, records, records]);
  });

  scenario('the Status page shows Chroma: heartbeat, version, the vectors per collection in sync', async () => {
    serve = await startCairnServe(env);
    browser = await launchChromium();
    ({ page, log } = await openPage(browser, serve.url));
    await step('status in sync', async () => {
      await logIn(page, serve.adminKey);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status' }).click();
      const card = page.getByRole('region', { name: 'Vector store' });
      await card.getByText(/^answering in \d+ ms$/).waitFor();
      await card.getByText('chroma', { exact: true }).waitFor();
      await card.getByText(/^1\.\d+\.\d+/).waitFor();
      await card.getByText(server!.url, { exact: true }).waitFor();
      const row = vectorsOf(PROJECT);
      await row.getByText('in sync', { exact: true }).waitFor();
      assert.match((await row.textContent()) ?? '', new RegExp(`^${PROJECT} ${records} of ${records} vectors`));
      assert.equal(await page.getByRole('list', { name: 'Vectors per collection' }).getByRole('listitem').count(), 1, 'only Cairn collections, not the imported Chroma collection');
      await saveScreenshot(page, 'status-chroma');
    });
  });

  scenario('a drift in Chroma shows on Status; cairn index rebuild repairs it', async () => {
    const client = chroma();
    const mine = (await client.listCollections(100, 0)).find((found) => found.metadata?.cairn_collection === PROJECT);
    assert.ok(mine, 'Cairn keeps the collection in its own Chroma collection');
    const some = await client.get(mine.id, { limit: 7, offset: 0, include: [] });
    await client.delete(mine.id, some.ids);
    await step('status drift', async () => {
      await page.getByRole('button', { name: 'Refresh status' }).click();
      const row = vectorsOf(PROJECT);
      await row.getByText('out of sync: 7 missing — run cairn index rebuild', { exact: true }).waitFor();
      assert.match((await row.textContent()) ?? '', new RegExp(`^${PROJECT} ${records - 7} of ${records} vectors`));
    });
    const rebuilt = await runCli(['index', 'rebuild', '--collection', PROJECT], env);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    await step('status repaired', async () => {
      await page.getByRole('button', { name: 'Refresh status' }).click();
      await vectorsOf(PROJECT).getByText('in sync', { exact: true }).waitFor();
      assert.match((await vectorsOf(PROJECT).textContent()) ?? '', new RegExp(`^${PROJECT} ${records} of ${records} vectors`));
    });
  });

  scenario('the imported docs are found from the Search page (hybrid, through Chroma) and over MCP', async () => {
    const query = 'run ollama with an NVIDIA GPU in docker';
    await step('search', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click();
      await page.getByRole('searchbox', { name: 'Query' }).fill(query);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('heading', { name: /^\d+ (?:documents?|results?|chunks?) · / }).waitFor();
      assert.match((await page.getByRole('heading', { name: /^\d+ (?:documents?|results?|chunks?) · / }).textContent()) ?? '', /^[1-9]\d* (?:documents?|results?|chunks?)/);
      const arms = page.getByRole('list', { name: 'Scores per retrieval arm' }).first();
      await arms.getByRole('listitem').filter({ hasText: /^dense/ }).waitFor();
      assert.equal(await page.getByText(/Dense search is unavailable/).count(), 0, 'dense search ran through Chroma');
      assert.match((await page.locator('.result').first().textContent()) ?? '', /docker|gpu/i);
      await saveScreenshot(page, 'search-chroma-import');
    });
    const client = new Client({ name: 'cairn-e2e-chroma', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', serve.url), { requestInit: { headers: { authorization: `Bearer ${serve.adminKey}` } } }), { timeout: 60_000 });
    try {
      for (const mode of ['hybrid', 'dense']) {
        const found = await callOk<{ results: { source_uri: string; relative_path: string }[]; notices?: string[] }>(client, 'search', { query, collection: PROJECT, mode });
        assert.ok(found.results.length > 0, mode);
        assert.match(found.results[0]!.source_uri, new RegExp(`^chroma://${source}/`));
        assert.match(found.results.slice(0, 3).map((result) => result.relative_path).join(' '), /docker|gpu/i, mode);
        assert.ok(!(found.notices ?? []).some((text) => /unavailable/.test(text)), `${mode}: ${found.notices}`);
      }
    } finally {
      await client.close();
    }
  });
});
