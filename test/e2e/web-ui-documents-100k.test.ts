import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { CHROMIUM_MISSING, launchChromium, logIn, openPage, withFailureScreenshot } from './web/browser-harness.js';
import { fillDocuments, generatedPath } from './web/fill-documents.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';

/**
 * The Documents page over a collection of 100,000 documents: it must page, filter and count on the
 * server. Asserts what is shown (rows, totals, filter results); the timings (first row after a page
 * load, filter round-trips) are printed as diagnostics and recorded in docs/benchmarks.md, never
 * asserted.
 */
const COUNT = 100_000;
const PAGE_SIZE = 50;

/** A link into a document's detail: one per row of the documents table. */
const ROW_LINKS = 'table a[href^="#/documents/"]';

/**
 * Evaluated in the page every animation frame: `performance.now()` once the documents table shows
 * exactly `rows` rows, the first with path `firstPath`, else false.
 */
function tableShows(rows: number, firstPath: string): string {
  return `(() => {
    const links = document.querySelectorAll(${JSON.stringify(ROW_LINKS)});
    return links.length === ${rows} && links[0].textContent === ${JSON.stringify(firstPath)} ? performance.now() : false;
  })()`;
}

/** Duration (ms) of the page's latest documents-list request, from the Resource Timing API. */
const LAST_LIST_REQUEST_MS = `(() => {
  const entries = performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/documents?'));
  return entries.length === 0 ? NaN : entries[entries.length - 1].duration;
})()`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe(`Documents page with ${COUNT.toLocaleString('en-US')} documents`, { skip: CHROMIUM_MISSING ?? false, timeout: 300_000 }, () => {
  let home: string;
  let serve: CairnServe;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let log: string[];
  let fillMs = 0;
  const step = <T>(name: string, body: () => Promise<T>) => withFailureScreenshot(page, name, log, body);

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')), 'web/dist is missing: build the web UI with `npm run build` first (npm ci runs it)');
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-100k-'));
    const started = performance.now();
    await fillDocuments(home, 'big', COUNT);
    fillMs = performance.now() - started;
    serve = await startCairnServe({ CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' });
    browser = await launchChromium();
    ({ context, page, log } = await openPage(browser, serve.url));
    await logIn(page, serve.adminKey);
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('loads the first page of 50 rows with the total 100,000, then the next page', async (t) => {
    const firstRowMs: number[] = [];
    const contentfulPaintMs: number[] = [];
    const requestMs: number[] = [];
    await step('100k first page', async () => {
      for (let load = 0; load < 3; load += 1) {
        // A real page load each time (a hash change alone would not reload the app); the key stays
        // in this tab's session storage.
        await page.goto('about:blank');
        const listed = page.waitForResponse((response) => /\/v1\/collections\/big\/documents\?/.test(response.url()));
        await page.goto('/#/documents');
        const shown = await page.waitForFunction(tableShows(PAGE_SIZE, generatedPath(0)), undefined, { polling: 'raf', timeout: 60_000 });
        firstRowMs.push(Number(await shown.jsonValue()));
        requestMs.push(Number(await page.evaluate(LAST_LIST_REQUEST_MS)));
        contentfulPaintMs.push(Number(await page.evaluate(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN`)));
        const body = (await (await listed).json()) as { total: number; items: unknown[] };
        assert.equal(body.total, COUNT);
        assert.equal(body.items.length, PAGE_SIZE);
      }
      await page.getByRole('heading', { name: '100,000 documents' }).waitFor();
      await page.getByRole('navigation', { name: 'Document pages' }).getByText(`1–${PAGE_SIZE} of 100,000`).waitFor();

      await page.getByRole('button', { name: 'Next page' }).click();
      // Paths sort shelf by shelf: row 51 of the listing is the 51st note of shelf 00, note 5000.
      await page.waitForFunction(tableShows(PAGE_SIZE, generatedPath(50 * 100)), undefined, { polling: 'raf' });
      await page.getByRole('navigation', { name: 'Document pages' }).getByText(`51–100 of 100,000`).waitFor();
    });
    t.diagnostic(`store filled with ${COUNT} documents through writeDocuments in ${Math.round(fillMs)} ms`);
    t.diagnostic(`first row visible after page load (ms): ${firstRowMs.map(Math.round).join(', ')}; median ${Math.round(median(firstRowMs))}`);
    t.diagnostic(`first contentful paint (ms): ${contentfulPaintMs.map(Math.round).join(', ')}`);
    t.diagnostic(`list request, first page (ms): ${requestMs.map(Math.round).join(', ')}`);
  });

  it('filters on the server: typing a path shows exactly its matches, clearing restores 100,000', async (t) => {
    const roundTrips: string[] = [];
    await step('100k filter', async () => {
      const filter = page.getByRole('searchbox', { name: 'Filter documents' });
      // The time of the last keystroke, taken in the page, so the round trip (debounce, request,
      // render) is measured on the page's own clock.
      await page.evaluate(`(() => {
        const input = document.getElementById('documents-filter');
        input.addEventListener('input', () => { window.__lastFilterInput = performance.now(); });
      })()`);
      const cases = [
        { text: 'note-054321', rows: 1, total: '1 document', first: generatedPath(54_321) },
        { text: 'note-09999', rows: 10, total: '10 documents', first: generatedPath(99_990) },
        { text: 'shelf-42/', rows: PAGE_SIZE, total: '1,000 documents', first: generatedPath(42) },
      ];
      for (const { text, rows, total, first } of cases) {
        await filter.fill(text);
        const shown = await page.waitForFunction(tableShows(rows, first), undefined, { polling: 'raf', timeout: 60_000 });
        const ms = Number(await shown.jsonValue()) - Number(await page.evaluate('window.__lastFilterInput'));
        await page.getByRole('heading', { name: total, exact: true }).waitFor();
        const paths = await page.locator(ROW_LINKS).allTextContents();
        assert.ok(paths.every((path) => path.includes(text)), `every row matches "${text}": ${paths.join(', ')}`);
        roundTrips.push(`"${text}" → ${total}: ${Math.round(ms)} ms (request ${Math.round(Number(await page.evaluate(LAST_LIST_REQUEST_MS)))} ms)`);
      }
      await filter.fill('');
      await page.waitForFunction(tableShows(PAGE_SIZE, generatedPath(0)), undefined, { polling: 'raf', timeout: 60_000 });
      await page.getByRole('heading', { name: '100,000 documents' }).waitFor();
    });
    t.diagnostic(`filter round trips, last keystroke to rows shown (includes the page's 250 ms debounce): ${roundTrips.join('; ')}`);
  });
});
