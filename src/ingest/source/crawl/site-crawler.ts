import picomatch from 'picomatch';
import { CairnError, toCairnError } from '../../../core/cairn-error.js';
import { decodeText } from '../../parse/detect-encoding.js';
import type { HostLookup } from '../source-guards.js';
import { extractPage } from './extract-page.js';
import { guardedFetch, type FetchedResponse, type GuardedFetchOptions } from './guarded-fetch.js';
import { directoryOf, isInScope, normalizeUrl } from './normalize-url.js';
import { isBinaryLink, isHtmlMediaType, mediaTypeOf, pageExtension, pageFileName } from './page-extension.js';
import { discoverSitemaps } from './discover-sitemaps.js';
import { RequestPacer } from './request-pacer.js';
import { ROBOTS_PRODUCT_TOKEN, SiteRobots } from './site-robots.js';

/** How a crawl runs: the user's options merged over `crawl.*` of the configuration. */
export interface CrawlSettings {
  /** Most pages requested (the start page included; robots.txt and sitemaps not counted). */
  maxPages: number;
  /** Most link hops from the start page (link discovery only). */
  maxDepth: number;
  /** URL prefix (a directory) pages must lie in; a path is taken on the start page's origin. Default: the start page's directory, after redirects. */
  scope?: string;
  /** Globs over the URL path (`/guide/**`): a page must match one include (when any are given) and no exclude. */
  include: string[];
  exclude: string[];
  /** Look for sitemaps (robots.txt `Sitemap:` lines, `/sitemap.xml`) before following links. */
  useSitemaps: boolean;
  /** Requests in flight at once, and the least time between the starts of two requests to one site (raised by its Crawl-delay). */
  concurrency: number;
  delayMs: number;
  /** Per request, every hop and the body included. */
  timeoutMs: number;
  maxPageBytes: number;
  maxRedirects: number;
  /** Sent with every request. robots.txt groups are matched with the product token `cairn` (ROBOTS_PRODUCT_TOKEN) whatever it says. */
  userAgent: string;
  /** Whether hosts resolving to private, loopback or link-local addresses may be fetched. */
  allowPrivateNetworks: boolean;
  /** Fetch exactly these pages, without discovery (re-ingesting a page of a crawl). */
  urls?: string[];
  /** Resolves host names for the address guard; for tests. */
  lookup?: HostLookup;
}

/** What the previous crawl learnt about a URL whose document is still stored unchanged. */
export interface PreviousPage {
  /** The document the URL produced. */
  uri: string;
  etag?: string;
  lastModified?: string;
  /** Same-origin links of the page, normalised; needed to follow links from a page answered 304. */
  links?: string[];
}

export type CrawlResult =
  | {
      kind: 'page';
      /** The URL requested and the one that answered (after redirects). */
      url: string;
      finalUrl: string;
      /** The document's identity: the canonical URL when it lies in the crawl, else `finalUrl`. */
      uri: string;
      depth: number;
      status: number;
      mediaType: string;
      /** Selects the parser; `html` bodies are the extracted main content. */
      extension: string;
      fileName: string;
      body: Buffer;
      etag?: string;
      lastModified?: string;
      /** Same-origin links, normalised (none for other types than HTML). */
      links: string[];
    }
  | { kind: 'not-modified'; url: string; uri: string; depth: number; links?: string[] }
  | {
      kind: 'skipped';
      url: string;
      code: string;
      reason: string;
      /** `gone`: 404/410, the page no longer exists; `failed`: may work next time (5xx, network), its document is kept; `passed`: refused or unreadable by its nature. */
      outcome: 'gone' | 'failed' | 'passed';
      /** Not worth reporting (a redirect out of the crawl's scope). */
      silent?: boolean;
    };

export interface CrawlReport {
  discovery: 'sitemap' | 'links' | 'list';
  /** Every page in the crawl's reach was requested: no --max-pages cut, every listed sitemap read, not a page list. */
  complete: boolean;
  requested: number;
  notModified: number;
  /** Pages whose canonical URL was already taken by another page. */
  duplicates: number;
  notices: string[];
}

interface Entry {
  url: string;
  depth: number;
}

interface Fetched {
  result: CrawlResult;
  /** Same-origin links to consider for the frontier. */
  links: string[];
  /** The URL that answered (the requested one when none did). */
  finalUrl: string;
  /** The fetch itself failed (refused, status, network): for the start page, the crawl fails. */
  failure?: CairnError;
}

const ACCEPT_PAGE = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

/**
 * Crawls one documentation site from a start URL and yields each page's outcome, in a deterministic
 * order (the order pages entered the frontier), with up to `concurrency` requests in flight.
 *
 * 1. robots.txt of the start page's origin is read first (RFC 9309: 4xx = everything allowed,
 *    5xx or unreachable = nothing allowed); every request of the crawl, each redirect hop included,
 *    is checked against the robots.txt of its origin and the address guard before it is sent.
 * 2. The start page is fetched; its final URL (after redirects) sets the origin and the default
 *    scope (its directory). If it cannot be fetched, the crawl fails (CRAWL_FAILED, or
 *    ADDRESS_NOT_ALLOWED / ROBOTS_DISALLOWED / SOURCE_NOT_FOUND as they are).
 * 3. Discovery: the sitemaps named by robots.txt, `/sitemap.xml` and `<scope>sitemap.xml` (indexes
 *    and gzip included); their pages in scope are the crawl. With none, links are followed
 *    breadth-first from the start page, same origin and in scope, up to `maxDepth` hops.
 * 4. Each page: a 304 to a conditional request reuses what the last crawl knew; HTML is reduced to
 *    its main content; other types go to the parser of their media type or are skipped; pages
 *    are identified by their canonical URL (when it lies in the crawl), and a second page with the
 *    same identity is dropped.
 */
export class SiteCrawler {
  readonly report: CrawlReport = { discovery: 'links', complete: false, requested: 0, notModified: 0, duplicates: 0, notices: [] };
  readonly #root: string;
  readonly #settings: CrawlSettings;
  readonly #signal: AbortSignal | undefined;
  readonly #previous: (url: string) => PreviousPage | undefined;
  readonly #isSupported: (extension: string) => boolean;
  readonly #pacer: RequestPacer;
  readonly #robots: SiteRobots;
  readonly #include: ((path: string) => boolean) | null;
  readonly #exclude: ((path: string) => boolean) | null;
  /** URLs queued or fetched (requested and final), so no page is requested twice. */
  readonly #known = new Set<string>();
  /** Document URIs yielded. */
  readonly #taken = new Set<string>();
  /** Null until the start page has answered (or for a page list, which has none). */
  #scope: string | null = null;

  constructor(
    root: string,
    settings: CrawlSettings,
    hooks: { signal?: AbortSignal; previous?: (url: string) => PreviousPage | undefined; isSupported: (extension: string) => boolean },
  ) {
    this.#root = root;
    this.#settings = settings;
    this.#signal = hooks.signal;
    this.#previous = hooks.previous ?? (() => undefined);
    this.#isSupported = hooks.isSupported;
    this.#pacer = new RequestPacer(settings.delayMs);
    this.#robots = new SiteRobots({
      fetchOptions: (maxBytes) => this.#fetchOptions(maxBytes),
      pacer: this.#pacer,
      delayMs: settings.delayMs,
      notices: this.report.notices,
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    });
    this.#include = settings.include.length > 0 ? picomatch(settings.include, { dot: true }) : null;
    this.#exclude = settings.exclude.length > 0 ? picomatch(settings.exclude, { dot: true }) : null;
  }

  async *crawl(): AsyncGenerator<CrawlResult> {
    if (this.#settings.urls !== undefined) {
      this.report.discovery = 'list';
      const listed = this.#settings.urls.map((url) => normalizeUrl(url)).filter((url): url is string => url !== null);
      yield* this.#run(listed.map((url) => ({ url, depth: 0 })), 0, false);
      return;
    }
    this.#known.add(this.#root);
    this.report.requested += 1;
    const start = await this.#fetch({ url: this.#root, depth: 0 }, true);
    if (start.failure !== undefined) throw startFailure(this.#root, start.failure);
    const startUrl = start.finalUrl;
    this.#scope = this.#settings.scope === undefined ? directoryOf(startUrl) : scopeFrom(this.#settings.scope, startUrl);
    // The start page is always read for its links; it is a document only when it lies in the crawl (--scope, globs).
    const first = this.#inCrawl(normalizeUrl(startUrl) ?? startUrl) ? this.#take(start.result) : null;
    if (first !== null) yield first;

    let frontier: Entry[] = [];
    let sitemapsComplete = true;
    if (this.#settings.useSitemaps) {
      const found = await discoverSitemaps({
        origin: new URL(startUrl).origin,
        scope: this.#scope,
        robots: this.#robots,
        fetchOptions: (maxBytes) => this.#fetchOptions(maxBytes),
        inCrawl: (url) => this.#inCrawl(url),
        notices: this.report.notices,
        ...(this.#signal === undefined ? {} : { signal: this.#signal }),
      });
      sitemapsComplete = found.complete;
      if (found.pages.length > 0) {
        this.report.discovery = 'sitemap';
        this.report.notices.push(`Found ${found.pages.length} pages in scope in ${found.read} sitemap${found.read === 1 ? '' : 's'}.`);
        frontier = found.pages.filter((url) => this.#remember(url)).map((url) => ({ url, depth: 1 }));
      }
    }
    if (this.report.discovery === 'links') {
      this.report.notices.push(`No sitemap with pages in ${this.#scope}: following links from the start page (at most ${this.#settings.maxDepth} hops).`);
      frontier = this.#settings.maxDepth >= 1 ? this.#admit(start.links, 1) : [];
    }
    const cut = yield* this.#run(frontier, 1, this.report.discovery === 'links');
    this.report.complete = sitemapsComplete && !cut;
  }

  /**
   * Fetches the frontier (growing it with links when `follow`) with `concurrency` requests in
   * flight, yielding outcomes in frontier order. Answers whether --max-pages cut the crawl short.
   */
  async *#run(frontier: Entry[], alreadyRequested: number, follow: boolean): AsyncGenerator<CrawlResult, boolean> {
    const { maxPages, concurrency } = this.#settings;
    let requested = alreadyRequested;
    let next = 0;
    const window: Array<{ entry: Entry; fetched: Promise<Fetched> }> = [];
    const fill = () => {
      while (window.length < Math.max(1, concurrency) && next < frontier.length && requested < maxPages) {
        const entry = frontier[next++]!;
        requested += 1;
        const fetched = this.#fetch(entry, false);
        // Awaited in order below; a rejection (an abort) must not go unhandled meanwhile.
        fetched.catch(() => {});
        window.push({ entry, fetched });
      }
    };
    fill();
    while (window.length > 0) {
      const { entry, fetched } = window.shift()!;
      const outcome = await fetched;
      if (follow && entry.depth < this.#settings.maxDepth) frontier.push(...this.#admit(outcome.links, entry.depth + 1));
      fill();
      const result = this.#take(outcome.result);
      if (result !== null) yield result;
    }
    this.report.requested += requested - alreadyRequested;
    const left = frontier.length - next;
    if (left > 0) {
      this.report.notices.push(
        `Stopped at ${maxPages} pages (--max-pages) with ${left} more found; pages not reached keep their documents (only pages answering 404 or 410 are pruned).`,
      );
    }
    return left > 0;
  }

  /** A page's outcome, or null for a duplicate of a page already yielded (the same canonical URL). */
  #take(result: CrawlResult): CrawlResult | null {
    if (result.kind === 'skipped') return result;
    if (this.#taken.has(result.uri)) {
      this.report.duplicates += 1;
      return null;
    }
    this.#taken.add(result.uri);
    if (result.kind === 'not-modified') this.report.notModified += 1;
    return result;
  }

  /** Links that join the frontier: in the crawl, not binary by extension, not seen before. */
  #admit(links: readonly string[], depth: number): Entry[] {
    const entries: Entry[] = [];
    for (const link of links) {
      if (!this.#inCrawl(link) || isBinaryLink(link) || !this.#remember(link)) continue;
      entries.push({ url: link, depth });
    }
    return entries;
  }

  /** Marks a URL known; false when it already was. */
  #remember(url: string): boolean {
    if (this.#known.has(url)) return false;
    this.#known.add(url);
    return true;
  }

  #inCrawl(url: string): boolean {
    if (this.#scope === null) return true;
    if (!isInScope(url, this.#scope)) return false;
    const path = new URL(url).pathname;
    if (this.#include !== null && !this.#include(path)) return false;
    return this.#exclude === null || !this.#exclude(path);
  }

  async #fetch(entry: Entry, isStart: boolean): Promise<Fetched> {
    const { url, depth } = entry;
    const previous = this.#previous(url);
    // Following links from a page answered 304 needs the links the last crawl saw on it.
    const conditional = previous !== undefined && (this.report.discovery !== 'links' || previous.links !== undefined) ? previous : undefined;
    const headers: Record<string, string> = { accept: ACCEPT_PAGE };
    if (conditional?.etag) headers['if-none-match'] = conditional.etag;
    if (conditional?.lastModified) headers['if-modified-since'] = conditional.lastModified;
    let response: FetchedResponse;
    try {
      response = await guardedFetch(url, {
        ...this.#fetchOptions(this.#settings.maxPageBytes),
        headers,
        checkHop: (hop) => this.#checkHop(hop, isStart),
      });
    } catch (error) {
      this.#signal?.throwIfAborted();
      const failure = toCairnError(error, 'FETCH_FAILED');
      if (failure.details.outOfScope === true) {
        return { result: { kind: 'skipped', url, code: failure.code, reason: failure.message, outcome: 'passed', silent: true }, links: [], finalUrl: url };
      }
      const outcome = failure.code === 'FETCH_FAILED' || failure.code === 'SOURCE_NOT_FOUND' ? 'failed' : 'passed';
      return { result: { kind: 'skipped', url, code: failure.code, reason: failure.message, outcome }, links: [], finalUrl: url, failure };
    }
    const finalUrl = normalizeUrl(response.url) ?? url;
    this.#known.add(finalUrl);
    if (response.status === 304 && conditional !== undefined) {
      return { result: { kind: 'not-modified', url, uri: conditional.uri, depth, ...(conditional.links ? { links: conditional.links } : {}) }, links: conditional.links ?? [], finalUrl };
    }
    if (response.status < 200 || response.status > 299) {
      const gone = response.status === 404 || response.status === 410;
      const failure = new CairnError('FETCH_FAILED', `${url} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`, {
        hint: gone ? 'The page no longer exists; --prune removes its document.' : 'Retry later; the page keeps its document meanwhile.',
        details: { url, status: response.status },
      });
      return { result: { kind: 'skipped', url, code: failure.code, reason: failure.message, outcome: gone ? 'gone' : 'failed' }, links: [], finalUrl, failure };
    }

    const mediaType = mediaTypeOf(response.headers.get('content-type'));
    const robotsHeader = robotsDirectives(response.headers.get('x-robots-tag'));
    const validators = {
      ...(response.headers.get('etag') ? { etag: response.headers.get('etag')! } : {}),
      ...(response.headers.get('last-modified') ? { lastModified: response.headers.get('last-modified')! } : {}),
    };
    const extension = pageExtension(mediaType, finalUrl, this.#isSupported);
    if (extension === 'html' || (extension === null && isHtmlMediaType(mediaType))) {
      const charset = /charset\s*=\s*["']?([\w.:-]+)/i.exec(response.headers.get('content-type') ?? '')?.[1];
      const page = extractPage(decodeText(response.body, charset).text, finalUrl, fallbackTitle(finalUrl));
      const links = page.nofollow || robotsHeader.nofollow ? [] : sameOrigin(page.links, finalUrl);
      const canonical = page.canonical === null ? null : normalizeUrl(page.canonical);
      const uri = canonical !== null && new URL(canonical).origin === new URL(finalUrl).origin && this.#inCrawl(canonical) ? canonical : finalUrl;
      this.#known.add(uri);
      if (page.noindex || robotsHeader.noindex) {
        return { result: { kind: 'skipped', url, code: 'ROBOTS_DISALLOWED', reason: `${url} asks not to be indexed (noindex).`, outcome: 'passed' }, links, finalUrl };
      }
      const body = Buffer.from(page.html, 'utf8');
      return {
        result: { kind: 'page', url, finalUrl, uri, depth, status: response.status, mediaType, extension: 'html', fileName: pageFileName(finalUrl, 'html'), body, links, ...validators },
        links,
        finalUrl,
      };
    }
    if (extension === null) {
      const reason = `${url} is ${mediaType || 'of no declared type'}, not a document type Cairn reads.`;
      return { result: { kind: 'skipped', url, code: 'PARSE_UNSUPPORTED', reason, outcome: 'passed' }, links: [], finalUrl };
    }
    if (robotsHeader.noindex) {
      return { result: { kind: 'skipped', url, code: 'ROBOTS_DISALLOWED', reason: `${url} asks not to be indexed (X-Robots-Tag: noindex).`, outcome: 'passed' }, links: [], finalUrl };
    }
    return {
      result: { kind: 'page', url, finalUrl, uri: finalUrl, depth, status: response.status, mediaType, extension, fileName: pageFileName(finalUrl, extension), body: response.body, links: [], ...validators },
      links: [],
      finalUrl,
    };
  }

  /** Refuses a hop out of the crawl's scope (pages other than the start) or disallowed by its origin's robots.txt. */
  async #checkHop(hop: URL, isStart: boolean): Promise<void> {
    const normalized = normalizeUrl(hop);
    if (!isStart && this.report.discovery !== 'list' && (normalized === null || !this.#inCrawl(normalized))) {
      throw new CairnError('FETCH_FAILED', `${hop.href} is outside the crawl's scope (${this.#scope}).`, { details: { outOfScope: true } });
    }
    await this.#robots.assertAllowed(hop);
  }

  #fetchOptions(maxBytes: number): GuardedFetchOptions {
    const settings = this.#settings;
    return {
      userAgent: settings.userAgent,
      timeoutMs: settings.timeoutMs,
      maxBytes,
      maxRedirects: settings.maxRedirects,
      allowPrivateNetworks: settings.allowPrivateNetworks,
      ...(settings.lookup === undefined ? {} : { lookup: settings.lookup }),
      ...(this.#signal === undefined ? {} : { signal: this.#signal }),
      beforeRequest: (hop) => this.#pacer.wait(hop.origin, this.#signal),
    };
  }
}

function startFailure(url: string, failure: CairnError): CairnError {
  if (failure.code === 'ADDRESS_NOT_ALLOWED' || failure.code === 'ROBOTS_DISALLOWED' || failure.code === 'SOURCE_NOT_FOUND') return failure;
  return new CairnError('CRAWL_FAILED', `The crawl cannot start: ${failure.message}`, {
    cause: failure,
    hint: 'Check the start URL in a browser; the crawl starts from a page that answers 200.',
    details: { url },
  });
}

/** `--scope`: an absolute URL, or a path on the start page's origin; always a directory (a trailing `/` is added). */
function scopeFrom(scope: string, startUrl: string): string {
  const resolved = normalizeUrl(scope, startUrl);
  if (resolved === null) {
    throw new CairnError('INPUT_INVALID', `The crawl scope ${scope} is not an http(s) URL or path.`, { hint: 'Give a URL prefix such as https://docs.example.com/guide/ or a path such as /guide/.' });
  }
  const url = new URL(resolved);
  url.search = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

function sameOrigin(links: readonly string[], pageUrl: string): string[] {
  const origin = new URL(pageUrl).origin;
  const out = new Set<string>();
  for (const link of links) {
    const normalized = normalizeUrl(link);
    if (normalized !== null && new URL(normalized).origin === origin) out.add(normalized);
  }
  return [...out];
}

/** `X-Robots-Tag` values that apply to every crawler or to Cairn (`cairn: noindex`). */
function robotsDirectives(header: string | null): { noindex: boolean; nofollow: boolean } {
  const directives: string[] = [];
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const match = /^\s*(?:([\w-]+)\s*:\s*)?(.*)$/.exec(part);
    const agent = match?.[1];
    const rules = (match?.[2] ?? '').trim().split(/\s+/);
    // "unavailable_after: <date>" is a directive, not an agent.
    if (agent === undefined || agent === ROBOTS_PRODUCT_TOKEN || agent === 'unavailable_after') directives.push(...(agent === 'unavailable_after' ? [] : rules));
  }
  return { noindex: directives.includes('noindex') || directives.includes('none'), nofollow: directives.includes('nofollow') || directives.includes('none') };
}

function fallbackTitle(url: string): string {
  const parsed = new URL(url);
  const segment = parsed.pathname.split('/').filter(Boolean).pop();
  if (segment === undefined) return parsed.host;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
