import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT, sharedPath } from '../../src/testing/shared-data.js';
import { runCli } from './run-cli.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { CHROMIUM_MISSING, launchChromium, logIn, openPage, saveScreenshot, withFailureScreenshot } from './web/browser-harness.js';

const staticModel = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const mdDir = sharedPath('data', 'files', 'md');
const UI_NOT_BUILT = `web/dist is missing: build the web UI with \`npm run build\` first (npm ci runs it)`;

/** The shared Markdown fixtures, or (without ../shared) a few generated notes. */
function sources(home: string): string {
  if (mdDir) return mdDir;
  const folder = join(home, 'notes');
  mkdirSync(folder, { recursive: true });
  for (const name of ['alpha', 'bravo', 'charlie']) writeFileSync(join(folder, `${name}.md`), `# ${name}\n\nThe ${name} note explains how trace trees record hot loops.\n`);
  return folder;
}

describe('web UI: the Analytics page shows the searches people ran', { skip: CHROMIUM_MISSING ?? false, timeout: 300_000 }, () => {
  let home: string;
  let serve: CairnServe;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let log: string[];
  const step = <T>(name: string, body: () => Promise<T>) => withFailureScreenshot(page, name, log, body);

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')), UI_NOT_BUILT);
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-analytics-'));
    const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: staticModel ? `static:${staticModel}` : 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
    const ingested = await runCli(['ingest', sources(home), '--collection', 'kb'], env);
    assert.equal(ingested.code, 0, ingested.stderr);
    serve = await startCairnServe(env);
    browser = await launchChromium();
    ({ context, page, log } = await openPage(browser, serve.url));
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    const code = await serve?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    if (serve) assert.equal(code, 0, `cairn serve exit; stderr:\n${serve.output.stderr.slice(-4000)}`);
  });

  it('records the searches run on the Search page and lists them, with the chart; hidden from a read key', async () => {
    await step('searches', async () => {
      await logIn(page, serve.adminKey);
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Search' }).click();
      // Dense and hybrid always find neighbours: the query without results is a lexical one.
      for (const [query, mode] of [['trace trees', 'hybrid'], ['Trace  Trees', 'hybrid'], ['qwertyzzz plugh', 'lexical']] as const) {
        await page.getByRole('combobox', { name: 'Mode' }).selectOption(mode);
        await page.getByRole('searchbox', { name: 'Query' }).fill(query);
        // Wait for this query's own response (not 'networkidle': the page keeps an event stream open).
        const answered = page.waitForResponse((r) => r.url().endsWith('/v1/search') && r.request().method() === 'POST');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        assert.equal((await answered).status(), 200);
        await page.getByRole('heading', { name: /^\d+ documents? · / }).waitFor();
      }
    });

    await step('analytics page', async () => {
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Analytics' }).click();
      await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
      const top = page.getByRole('table', { name: 'Top queries' });
      const traceRow = top.getByRole('row').filter({ has: page.getByRole('cell', { name: 'trace trees', exact: true }) });
      await traceRow.waitFor();
      assert.equal(await traceRow.getByRole('cell').nth(1).textContent(), '2', 'both spellings of the query counted as one');
      await page.getByRole('table', { name: 'Queries without results' }).getByRole('cell', { name: 'qwertyzzz plugh', exact: true }).waitFor();
      await page.getByRole('img', { name: /^Queries per day/ }).waitFor();
      const latency = page.getByRole('table', { name: 'Latency percentiles' });
      await latency.getByRole('row').filter({ has: page.getByRole('cell', { name: 'lexical', exact: true }) }).getByRole('cell', { name: 'search', exact: true }).waitFor();
      await page.getByText('web UI 3').waitFor();
      await saveScreenshot(page, 'analytics');
    });

    await step('hidden for a read key', async () => {
      const created = await fetch(`${serve.url}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serve.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'reader', scope: 'read' }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const { key } = (await created.json()) as { key: string };
      await page.getByRole('button', { name: 'Log out' }).click();
      await logIn(page, key);
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Search' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Analytics' }).count(), 0, 'no Analytics entry for a read key');
      // Opened by its address anyway, the page says which scope it needs (the UI's scope model, decision 0026).
      await page.goto('/#/analytics');
      await page.getByText(/needs a key with scope “admin”; yours has “read”/).waitFor();
    });
  });
});
