import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { toCairnError } from '../../../core/cairn-error.js';
import { guardedFetch, type FetchedResponse, type GuardedFetchOptions } from './guarded-fetch.js';
import { normalizeUrl } from './normalize-url.js';
import { parseSitemap, type ParsedSitemap } from './parse-sitemap.js';
import type { SiteRobots } from './site-robots.js';

const gunzipAsync = promisify(gunzip);

/** The sitemap protocol's limit on one sitemap, uncompressed. */
const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;
/** Sitemaps read per crawl at most, and how deep sitemap indexes may nest. */
const MAX_SITEMAPS = 1000;
const MAX_SITEMAP_NESTING = 3;
const ACCEPT_SITEMAP = 'application/xml,text/xml;q=0.9,*/*;q=0.8';

export interface SitemapDiscovery {
  origin: string;
  /** The crawl's scope: `<scope>sitemap.xml` is one of the places looked at. */
  scope: string;
  robots: SiteRobots;
  fetchOptions: (maxBytes: number) => GuardedFetchOptions;
  /** Whether a listed page belongs to the crawl (scope and globs). */
  inCrawl: (url: string) => boolean;
  notices: string[];
  signal?: AbortSignal;
}

/**
 * Pages of the crawl listed by the origin's sitemaps: those its robots.txt names, then `/sitemap.xml`
 * and `<scope>sitemap.xml`; sitemap indexes are followed (up to MAX_SITEMAP_NESTING deep), gzip
 * files are recognised by their magic bytes. A guessed location that is missing is passed over
 * quietly; a listed one (robots.txt, an index) that cannot be read makes the result incomplete, so
 * nothing the crawl did not see is pruned. Pages are normalised, same origin, deduplicated, in order.
 */
export async function discoverSitemaps(discovery: SitemapDiscovery): Promise<{ pages: string[]; read: number; complete: boolean }> {
  const { origin, notices } = discovery;
  const queue: Array<{ url: string; listed: boolean; nesting: number }> = [];
  const queued = new Set<string>();
  const push = (url: string | null, listed: boolean, nesting: number) => {
    if (url === null || queued.has(url)) return;
    queued.add(url);
    queue.push({ url, listed, nesting });
  };
  for (const url of await discovery.robots.sitemaps(origin)) push(normalizeUrl(url, origin), true, 0);
  push(normalizeUrl('/sitemap.xml', origin), false, 0);
  push(normalizeUrl('sitemap.xml', discovery.scope), false, 0);
  const pages = new Set<string>();
  let read = 0;
  let complete = true;
  while (queue.length > 0) {
    const { url, listed, nesting } = queue.shift()!;
    if (read >= MAX_SITEMAPS) {
      complete = false;
      notices.push(`Read ${MAX_SITEMAPS} sitemaps and stopped; ${queue.length + 1} more were listed.`);
      break;
    }
    const sitemap = await readSitemap(url, discovery);
    if (typeof sitemap === 'string') {
      if (listed) {
        complete = false;
        notices.push(`The sitemap ${url} could not be read: ${sitemap}`);
      }
      continue;
    }
    read += 1;
    if (sitemap.kind === 'index') {
      if (nesting < MAX_SITEMAP_NESTING) for (const location of sitemap.locations) push(normalizeUrl(location, url), true, nesting + 1);
      continue;
    }
    for (const location of sitemap.locations) {
      const page = normalizeUrl(location, url);
      if (page !== null && new URL(page).origin === origin && discovery.inCrawl(page)) pages.add(page);
    }
  }
  return { pages: [...pages], read, complete };
}

/** A parsed sitemap, or why it could not be had (a status, a failure, bad gzip). */
async function readSitemap(url: string, discovery: SitemapDiscovery): Promise<ParsedSitemap | string> {
  let response: FetchedResponse;
  try {
    response = await guardedFetch(url, {
      ...discovery.fetchOptions(SITEMAP_MAX_BYTES),
      limitName: 'the sitemap protocol',
      headers: { accept: ACCEPT_SITEMAP },
      checkHop: (hop) => discovery.robots.assertAllowed(hop),
    });
  } catch (error) {
    discovery.signal?.throwIfAborted();
    return toCairnError(error).message;
  }
  if (response.status < 200 || response.status > 299) return `it answered ${response.status}.`;
  let bytes = response.body;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes, { maxOutputLength: SITEMAP_MAX_BYTES });
    } catch (error) {
      return `it is not a readable gzip file under ${SITEMAP_MAX_BYTES} bytes (${(error as Error).message}).`;
    }
  }
  return parseSitemap(bytes.toString('utf8'));
}
