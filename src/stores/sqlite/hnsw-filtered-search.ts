import { CairnError } from '../../core/cairn-error.js';
import type { NormalizedFilter } from '../../core/search-filter.js';
import { exactVectorSearch, mergeTopK } from '../exact-vector-search.js';
import type { VectorHit } from '../vector-index.js';
import type { HnswVectorSource } from './hnsw-vector-source.js';

export interface HnswFilteredSearch {
  collection: string;
  vector: Float32Array;
  k: number;
  filter: NormalizedFilter;
  /** At most this many passing chunks are scored exactly; more are searched in the graph. */
  exactFilterLimit: number;
  /** Walks the graph keeping only ids the predicate accepts (hnswlib's filter), best first. */
  walk: (k: number, accept: (chunkId: number) => boolean) => VectorHit[];
  signal?: AbortSignal;
}

/** Vectors fetched from the store per call when scoring a filtered subset exactly. */
const VECTOR_PAGE = 4096;
/** Attempts to fetch a large id set while concurrent writes keep growing it. */
const MAX_FETCH_ATTEMPTS = 3;

/**
 * A filtered search of the HNSW index. The filter is resolved by the store that holds the document
 * fields (one indexed query), then:
 * - at most `exactFilterLimit` chunks pass: their vectors are scored exactly (recall 1; for a few
 *   thousand vectors brute force is also faster than walking a graph);
 * - more pass: the graph is walked with an in-walk predicate over the passing ids. Fetching every id
 *   costs one indexed scan (about 1 ms per 10k ids); it is what keeps recall, where post-filtering an
 *   unfiltered top-k would lose results of a selective filter.
 */
export async function hnswFilteredSearch(source: Pick<HnswVectorSource, 'filterChunkIds' | 'getVectors'>, search: HnswFilteredSearch): Promise<VectorHit[]> {
  const { collection, filter, k, vector, signal } = search;
  let result = await source.filterChunkIds(collection, filter, search.exactFilterLimit);
  if (result.kind === 'ids') return exactSubsetSearch(source, result.ids, vector, k, signal);
  for (let attempt = 0; attempt < MAX_FETCH_ATTEMPTS; attempt++) {
    // Head-room for chunks written between the count and the fetch.
    result = await source.filterChunkIds(collection, filter, result.count + 1024);
    if (result.kind === 'ids') {
      const allowed = new Set(result.ids);
      signal?.throwIfAborted();
      return search.walk(Math.min(k, allowed.size), (id) => allowed.has(id));
    }
  }
  throw new CairnError('STORE_FAILED', `The filtered chunk set of collection ${collection} kept growing while it was read.`, {
    hint: 'Retry the search when the running ingest has finished.',
    retryable: true,
  });
}

async function exactSubsetSearch(
  source: Pick<HnswVectorSource, 'getVectors'>,
  ids: number[],
  vector: Float32Array,
  k: number,
  signal: AbortSignal | undefined,
): Promise<VectorHit[]> {
  let best: VectorHit[] = [];
  for (let offset = 0; offset < ids.length; offset += VECTOR_PAGE) {
    signal?.throwIfAborted();
    const page = await source.getVectors(ids.slice(offset, offset + VECTOR_PAGE));
    const pageBest = exactVectorSearch(vector, page, k);
    best = best.length === 0 ? pageBest : mergeTopK(best, pageBest, k);
  }
  return best;
}
