import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { startStandInLlmServer, type StandInLlmServer } from '../../src/testing/stand-in-llm-server.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { CHROMIUM_MISSING, launchChromium, logIn, openPage, saveScreenshot, withFailureScreenshot } from './web/browser-harness.js';
import { formatProblems, layoutProblems, PHONE_VIEWPORTS } from './web/layout-checks.js';
import { apiCall, NOTES, uploadAndWait } from './web/seed-server.js';
import { waitUntil } from './web/wait-until.js';

const UI_NOT_BUILT = `web/dist is missing: build the web UI with \`npm run build\` first (npm ci runs it)`;

/** Every page of the app, opened by its hash, and what shows it has rendered. */
const PAGES: { name: string; hash: string; ready: (page: Page) => Promise<unknown> }[] = [
  { name: 'chat', hash: '#/chat', ready: (page) => page.getByRole('form', { name: 'Ask a question' }).waitFor() },
  { name: 'documents', hash: '#/documents', ready: (page) => page.getByRole('table', { name: /^Documents of / }).getByRole('link').first().waitFor() },
  { name: 'ingestion', hash: '#/ingestion', ready: (page) => page.getByRole('heading', { name: 'History' }).waitFor() },
  { name: 'search', hash: '#/search', ready: (page) => page.getByRole('form', { name: 'Search' }).waitFor() },
  { name: 'benchmarks', hash: '#/benchmarks', ready: (page) => page.getByRole('form', { name: 'Scaling benchmark' }).waitFor() },
  { name: 'status', hash: '#/status', ready: (page) => page.getByRole('region', { name: 'Language model' }).waitFor() },
  { name: 'settings', hash: '#/settings', ready: (page) => page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor() },
];

async function assertFits(page: Page, where: string): Promise<void> {
  // Layout settles after fonts and late data; measure twice a frame apart and report the second.
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  const problems = await layoutProblems(page);
  assert.equal(problems.length, 0, `${where} at ${page.viewportSize()?.width} px:\n${formatProblems(problems)}`);
}

describe('web UI on a phone (360 and 390 px): every page fits, controls are touch-sized', { skip: CHROMIUM_MISSING ?? false, timeout: 600_000 }, () => {
  let home: string;
  let llm: StandInLlmServer;
  let serve: CairnServe;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let log: string[];
  let documentId = 0;
  const step = <T>(name: string, body: () => Promise<T>) => withFailureScreenshot(page, name, log, body);

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')), UI_NOT_BUILT);
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-phone-'));
    llm = await startStandInLlmServer({ tokenDelayMs: 5 });
    serve = await startCairnServe({ CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_LLM_URL: llm.url });
    const job = await uploadAndWait(serve.url, serve.adminKey, 'default', NOTES);
    assert.equal(job.progress.filesDone, Object.keys(NOTES).length, JSON.stringify(job));
    const { body } = await apiCall<{ items: { id: number }[] }>(serve.url, serve.adminKey, 'GET', '/v1/collections/default/documents?sort=path&order=desc&limit=1');
    documentId = body.items[0]!.id;
    // A failed upload, so the ingestion page shows a job with errors too.
    await uploadAndWait(serve.url, serve.adminKey, 'default', { 'empty-notes.md': '   \n' });
    browser = await launchChromium();
    ({ context, page, log } = await openPage(browser, serve.url));
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    const code = await serve?.stop();
    await llm?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    if (serve) assert.equal(code, 0, `cairn serve exit; stderr:\n${serve.output.stderr.slice(-4000)}`);
  });

  for (const viewport of PHONE_VIEWPORTS) {
    it(`at ${viewport.width} px: login, every page, a document, a streamed answer with its sources, search results`, async () => {
      await page.setViewportSize(viewport);
      const shoot = viewport.width === 390;
      await step(`phone-${viewport.width}-login`, async () => {
        await page.goto('/');
        await page.evaluate('sessionStorage.clear()');
        await page.reload();
        await page.getByRole('textbox', { name: 'API key' }).waitFor();
        await assertFits(page, 'login');
        await logIn(page, serve.adminKey);
      });
      for (const target of PAGES) {
        await step(`phone-${viewport.width}-${target.name}`, async () => {
          await page.evaluate(`location.hash = ${JSON.stringify(target.hash)}`);
          await target.ready(page);
          await assertFits(page, target.name);
        });
      }
      await step(`phone-${viewport.width}-add-form`, async () => {
        // Server paths are off on this server: the form asks for a git URL alone and says how to allow paths.
        await page.evaluate(`location.hash = '#/documents'`);
        await page.getByRole('textbox', { name: 'Git URL', exact: true }).waitFor();
        assert.equal(await page.getByRole('textbox', { name: 'Path or git URL' }).count(), 0, 'no path form while server paths are off');
        await page.getByText(/sources\.allowedDirs/).waitFor();
      });
      await step(`phone-${viewport.width}-document`, async () => {
        await page.evaluate(`location.hash = '#/documents/default/${documentId}'`);
        await page.getByRole('heading', { name: 'Chunks' }).waitFor();
        await assertFits(page, 'document detail');
      });
      await step(`phone-${viewport.width}-search`, async () => {
        await page.evaluate(`location.hash = '#/search'`);
        await page.getByRole('searchbox', { name: 'Query' }).fill('harbour cranes night shift');
        const box = await page.getByRole('searchbox', { name: 'Query' }).boundingBox();
        assert.ok(box && box.width >= viewport.width * 0.6, `the query box is usable: ${JSON.stringify(box)}`);
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await page.getByRole('heading', { name: /^\d+ documents? · / }).waitFor();
        await assertFits(page, 'search results');
        if (shoot) {
          await page.getByRole('heading', { name: /^\d+ documents? · / }).evaluate('(el) => { el.scrollIntoView({ block: "start" }); window.scrollBy(0, -64); }');
          await saveScreenshot(page, 'phone-search');
        }
      });
      await step(`phone-${viewport.width}-chat`, async () => {
        await page.evaluate(`location.hash = '#/chat'`);
        const question = page.getByRole('textbox', { name: 'Question' });
        await question.fill('How heavy a container can crane 3 lift?');
        const [mode, rerank] = [await page.getByRole('combobox', { name: 'Mode' }).boundingBox(), await page.getByRole('checkbox', { name: 'Rerank' }).boundingBox()];
        assert.ok(mode && rerank && (mode.x + mode.width <= rerank.x || mode.y + mode.height <= rerank.y || rerank.y + rerank.height <= mode.y), `Mode ${JSON.stringify(mode)} and Rerank ${JSON.stringify(rerank)} do not overlap`);
        await page.getByRole('button', { name: 'Send' }).click();
        const turn = page.getByRole('article', { name: /^Question \d+$/ }).last();
        await waitUntil(async () => (await turn.locator('[aria-busy]').getAttribute('aria-busy')) === 'false', { timeoutMs: 60_000, what: 'the answer to end' });
        await assertFits(page, 'chat with an answer');
        if (shoot) {
          await turn.evaluate('(el) => { el.scrollIntoView({ block: "start" }); window.scrollBy(0, -64); }');
          await saveScreenshot(page, 'phone-chat');
        }
        await turn.getByRole('button', { name: 'Citation 1' }).first().click();
        const source = page.getByRole('complementary', { name: 'Sources' }).getByRole('article', { name: 'Source 1' });
        await source.waitFor();
        // Positions in the page (not the viewport, which scrolls when the source opens).
        const [answerBottom, sourceTop] = await page.evaluate<[number, number]>(`(() => {
          const answers = document.querySelectorAll('article[aria-label^="Question "]');
          const answer = answers[answers.length - 1].getBoundingClientRect();
          const source = document.querySelector('article[aria-label="Source 1"]').getBoundingClientRect();
          return [answer.bottom + scrollY, source.top + scrollY];
        })()`);
        assert.ok(sourceTop >= answerBottom - 1, `the sources panel is below the answer on a phone (answer ends at ${answerBottom}, source starts at ${sourceTop})`);
        await assertFits(page, 'chat with a source open');
      });
      await step(`phone-${viewport.width}-menu`, async () => {
        const menu = page.getByRole('button', { name: 'Menu' });
        await menu.click();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
        await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
        assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'following a link closes the menu');
        await assertFits(page, 'documents after the menu');
        if (shoot) {
          await page.evaluate('window.scrollTo(0, 0)');
          await saveScreenshot(page, 'phone-documents');
        }
      });
    });
  }
});
