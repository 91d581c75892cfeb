import type { Database } from 'better-sqlite3';
import { compileGlob, type NormalizedFilter } from '../../core/search-filter.js';

/** A WHERE fragment over `documents d` (and `chunks c`), with its positional parameters. */
export interface FilterSql {
  where: string;
  params: unknown[];
}

/**
 * Registers `cairn_glob(pattern, path)`: 1 when the relative path matches the glob, with the semantics
 * of core's `matchesFilter` (picomatch, dot files included).
 */
export function registerSqliteFunctions(db: Database): void {
  db.function('cairn_glob', { deterministic: true }, (pattern: unknown, path: unknown) => {
    if (typeof pattern !== 'string' || typeof path !== 'string') return 0;
    return compileGlob(pattern).test(path) ? 1 : 0;
  });
}

function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/**
 * Translates a normalised filter (core/search-filter.ts) into SQL; no filter gives `1`. Values are
 * always bound, never spliced.
 */
export function buildFilterSql(filter: NormalizedFilter | undefined): FilterSql {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter === undefined) return { where: '1', params };
  if (filter.pathPrefix !== undefined) {
    clauses.push('d.relative_path >= ? AND d.relative_path < ?');
    params.push(filter.pathPrefix, `${filter.pathPrefix}\u{10FFFF}`);
  }
  if (filter.pathGlob !== undefined) {
    clauses.push('cairn_glob(?, d.relative_path)');
    params.push(filter.pathGlob);
  }
  if (filter.language !== undefined) {
    clauses.push(`lower(d.language) IN (${placeholders(filter.language.length)})`);
    params.push(...filter.language);
  }
  if (filter.fileType !== undefined) {
    const types = filter.fileType;
    clauses.push(`(d.format IN (${placeholders(types.length)}) OR d.extension IN (${placeholders(types.length)}))`);
    params.push(...types, ...types);
  }
  for (const tag of filter.tags ?? []) {
    clauses.push('EXISTS (SELECT 1 FROM json_each(d.tags) WHERE json_each.value = ?)');
    params.push(tag);
  }
  if (filter.modifiedAfterMs !== undefined) {
    clauses.push('d.modified_ms >= ?');
    params.push(filter.modifiedAfterMs);
  }
  if (filter.modifiedBeforeMs !== undefined) {
    clauses.push('d.modified_ms <= ?');
    params.push(filter.modifiedBeforeMs);
  }
  return { where: clauses.length === 0 ? '1' : clauses.join(' AND '), params };
}
