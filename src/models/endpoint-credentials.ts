/** A bearer token bound to the model-server base URL it was configured for (see config `models.credentials`). */
export interface EndpointCredential {
  /** `http(s)://host[:port][/path]`: the key goes to this URL and the URLs below it, nowhere else. */
  url: string;
  apiKey: string;
}

/**
 * Whether `url` lies under `prefix`: the same scheme, host and port (after WHATWG URL normalisation, so
 * `HTTP://Host:80` equals `http://host`), no user info on either side, and a path equal to the prefix's or below it at
 * a `/` boundary (`/v1` covers `/v1` and `/v1/embeddings`, not `/v10`). `..` segments are resolved
 * before comparing. Neither may carry a query or fragment; false for anything unparsable.
 */
export function urlWithinPrefix(url: string, prefix: string): boolean {
  let target: URL;
  let base: URL;
  try {
    target = new URL(url);
    base = new URL(prefix);
  } catch {
    return false;
  }
  if (base.search !== '' || base.hash !== '' || base.username !== '' || base.password !== '') return false;
  if (target.username !== '' || target.password !== '' || target.search !== '' || target.hash !== '') return false;
  if (target.protocol !== base.protocol || target.host !== base.host) return false;
  const basePath = base.pathname.replace(/\/+$/, '');
  const targetPath = target.pathname.replace(/\/+$/, '');
  return targetPath === basePath || targetPath.startsWith(`${basePath}/`);
}

/**
 * The key a request to `url` (a base URL or a full endpoint URL) may carry: that of the credential
 * whose `url` is the longest prefix of it (earlier entries win a tie); undefined when none covers it,
 * and then no key is sent.
 */
export function apiKeyFor(url: string, credentials: readonly EndpointCredential[] | undefined): string | undefined {
  let best: EndpointCredential | undefined;
  let bestLength = -1;
  for (const credential of credentials ?? []) {
    if (!urlWithinPrefix(url, credential.url)) continue;
    const length = new URL(credential.url).pathname.replace(/\/+$/, '').length;
    if (length > bestLength) {
      best = credential;
      bestLength = length;
    }
  }
  return best?.apiKey;
}
