import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { CHROMIUM_MISSING, launchChromium, logIn, openPage, saveScreenshot, withFailureScreenshot } from './web/browser-harness.js';
import { apiCall } from './web/seed-server.js';
import { waitUntil } from './web/wait-until.js';

const UI_NOT_BUILT = `web/dist is missing: build the web UI with \`npm run build\` first (npm ci runs it)`;

interface Browsing {
  context: BrowserContext;
  page: Page;
  log: string[];
}

/**
 * Settings without the CLI, chats that belong to keys, and pages that tell the truth: a server with
 * no language model (extractive answers), no reachable reranker and a lexical-only embedder, server
 * paths allowed inside one folder, and three browsers: the admin, and two read keys the admin makes.
 */
describe('web UI: settings, per-key chat and truthful states', { skip: CHROMIUM_MISSING ?? false, timeout: 600_000 }, () => {
  let home: string;
  let folder: string;
  let serve: CairnServe;
  let browser: Browser;
  let admin: Browsing;
  const readKeys: Record<'A' | 'B', string> = { A: '', B: '' };
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
  const step = <T>(who: Browsing, name: string, body: () => Promise<T>) => withFailureScreenshot(who.page, name, who.log, body);
  const api = <T>(method: string, path: string, body?: unknown) => apiCall<T>(serve.url, serve.adminKey, method, path, body);
  const go = async (page: Page, name: string) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor({ state: 'attached' });
  };
  const ask = async (page: Page, question: string, n: number) => {
    await page.getByRole('textbox', { name: 'Question' }).fill(question);
    await page.getByRole('button', { name: 'Send' }).click();
    const turn = page.getByRole('article', { name: `Question ${n}` });
    await waitUntil(async () => (await turn.locator('[aria-busy]').getAttribute('aria-busy')) === 'false', { timeoutMs: 60_000, what: `the answer to question ${n}` });
    return turn;
  };

  before(async () => {
    assert.ok(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')), UI_NOT_BUILT);
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-settings-'));
    folder = join(home, 'handbook');
    mkdirSync(folder);
    writeFileSync(join(folder, 'cranes.md'), '# Harbour cranes\n\nCrane 3 lifts containers up to 40 tonnes and is serviced every spring.\n');
    serve = await startCairnServe({
      CAIRN_HOME: home,
      CAIRN_EMBEDDER: 'none',
      CAIRN_OFFLINE: '1',
      CAIRN_LLM_DISCOVER: '0',
      // The default ONNX reranker, which cannot load offline without a local copy: "no reranker".
      CAIRN_RERANKER: 'onnx:Xenova/ms-marco-MiniLM-L-6-v2',
      CAIRN_ALLOWED_DIRS: folder,
    });
    browser = await launchChromium();
    admin = await openPage(browser, serve.url);
  });

  after(async () => {
    await admin?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    const code = await serve?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    if (serve) assert.equal(code, 0, `cairn serve exit; stderr:\n${serve.output.stderr.slice(-4000)}`);
  });

  scenario('an admin creates read keys on Settings: each secret is shown once, then only its prefix', async () => {
    const { page } = admin;
    await step(admin, 'create keys', async () => {
      await logIn(page, serve.adminKey);
      await go(page, 'Settings');
      const keys = page.getByRole('region', { name: 'API keys' });
      for (const who of ['A', 'B'] as const) {
        await keys.getByRole('textbox', { name: 'Key name' }).fill(`reader ${who}`);
        await keys.getByRole('combobox', { name: 'Scope' }).selectOption('read');
        await keys.getByRole('button', { name: 'Create key' }).click();
        const secret = keys.getByRole('textbox', { name: 'New API key value' });
        await waitUntil(async () => /^cairn_/.test(await secret.inputValue()), { what: `the new key of reader ${who}` });
        readKeys[who] = await secret.inputValue();
        await keys.getByRole('button', { name: 'Done' }).click();
        await secret.waitFor({ state: 'detached' });
        const row = keys.getByRole('row').filter({ hasText: `reader ${who}` });
        await row.getByRole('cell', { name: 'read', exact: true }).waitFor();
        await row.getByRole('cell', { name: 'never', exact: true }).waitFor();
      }
      assert.ok(!(await page.content()).includes(readKeys.A), 'the secret is gone from the page once dismissed');
      const { body } = await api<{ keys: { name: string; scopes: string[] }[] }>('GET', '/v1/keys');
      assert.deepEqual(body.keys.filter((k) => k.name.startsWith('reader')).map((k) => [k.name, k.scopes]), [['reader A', ['read']], ['reader B', ['read']]]);
    });
  });

  scenario('collections are created, counted and deleted only after typing the name; a run-time setting changes and resets', async () => {
    const { page } = admin;
    await step(admin, 'collections', async () => {
      const panel = page.getByRole('region', { name: 'Collections' });
      const form = panel.getByRole('form', { name: 'Create a collection' });
      await form.getByRole('textbox', { name: 'Name' }).fill('scratch');
      await form.getByRole('combobox', { name: 'Embedder' }).fill('none');
      await form.getByRole('spinbutton', { name: 'Chunk size (tokens)' }).fill('128');
      await form.getByRole('button', { name: 'Create collection' }).click();
      const row = panel.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'scratch', exact: true }) });
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /scratch\s*0\s*0\s*none\s*128 \/ \d+ tokens/);
      await row.getByRole('button', { name: 'Delete collection scratch' }).click();
      const confirm = panel.getByRole('form', { name: 'Delete collection scratch' });
      const remove = confirm.getByRole('button', { name: 'Delete “scratch”' });
      assert.equal(await remove.isDisabled(), true, 'nothing is deleted before the name is typed');
      await confirm.getByRole('textbox', { name: 'Type scratch to confirm' }).fill('scratc');
      assert.equal(await remove.isDisabled(), true);
      await confirm.getByRole('textbox', { name: 'Type scratch to confirm' }).fill('scratch');
      await remove.click();
      await row.waitFor({ state: 'detached' });
      assert.equal((await api('GET', '/v1/collections/scratch')).status, 404);
    });
    await step(admin, 'runtime settings', async () => {
      const panel = page.getByRole('region', { name: 'Answers and search' });
      await panel.getByRole('spinbutton', { name: 'Search results' }).fill('3');
      await panel.getByRole('button', { name: 'Save' }).click();
      await panel.getByRole('button', { name: 'Reset Search results' }).waitFor();
      const changed = await api<{ settings: { key: string; value: unknown; overridden: boolean }[] }>('GET', '/v1/settings');
      assert.deepEqual(changed.body.settings.find((s) => s.key === 'search.k'), { ...changed.body.settings.find((s) => s.key === 'search.k'), value: 3, overridden: true });
      await panel.getByRole('button', { name: 'Reset Search results' }).click();
      await panel.getByRole('button', { name: 'Reset Search results' }).waitFor({ state: 'detached' });
      assert.equal(await panel.getByRole('spinbutton', { name: 'Search results' }).inputValue(), '10');
      // Backups need the backup API; without it the admin is told so in one line.
      const backups = page.getByRole('region', { name: 'Backups' });
      await backups.waitFor();
      if ((await api('GET', '/v1/backups')).status === 404) await backups.getByText(/no backup API/).waitFor();
      else {
        await backups.getByRole('button', { name: 'Back up now' }).click();
        await backups.getByRole('table', { name: 'Backup archives' }).getByRole('row').nth(1).waitFor({ timeout: 60_000 });
      }
    });
  });

  scenario('ingestion tells the truth: a job whose only file was refused finished with errors; uploads offer no re-ingest', async () => {
    const { page } = admin;
    // A file no parser reads (Apple Pages): refused as unsupported, which the server counts as skipped, calling the job succeeded.
    const legacy = join(home, 'minutes.pages');
    writeFileSync(legacy, 'not a format Cairn reads');
    await step(admin, 'refused upload', async () => {
      await go(page, 'Documents');
      await page.getByTestId('upload-files').setInputFiles(legacy);
      await page.getByRole('heading', { name: 'Ingestion', level: 1 }).waitFor();
      const card = page.getByRole('region', { name: 'Job Upload: minutes.pages' });
      await card.getByText('finished with errors', { exact: true }).waitFor({ timeout: 60_000 });
      const { body: jobs } = await api<{ items: { sources: string[]; status: string }[] }>('GET', '/v1/jobs');
      assert.equal(jobs.items.find((job) => job.sources.includes('minutes.pages'))?.status, 'succeeded', 'the server calls it succeeded');
      assert.equal(await card.getByText('succeeded', { exact: true }).count(), 0, 'the page never says a plain "succeeded"');
      await card.getByText('Files: 0 ingested · 1 refused (unsupported or too large)').waitFor();
      await card.getByText('1 file error', { exact: true }).waitFor();
      await card.getByText(/PARSE_UNSUPPORTED/).waitFor();
      const history = page.getByRole('region', { name: 'History' }).getByRole('row').filter({ hasText: 'minutes.pages' });
      await history.getByText('finished with errors', { exact: true }).waitFor();
    });
    await step(admin, 'uploaded document', async () => {
      const note = join(home, 'tides.md');
      writeFileSync(note, '# Tides\n\nHigh tide reaches the quay twice a day.\n');
      await go(page, 'Documents');
      await page.getByTestId('upload-files').setInputFiles(note);
      await page.getByRole('region', { name: 'Job Upload: tides.md' }).getByText('succeeded', { exact: true }).waitFor({ timeout: 60_000 });
      await go(page, 'Documents');
      await page.getByRole('table', { name: /^Documents of / }).getByRole('link', { name: 'tides.md', exact: true }).click();
      await page.getByRole('heading', { name: 'Chunks' }).waitFor();
      await page.getByText('The document was uploaded; the server keeps no copy of its file.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Re-ingest' }).count(), 0, 'no Re-ingest for an upload');
      assert.equal(await page.getByRole('button', { name: 'Download original' }).count(), 0);
    });
  });

  scenario('a folder the server allows is added by path, and its document offers the original file for download', async () => {
    const { page } = admin;
    await step(admin, 'path and download', async () => {
      await go(page, 'Documents');
      await page.getByRole('textbox', { name: 'Path or git URL' }).fill(folder);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('region', { name: `Job Path: ${folder}` }).getByText('succeeded', { exact: true }).waitFor({ timeout: 60_000 });
      await go(page, 'Documents');
      await page.getByRole('table', { name: /^Documents of / }).getByRole('link', { name: 'cranes.md', exact: true }).click();
      await page.getByRole('button', { name: 'Re-ingest' }).waitFor();
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download original' }).click();
      const file = await download;
      assert.equal(file.suggestedFilename(), 'cranes.md');
      assert.equal(readFileSync(await file.path(), 'utf8'), readFileSync(join(folder, 'cranes.md'), 'utf8'));
    });
  });

  scenario('a misspelled collection offers the existing ones instead of opening an empty one', async () => {
    const { page } = admin;
    await step(admin, 'misspelled collection', async () => {
      await go(page, 'Search');
      const picker = page.getByRole('combobox', { name: 'Collection' });
      await picker.fill('defualt');
      await picker.press('Enter');
      const offer = page.getByRole('group', { name: 'No collection “defualt”' });
      await offer.getByRole('button', { name: 'default', exact: true }).click();
      await offer.waitFor({ state: 'detached' });
      assert.equal(await picker.inputValue(), 'default');
      assert.equal(await page.evaluate('sessionStorage.getItem("cairn.collection")'), 'default', 'the misspelling was never opened');
    });
  });

  scenario('the benchmark says why it ran lexical when hybrid was asked', async () => {
    const { page } = admin;
    await step(admin, 'benchmark mode', async () => {
      await go(page, 'Benchmarks');
      await page.getByLabel('Maximum concurrency').selectOption('1');
      await page.getByLabel('Step duration (ms)').fill('200');
      await page.getByLabel('Mode').selectOption('hybrid');
      await page.getByRole('button', { name: 'Run benchmark' }).click();
      await page.getByRole('heading', { name: /^Results · default · lexical$/ }).waitFor({ timeout: 60_000 });
      await page.getByRole('note').filter({ hasText: /^Asked for hybrid; ran lexical: .*has no vectors/ }).waitFor();
    });
  });

  scenario('chat notes: a stable condition is said once per session, in one line; badges only for what ran', async () => {
    const { page } = admin;
    await step(admin, 'notes once', async () => {
      await go(page, 'Chat');
      const first = await ask(page, 'How heavy a container can crane 3 lift?', 1);
      const firstNotes = first.getByRole('note', { name: 'Notes on this answer' });
      const summary = (await firstNotes.locator('summary').textContent()) ?? '';
      assert.match(summary, /^\s*Extractive answer · /, summary);
      for (const condition of ['no reranker', 'searched lexically (no vectors)']) assert.ok(summary.includes(condition), `${condition} in: ${summary}`);
      assert.equal(await first.locator('.notice').count(), 0, 'no stacked notice boxes');
      const badges = await first.getByRole('list', { name: 'Answer timings' }).getByRole('listitem').allTextContents();
      assert.equal(badges.length, 1, `only Retrieval ran, no Rerank, TTFT or tokens/s: ${JSON.stringify(badges)}`);
      assert.match(badges[0] ?? '', /^Retrieval \d+ ms$/);
      await firstNotes.locator('summary').click();
      await firstNotes.getByText(/^No reranker: /).waitFor();

      const second = await ask(page, 'When is it serviced?', 2);
      const secondSummary = (await second.getByRole('note', { name: 'Notes on this answer' }).locator('summary').textContent()) ?? '';
      assert.match(secondSummary, /^\s*Extractive answer/);
      assert.doesNotMatch(secondSummary, /reranker|no vectors/, 'said once, not again on the next answer');
    });
  });

  scenario('a read key chats in its own sessions; another key cannot see them; the admin sees every key’s', async () => {
    const readers: Partial<Record<'A' | 'B', Browsing>> = {};
    try {
      for (const who of ['A', 'B'] as const) {
        const reader = await openPage(browser, serve.url);
        readers[who] = reader;
        await step(reader, `reader ${who}`, async () => {
          await logIn(reader.page, readKeys[who]);
          const nav = reader.page.getByRole('navigation', { name: 'Main' });
          await nav.getByRole('link', { name: 'Chat' }).waitFor();
          assert.equal(await nav.getByRole('link', { name: 'Benchmarks' }).count(), 0, 'admin pages are hidden, not refused');
          await reader.page.getByRole('navigation', { name: 'Saved chats' }).or(reader.page.getByText('No saved chats yet.')).first().waitFor();
          assert.equal(await reader.page.getByRole('navigation', { name: 'Saved chats' }).getByRole('button', { name: /^Reader A asks/ }).count(), 0, 'no other key’s chats');
          const turn = await ask(reader.page, `Reader ${who} asks about the tides`, 1);
          assert.equal(await turn.getByRole('alert').count(), 0, 'a read key may chat');
          await reader.page.getByRole('navigation', { name: 'Saved chats' }).getByRole('button', { name: new RegExp(`^Reader ${who} asks`) }).waitFor();
          if (who === 'B') assert.equal(await reader.page.getByRole('navigation', { name: 'Saved chats' }).getByRole('button', { name: /^Reader A asks/ }).count(), 0, 'B does not see A’s chat');

          await go(reader.page, 'Settings');
          await reader.page.getByRole('region', { name: 'Collections' }).waitFor();
          for (const hidden of ['API keys', 'Backups']) assert.equal(await reader.page.getByRole('region', { name: hidden }).count(), 0, `${hidden} is hidden from a read key`);
          assert.equal(await reader.page.getByRole('form', { name: 'Create a collection' }).count(), 0);
          assert.equal(await reader.page.getByRole('button', { name: /^Delete collection/ }).count(), 0);
          assert.equal(await reader.page.getByRole('spinbutton', { name: 'Search results' }).count(), 0, 'settings are shown, not editable');
          await go(reader.page, 'Documents');
          assert.equal(await reader.page.getByRole('button', { name: 'Choose files' }).count(), 0, 'no upload for a read key');
        });
      }
    } finally {
      for (const reader of Object.values(readers)) await reader?.context.close().catch(() => undefined);
    }
    const { page } = admin;
    await step(admin, 'admin sees all', async () => {
      await go(page, 'Chat');
      const saved = page.getByRole('navigation', { name: 'Saved chats' });
      assert.equal(await saved.getByRole('button', { name: /^Reader [AB] asks/ }).count(), 0, 'the admin’s own list holds the admin’s chats');
      await page.getByRole('checkbox', { name: 'Every key’s chats' }).check();
      for (const who of ['A', 'B']) await saved.getByRole('button', { name: new RegExp(`^Reader ${who} asks.*by reader ${who}`) }).waitFor();
      await saved.getByRole('button', { name: /^Reader A asks/ }).click();
      await page.getByRole('article', { name: 'Question 1' }).getByText('Reader A asks about the tides').waitFor();
      await go(page, 'Settings');
      const row = page.getByRole('region', { name: 'Collections' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'default' }) });
      const { body: collection } = await api<{ documentCount: number; chunkCount: number }>('GET', '/v1/collections/default');
      assert.ok(collection.documentCount >= 2, JSON.stringify(collection));
      const counts = async () => (await row.getByRole('cell').allTextContents()).slice(0, 2).join(' ');
      await waitUntil(async () => (await counts()) === `${collection.documentCount} ${collection.chunkCount}`, { what: 'current counts on Settings' });
      await page.getByRole('region', { name: 'API keys' }).getByRole('rowheader', { name: 'reader A' }).waitFor();
      await saveScreenshot(page, 'settings');
    });
  });
});
