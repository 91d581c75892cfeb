import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { CairnError } from '../../../core/cairn-error.js';
import { estimateTokenCounter } from '../../../models/tokenize/estimate-token-counter.js';
import { analyzeForIndex } from '../../../models/tokenize/lexical-analyzer.js';
import { openSqliteStore, type SqliteStore } from '../../../stores/sqlite/open-sqlite-store.js';
import { sharedPath } from '../../../testing/shared-data.js';
import { startTestSite, type TestRoute, type TestSite } from '../../../testing/test-site-server.js';
import { runIngest, type IngestRequest } from '../../run-ingest.js';
import type { IngestSummary } from '../../ingest-events.js';
import type { CrawlSettings } from './site-crawler.js';

const PDF = sharedPath('data', 'files', 'pdf', 'pdfplumber__la-precinct-bulletin-2014-p1.pdf');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1b5c6a50000000049454e44ae426082', 'hex');

/** A documentation page as generators write them: site header, sidebar navigation, the article, a footer. */
function docPage(title: string, article: string, options: { links?: string[]; canonical?: string } = {}): string {
  const nav = (options.links ?? []).map((href) => `<li><a href="${href}">${href}</a></li>`).join('');
  return `<!doctype html><html><head><title>${title} | Widget Docs</title>${options.canonical ? `<link rel="canonical" href="${options.canonical}">` : ''}</head>
<body><header class="navbar">SITEHEADER Widget Docs <a href="/docs/">Home</a></header>
<nav class="sidebar"><ul>${nav}</ul>SIDEBARNAV</nav>
<main><article><div class="theme-doc-markdown markdown"><header><h1>${title}</h1></header>${article}</div>
<nav class="pagination-nav">PAGERNAV Next page</nav></article></main>
<footer class="footer">SITEFOOTER Copyright Widget Inc.</footer></body></html>`;
}

const html = (body: string, etag?: string): TestRoute => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, body, ...(etag ? { etag } : {}) });

describe('crawling a documentation site', () => {
  let home: string;
  let store: SqliteStore;
  let site: TestSite;
  let sitemapSite: TestSite;

  const settings = (overrides: Partial<CrawlSettings> = {}): CrawlSettings => ({
    maxPages: 100, maxDepth: 2, include: [], exclude: [], useSitemaps: true, concurrency: 2, delayMs: 0, timeoutMs: 10_000,
    maxPageBytes: 256 * 1024, maxRedirects: 5, userAgent: 'Cairn/test (+https://cairn.invalid/crawler)', allowPrivateNetworks: true, ...overrides,
  });
  const crawl = (collection: string, start: string, overrides: Partial<CrawlSettings> = {}, extra: Partial<IngestRequest> = {}): Promise<IngestSummary> =>
    runIngest(
      { chunks: store.chunks, vectors: store.vectors, embedder: null, tokenizer: estimateTokenCounter },
      {
        collection, sources: [start], prune: false, tags: [], chunkSize: 256, chunkOverlap: 0, maxTokens: 512, cacheDir: join(home, 'git'),
        maxFileBytes: 64 * 1024 * 1024, embedBatchSize: 64, prepareWorkers: 0, crawl: settings(overrides), crawlDir: join(home, 'crawl'), ...extra,
      },
    );
  const documents = async (collection: string) => (await store.chunks.listDocuments({ collection, limit: 500, offset: 0 })).items;
  const chunkText = async (collection: string) => {
    const texts: string[] = [];
    for (const document of await documents(collection)) texts.push(...(await store.chunks.getDocumentChunks(document.id)).map((chunk) => chunk.text));
    return texts.join('\n');
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-crawl-'));
    store = await openSqliteStore({ path: join(home, 'cairn.db'), lexicalAnalyzer: analyzeForIndex, hnsw: { m: 16, efConstruction: 64, efSearch: 64 } });
    for (const name of ['links', 'sitemap', 'pruned', 'capped', 'guarded']) await store.chunks.createCollection(name, { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
    const nav = ['/docs/', '/docs/install', '/docs/install?utm_source=newsletter#usage', '/docs/config/', '/docs/alias', '/docs/private/secret', '/docs/missing', '/docs/loop-a',
      '/docs/huge', '/docs/manual.pdf', '/docs/diagram', '/docs/logo.png', '/other/outside', 'https://elsewhere.invalid/page', 'mailto:team@example.com'];
    site = await startTestSite({
      '/robots.txt': { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nDisallow: /docs/private/\n\nUser-agent: OtherBot\nDisallow: /\n' },
      '/docs/': html(docPage('Widget documentation', '<p>Welcome to the widget documentation. The widget frobnicates gizmos.</p>', { links: nav }), '"home-1"'),
      '/docs/install': html(docPage('Install', '<h2 id="usage">Usage</h2><p>Install the widget with npm install widget and run it.</p>', { links: nav }), '"install-1"'),
      '/docs/alias': html(docPage('Install (old address)', '<p>Install the widget with npm install widget and run it.</p>', { links: nav, canonical: '/docs/install' }), '"alias-1"'),
      '/docs/config/': html(docPage('Configuration', '<p>Configure the widget through widget.toml.</p>', { links: [...nav, 'advanced'] }), '"config-1"'),
      '/docs/config/advanced': html(docPage('Advanced configuration', '<p>Tune the quantum flux capacitor threshold.</p>', { links: ['deep'] }), '"advanced-1"'),
      '/docs/config/deep': html(docPage('Too deep', '<p>Three hops away from the start.</p>'), '"deep-1"'),
      '/docs/private/secret': html(docPage('Secret', '<p>Never to be fetched.</p>')),
      '/docs/loop-a': { status: 302, headers: { location: '/docs/loop-b' } },
      '/docs/loop-b': { status: 302, headers: { location: '/docs/loop-a' } },
      '/docs/huge': { headers: { 'content-type': 'text/html' }, streamBytes: 64 * 1024 * 1024 },
      ...(PDF ? { '/docs/manual.pdf': { headers: { 'content-type': 'application/pdf' }, body: readFileSync(PDF), etag: '"pdf-1"' } } : {}),
      '/docs/diagram': { headers: { 'content-type': 'image/png' }, body: PNG },
      '/docs/logo.png': { headers: { 'content-type': 'image/png' }, body: PNG },
      '/other/outside': html(docPage('Outside', '<p>Out of scope.</p>')),
    });
    const guide = (name: string) => html(docPage(`Guide ${name}`, `<p>Guide page ${name} explains step ${name} of the tour.</p>`, { links: ['/guide/unlisted'] }), `"${name}-1"`);
    sitemapSite = await startTestSite({
      '/robots.txt': { headers: { 'content-type': 'text/plain' }, body: 'Sitemap: /sitemap-index.xml\n' },
      '/guide/': guide('start'),
      '/guide/a': guide('a'),
      '/guide/b': guide('b'),
      '/guide/c': guide('c'),
      '/guide/unlisted': guide('unlisted'),
      '/blog/post': guide('blog'),
    });
    const o = sitemapSite.origin;
    sitemapSite.routes.set('/sitemap-index.xml', {
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${o}/sitemap-guide.xml.gz</loc></sitemap><sitemap><loc>${o}/sitemap-blog.xml</loc></sitemap></sitemapindex>`,
    });
    sitemapSite.routes.set('/sitemap-guide.xml.gz', {
      headers: { 'content-type': 'application/gzip' },
      body: gzipSync(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${o}/guide/a</loc></url><url><loc>${o}/guide/b</loc></url><url><loc>${o}/guide/c</loc></url></urlset>`),
    });
    sitemapSite.routes.set('/sitemap-blog.xml', { headers: { 'content-type': 'application/xml' }, body: `<urlset><url><loc>${o}/blog/post</loc></url></urlset>` });
  });
  after(async () => {
    await site?.close();
    await sitemapSite?.close();
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('follows links in scope, honours robots.txt and reports every page it passes over', async () => {
    const summary = await crawl('links', `${site.origin}/docs/`);
    const paths = site.paths();
    const uris = (await documents('links')).map((document) => document.uri).sort();
    const expected = [`${site.origin}/docs/`, `${site.origin}/docs/config/`, `${site.origin}/docs/config/advanced`, `${site.origin}/docs/install`, ...(PDF ? [`${site.origin}/docs/manual.pdf`] : [])].sort();
    assert.deepEqual(uris, expected);
    assert.equal(paths[0], '/robots.txt', 'robots.txt is read before anything else');
    assert.ok(!paths.includes('/docs/private/secret'), 'a path robots.txt disallows is never requested');
    assert.ok(!paths.includes('/docs/config/deep'), 'pages beyond --max-depth are not requested');
    assert.ok(!paths.includes('/docs/logo.png'), 'links to images are not requested');
    assert.ok(!paths.includes('/other/outside'), 'pages outside the scope are not requested');
    assert.ok(!paths.some((path) => path.includes('utm_source')), 'tracking parameters are dropped: the page is requested once');
    assert.equal(paths.filter((path) => path === '/docs/install').length, 1);
    for (const request of site.requests) assert.match(String(request.headers['user-agent']), /^Cairn\//);

    const reasons = new Map(summary.skipped.map((entry) => [entry.relativePath, entry]));
    assert.equal(reasons.get(`${site.origin}/docs/private/secret`)?.code, 'ROBOTS_DISALLOWED');
    assert.equal(reasons.get(`${site.origin}/docs/missing`)?.code, 'FETCH_FAILED');
    assert.match(reasons.get(`${site.origin}/docs/missing`)!.reason, /404/);
    assert.match(reasons.get(`${site.origin}/docs/loop-a`)!.reason, /Redirect loop/);
    assert.ok(paths.filter((path) => path.startsWith('/docs/loop-')).length <= 3, 'the loop is stopped');
    assert.equal(reasons.get(`${site.origin}/docs/huge`)?.code, 'PARSE_TOO_LARGE');
    assert.equal(reasons.get(`${site.origin}/docs/diagram`)?.code, 'PARSE_UNSUPPORTED');
    assert.ok(!reasons.has(`${site.origin}/docs/alias`), 'a page whose canonical URL is another page is a silent duplicate');
    assert.ok(paths.includes('/docs/alias'));
    assert.ok(summary.notices.some((notice) => /duplicate/.test(notice)), summary.notices.join('\n'));

    const text = await chunkText('links');
    assert.match(text, /frobnicates gizmos/);
    assert.match(text, /flux capacitor/);
    if (PDF) assert.ok((await documents('links')).some((document) => document.format === 'pdf'), 'the PDF went through the PDF parser');
    for (const chrome of ['SITEHEADER', 'SIDEBARNAV', 'PAGERNAV', 'SITEFOOTER']) assert.doesNotMatch(text, new RegExp(chrome), `${chrome} is site chrome`);

    const install = (await documents('links')).find((document) => document.uri === `${site.origin}/docs/install`)!;
    assert.equal(install.title, 'Install | Widget Docs');
    assert.equal(install.relativePath, `${new URL(site.origin).host}/docs/install`);
    assert.deepEqual(install.metadata.crawl, {
      url: `${site.origin}/docs/install`, status: 200, mediaType: 'text/html', etag: '"install-1"', lastModified: null, fetchedAt: (install.metadata.crawl as { fetchedAt: string }).fetchedAt,
    });
    const headings = (await store.chunks.getDocumentChunks(install.id)).map((chunk) => chunk.headingPath.join(' > '));
    assert.equal(headings[0], 'Install', 'the h1 inside the article header is the heading of the page (headers holding one are kept)');
  });

  it('crawls again with conditional requests and re-ingests nothing', async () => {
    const before = site.requests.length;
    const summary = await crawl('links', `${site.origin}/docs/`);
    assert.equal(summary.filesNew + summary.filesUpdated, 0, JSON.stringify(summary));
    assert.ok(summary.filesUnchanged >= 4);
    const pages = site.requests.slice(before).filter((request) => ['/docs/', '/docs/install', '/docs/config/', '/docs/config/advanced', '/docs/manual.pdf'].includes(request.path));
    assert.ok(pages.length >= 4);
    for (const request of pages) {
      assert.ok(request.headers['if-none-match'], `${request.path} was asked conditionally`);
      assert.equal(request.status, 304, request.path);
    }
  });

  it('prunes a page that disappeared, and keeps pages a cut-short crawl did not reach', async () => {
    await crawl('pruned', `${site.origin}/docs/`);
    const count = (await documents('pruned')).length;
    const capped = await crawl('pruned', `${site.origin}/docs/`, { maxPages: 2 }, { prune: true });
    assert.equal(capped.filesPruned, 0, 'a crawl cut by --max-pages prunes nothing it did not see gone');
    assert.ok(capped.notices.some((notice) => /--max-pages/.test(notice)));
    assert.equal((await documents('pruned')).length, count);

    const advanced = site.routes.get('/docs/config/advanced')!;
    site.routes.delete('/docs/config/advanced');
    try {
      const summary = await crawl('pruned', `${site.origin}/docs/`, {}, { prune: true });
      assert.equal(summary.filesPruned, 1);
      assert.ok(!(await documents('pruned')).some((document) => document.uri.endsWith('/docs/config/advanced')));
    } finally {
      site.routes.set('/docs/config/advanced', advanced);
    }
  });

  it('honours --max-pages and --max-depth', async () => {
    const before = site.requests.length;
    const summary = await crawl('capped', `${site.origin}/docs/`, { maxPages: 3 });
    const pages = site.requests.slice(before).filter((request) => request.path !== '/robots.txt' && !request.path.endsWith('sitemap.xml'));
    assert.equal(pages.length, 3, pages.map((request) => request.path).join(', '));
    assert.ok(summary.filesSeen + summary.filesSkipped <= 3);

    const shallow = site.requests.length;
    await crawl('capped', `${site.origin}/docs/`, { maxDepth: 0 });
    assert.deepEqual(site.requests.slice(shallow).map((request) => request.path).filter((path) => !path.endsWith('sitemap.xml') && path !== '/robots.txt'), ['/docs/']);
  });

  it('keeps to --include and --exclude globs over the URL path', async () => {
    await store.chunks.createCollection('globs', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
    const before = site.requests.length;
    await crawl('globs', `${site.origin}/docs/`, { include: ['/docs/config/**', '/docs/install'], exclude: ['**/advanced'] });
    const uris = (await documents('globs')).map((document) => document.uri.slice(site.origin.length)).sort();
    assert.deepEqual(uris, ['/docs/config/', '/docs/install'], 'the start page is read for its links but is not in the crawl');
    const paths = site.requests.slice(before).map((request) => request.path);
    assert.ok(!paths.includes('/docs/config/advanced') && !paths.includes('/docs/missing'), paths.join(', '));
  });

  it('takes the pages from the sitemaps (index, gzip) and prunes a page no longer listed', async () => {
    const summary = await crawl('sitemap', `${sitemapSite.origin}/guide/`, {}, { prune: true });
    const uris = (await documents('sitemap')).map((document) => document.uri.slice(sitemapSite.origin.length)).sort();
    assert.deepEqual(uris, ['/guide/', '/guide/a', '/guide/b', '/guide/c']);
    assert.ok(!sitemapSite.paths().includes('/guide/unlisted'), 'with a sitemap, links are not followed');
    assert.ok(!sitemapSite.paths().includes('/blog/post'), 'sitemap pages outside the scope are not requested');
    assert.ok(summary.notices.some((notice) => /sitemap/.test(notice)), summary.notices.join('\n'));

    sitemapSite.routes.set('/sitemap-guide.xml.gz', {
      headers: { 'content-type': 'application/gzip' },
      body: gzipSync(`<urlset><url><loc>${sitemapSite.origin}/guide/a</loc></url><url><loc>${sitemapSite.origin}/guide/b</loc></url></urlset>`),
    });
    const again = await crawl('sitemap', `${sitemapSite.origin}/guide/`, {}, { prune: true });
    assert.equal(again.filesPruned, 1);
    assert.equal(again.filesNew + again.filesUpdated, 0);
    assert.deepEqual((await documents('sitemap')).map((document) => document.uri.slice(sitemapSite.origin.length)).sort(), ['/guide/', '/guide/a', '/guide/b']);
  });

  it('refuses private addresses without sources.allowPrivateNetworks, redirect hops included', async () => {
    const before = site.requests.length;
    await assert.rejects(crawl('guarded', `${site.origin}/docs/`, { allowPrivateNetworks: false }), (error: unknown) => error instanceof CairnError && error.code === 'ADDRESS_NOT_ALLOWED');
    assert.equal(site.requests.length, before, 'nothing was requested');

    // "localhost" passes the guard as a public host (the lookup says so); its redirect to 127.0.0.1 does not.
    site.routes.set('/jump', { status: 302, headers: { location: `${site.origin}/docs/` } });
    const lookup = async () => [{ address: '93.184.216.34', family: 4 }];
    const port = new URL(site.origin).port;
    const requested = site.requests.length;
    await assert.rejects(crawl('guarded', `http://localhost:${port}/jump`, { allowPrivateNetworks: false, lookup }), (error: unknown) => {
      assert.ok(error instanceof CairnError);
      assert.equal(error.code, 'ADDRESS_NOT_ALLOWED');
      assert.match(error.message, /127\.0\.0\.1/);
      return true;
    });
    const paths = site.requests.slice(requested).map((request) => request.path);
    assert.ok(paths.includes('/jump'), `the allowed host was asked: ${paths.join(', ')}`);
    assert.ok(!paths.includes('/docs/'), 'the private redirect target was never requested');
  });
});
