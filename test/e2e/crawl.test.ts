import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { startTestSite, type TestRoute, type TestSite } from '../../src/testing/test-site-server.js';
import { runCli } from './run-cli.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';
import { CHROMIUM_MISSING, launchChromium, openPage } from './web/browser-harness.js';
import { waitUntil } from './web/wait-until.js';

interface JobView {
  id: string;
  kind: string;
  status: string;
  progress: { filesDone: number; filesFailed: number; filesSkipped: number };
  errors: Array<{ file: string; code: string }>;
  error: string | null;
}

const page = (title: string, text: string, etag: string): TestRoute => ({
  headers: { 'content-type': 'text/html; charset=utf-8' },
  etag,
  body: `<!doctype html><html><head><title>${title}</title></head><body>
<nav><a href="/handbook/">Home</a> <a href="/handbook/keys">Keys</a> <a href="/handbook/backups">Backups</a> <a href="/handbook/staff/">Staff</a> <a href="/handbook/gone">Gone</a> NAVIGATION</nav>
<main><h1>${title}</h1><p>${text}</p></main><footer>FOOTER of the handbook</footer></body></html>`,
});

/** The real binary against a site on 127.0.0.1: `cairn ingest <url> --crawl`, and a crawl job through `cairn serve` (and its web UI). */
describe('crawling a documentation site end to end', () => {
  let home: string;
  let site: TestSite;
  let env: Record<string, string>;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-crawl-'));
    site = await startTestSite({
      '/robots.txt': { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nDisallow: /handbook/staff/\n' },
      '/handbook/': page('Operations handbook', 'The handbook of the platform team.', '"h1"'),
      '/handbook/keys': page('Signing keys', 'Rotate the signing key every ninety days with the vault rotate command.', '"k1"'),
      '/handbook/backups': page('Backups', 'Nightly snapshots are copied to the cold storage bucket.', '"b1"'),
      '/handbook/staff/': page('Staff only', 'Salaries.', '"s1"'),
    });
    env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
    // cairn serve reads it from its working directory: crawls of 127.0.0.1 allowed, no politeness delay in tests.
    writeFileSync(join(home, 'cairn.config.json'), JSON.stringify({ sources: { allowPrivateNetworks: true }, crawl: { delayMs: 0 } }));
  });
  after(async () => {
    await site.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('cairn ingest <url> --crawl: pages in, robots.txt honoured, a second run re-ingests nothing', async () => {
    const first = await runCli(['ingest', `${site.origin}/handbook/`, '--crawl', '--delay', '0', '--collection', 'handbook', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout) as { filesNew: number; filesUnchanged: number; filesUpdated: number; skipped: Array<{ relativePath: string; code: string }> };
    assert.equal(summary.filesNew, 3);
    const codes = Object.fromEntries(summary.skipped.map((entry) => [new URL(entry.relativePath).pathname, entry.code]));
    assert.deepEqual(codes, { '/handbook/staff/': 'ROBOTS_DISALLOWED', '/handbook/gone': 'FETCH_FAILED' });
    assert.ok(!site.paths().includes('/handbook/staff/'));
    assert.match(first.stderr, /\(crawl\)/);

    const search = await runCli(['search', 'rotate signing key', '--collection', 'handbook', '--mode', 'lexical', '--json'], env);
    assert.equal(search.code, 0, search.stderr);
    const results = (JSON.parse(search.stdout) as { results: Array<Record<string, unknown>> }).results;
    assert.match(JSON.stringify(results[0]), new RegExp(`${site.origin}/handbook/keys`));
    assert.doesNotMatch(JSON.stringify(results), /NAVIGATION|FOOTER/);

    const before = site.requests.length;
    const second = await runCli(['ingest', `${site.origin}/handbook/`, '--crawl', '--delay', '0', '--collection', 'handbook', '--json'], env);
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as typeof summary;
    assert.equal(again.filesNew + again.filesUpdated, 0);
    assert.equal(again.filesUnchanged, 3);
    const pages = site.requests.slice(before).filter((request) => ['/handbook/', '/handbook/keys', '/handbook/backups'].includes(request.path));
    assert.deepEqual(pages.map((request) => request.status), [304, 304, 304], 'conditional requests, answered 304');

    const misuse = await runCli(['ingest', `${site.origin}/handbook/`, '--max-pages', '3', '--collection', 'handbook'], env);
    assert.equal(misuse.code, 2, 'crawl options without --crawl are a usage error');
    assert.match(misuse.stderr, /--crawl/);
  });

  it('a crawl job through cairn serve, followed to the end, its pages searchable and re-ingestable', async () => {
    const served: CairnServe = await startCairnServe(env, { cwd: home });
    try {
      const headers = { authorization: `Bearer ${served.adminKey}`, 'content-type': 'application/json' };
      const submit = await fetch(`${served.url}/v1/collections/site/documents`, { method: 'POST', headers, body: JSON.stringify({ crawl: { url: `${site.origin}/handbook/`, maxPages: 20 }, tags: ['handbook'] }) });
      assert.equal(submit.status, 202, await submit.clone().text());
      const { job } = (await submit.json()) as { job: JobView };
      assert.equal(job.kind, 'crawl');
      const done = await waitForJob(served, job.id);
      assert.equal(done.status, 'succeeded', done.error ?? '');
      assert.equal(done.progress.filesDone, 3);
      assert.deepEqual(done.errors.map((error) => error.code).sort(), ['FETCH_FAILED', 'ROBOTS_DISALLOWED']);

      const list = (await (await fetch(`${served.url}/v1/collections/site/documents?limit=10`, { headers })).json()) as { items: Array<{ id: number; uri: string; tags: string[]; metadata: { crawl?: { status: number } } }> };
      assert.deepEqual(list.items.map((item) => item.uri).sort(), ['/handbook/', '/handbook/backups', '/handbook/keys'].map((path) => `${site.origin}${path}`));
      assert.ok(list.items.every((item) => item.tags.includes('handbook') && item.metadata.crawl?.status === 200));

      const keys = list.items.find((item) => item.uri.endsWith('/keys'))!;
      const before = site.requests.length;
      const reingest = await fetch(`${served.url}/v1/collections/site/documents/${keys.id}/reingest`, { method: 'POST', headers, body: '{}' });
      assert.equal(reingest.status, 202, await reingest.clone().text());
      const reingested = await waitForJob(served, ((await reingest.json()) as { job: JobView }).job.id);
      assert.equal(reingested.status, 'succeeded', reingested.error ?? '');
      assert.deepEqual(site.requests.slice(before).map((request) => request.path).filter((path) => path !== '/robots.txt'), ['/handbook/keys'], 'only that page is fetched again');

      await crawlFromTheWebUi(served);
    } finally {
      const code = await served.stop();
      assert.equal(code, 0, served.output.stderr.slice(-4000));
    }
  });

  /** The Documents page's crawl form starts the same job. */
  async function crawlFromTheWebUi(served: CairnServe): Promise<void> {
    if (CHROMIUM_MISSING !== null || !existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html'))) return;
    const browser = await launchChromium();
    try {
      const { page: tab } = await openPage(browser, served.url);
      await tab.goto('/');
      await tab.getByRole('textbox', { name: 'API key' }).fill(served.adminKey);
      await tab.getByRole('button', { name: 'Log in' }).click();
      await tab.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
      await tab.getByRole('textbox', { name: 'Documentation site' }).fill(`${site.origin}/handbook/`);
      await tab.getByRole('spinbutton', { name: 'Max pages' }).fill('10');
      await tab.getByRole('button', { name: 'Crawl' }).click();
      await tab.getByRole('heading', { name: 'Ingestion', level: 1 }).waitFor();
      const jobs = async () => (await (await fetch(`${served.url}/v1/jobs`, { headers: { authorization: `Bearer ${served.adminKey}` } })).json()) as { items: JobView[] };
      await waitUntil(async () => (await jobs()).items.filter((job) => job.kind === 'crawl').length === 2, { what: 'the crawl job started from the web UI' });
      const started = (await jobs()).items.find((job) => job.kind === 'crawl')!;
      assert.equal((await waitForJob(served, started.id)).status, 'succeeded');
    } finally {
      await browser.close();
    }
  }
});

async function waitForJob(served: CairnServe, id: string): Promise<JobView> {
  let job: JobView | undefined;
  await waitUntil(
    async () => {
      job = (await (await fetch(`${served.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${served.adminKey}` } })).json()) as JobView;
      return ['succeeded', 'failed', 'cancelled'].includes(job.status);
    },
    { timeoutMs: 120_000, what: `job ${id} to finish` },
  );
  return job!;
}
