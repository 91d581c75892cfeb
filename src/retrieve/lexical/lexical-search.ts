import type { SearchFilter } from '../../core/search-types.js';
import type { LexicalHit, LexicalIndex } from '../../stores/lexical-index.js';
import type { FilterScope } from '../query/filter-scope.js';

export interface LexicalSearchRequest {
  collection: string;
  terms: string[];
  k: number;
  filter?: SearchFilter;
  /** Needed only when the index cannot filter; resolved lazily by the caller's function. */
  scope: () => Promise<FilterScope>;
  signal?: AbortSignal;
}

/** Over-fetch factor when the index cannot filter and candidates are filtered afterwards. */
const POST_FILTER_FETCH = 4;

/**
 * The lexical arm (BM25, higher is better). An index that filters gets the filter; otherwise the
 * candidates are over-fetched and kept when their chunk is in the filter's id set.
 */
export async function lexicalSearch(lexical: LexicalIndex, request: LexicalSearchRequest): Promise<LexicalHit[]> {
  const { collection, terms, k, filter, signal } = request;
  if (terms.length === 0 || k <= 0) return [];
  const base = { collection, terms, ...(signal ? { signal } : {}) };
  if (filter === undefined || lexical.supportsFilter) {
    return lexical.search({ ...base, k, ...(filter ? { filter } : {}) });
  }
  const scope = await request.scope();
  if (scope.kind === 'all') return lexical.search({ ...base, k });
  const allowed = new Set(scope.ids);
  const hits = await lexical.search({ ...base, k: k * POST_FILTER_FETCH });
  return hits.filter((hit) => allowed.has(hit.chunkId)).slice(0, k);
}
