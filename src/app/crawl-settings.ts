import type { CairnConfig } from '../config/config-schema.js';
import { CairnError } from '../core/cairn-error.js';
import { packageVersion } from '../core/package-version.js';
import type { CrawlSettings } from '../ingest/source/crawl/site-crawler.js';
import type { CrawlOptions } from './input-schemas.js';

/**
 * Where the default User-Agent points site owners for what the crawler is and how to reach whoever
 * runs it. Replace with the project's public page; operators name themselves with `crawl.userAgent`.
 */
export const CRAWLER_INFO_URL = 'https://cairn.invalid/crawler';

export interface CrawlRequest extends CrawlOptions {
  /** CLI only: requests in flight and the least delay between two to one site. */
  concurrency?: number;
  delayMs?: number;
}

/**
 * The settings of one crawl: the caller's options over `crawl.*` of the configuration. Bodies are
 * bounded by the smaller of `crawl.maxPageBytes` and `ingest.maxFileBytes`. `allowPrivateNetworks`
 * comes from the caller's trust: the CLI's user is the operator; remote callers get
 * `sources.allowPrivateNetworks`.
 */
export function crawlSettings(config: CairnConfig, request: CrawlRequest, allowPrivateNetworks: boolean): CrawlSettings {
  const defaults = config.crawl;
  return {
    maxPages: request.maxPages ?? defaults.maxPages,
    maxDepth: request.maxDepth ?? defaults.maxDepth,
    ...(request.scope === undefined ? {} : { scope: request.scope }),
    include: request.include ?? [],
    exclude: request.exclude ?? [],
    useSitemaps: request.sitemap ?? true,
    concurrency: request.concurrency ?? defaults.concurrency,
    delayMs: request.delayMs ?? defaults.delayMs,
    timeoutMs: defaults.timeoutMs,
    maxPageBytes: Math.min(defaults.maxPageBytes, config.ingest.maxFileBytes),
    maxRedirects: defaults.maxRedirects,
    userAgent: defaults.userAgent ?? `Cairn/${packageVersion()} (+${CRAWLER_INFO_URL})`,
    allowPrivateNetworks,
  };
}

/**
 * For crawls named by remote callers (HTTP jobs, MCP): `crawl.maxPages` of the server's configuration
 * is their default and their ceiling; the CLI's user may ask for more.
 */
export function assertCrawlWithinLimits(config: CairnConfig, request: CrawlOptions): void {
  const ceiling = config.crawl.maxPages;
  if (request.maxPages !== undefined && request.maxPages > ceiling) {
    throw new CairnError('INPUT_INVALID', `maxPages ${request.maxPages} is over this server's limit of ${ceiling} pages per crawl.`, {
      hint: 'Ask for fewer pages, or raise crawl.maxPages in the server configuration.',
    });
  }
}
