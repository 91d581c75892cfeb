import { parse as parseYaml } from 'yaml';
import { yamlFlowDepth } from './nesting-depth.js';
import { DEFAULT_PARSE_LIMITS, LIMIT_KEYS } from './parse-limits.js';

export interface FrontMatter {
  /** The parsed mapping; `{}` when there is none or it is not a mapping. */
  data: Record<string, unknown>;
  /** Text after the front matter. */
  body: string;
  /** 1-based line of the first body line in the original text. */
  bodyStartLine: number;
  /** Set when a front matter block was present but could not be parsed. */
  error?: string;
}

/**
 * Splits YAML (`---` ... `---` or `...`) or TOML (`+++` ... `+++`) front matter from Markdown.
 * TOML is read only for flat `key = "string"` lines, which covers title/description in practice.
 * `text` must have '\n' line endings. YAML nested deeper than `maxDepth` flow collections is not
 * parsed (the document keeps its body, `error` says why); alias expansion is bounded by the `yaml`
 * library itself (100 aliases).
 */
export function splitFrontMatter(text: string, maxDepth = DEFAULT_PARSE_LIMITS.maxNestingDepth): FrontMatter {
  const fence = text.startsWith('---\n') ? '---' : text.startsWith('+++\n') ? '+++' : undefined;
  if (!fence) return { data: {}, body: text, bodyStartLine: 1 };
  const closing = fence === '---' ? /^(?:---|\.\.\.)[ \t]*$/m : /^\+\+\+[ \t]*$/m;
  const rest = text.slice(4);
  const match = closing.exec(rest);
  if (!match) return { data: {}, body: text, bodyStartLine: 1 };
  const raw = rest.slice(0, match.index);
  const afterClose = rest.indexOf('\n', match.index);
  const body = afterClose < 0 ? '' : rest.slice(afterClose + 1);
  const bodyStartLine = 2 + countNewlines(raw) + 1;
  if (fence === '+++') return { data: parseFlatToml(raw), body, bodyStartLine };
  if (yamlFlowDepth(raw, maxDepth) > maxDepth) {
    return { data: {}, body, bodyStartLine, error: `front matter nested deeper than ${maxDepth} levels (${LIMIT_KEYS.maxNestingDepth}); not read` };
  }
  try {
    const value: unknown = parseYaml(raw);
    const data = value !== null && typeof value === 'object' && !Array.isArray(value) ? toJsonSafe(value) : {};
    return { data: data as Record<string, unknown>, body, bodyStartLine };
  } catch (error) {
    return { data: {}, body, bodyStartLine, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Tags from `tags` (or `keywords`): a list or a comma-separated string, trimmed, deduplicated. */
export function normaliseTags(value: unknown): string[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const tags = raw
    .filter((tag): tag is string | number => typeof tag === 'string' || typeof tag === 'number')
    .map((tag) => String(tag).trim())
    .filter((tag) => tag !== '');
  return [...new Set(tags)];
}

function countNewlines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

function parseFlatToml(raw: string): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const line of raw.split('\n')) {
    const match = /^\s*([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\d+(?:\.\d+)?|true|false))\s*$/.exec(line);
    if (!match?.[1]) continue;
    const scalar = match[2] ?? match[3] ?? match[4] ?? '';
    data[match[1]] = match[4] === undefined ? scalar : scalar === 'true' ? true : scalar === 'false' ? false : Number(scalar);
  }
  return data;
}

/** YAML dates become ISO strings and other non-JSON values are dropped, so metadata stays serialisable. */
function toJsonSafe(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) out[key] = toJsonSafe(entry);
    return out;
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'function' || typeof value === 'symbol' || value === undefined) return null;
  return value;
}
