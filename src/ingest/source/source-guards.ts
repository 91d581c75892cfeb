import { lookup as dnsLookup } from 'node:dns/promises';
import { realpath } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import { hasCloneScheme, isScpLike, redact } from './clone-url.js';

/**
 * Guards for sources named by a remote caller (HTTP, MCP). The CLI trusts its user and does not use
 * them (a crawl from the CLI still refuses schemes other than http and https). They refuse before
 * anything is read, cloned or fetched.
 */

/**
 * Resolves `path` to its real absolute path and checks that it lies inside one of `allowedDirs`
 * (after symlinks are resolved on both sides). Refused: any `..` segment, a path outside every
 * allowed directory, a symlink whose target escapes, and everything when `allowedDirs` is empty
 * (server-side path ingestion is off by default). A relative path is taken relative to each
 * allowed directory in turn; the first that exists wins.
 *
 * Containment is checked on the lexical path before the disk is touched, so a refused caller
 * learns nothing about what exists outside the allowed directories.
 */
export async function resolveAllowedPath(path: string, allowedDirs: string[]): Promise<string> {
  if (allowedDirs.length === 0) {
    throw new CairnError('PATH_NOT_ALLOWED', 'Server-side path sources are turned off.', {
      hint: 'Upload the files instead, or list the directories the server may read in sources.allowedDirs (cairn.config.json).',
    });
  }
  const input = path.trim();
  if (input === '' || input.includes('\0')) {
    throw new CairnError('INPUT_INVALID', 'The path is empty or contains a NUL byte.', { hint: 'Give a path inside one of sources.allowedDirs.' });
  }
  if (input.split(/[\\/]/).includes('..')) {
    throw notAllowed(input, 'it contains a ".." segment');
  }
  const roots = await realRoots(allowedDirs);
  const candidates = isAbsolute(input) ? [resolve(input)] : roots.map((root) => resolve(root, input));
  for (const candidate of candidates) {
    if (!roots.some((root) => isInside(candidate, root)) && !allowedDirs.some((dir) => isInside(candidate, resolve(dir)))) continue;
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new CairnError('SOURCE_UNREADABLE', `Cannot read ${candidate}: ${(error as Error).message}`, { cause: error, hint: 'Check the permissions of the path.' });
    }
    if (!roots.some((root) => isInside(real, root))) throw notAllowed(input, 'it resolves (through a symbolic link) outside every allowed directory');
    return real;
  }
  const inside = candidates.some((candidate) => roots.some((root) => isInside(candidate, root)) || allowedDirs.some((dir) => isInside(candidate, resolve(dir))));
  if (!inside) throw notAllowed(input, 'it is outside every allowed directory');
  throw new CairnError('SOURCE_NOT_FOUND', `No file or directory at ${input} inside the allowed directories.`, {
    hint: 'Check the path; relative paths are taken relative to each of sources.allowedDirs.',
  });
}

async function realRoots(allowedDirs: string[]): Promise<string[]> {
  const roots: string[] = [];
  for (const dir of allowedDirs) {
    try {
      roots.push(await realpath(resolve(dir)));
    } catch {
      // A configured directory that does not exist allows nothing.
    }
  }
  return roots;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function notAllowed(path: string, reason: string): CairnError {
  return new CairnError('PATH_NOT_ALLOWED', `The path ${path} is not allowed: ${reason}.`, {
    hint: 'Give a path inside one of the directories listed in sources.allowedDirs (cairn.config.json), or upload the files.',
    details: { path },
  });
}

/** Address ranges a remote source may not point at unless `sources.allowPrivateNetworks` is set. */
const PRIVATE_RANGES = (() => {
  const list = new BlockList();
  const v4: Array<[string, number]> = [
    ['0.0.0.0', 8], // "this network"
    ['10.0.0.0', 8], // RFC 1918
    ['100.64.0.0', 10], // CGNAT, RFC 6598
    ['127.0.0.0', 8], // loopback
    ['169.254.0.0', 16], // link-local (cloud metadata services live here)
    ['172.16.0.0', 12], // RFC 1918
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.168.0.0', 16], // RFC 1918
    ['198.18.0.0', 15], // benchmarking
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved and broadcast
  ];
  for (const [network, prefix] of v4) list.addSubnet(network, prefix, 'ipv4');
  const v6: Array<[string, number]> = [
    ['::', 128], // unspecified
    ['::1', 128], // loopback
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['fec0::', 10], // deprecated site-local
    ['ff00::', 8], // multicast
  ];
  for (const [network, prefix] of v6) list.addSubnet(network, prefix, 'ipv6');
  return list;
})();

/** True for loopback, private, link-local, unique-local, CGNAT and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE_RANGES.check(address, 'ipv4');
  if (family !== 6) return true;
  const embedded = embeddedIpv4(address);
  if (embedded !== undefined) return PRIVATE_RANGES.check(embedded, 'ipv4');
  return PRIVATE_RANGES.check(address, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible (`::a.b.c.d`) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = Number.parseInt(hex[1]!, 16);
    const low = Number.parseInt(hex[2]!, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return undefined;
}

export type HostLookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

const defaultLookup: HostLookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Refuses a git source whose host resolves to any non-public address (every address the name has,
 * so one public record cannot smuggle a private one), `file:` URLs and local paths (those are path
 * sources and go through `resolveAllowedPath`). With `allowPrivateNetworks` only the address check
 * is skipped. `lookup` is for tests.
 *
 * Limits: git resolves the name again when it connects (a DNS-rebinding window), and redirects of
 * an https remote are followed by git itself.
 */
export async function assertPublicGitUrl(url: string, allowPrivateNetworks: boolean, lookup: HostLookup = defaultLookup): Promise<void> {
  const input = url.trim();
  const host = hostOf(input);
  if (allowPrivateNetworks) return;
  await assertPublicHost(host, lookup, {
    what: 'git host',
    unresolved: (bare, error) => {
      // ENOTFOUND: the name does not exist, which is the client's input (4xx); other failures (EAI_AGAIN) are the resolver's.
      const missing = (error as { code?: unknown }).code === 'ENOTFOUND';
      return new CairnError(missing ? 'SOURCE_NOT_FOUND' : 'GIT_FAILED', `Cannot resolve the host ${bare} of ${redact(input)}: ${(error as Error).message}`, {
        cause: error,
        hint: 'Check the host name of the clone URL.',
      });
    },
    hint: 'Use a public repository, or set sources.allowPrivateNetworks to true (cairn.config.json) to allow hosts on private networks.',
  });
}

/**
 * Refuses a web URL (a page or a redirect target of a crawl) that is not http(s), or whose host
 * resolves to any non-public address unless `allowPrivateNetworks`. Called for every request of a
 * crawl, each redirect hop included, so a public page cannot redirect the server into its own
 * network. Limit: fetch resolves the name again when it connects (a DNS-rebinding window).
 */
export async function assertPublicHttpUrl(url: string | URL, allowPrivateNetworks: boolean, lookup: HostLookup = defaultLookup): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new CairnError('INPUT_INVALID', `Not a valid URL: ${String(url)}.`, { cause: error, hint: 'Give an absolute http:// or https:// URL.' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CairnError('ADDRESS_NOT_ALLOWED', `Only http and https URLs may be fetched, not ${parsed.protocol} (${redact(parsed.href)}).`, {
      hint: 'Give an http:// or https:// URL.',
      details: { url: redact(parsed.href) },
    });
  }
  if (allowPrivateNetworks) return;
  await assertPublicHost(parsed.hostname.toLowerCase(), lookup, {
    what: 'host',
    unresolved: (bare, error) => {
      const missing = (error as { code?: unknown }).code === 'ENOTFOUND';
      return new CairnError(missing ? 'SOURCE_NOT_FOUND' : 'FETCH_FAILED', `Cannot resolve the host ${bare}: ${(error as Error).message}`, {
        cause: error,
        hint: 'Check the host name of the URL.',
      });
    },
    hint: 'Crawl a public site, or set sources.allowPrivateNetworks to true (cairn.config.json) to allow hosts on private networks.',
  });
}

/** Resolves `host` (every address it has, so one public record cannot smuggle a private one) and refuses any non-public one. */
async function assertPublicHost(
  host: string,
  lookup: HostLookup,
  words: { what: string; unresolved: (host: string, error: unknown) => CairnError; hint: string },
): Promise<void> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  let addresses: Array<{ address: string }>;
  if (isIP(bare) !== 0) {
    addresses = [{ address: bare }];
  } else {
    try {
      addresses = await lookup(bare);
    } catch (error) {
      throw words.unresolved(bare, error);
    }
  }
  const refused = addresses.find(({ address }) => isPrivateAddress(address));
  if (refused !== undefined || addresses.length === 0) {
    throw new CairnError('ADDRESS_NOT_ALLOWED', `The ${words.what} ${bare} resolves to a private or loopback address (${refused?.address ?? 'none'}).`, {
      hint: words.hint,
      details: { host: bare, address: refused?.address ?? null },
    });
  }
}

/** The host of a clone URL or scp-like remote; refuses `file:` URLs and anything that is not a remote. */
function hostOf(input: string): string {
  if (/^file:/i.test(input)) {
    throw new CairnError('ADDRESS_NOT_ALLOWED', 'file: URLs are not allowed as git sources.', {
      hint: 'Give a local repository as a path source ({"path": ...}), which must lie inside sources.allowedDirs.',
    });
  }
  if (isScpLike(input)) {
    const afterAt = input.slice(input.indexOf('@') + 1);
    return afterAt.slice(0, afterAt.indexOf(':')).toLowerCase();
  }
  if (!hasCloneScheme(input)) {
    throw new CairnError('INPUT_INVALID', `Not a git clone URL: ${redact(input)}.`, {
      hint: 'Give a clone URL such as https://github.com/org/repo.git or git@github.com:org/repo.git; a local repository is a path source.',
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(input.split('#')[0]!);
  } catch (error) {
    throw new CairnError('INPUT_INVALID', `Not a valid clone URL: ${redact(input)}.`, { cause: error, hint: 'Give a clone URL such as https://github.com/org/repo.git.' });
  }
  if (parsed.hostname === '') {
    throw new CairnError('INPUT_INVALID', `The clone URL ${redact(input)} names no host.`, { hint: 'Give a clone URL such as https://github.com/org/repo.git.' });
  }
  return parsed.hostname.toLowerCase();
}
