import type { Database } from 'better-sqlite3';
import picomatch from 'picomatch';
import { CairnError } from '../../core/cairn-error.js';
import type { SearchFilter } from '../../core/search-types.js';

/** A WHERE fragment over `documents d` (and `chunks c`), with its positional parameters. */
export interface FilterSql {
  where: string;
  params: unknown[];
}

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Registers `cairn_glob(pattern, path)`: 1 when the relative path matches the glob (picomatch syntax,
 * `dot: true` so that `.github/**` works). Compiled patterns are cached per connection.
 */
export function registerSqliteFunctions(db: Database): void {
  const cache = new Map<string, RegExp>();
  db.function('cairn_glob', { deterministic: true }, (pattern: unknown, path: unknown) => {
    if (typeof pattern !== 'string' || typeof path !== 'string') return 0;
    let regex = cache.get(pattern);
    if (regex === undefined) {
      regex = picomatch.makeRe(pattern, { dot: true });
      if (cache.size > 256) cache.clear();
      cache.set(pattern, regex);
    }
    return regex.test(path) ? 1 : 0;
  });
}

/** Milliseconds since the epoch of an ISO-8601 date or date-time; a date-only upper bound covers its whole day. */
function parseBound(value: string, name: string, upper: boolean): number {
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) {
    throw new CairnError('INPUT_INVALID', `${name} "${value}" is not an ISO-8601 date.`, {
      hint: 'Use a date such as 2024-05-31 or a date-time such as 2024-05-31T12:00:00Z.',
    });
  }
  return upper && DATE_ONLY.test(value) ? millis + DAY_MS - 1 : millis;
}

function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/** Translates a SearchFilter into SQL; an empty filter gives `1`. Values are always bound, never spliced. */
export function buildFilterSql(filter: SearchFilter | undefined): FilterSql {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter === undefined) return { where: '1', params };
  if (filter.pathPrefix !== undefined && filter.pathPrefix !== '') {
    clauses.push('d.relative_path >= ? AND d.relative_path < ?');
    params.push(filter.pathPrefix, `${filter.pathPrefix}\u{10FFFF}`);
  }
  if (filter.pathGlob !== undefined && filter.pathGlob !== '') {
    clauses.push('cairn_glob(?, d.relative_path)');
    params.push(filter.pathGlob);
  }
  if (filter.language !== undefined && filter.language.length > 0) {
    const languages = filter.language.map((language) => language.toLowerCase());
    clauses.push(`lower(d.language) IN (${placeholders(languages.length)})`);
    params.push(...languages);
  }
  if (filter.fileType !== undefined && filter.fileType.length > 0) {
    const types = filter.fileType.map((type) => type.toLowerCase().replace(/^\./, ''));
    clauses.push(`(d.format IN (${placeholders(types.length)}) OR d.extension IN (${placeholders(types.length)}))`);
    params.push(...types, ...types);
  }
  for (const tag of filter.tags ?? []) {
    clauses.push('EXISTS (SELECT 1 FROM json_each(d.tags) WHERE json_each.value = ?)');
    params.push(tag);
  }
  if (filter.modifiedAfter !== undefined) {
    clauses.push('d.modified_ms >= ?');
    params.push(parseBound(filter.modifiedAfter, 'modifiedAfter', false));
  }
  if (filter.modifiedBefore !== undefined) {
    clauses.push('d.modified_ms <= ?');
    params.push(parseBound(filter.modifiedBefore, 'modifiedBefore', true));
  }
  return { where: clauses.length === 0 ? '1' : clauses.join(' AND '), params };
}

export function isEmptyFilter(filter: SearchFilter | undefined): boolean {
  return buildFilterSql(filter).where === '1';
}
