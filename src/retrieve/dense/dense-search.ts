import type { ChunkStore } from '../../stores/chunk-store.js';
import type { VectorHit, VectorIndex } from '../../stores/vector-index.js';
import type { FilterScope } from '../query/filter-scope.js';
import { exactVectorSearch } from './exact-vector-search.js';

export interface DenseSearchOptions {
  collection: string;
  vector: Float32Array;
  k: number;
  scope: FilterScope;
  signal?: AbortSignal;
}

/** Vectors fetched from the store per call when scoring a filtered subset exactly. */
const VECTOR_PAGE = 4096;
/** Over-fetch factor when an index cannot filter and results are filtered after the search. */
const POST_FILTER_HEADROOM = 2;

/**
 * The dense arm. Unfiltered: the vector index. Filtered to a small subset: exact scoring of the
 * subset's vectors from the ChunkStore (recall 1). Filtered to a large subset: the index with an
 * `accept` predicate; an index without filter support is over-fetched in proportion to the filter's
 * selectivity and post-filtered (recall then depends on that estimate).
 */
export async function denseSearch(
  deps: { vectors: VectorIndex; chunks: ChunkStore },
  options: DenseSearchOptions,
): Promise<VectorHit[]> {
  const { collection, vector, k, scope, signal } = options;
  if (scope.kind === 'all') return deps.vectors.search({ collection, vector, k, ...(signal ? { signal } : {}) });
  if (scope.ids.length === 0) return [];
  if (scope.exact) return exactSubsetSearch(deps.chunks, scope.ids, vector, k, signal);
  const allowed = new Set(scope.ids);
  if (deps.vectors.supportsFilter) {
    return deps.vectors.search({ collection, vector, k, accept: (id) => allowed.has(id), ...(signal ? { signal } : {}) });
  }
  const { vectorCount } = await deps.chunks.vectorWatermark(collection);
  const selectivity = Math.max(allowed.size / Math.max(vectorCount, 1), 1e-6);
  const fetch = Math.min(Math.max(vectorCount, k), Math.ceil((k / selectivity) * POST_FILTER_HEADROOM));
  const hits = await deps.vectors.search({ collection, vector, k: fetch, ...(signal ? { signal } : {}) });
  return hits.filter((hit) => allowed.has(hit.chunkId)).slice(0, k);
}

async function exactSubsetSearch(
  chunks: ChunkStore,
  ids: number[],
  vector: Float32Array,
  k: number,
  signal: AbortSignal | undefined,
): Promise<VectorHit[]> {
  let best: VectorHit[] = [];
  for (let offset = 0; offset < ids.length; offset += VECTOR_PAGE) {
    signal?.throwIfAborted();
    const page = await chunks.getVectors(ids.slice(offset, offset + VECTOR_PAGE));
    const pageBest = exactVectorSearch(vector, page, k);
    best = best.length === 0 ? pageBest : mergeTopK(best, pageBest, k);
  }
  return best;
}

function mergeTopK(a: VectorHit[], b: VectorHit[], k: number): VectorHit[] {
  return [...a, ...b].sort((x, y) => y.score - x.score || x.chunkId - y.chunkId).slice(0, k);
}
