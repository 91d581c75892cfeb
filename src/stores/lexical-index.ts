import type { SearchFilter } from '../core/search-types.js';

/**
 * Ranked full-text search over chunks (BM25). Kept up to date by the ChunkStore's writes: for the
 * SQLite store it is an FTS5 table in the same database and the same transaction.
 */
export interface LexicalIndex {
  readonly kind: string;
  /** Whether `search` honours `filter` itself; otherwise callers filter the candidates. */
  readonly supportsFilter: boolean;
  search(options: LexicalSearchOptions): Promise<LexicalHit[]>;
}

export interface LexicalSearchOptions {
  collection: string;
  /** Terms already normalised by retrieve/query (identifier splitting, stop words, stemming). */
  terms: string[];
  k: number;
  filter?: SearchFilter;
  signal?: AbortSignal;
}

/** `score`: BM25, higher is better. */
export interface LexicalHit {
  chunkId: number;
  score: number;
}
