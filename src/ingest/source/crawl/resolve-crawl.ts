import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '../../../core/cairn-error.js';
import type { SourceItem } from '../../../core/source-item.js';
import type { PruneScope, ResolvedSource, SkippedFile, SourceOptions } from '../resolve-sources.js';
import { crawlStatePath, loadCrawlState, saveCrawlState, type CrawlPageRecord } from './crawl-state.js';
import { displayPathOf, normalizeUrl } from './normalize-url.js';
import { SiteCrawler, type CrawlSettings, type PreviousPage } from './site-crawler.js';

/**
 * A web site as a source: each iteration crawls it (SiteCrawler) and yields one item per page,
 * its bytes in a temporary folder under `crawlDir` (removed by `cleanup`). URIs are the pages'
 * canonical URLs; `relativePath` is `host/path?query`; `sourceRoot` is the normalised start URL.
 *
 * Incremental: the last crawl's validators (crawl-state.ts) are sent as If-None-Match /
 * If-Modified-Since only while the document they produced is stored with the same hash; a 304
 * yields an item with the stored size and time, which the ingest settles as unchanged without
 * reading it. A page that answers 200 is hashed by the ingest as any file is.
 *
 * Pruning (`pruneScope`): pages that answered 404 or 410 are gone; pages that failed in a way that
 * may pass (5xx, timeouts, network) keep their documents; a crawl cut short by --max-pages (or a
 * sitemap that could not be read) prunes only the gone ones.
 */
export async function resolveCrawl(input: string, settings: CrawlSettings, options: SourceOptions): Promise<ResolvedSource> {
  const root = normalizeUrl(input.trim());
  if (root === null) {
    throw new CairnError('INPUT_INVALID', `Not an http(s) URL to crawl: ${input}.`, { hint: 'Give the start page of the site, such as https://docs.example.com/.' });
  }
  const crawlDir = options.crawlDir ?? join(tmpdir(), 'cairn-crawl');
  const statePath = crawlStatePath(crawlDir, root);
  const known = options.knownDocuments ?? new Map();
  const skipped: SkippedFile[] = [];
  const notices: string[] = [];
  const pageDirs: string[] = [];
  let pruneScope: PruneScope = { complete: false, keep: new Set(), gone: new Set() };

  const items: AsyncIterable<SourceItem> = {
    async *[Symbol.asyncIterator]() {
      skipped.length = 0;
      notices.length = 0;
      const previousState = await loadCrawlState(statePath, root);
      const nextState = new Map<string, CrawlPageRecord>();
      const keep = new Set<string>();
      const gone = new Set<string>();
      const previous = (url: string): PreviousPage | undefined => {
        const record = previousState.get(url);
        if (options.force || record === undefined || known.get(record.uri)?.contentHash !== record.hash) return undefined;
        return { uri: record.uri, ...(record.etag ? { etag: record.etag } : {}), ...(record.lastModified ? { lastModified: record.lastModified } : {}), ...(record.links ? { links: record.links } : {}) };
      };
      await mkdir(crawlDir, { recursive: true });
      const pageDir = await mkdtemp(join(crawlDir, 'pages-'));
      pageDirs.push(pageDir);
      const crawler = new SiteCrawler(root, settings, { previous, isSupported: (extension) => options.isSupported(extension, `page.${extension}`), ...(options.signal ? { signal: options.signal } : {}) });
      let written = 0;
      let finished = false;
      try {
        for await (const result of crawler.crawl()) {
          if (result.kind === 'skipped') {
            const uri = previousState.get(result.url)?.uri ?? result.url;
            if (result.outcome === 'gone') gone.add(uri);
            if (result.outcome === 'failed') {
              keep.add(uri);
              const record = previousState.get(result.url);
              if (record !== undefined) nextState.set(result.url, record);
            }
            if (!result.silent) skipped.push({ path: result.url, uri, code: result.code, reason: result.reason });
            continue;
          }
          if (result.kind === 'not-modified') {
            const stored = known.get(result.uri);
            const record = previousState.get(result.url);
            if (stored === undefined || record === undefined) continue;
            nextState.set(result.url, record);
            yield {
              uri: result.uri,
              relativePath: displayPathOf(result.uri),
              absolutePath: join(pageDir, 'not-modified'),
              extension: 'html',
              sizeBytes: stored.sizeBytes,
              modifiedMs: stored.modifiedMs,
              sourceRoot: root,
            };
            continue;
          }
          const path = join(pageDir, `${written++}.${result.extension}`);
          await writeFile(path, result.body);
          const fetchedAt = Date.now();
          nextState.set(result.url, {
            uri: result.uri,
            hash: createHash('sha256').update(result.body).digest('hex'),
            ...(result.etag ? { etag: result.etag } : {}),
            ...(result.lastModified ? { lastModified: result.lastModified } : {}),
            links: result.links,
          });
          yield {
            uri: result.uri,
            relativePath: displayPathOf(result.uri),
            absolutePath: path,
            extension: result.extension,
            fileName: result.fileName,
            sizeBytes: result.body.length,
            // The fetch time: a page that answered 200 is always hashed (a Last-Modified is not trusted to reflect the extracted content).
            modifiedMs: fetchedAt,
            sourceRoot: root,
            metadata: {
              crawl: {
                url: result.finalUrl,
                status: result.status,
                mediaType: result.mediaType,
                etag: result.etag ?? null,
                lastModified: result.lastModified ?? null,
                fetchedAt: new Date(fetchedAt).toISOString(),
              },
            },
          };
        }
        finished = true;
        notices.push(...crawler.report.notices);
        if (crawler.report.duplicates > 0) notices.push(`${crawler.report.duplicates} pages were left out as duplicates (same canonical URL as another page).`);
        pruneScope = { complete: crawler.report.complete, keep, gone };
      } finally {
        // An interrupted crawl keeps the records of the pages it did not reach.
        if (!finished || !crawler.report.complete) {
          for (const [url, record] of previousState) {
            if (!nextState.has(url) && !gone.has(record.uri)) nextState.set(url, record);
          }
        }
        await saveCrawlState(statePath, root, nextState).catch((error: unknown) => notices.push(`The crawl's state could not be saved (${(error as Error).message}); the next crawl fetches every page again.`));
      }
    },
  };

  return {
    root,
    kind: 'crawl',
    items,
    skipped,
    notices,
    pruneScope: () => pruneScope,
    cleanup: async () => {
      await Promise.all(pageDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
