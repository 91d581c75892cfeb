import type { SearchFilter, SearchMode } from '../core/search-types.js';
import { runSearch, type SearchResponse } from '../retrieve/run-search.js';
import type { CairnApp } from './cairn-app.js';
import { resolveCollection } from './resolve-collection.js';

export interface SearchInput {
  collection: string;
  query: string;
  mode?: SearchMode;
  k?: number;
  filter?: SearchFilter;
  minScore?: number;
  /** Explicit embedder; must match the collection's. */
  embedder?: string;
  signal?: AbortSignal;
}

/** Use case: ranked chunks of a collection for a query (lexical, dense or hybrid). */
export async function search(app: CairnApp, input: SearchInput): Promise<SearchResponse & { collection: string }> {
  const { record, loaded } = await resolveCollection(app, input.collection, { embedder: input.embedder }, false);
  const response = await runSearch(
    { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder: loaded.embedder, exactFilterLimit: app.config.vectorIndex.exactFilterLimit },
    {
      collection: record.name,
      query: input.query,
      mode: input.mode ?? app.config.search.mode,
      k: input.k ?? app.config.search.k,
      candidates: Math.max(app.config.search.candidates, input.k ?? 0),
      lexicalWeight: app.config.search.lexicalWeight,
      filter: input.filter,
      minScore: input.minScore,
      signal: input.signal,
    },
  );
  return { ...response, collection: record.name };
}
