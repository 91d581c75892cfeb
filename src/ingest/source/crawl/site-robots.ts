import { CairnError, toCairnError } from '../../../core/cairn-error.js';
import { guardedFetch, type FetchedResponse, type GuardedFetchOptions } from './guarded-fetch.js';
import type { RequestPacer } from './request-pacer.js';
import { ALLOW_ALL, DISALLOW_ALL, parseRobotsTxt, type RobotsRules } from './robots-txt.js';

/** robots.txt groups are matched with this product token. */
export const ROBOTS_PRODUCT_TOKEN = 'cairn';
/** Bytes of robots.txt read (RFC 9309 asks for at least 500 KiB). */
const ROBOTS_MAX_BYTES = 512 * 1024;
/** A Crawl-delay above this many seconds is capped (one page a minute is already a crawl of days). */
const MAX_CRAWL_DELAY_S = 60;

interface OriginRobots {
  rules: RobotsRules;
  /** Why nothing may be fetched, when robots.txt could not be read. */
  unreachable?: string;
}

/**
 * The robots.txt of every origin a crawl touches, read once each (through the address guard and the
 * pacer) and applied to every request. RFC 9309 §2.3.1: 2xx is parsed; 4xx except 429 means no
 * restrictions; 429, 5xx and failures mean nothing may be crawled. A `Crawl-delay` above the crawl's
 * delay raises the pacer's interval for that origin.
 */
export class SiteRobots {
  readonly #byOrigin = new Map<string, Promise<OriginRobots>>();
  readonly #fetchOptions: (maxBytes: number) => GuardedFetchOptions;
  readonly #pacer: RequestPacer;
  readonly #delayMs: number;
  readonly #notices: string[];
  readonly #signal: AbortSignal | undefined;

  constructor(options: { fetchOptions: (maxBytes: number) => GuardedFetchOptions; pacer: RequestPacer; delayMs: number; notices: string[]; signal?: AbortSignal }) {
    this.#fetchOptions = options.fetchOptions;
    this.#pacer = options.pacer;
    this.#delayMs = options.delayMs;
    this.#notices = options.notices;
    this.#signal = options.signal;
  }

  /** The `Sitemap:` lines of an origin's robots.txt. */
  async sitemaps(origin: string): Promise<string[]> {
    return (await this.#for(origin)).rules.sitemaps;
  }

  /** Throws ROBOTS_DISALLOWED when the robots.txt of the URL's origin does not allow it. */
  async assertAllowed(url: URL): Promise<void> {
    const robots = await this.#for(url.origin);
    if (robots.rules.isAllowed(`${url.pathname}${url.search}`)) return;
    throw new CairnError(
      'ROBOTS_DISALLOWED',
      robots.unreachable === undefined ? `${url.href} is disallowed by ${url.origin}/robots.txt.` : `${url.href} may not be fetched: ${robots.unreachable}.`,
      { hint: 'Crawl another part of the site; Cairn always honours robots.txt.', details: { url: url.href } },
    );
  }

  #for(origin: string): Promise<OriginRobots> {
    let robots = this.#byOrigin.get(origin);
    if (robots === undefined) {
      robots = this.#read(origin);
      this.#byOrigin.set(origin, robots);
    }
    return robots;
  }

  async #read(origin: string): Promise<OriginRobots> {
    const url = `${origin}/robots.txt`;
    let response: FetchedResponse;
    try {
      response = await guardedFetch(url, { ...this.#fetchOptions(ROBOTS_MAX_BYTES), overflow: 'truncate', headers: { accept: 'text/plain,*/*;q=0.8' } });
    } catch (error) {
      this.#signal?.throwIfAborted();
      return this.#unreachable(`${url} could not be read (${toCairnError(error).message}), which RFC 9309 takes as "crawl nothing"`);
    }
    if (response.status >= 200 && response.status < 300) {
      const rules = parseRobotsTxt(response.body.toString('utf8'), ROBOTS_PRODUCT_TOKEN);
      if (rules.crawlDelaySeconds !== undefined && rules.crawlDelaySeconds * 1000 > this.#delayMs) {
        const seconds = Math.min(rules.crawlDelaySeconds, MAX_CRAWL_DELAY_S);
        this.#pacer.setInterval(origin, seconds * 1000);
        this.#notices.push(`${url} asks for ${rules.crawlDelaySeconds} s between requests${seconds < rules.crawlDelaySeconds ? ` (capped at ${seconds} s)` : ''}.`);
      }
      return { rules };
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 429) return { rules: ALLOW_ALL };
    return this.#unreachable(`${url} answered ${response.status}, which RFC 9309 takes as "crawl nothing"`);
  }

  #unreachable(reason: string): OriginRobots {
    this.#notices.push(`${reason}.`);
    return { rules: DISALLOW_ALL, unreachable: reason };
  }
}
