import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT, SHARED_ROOT, sharedPath } from '../../src/testing/shared-data.js';
import { startStandInLlmServer, type StandInLlmServer } from '../../src/testing/stand-in-llm-server.js';
import { recordStreamingAnswer } from './web/answer-stream-recorder.js';
import { CHROMIUM_MISSING, launchChromium, openPage, saveScreenshot, withFailureScreenshot } from './web/browser-harness.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { waitUntil } from './web/wait-until.js';

const pdfDir = sharedPath('data', 'files', 'pdf');
const staticModel = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const UI_NOT_BUILT = `web/dist is missing: build the web UI with \`npm run build\` first (npm ci runs it)`;

/** Every file of ../shared/data/files/pdf (PDFs and two text files), as a person would pick them. */
function uploadFiles(home: string): { files: string[]; source: string } {
  if (pdfDir) return { files: readdirSync(pdfDir).sort().map((name) => join(pdfDir, name)), source: pdfDir };
  // Without ../shared: a few generated Markdown notes, so the rest of the scenario still runs.
  const folder = join(home, 'notes');
  mkdirSync(folder, { recursive: true });
  const files = ['alpha', 'bravo', 'charlie'].map((name) => {
    const path = join(folder, `${name}.md`);
    writeFileSync(path, `# ${name}\n\nThe ${name} note explains how trace trees record hot loops in a JavaScript interpreter.\n`);
    return path;
  });
  return { files, source: folder };
}

describe('web UI in headless Chromium against cairn serve', { skip: CHROMIUM_MISSING ?? false, timeout: 600_000 }, () => {
  let home: string;
  let llm: StandInLlmServer;
  let serve: CairnServe;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let log: string[];
  const step = <T>(name: string, body: () => Promise<T>) => withFailureScreenshot(page, name, log, body);
  /** One scenario of the story; each builds on the ones before, so after a failure the rest skip. */
  let failed: string | null = null;
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
  /** GET on the API with the admin key, to check what the UI did. */
  const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${serve.url}${path}`, { headers: { authorization: `Bearer ${serve.adminKey}` } });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')), UI_NOT_BUILT);
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-web-'));
    // Slow enough tokens that the page renders several partial answers before the stream ends.
    llm = await startStandInLlmServer({ tokenDelayMs: 60 });
    serve = await startCairnServe({
      CAIRN_HOME: home,
      CAIRN_EMBEDDER: staticModel ? `static:${staticModel}` : 'none',
      CAIRN_OFFLINE: '1',
      CAIRN_RERANKER: 'none',
      CAIRN_LLM_DISCOVER: '0',
      CAIRN_LLM_URL: llm.url,
    });
    assert.match(serve.adminKey, /^cairn_/, `the first start prints an admin key; stdout:\n${serve.output.stdout}`);
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

  scenario('logs in with the key cairn serve printed (a wrong key is refused), keeping it out of the URL', async () => {
    await step('login', async () => {
      await page.goto('/');
      const keyField = page.getByRole('textbox', { name: 'API key' });
      await keyField.waitFor();
      await saveScreenshot(page, 'login');
      await keyField.fill('cairn_not-a-real-key');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').filter({ hasText: /\b401\b/ }).waitFor();
      await keyField.fill(serve.adminKey);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      assert.ok(!page.url().includes(serve.adminKey), page.url());
      const stored = await page.evaluate<{ session: string; local: string }>('({ session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage) })');
      assert.ok(stored.session.includes(serve.adminKey), 'the key is kept in session storage for the tab');
      assert.ok(!stored.local.includes(serve.adminKey), 'the key is never put in local storage');
    });
  });

  scenario('uploads ../shared/data/files/pdf/* on Documents; the dashboard opens by itself and reaches 100 %', async (t) => {
    const { files, source } = uploadFiles(home);
    if (!pdfDir) t.diagnostic(`${SHARED_ROOT} is absent: uploading ${files.length} generated Markdown notes instead of its PDFs`);
    await step('upload', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
      await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
      await page.getByRole('heading', { name: '0 documents' }).waitFor();
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Choose files' }).click();
      await (await chooser).setFiles(files);

      await page.getByRole('heading', { name: 'Ingestion', level: 1 }).waitFor();
      assert.match(page.url(), /#\/ingestion$/, 'the dashboard opens by itself when the upload starts');
      await page.getByRole('status').filter({ hasText: 'Live: following server events.' }).waitFor();
      const card = page.getByRole('region', { name: /^Job Upload: / });
      const filesBar = card.getByRole('progressbar', { name: 'Files', exact: true });
      await waitUntil(async () => (await filesBar.getAttribute('aria-valuenow')) === '100', { timeoutMs: 240_000, what: `the Files bar of the upload of ${source} to reach 100 %` });
      await card.getByText(/^(succeeded|finished with errors)$/).waitFor({ timeout: 60_000 });
      await saveScreenshot(page, 'ingestion');
    });

    const { body: jobs } = await api<{ items: { kind: string; status: string; progress: { filesTotal: number | null; filesDone: number; filesFailed: number; filesSkipped: number; chunksDone: number; chunksPerSecond: number; device?: string; embedder?: string; elapsedMs?: number } }[] }>('/v1/jobs');
    const job = jobs.items.find((item) => item.kind === 'upload');
    assert.equal(job?.status, 'succeeded');
    // The job result says where it embedded, how long the run took and its chunks/s; the card shows the same.
    assert.equal(job.progress.device, staticModel ? 'cpu' : 'none');
    assert.ok((job.progress.elapsedMs ?? 0) > 0 && job.progress.chunksPerSecond > 0, JSON.stringify(job.progress));
    const facts = (await page.getByRole('region', { name: /^Job Upload: / }).locator('.run-facts').textContent()) ?? '';
    const expected = `Embedded on ${staticModel ? 'CPU' : 'no embeddings (lexical only)'}`;
    assert.ok(facts.startsWith(expected), facts);
    assert.ok(facts.includes(`${((job.progress.elapsedMs ?? 0) / 1000).toFixed(1)} s`), facts);
    assert.match(facts, /· [\d.]+ chunks\/s$/);
    const shown = (await page.getByRole('region', { name: /^Job Upload: / }).locator('.status').first().textContent()) ?? '';
    assert.equal(shown, job.progress.filesFailed > 0 ? 'finished with errors' : 'succeeded', 'a job with refused files does not say a plain "succeeded"');
    assert.equal(job.progress.filesTotal, files.length);
    assert.equal(job.progress.filesDone + job.progress.filesFailed + job.progress.filesSkipped, files.length);
    assert.ok(job.progress.filesDone >= files.length - 2 && job.progress.chunksDone > 0, JSON.stringify(job.progress));

    await step('documents list', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
      await page.getByRole('heading', { name: `${job.progress.filesDone} documents` }).waitFor();
      const rows = page.getByRole('table', { name: /^Documents of / }).getByRole('row').filter({ has: page.getByRole('link') });
      await waitUntil(async () => (await rows.count()) === job.progress.filesDone, { what: 'one row per ingested document' });
      await saveScreenshot(page, 'documents');
    });
  });

  scenario('asks on Chat: streamed tokens, citations and the TTFT badge; a citation opens its passage and document', async (t) => {
    const question = pdfDir ? 'What is trace-based just-in-time compilation in TraceMonkey?' : 'How do trace trees record hot loops?';
    await step('chat', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
      await page.getByRole('textbox', { name: 'Question' }).fill(question);
      const stopRecording = await recordStreamingAnswer(page, 'Question 1');
      await page.getByRole('button', { name: 'Send' }).click();
      const turn = page.getByRole('article', { name: 'Question 1' });
      await turn.getByText(question).waitFor();
      await waitUntil(async () => (await turn.locator('[aria-busy]').getAttribute('aria-busy')) === 'false', { timeoutMs: 120_000, what: 'the answer stream to end' });
      const partials = await stopRecording();
      const finalText = ((await turn.locator('.markdown').textContent()) ?? '').replace(/\s+/g, ' ').trim();
      assert.match(finalText, /^Based on the sources, /, 'the stand-in LLM answer is shown');
      t.diagnostic(`${partials.length} partial answers rendered while streaming`);
      assert.ok(partials.length >= 2, `the answer grew while streaming; seen: ${JSON.stringify(partials)}`);
      for (let i = 1; i < partials.length; i += 1) assert.ok(partials[i]!.length >= partials[i - 1]!.length, JSON.stringify(partials));
      assert.ok(partials[0]!.length < finalText.length, 'a partial answer was on screen before the last token');
      const streamed = llm.requests.filter((request) => (request.body as { stream?: boolean } | undefined)?.stream === true);
      assert.ok(streamed.length >= 1, 'the server streamed from the LLM');

      const ttft = turn.getByRole('list', { name: 'Answer timings' }).getByRole('listitem').filter({ hasText: 'TTFT' });
      assert.match((await ttft.textContent()) ?? '', /TTFT\s*\d+ ms/);
      await page.getByRole('button', { name: 'Send' }).waitFor();
      await saveScreenshot(page, 'chat');

      await turn.getByRole('button', { name: 'Citation 1' }).click();
      const detail = page.getByRole('complementary', { name: 'Sources' }).getByRole('article', { name: 'Source 1' });
      await detail.waitFor();
      const citedText = ((await detail.locator('blockquote').textContent()) ?? '').replace(/\s+/g, ' ').trim();
      assert.ok(citedText.length > 0, 'the cited passage is shown');
      await detail.getByRole('link', { name: /^Open document / }).click();
      await page.getByRole('heading', { name: 'Chunks' }).waitFor();
      assert.match(page.url(), /#\/documents\/default\/\d+\/chunks\/[\d,]+$/);
      await waitUntil(async () => (await page.locator('.chunk-text').count()) > 0, { what: 'the chunks of the cited document' });
      const chunks = (await page.locator('.chunk-text').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
      assert.ok(chunks.some((chunk) => chunk.includes(citedText) || citedText.includes(chunk)), 'the cited passage is a chunk of the opened document');
      // The cited chunk is marked and scrolled into view, inside the chunk list's own scroll box and the window.
      const cited = page.locator('.chunk-list li[aria-current="true"]');
      await cited.first().waitFor();
      const citedChunks = (await cited.locator('.chunk-text').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
      assert.ok(citedChunks.some((chunk) => chunk.includes(citedText.slice(0, 60)) || citedText.includes(chunk.slice(0, 60))), `the highlighted chunk is the cited one: ${JSON.stringify(citedChunks).slice(0, 300)}`);
      await waitUntil(
        () =>
          page.evaluate<boolean>(`(() => {
            const chunk = document.querySelector('.chunk-list li[aria-current="true"]').getBoundingClientRect();
            const list = document.querySelector('.chunk-list').getBoundingClientRect();
            const middle = chunk.top + Math.min(chunk.height, 40) / 2;
            return middle >= list.top && middle <= list.bottom && middle >= 0 && middle <= innerHeight;
          })()`),
        { what: 'the cited chunk to be scrolled into view' },
      );
    });
  });

  scenario('Stop ends a streaming answer and cancels the request to the LLM', async () => {
    await step('stop', async () => {
      const abortedBefore = llm.abortedResponses;
      // The stand-in reads `[stand-in {json}]` in the question: slow tokens, so Stop lands mid-answer.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
      await page.getByRole('button', { name: 'New chat' }).click();
      await page.getByRole('textbox', { name: 'Question' }).fill('Tell me more about the sources. [stand-in {"tokenDelayMs": 400}]');
      await page.getByRole('button', { name: 'Send' }).click();
      const turn = page.getByRole('article', { name: 'Question 1' });
      await turn.locator('.markdown').waitFor();
      await page.getByRole('button', { name: 'Stop' }).click();
      await turn.getByText('Stopped.', { exact: true }).waitFor();
      assert.equal(await turn.locator('[aria-busy]').getAttribute('aria-busy'), 'false');
      await llm.until((server) => server.abortedResponses > abortedBefore, 30_000);
    });
  });

  scenario('runs a small scaling benchmark from Benchmarks and draws its charts', async () => {
    await step('benchmarks', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Benchmarks' }).click();
      await page.getByLabel('Maximum concurrency').selectOption('4');
      await page.getByLabel('Step duration (ms)').fill('300');
      await page.getByLabel('Mode').selectOption('lexical');
      await page.getByRole('button', { name: 'Run benchmark' }).click();
      const latency = page.getByRole('img', { name: /^Search latency by concurrency/ });
      await latency.waitFor({ timeout: 120_000 });
      const steps = page.getByRole('table', { name: 'Steps' }).getByRole('row');
      await waitUntil(async () => (await steps.count()) === 4, { what: 'a header row and three steps (concurrency 1, 2, 4)' });
      const concurrency = await page.getByRole('table', { name: 'Steps' }).locator('tbody tr td:first-child').allTextContents();
      assert.deepEqual(concurrency, ['1', '2', '4']);
      assert.equal(await latency.locator('polyline').count(), 3, 'p50, p95 and p99 lines');
      assert.equal(await latency.locator('circle').count(), 9, 'one point per line and step');
      await page.getByRole('img', { name: /^Search throughput by concurrency/ }).waitFor();
      await saveScreenshot(page, 'benchmarks');
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download JSON' }).click();
      const saved = await (await download).path();
      const result = JSON.parse(readFileSync(saved, 'utf8')) as { mode: string; steps: { concurrency: number; requests: number; errors: number }[] };
      assert.equal(result.mode, 'lexical');
      assert.deepEqual(result.steps.map((s) => s.concurrency), [1, 2, 4]);
      assert.ok(result.steps.every((s) => s.requests > 0 && s.errors === 0), JSON.stringify(result.steps));
    });
  });

  scenario('searches on Search with per-stage timings, and shows Status', async () => {
    await step('search', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click();
      await page.getByRole('searchbox', { name: 'Query' }).fill(pdfDir ? 'trace compilation' : 'trace trees');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('heading', { name: /^\d+ documents? · / }).waitFor();
      assert.match((await page.getByRole('heading', { name: /^\d+ documents? · / }).textContent()) ?? '', /^[1-9]\d* documents?/);
      // One result per document, each with its best passages (decision 0036).
      const results = page.locator('.result-list > .result');
      const titles = await results.locator('.result-title').allTextContents();
      assert.ok(titles.length > 0);
      assert.equal(await page.getByRole('list', { name: /^Passages of / }).count(), titles.length, 'every document lists its passages');
      const hrefs = await results.locator('.result-title').evaluateAll((links) => links.map((link) => String(Reflect.get(link, 'href'))));
      assert.equal(new Set(hrefs).size, hrefs.length, 'distinct documents');
      const firstScores = page.getByRole('list', { name: 'Scores per retrieval arm' }).first();
      await firstScores.getByRole('listitem').filter({ hasText: /^lexical/ }).waitFor();
      assert.ok((await page.locator('.result mark').count()) > 0, 'query terms are highlighted in the snippets');
      await page.getByRole('complementary').filter({ has: page.getByRole('heading', { name: 'Timings' }) }).getByRole('rowheader', { name: 'Total' }).waitFor();
      await saveScreenshot(page, 'search');
      await page.getByRole('checkbox', { name: 'Raw chunks' }).check();
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('heading', { name: /^\d+ chunks? · / }).waitFor();
      assert.equal(await page.getByRole('list', { name: /^Passages of / }).count(), 0, 'raw chunks have no passage lists');
      await page.getByRole('checkbox', { name: 'Raw chunks' }).uncheck();
    });
    await step('status', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status' }).click();
      const llmRegion = page.getByRole('region', { name: 'Language model' });
      await llmRegion.getByText('available', { exact: true }).waitFor();
      await llmRegion.getByRole('cell', { name: llm.url }).waitFor();
      await page.getByRole('region', { name: 'Store' }).waitFor();
      await page.getByRole('link', { name: 'API reference (/docs)' }).waitFor();
      await saveScreenshot(page, 'status');
    });
  });

  scenario('deletes a document from its detail view', async () => {
    const { body: before } = await api<{ total: number; items: { id: number; relativePath: string }[] }>('/v1/collections/default/documents?limit=1&sort=path');
    const target = before.items[0]!;
    await step('delete', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
      await page.getByRole('heading', { name: `${before.total} documents` }).waitFor();
      await page.getByRole('table', { name: /^Documents of / }).getByRole('link', { name: target.relativePath, exact: true }).click();
      await page.getByRole('button', { name: 'Delete document' }).click();
      await page.getByRole('button', { name: 'Confirm delete' }).click();
      await page.getByRole('heading', { name: `${before.total - 1} documents` }).waitFor();
      await page.getByRole('table', { name: /^Documents of / }).getByRole('link', { name: target.relativePath, exact: true }).waitFor({ state: 'detached' });
    });
    assert.equal((await api(`/v1/collections/default/documents/${target.id}`)).status, 404);
    assert.equal((await api<{ total: number }>('/v1/collections/default/documents?limit=1')).body.total, before.total - 1);
  });
});
