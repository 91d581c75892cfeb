import { CairnError } from '../../../core/cairn-error.js';
import { assertPublicHttpUrl, type HostLookup } from '../source-guards.js';

export interface GuardedFetchOptions {
  userAgent: string;
  /** Longest time for the whole exchange (every hop, headers and body), in ms. */
  timeoutMs: number;
  /** Most body bytes read, after content decoding (a compressed body counts as what it inflates to). */
  maxBytes: number;
  /** `refuse` (default): a larger body is PARSE_TOO_LARGE; `truncate`: its first `maxBytes` are kept (robots.txt). */
  overflow?: 'refuse' | 'truncate';
  /** The setting that bounds `maxBytes`, named in the PARSE_TOO_LARGE hint. */
  limitName?: string;
  maxRedirects: number;
  allowPrivateNetworks: boolean;
  /** Resolves host names for the address check; tests substitute it. */
  lookup?: HostLookup;
  signal?: AbortSignal;
  /** Sent on every hop (conditional request validators, Accept). */
  headers?: Record<string, string>;
  /** Called with each URL about to be requested (the first one and every redirect target); throws to refuse it (robots.txt, scope). */
  checkHop?: (url: URL) => Promise<void> | void;
  /** Called just before each request, after the checks: waits for the host's turn (politeness). */
  beforeRequest?: (url: URL) => Promise<void>;
}

export interface FetchedResponse {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  statusText: string;
  headers: Headers;
  /** The body of a 2xx answer; empty for any other status (it is not read). */
  body: Buffer;
  /** True when `overflow: 'truncate'` cut the body. */
  truncated: boolean;
  /** Every URL requested, in order. */
  chain: string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * GET with redirects followed by hand (`redirect: 'manual'`), so that every hop is checked before it
 * is requested: http(s) only, a host that resolves to public addresses (unless
 * `allowPrivateNetworks`), and the caller's `checkHop`. At most `maxRedirects` hops; a URL seen
 * earlier in the chain is a loop. The body is read as a stream and abandoned as soon as it passes
 * `maxBytes` (a `Content-Length` over it is refused before reading).
 *
 * Failures are CairnErrors: ADDRESS_NOT_ALLOWED, PARSE_TOO_LARGE, FETCH_FAILED (network error,
 * timeout, too many redirects, a loop), or whatever `checkHop` throws. An abort of `signal`
 * propagates as the signal's reason.
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions): Promise<FetchedResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const chain: string[] = [];
  let current = new URL(url);
  try {
    for (;;) {
      current.hash = '';
      chain.push(current.href);
      await assertPublicHttpUrl(current, options.allowPrivateNetworks, options.lookup);
      await options.checkHop?.(current);
      await options.beforeRequest?.(current);
      const response = await fetch(current, {
        redirect: 'manual',
        signal,
        headers: { 'user-agent': options.userAgent, ...options.headers },
      });
      const location = response.headers.get('location');
      if (REDIRECT_STATUSES.has(response.status) && location !== null) {
        await response.body?.cancel().catch(() => {});
        const next = new URL(location, current);
        next.hash = '';
        if (chain.includes(next.href)) {
          throw new CairnError('FETCH_FAILED', `Redirect loop: ${[...chain, next.href].join(' → ')}.`, { hint: 'Fix the redirects on the site, or exclude the page.', details: { url, chain } });
        }
        if (chain.length > options.maxRedirects) {
          throw new CairnError('FETCH_FAILED', `More than ${options.maxRedirects} redirects from ${url} (${chain.join(' → ')} → …).`, {
            hint: 'Fix the redirects on the site, raise crawl.maxRedirects, or exclude the page.',
            details: { url, chain },
          });
        }
        current = next;
        continue;
      }
      const ok = response.status >= 200 && response.status < 300;
      const { body, truncated } = ok ? await readBody(response, current.href, options) : await discard(response);
      return { url: current.href, status: response.status, statusText: response.statusText, headers: response.headers, body, truncated, chain };
    }
  } catch (error) {
    options.signal?.throwIfAborted();
    if (error instanceof CairnError) throw error;
    if (timeout.aborted) {
      throw new CairnError('FETCH_FAILED', `${current.href} sent no complete answer within ${Math.round(options.timeoutMs / 1000)} s.`, {
        cause: error,
        hint: 'Retry later, or raise crawl.timeoutMs.',
        retryable: true,
        details: { url: current.href },
      });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CairnError('FETCH_FAILED', `Cannot fetch ${current.href}: ${cause?.code ?? cause?.message ?? (error as Error).message}.`, {
      cause: error,
      hint: 'Check the URL and that the site is reachable from this machine.',
      retryable: true,
      details: { url: current.href },
    });
  }
}

async function readBody(response: Response, url: string, options: GuardedFetchOptions): Promise<{ body: Buffer; truncated: boolean }> {
  const { maxBytes } = options;
  const refuse = (options.overflow ?? 'refuse') === 'refuse';
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (refuse && Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(url, maxBytes, `it declares ${declared} bytes`, options.limitName);
  }
  if (response.body === null) return { body: Buffer.alloc(0), truncated: false };
  const reader = response.body.getReader();
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > maxBytes) {
      await reader.cancel().catch(() => {});
      if (refuse) throw tooLarge(url, maxBytes, 'its body runs past it', options.limitName);
      parts.push(Buffer.from(value.buffer, value.byteOffset, maxBytes - total));
      return { body: Buffer.concat(parts), truncated: true };
    }
    total += value.byteLength;
    parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return { body: Buffer.concat(parts), truncated: false };
}

async function discard(response: Response): Promise<{ body: Buffer; truncated: boolean }> {
  await response.body?.cancel().catch(() => {});
  return { body: Buffer.alloc(0), truncated: false };
}

function tooLarge(url: string, maxBytes: number, why: string, limitName = 'crawl.maxPageBytes'): CairnError {
  return new CairnError('PARSE_TOO_LARGE', `${url} is over the ${maxBytes}-byte limit (${limitName}): ${why}.`, {
    hint: `Raise ${limitName} (cairn.config.json), or exclude the page.`,
    details: { url, maxBytes },
  });
}
