import { CairnError } from '../../core/cairn-error.js';
import type { SearchFilter } from '../../core/search-types.js';
import type { ChunkStore } from '../../stores/chunk-store.js';

/**
 * Which chunks a filtered search may return, resolved once per query in the ChunkStore (the source of
 * truth for document fields):
 * - `all`: no filter.
 * - `subset` with `exact: true`: at most `exactFilterLimit` ids; the dense arm scores them exactly
 *   (brute force is exact and, for a few thousand vectors, faster than walking a graph).
 * - `subset` with `exact: false`: more ids than that; the dense arm walks HNSW with an `accept`
 *   predicate over this id set. Fetching every id costs one indexed SQL scan (about 1 ms per 10k ids),
 *   which is what keeps filtered recall: post-filtering an unfiltered top-k would lose results when the
 *   filter is selective.
 */
export type FilterScope = { kind: 'all' } | { kind: 'subset'; ids: number[]; exact: boolean };

/** Attempts to fetch a large id set while concurrent writes keep growing it. */
const MAX_FETCH_ATTEMPTS = 3;

export function isEmptyFilter(filter: SearchFilter | undefined): boolean {
  if (filter === undefined) return true;
  return Object.values(filter).every(
    (value) => value === undefined || value === '' || (Array.isArray(value) && value.length === 0),
  );
}

export async function resolveFilterScope(
  chunks: ChunkStore,
  collection: string,
  filter: SearchFilter | undefined,
  exactFilterLimit: number,
): Promise<FilterScope> {
  if (filter === undefined || isEmptyFilter(filter)) return { kind: 'all' };
  let result = await chunks.filterChunkIds(collection, filter, exactFilterLimit);
  if (result.kind === 'ids') return { kind: 'subset', ids: result.ids, exact: true };
  for (let attempt = 0; attempt < MAX_FETCH_ATTEMPTS; attempt++) {
    // Head-room for chunks written between the count and the fetch.
    result = await chunks.filterChunkIds(collection, filter, result.count + 1024);
    if (result.kind === 'ids') return { kind: 'subset', ids: result.ids, exact: false };
  }
  throw new CairnError('STORE_FAILED', `The filtered chunk set of collection ${collection} kept growing while it was read.`, {
    hint: 'Retry the search when the running ingest has finished.',
    retryable: true,
  });
}
