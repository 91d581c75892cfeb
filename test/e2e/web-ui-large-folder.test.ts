import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { CHROMIUM_MISSING, launchChromium, openPage, withFailureScreenshot } from './web/browser-harness.js';
import { waitUntil } from './web/wait-until.js';

const FILES = 7;
const LIMIT = 3;

/**
 * A folder with more files than one upload request may hold (`jobs.maxFilesPerUpload`, 1000 by
 * default; 3 here) chosen on the Documents page: the UI sends it in parts the server accepts, one job
 * each, and every file is ingested. (Found trying the scale-out deployment as a new user: the
 * 13,805-file docs corpus was refused whole with 413 UPLOAD_TOO_LARGE and a hint a UI user cannot follow.)
 */
describe('web UI: a folder larger than one upload request', { skip: CHROMIUM_MISSING ?? false, timeout: 300_000 }, () => {
  let home: string;
  let serve: CairnServe;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')), 'web/dist is missing: build the web UI with `npm run build` first');
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-web-folder-'));
    writeFileSync(join(home, 'cairn.config.json'), JSON.stringify({ jobs: { maxFilesPerUpload: LIMIT } }));
    const folder = join(home, 'handbook', 'chapters');
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < FILES; i += 1) writeFileSync(join(folder, `chapter-${i}.md`), `# Chapter ${i}\n\nThe lighthouse keeper logs storm ${i} in the night book.\n`);
    serve = await startCairnServe({ CAIRN_HOME: join(home, 'cairn'), CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' }, { cwd: home });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    const code = await serve?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    if (serve) assert.equal(code, 0, serve.output.stderr.slice(-4000));
  });

  it('uploads it in parts of at most jobs.maxFilesPerUpload files, one job each, and ingests every file', async () => {
    const { context, page, log } = await openPage(browser, serve.url);
    await withFailureScreenshot(page, 'large-folder', log, async () => {
      await page.goto('/');
      await page.getByRole('textbox', { name: 'API key' }).fill(serve.adminKey);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
      await page.getByRole('heading', { name: '0 documents' }).waitFor();
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Choose folder' }).click();
      await (await chooser).setFiles(join(home, 'handbook'));
      await page.getByRole('heading', { name: 'Ingestion', level: 1 }).waitFor();
      assert.equal(await page.getByRole('alert').count(), 0, 'no refusal');
      const cards = page.getByRole('region', { name: /^Job Upload: / });
      await waitUntil(async () => {
        const statuses = await cards.locator('.status').allTextContents();
        return statuses.length === 3 && statuses.every((status) => status === 'succeeded');
      }, { timeoutMs: 120_000, what: 'three upload jobs (3 + 3 + 1 files) to succeed' });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
      await page.getByRole('heading', { name: `${FILES} documents` }).waitFor();
    });
    await context.close();
    const jobs = (await (await fetch(`${serve.url}/v1/jobs`, { headers: { authorization: `Bearer ${serve.adminKey}` } })).json()) as { items: { kind: string; progress: { filesTotal: number } }[] };
    assert.deepEqual(jobs.items.filter((job) => job.kind === 'upload').map((job) => job.progress.filesTotal).sort(), [1, 3, 3]);
  });
});
