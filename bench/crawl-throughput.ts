/**
 * What crawling costs over reading the same pages from disk: N pages of the docs corpus (Markdown
 * rendered to HTML inside documentation-site chrome: header, sidebar of 40 links, footer) are
 * ingested (1) as a directory of HTML files, the baseline, and (2) as a site crawled from a local
 * HTTP server on 127.0.0.1 (sitemap discovery, robots.txt, main-content extraction, ETags), in the same
 * process and run. Then both again unchanged: (3) the directory re-ingest (size + mtime) and (4) the
 * re-crawl (conditional requests answered 304). Ratios against the same-run baselines are what count.
 *
 *   node --import tsx bench/crawl-throughput.ts [--pages 500] [--embedder static:<dir>] [--concurrency 2] [--delay 0]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingest } from '../src/app/ingest.js';
import type { IngestSummary } from '../src/ingest/ingest-events.js';
import { startTestSite, type TestRoute } from '../src/testing/test-site-server.js';
import {
  DOCS_CORPUS, MODELS_DIR, STATIC_EMBEDDER, copySubset, listFiles, loadAverage, machineFacts, openBenchApp, parseIntegerOption,
  peakRssMiB, removeDirectory, report, round, temporaryDirectory, type BenchConfigOptions,
} from './bench-support.js';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '500' },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    concurrency: { type: 'string', default: '2' },
    delay: { type: 'string', default: '0' },
  },
});

const facts = machineFacts();
const pageCount = parseIntegerOption(values.pages, 'pages') ?? 500;
const work = temporaryDirectory('cairn-bench-crawl-');
const options: BenchConfigOptions = { home: join(work, 'home'), embedder: values.embedder, modelsDir: MODELS_DIR };

/** Enough Markdown → HTML for a benchmark: headings, fenced code, paragraphs. */
function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  for (const block of markdown.split(/\n{2,}/)) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(block.trim());
    if (heading && !block.trim().includes('\n')) out.push(`<h${heading[1]!.length}>${escapeHtml(heading[2]!)}</h${heading[1]!.length}>`);
    else if (block.trim().startsWith('```')) out.push(`<pre><code>${escapeHtml(block.trim().replace(/^```.*\n?/, '').replace(/```$/, ''))}</code></pre>`);
    else if (block.trim() !== '') out.push(`<p>${escapeHtml(block.trim())}</p>`);
  }
  return out.join('\n');
}

function page(title: string, article: string, nav: string[]): string {
  return `<!doctype html><html><head><title>${title} | Docs</title></head><body>
<header class="navbar">Docs <a href="/docs/">Home</a></header>
<nav class="sidebar"><ul>${nav.map((href) => `<li><a href="${href}">${href}</a></li>`).join('')}</ul></nav>
<main><article><div class="theme-doc-markdown markdown">${article}</div><nav class="pagination-nav">Previous Next</nav></article></main>
<footer class="footer">Copyright</footer></body></html>`;
}

async function timed(label: string, collection: string, source: string, crawl: boolean): Promise<{ summary: IngestSummary; wallMs: number }> {
  const started = performance.now();
  const app = await openBenchApp(options);
  try {
    const summary = await ingest(app, {
      collection,
      sources: [source],
      ...(crawl ? { crawl: { concurrency: parseIntegerOption(values.concurrency, 'concurrency') ?? 2, delayMs: parseIntegerOption(values.delay, 'delay') ?? 0, maxPages: pageCount + 10 }, allowPrivateNetworks: true } : {}),
    });
    const wallMs = performance.now() - started;
    process.stderr.write(`${label}: ${round(wallMs / 1000, 2)} s, ${summary.filesNew} new, ${summary.filesUnchanged} unchanged, ${summary.filesSkipped} skipped, ${summary.chunksWritten} chunks\n`);
    return { summary, wallMs };
  } finally {
    await app.close();
  }
}

try {
  const subset = copySubset(DOCS_CORPUS, pageCount, work);
  const markdown = listFiles(subset.root).filter((path) => /\.mdx?$/.test(path));
  const paths = markdown.map((path) => `/docs/${path.replace(/\.mdx?$/, '').replace(/[^A-Za-z0-9/_-]/g, '-')}/`);
  const routes: Record<string, TestRoute> = {};
  const filesRoot = join(work, 'site');
  for (const [index, path] of paths.entries()) {
    const text = readFileSync(join(subset.root, markdown[index]!), 'utf8');
    const nav = Array.from({ length: 40 }, (_, offset) => paths[(index + offset + 1) % paths.length]!);
    const body = page(path, markdownToHtml(text), nav);
    routes[path] = { headers: { 'content-type': 'text/html; charset=utf-8' }, body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
    mkdirSync(join(filesRoot, path), { recursive: true });
    writeFileSync(join(filesRoot, path, 'index.html'), body);
  }
  routes['/docs/'] = { headers: { 'content-type': 'text/html' }, body: page('Home', '<p>Start.</p>', paths.slice(0, 40)), etag: '"home"' };
  routes['/robots.txt'] = { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nAllow: /\nSitemap: /sitemap.xml\n' };
  const site = await startTestSite(routes);
  site.routes.set('/sitemap.xml', {
    headers: { 'content-type': 'application/xml' },
    body: `<urlset>${paths.map((path) => `<url><loc>${site.origin}${path}</loc></url>`).join('')}</urlset>`,
  });
  try {
    const files = await timed('files', 'files', filesRoot, false);
    const crawled = await timed('crawl', 'crawl', `${site.origin}/docs/`, true);
    const reingest = await timed('files again', 'files', filesRoot, false);
    const requestsBefore = site.requests.length;
    const recrawled = await timed('crawl again', 'crawl', `${site.origin}/docs/`, true);
    const notModified = site.requests.slice(requestsBefore).filter((request) => request.status === 304).length;
    const result = {
      pages: paths.length,
      files: { ms: round(files.wallMs, 1), pagesPerSecond: round(paths.length / (files.wallMs / 1000), 1), chunks: files.summary.chunksWritten },
      crawl: { ms: round(crawled.wallMs, 1), pagesPerSecond: round(paths.length / (crawled.wallMs / 1000), 1), chunks: crawled.summary.chunksWritten, requests: requestsBefore },
      reingest: { ms: round(reingest.wallMs, 1) },
      recrawl: { ms: round(recrawled.wallMs, 1), notModified, reingested: recrawled.summary.filesNew + recrawled.summary.filesUpdated },
      ratios: { crawlOverFiles: round(crawled.wallMs / files.wallMs, 2), recrawlOverReingest: round(recrawled.wallMs / reingest.wallMs, 2), recrawlOverCrawl: round(recrawled.wallMs / crawled.wallMs, 2) },
      peakRssMiB: peakRssMiB(),
      machine: facts,
      loadAverageAfter: loadAverage(),
    };
    report('crawl-throughput', result, [
      `${paths.length} pages, embedder ${values.embedder}, concurrency ${values.concurrency}, delay ${values.delay} ms; load ${facts.loadAverageBefore.join(' ')} → ${loadAverage().join(' ')}`,
      `HTML files from disk: ${result.files.ms} ms (${result.files.pagesPerSecond} pages/s, ${result.files.chunks} chunks)`,
      `crawled over HTTP:    ${result.crawl.ms} ms (${result.crawl.pagesPerSecond} pages/s, ${result.crawl.chunks} chunks, ${result.crawl.requests} requests) = ${result.ratios.crawlOverFiles}x the files`,
      `unchanged re-ingest:  ${result.reingest.ms} ms; re-crawl ${result.recrawl.ms} ms (${notModified} answered 304, ${result.recrawl.reingested} re-ingested) = ${result.ratios.recrawlOverReingest}x the re-ingest, ${result.ratios.recrawlOverCrawl}x the first crawl`,
    ]);
  } finally {
    await site.close();
  }
} finally {
  removeDirectory(work);
}
