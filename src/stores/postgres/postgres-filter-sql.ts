import type pg from 'pg';
import { compileGlob, type NormalizedFilter } from '../../core/search-filter.js';

/** Positional parameters of one statement: `add` binds a value and answers its placeholder (`$3`). */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(...initial: unknown[]) {
    this.values.push(...initial);
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Characters that end a glob's literal prefix (picomatch syntax). */
const GLOB_SPECIAL = /[*?[\]{}()!+@\\]/;

/**
 * Translates a normalised filter (core/search-filter.ts) into a WHERE fragment over `documents d`,
 * binding every value in `params` (never spliced); no filter gives `true`. The same semantics as
 * core's matchesFilter, checked by the contract suites:
 * - paths compare bytewise (`COLLATE "C"` columns; `starts_with` for the prefix);
 * - a glob is matched in JavaScript with core's compiled glob over the collection's document paths
 *   (narrowed by its literal prefix), and the matching documents' ids are bound as one array: ids of
 *   documents, never of chunks, so a filtered query ships at most one id per file.
 */
export async function buildPostgresFilter(
  db: Pick<pg.Pool, 'query'>,
  collectionId: number,
  filter: NormalizedFilter | undefined,
  params: SqlParams,
): Promise<string> {
  if (filter === undefined) return 'true';
  const clauses: string[] = [];
  if (filter.pathPrefix !== undefined) clauses.push(`starts_with(d.relative_path, ${params.add(filter.pathPrefix)})`);
  if (filter.pathGlob !== undefined) {
    const ids = await documentsMatchingGlob(db, collectionId, filter.pathGlob);
    clauses.push(`d.id = ANY(${params.add(ids)}::bigint[])`);
  }
  if (filter.language !== undefined) clauses.push(`lower(d.language) = ANY(${params.add(filter.language)}::text[])`);
  if (filter.fileType !== undefined) {
    const types = params.add(filter.fileType);
    clauses.push(`(d.format = ANY(${types}::text[]) OR d.extension = ANY(${types}::text[]))`);
  }
  if (filter.tags !== undefined) clauses.push(`d.tags @> ${params.add(filter.tags)}::text[]`);
  if (filter.modifiedAfterMs !== undefined) clauses.push(`d.modified_ms >= ${params.add(filter.modifiedAfterMs)}`);
  if (filter.modifiedBeforeMs !== undefined) clauses.push(`d.modified_ms <= ${params.add(filter.modifiedBeforeMs)}`);
  return clauses.length === 0 ? 'true' : clauses.join(' AND ');
}

async function documentsMatchingGlob(db: Pick<pg.Pool, 'query'>, collectionId: number, glob: string): Promise<string[]> {
  const regex = compileGlob(glob);
  const special = GLOB_SPECIAL.exec(glob);
  const prefix = special === null ? glob : glob.slice(0, special.index);
  const { rows } = await db.query<{ id: string; relative_path: string }>(
    'SELECT id, relative_path FROM documents WHERE collection_id = $1 AND starts_with(relative_path, $2)',
    [collectionId, prefix],
  );
  return rows.filter((row) => regex.test(row.relative_path)).map((row) => row.id);
}
