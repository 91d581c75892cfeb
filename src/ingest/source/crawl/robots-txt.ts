/** The rules of one robots.txt for one crawler. */
export interface RobotsRules {
  /** Whether the crawler may fetch `pathAndQuery` (the URL's path and query, percent-encoded). */
  isAllowed(pathAndQuery: string): boolean;
  /** `Crawl-delay` of the group that applies, in seconds (not part of RFC 9309, widely used). */
  crawlDelaySeconds: number | undefined;
  /** `Sitemap:` URLs, absolute as written (they apply to every crawler). */
  sitemaps: string[];
}

interface Rule {
  allow: boolean;
  /** The path pattern with escapes normalised; its length decides between rules. */
  pattern: string;
  regex: RegExp;
}

interface Group {
  agents: string[];
  rules: Rule[];
  crawlDelay: number | undefined;
}

/** Everything allowed: what a missing robots.txt (any 4xx) means. */
export const ALLOW_ALL: RobotsRules = { isAllowed: () => true, crawlDelaySeconds: undefined, sitemaps: [] };

/** Nothing allowed: what an unreachable robots.txt (5xx, network failure) means (RFC 9309 §2.3.1.4). */
export const DISALLOW_ALL: RobotsRules = { isAllowed: () => false, crawlDelaySeconds: undefined, sitemaps: [] };

/**
 * Parses a robots.txt (RFC 9309) for the crawler whose product token is `productToken` (`cairn`).
 *
 * - Groups start with one or more `User-agent` lines; a group matches when one of its agent names,
 *   cut at the first `/` or space, equals the product token case-insensitively. The rules of every
 *   matching group are merged; with none, those of every `*` group; with none of those either,
 *   everything is allowed.
 * - A URL is matched against every `Allow` and `Disallow` pattern (`*` any characters, a final `$`
 *   the end of the URL); the longest matching pattern wins and, between an allow and a disallow
 *   pattern of equal length, the allow. An empty `Disallow` matches nothing. `/robots.txt` itself
 *   is always allowed.
 * - `Sitemap` lines are collected wherever they stand; `Crawl-delay` is read from the groups that
 *   apply (the largest value). Unknown lines and lines without a colon are ignored.
 */
export function parseRobotsTxt(text: string, productToken: string): RobotsRules {
  const token = productToken.toLowerCase();
  const groups: Group[] = [];
  const sitemaps: string[] = [];
  let current: Group | null = null;
  let lastWasAgent = false;
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'user-agent') {
      if (!lastWasAgent || current === null) {
        current = { agents: [], rules: [], crawlDelay: undefined };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    if (key === 'sitemap') {
      if (value !== '') sitemaps.push(value);
      continue;
    }
    lastWasAgent = false;
    if (current === null) continue;
    if (key === 'allow' || key === 'disallow') {
      if (value === '') continue;
      const pattern = normalizePattern(value);
      current.rules.push({ allow: key === 'allow', pattern, regex: patternToRegex(pattern) });
    } else if (key === 'crawl-delay') {
      const seconds = Number(value);
      if (Number.isFinite(seconds) && seconds >= 0) current.crawlDelay = Math.max(current.crawlDelay ?? 0, seconds);
    }
  }
  const named = groups.filter((group) => group.agents.some((agent) => agentName(agent) === token));
  const chosen = named.length > 0 ? named : groups.filter((group) => group.agents.includes('*'));
  const rules = chosen.flatMap((group) => group.rules);
  const delays = chosen.map((group) => group.crawlDelay).filter((delay): delay is number => delay !== undefined);
  return {
    isAllowed: (pathAndQuery) => isAllowed(rules, pathAndQuery),
    crawlDelaySeconds: delays.length > 0 ? Math.max(...delays) : undefined,
    sitemaps,
  };
}

function agentName(agent: string): string {
  return agent.split(/[/\s]/, 1)[0] ?? '';
}

function isAllowed(rules: readonly Rule[], pathAndQuery: string): boolean {
  const target = normalizePattern(pathAndQuery || '/');
  if (target === '/robots.txt') return true;
  let best: Rule | undefined;
  for (const rule of rules) {
    if (!rule.regex.test(target)) continue;
    if (best === undefined || rule.pattern.length > best.pattern.length || (rule.pattern.length === best.pattern.length && rule.allow && !best.allow)) best = rule;
  }
  return best === undefined || best.allow;
}

/**
 * Percent-encodes what a URL would encode (non-ASCII, spaces) and upper-cases escapes, so a pattern
 * written with raw UTF-8 matches the encoded path and `%2f` equals `%2F` (RFC 9309 §2.2.2).
 */
function normalizePattern(value: string): string {
  return value
    .replace(/%[0-9a-fA-F]{2}/g, (escaped) => escaped.toUpperCase())
    .replace(/[^\x21-\x7E]/gu, (char) => encodeURIComponent(char));
}

function patternToRegex(pattern: string): RegExp {
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const source = body.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}${anchored ? '$' : ''}`);
}
