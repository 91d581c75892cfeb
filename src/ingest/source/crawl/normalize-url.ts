/**
 * Query parameters that record how a visitor arrived and never select content: Google Analytics
 * campaign tags (`utm_*`), click ids of ad networks, mail-campaign ids.
 */
const TRACKING_PARAMETER = /^(?:utm_[a-z0-9_]+|gclid|dclid|gbraid|wbraid|fbclid|msclkid|yclid|igshid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi)$/i;
/** A directory index file: `/guide/index.html` is the same page as `/guide/`. */
const INDEX_FILE = /\/index\.html?$/i;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The identity of a web page: `input` resolved against `base`, http(s) only (anything else: null),
 * with the fragment and any credentials dropped, the host lower-cased without a trailing dot, the
 * scheme's default port dropped, dot segments resolved, a trailing `index.html`/`index.htm` dropped,
 * percent-escapes of unreserved characters decoded and the others upper-cased, tracking parameters
 * removed and the remaining query parameters sorted by name (stable, so repeated names keep their
 * order). A trailing slash is significant and kept as written: `/guide` and `/guide/` may be
 * different resources, and the server's redirect or `rel=canonical` tells which one is meant.
 */
export function normalizeUrl(input: string | URL, base?: string | URL): string | null {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  url.username = '';
  url.password = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  url.pathname = normalizeEscapes(url.pathname).replace(INDEX_FILE, '/');
  if (url.search !== '') {
    const params = new URLSearchParams(url.search);
    for (const name of [...new Set(params.keys())]) if (TRACKING_PARAMETER.test(name)) params.delete(name);
    params.sort();
    const query = params.toString();
    url.search = query === '' ? '' : `?${query}`;
  }
  return url.href;
}

function normalizeEscapes(path: string): string {
  return path.replace(/%[0-9a-fA-F]{2}/g, (escaped) => {
    const char = String.fromCharCode(Number.parseInt(escaped.slice(1), 16));
    return UNRESERVED.test(char) ? char : escaped.toUpperCase();
  });
}

/** The directory of a page URL, the default scope of a crawl: `https://h/docs/intro.html` → `https://h/docs/`. */
export function directoryOf(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  parsed.pathname = parsed.pathname.slice(0, parsed.pathname.lastIndexOf('/') + 1);
  return parsed.href;
}

/**
 * Whether `url` lies in `scope` (a URL prefix ending with `/`, or a page URL): it starts with the
 * scope, or it is the scope's directory named without its trailing slash (`https://h/docs` for
 * `https://h/docs/`).
 */
export function isInScope(url: string, scope: string): boolean {
  if (url.startsWith(scope)) return true;
  return scope.endsWith('/') && url === scope.slice(0, -1);
}

/** `host/path?query` of a URL: the document's relative path, so path filters can select a site or a section. */
export function displayPathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}${parsed.search}`;
}
