import type { NormalizedFilter } from '../core/search-filter.js';

/**
 * Approximate nearest-neighbour search over chunk vectors, one index per collection. For the embedded
 * store it is a derived accelerator (HNSW beside the SQLite file) that can always be rebuilt from the
 * vectors in the ChunkStore; a server store (pgvector) maintains its own index and may no-op `upsert`.
 * Scores are cosine similarities of L2-normalised vectors (higher is better).
 */
export interface VectorIndex {
  readonly kind: string;
  /** Makes the collection's index ready (load a snapshot, add vectors written after it, or rebuild). */
  open(collection: string, dimensions: number): Promise<VectorIndexStatus>;
  upsert(collection: string, items: { id: number; vector: Float32Array }[]): Promise<void>;
  remove(collection: string, ids: number[]): Promise<void>;
  search(options: VectorSearchOptions): Promise<VectorHit[]>;
  /** Persists the collection's index so the next open is fast (may run in the background). */
  snapshot(collection: string): Promise<void>;
  /**
   * Brings the derived index up to date with the store in the background (cheap to call often; does not
   * persist): a writer calls it while it writes and `snapshot` once at the end. Optional: without it the
   * index catches up on `snapshot` or the next `open`.
   */
  refresh?(collection: string): Promise<void>;
  drop(collection: string): Promise<void>;
  close(): Promise<void>;
}

export interface VectorIndexStatus {
  count: number;
  /** How the index was made ready: from a snapshot plus a tail, rebuilt, or empty. */
  source: 'snapshot' | 'rebuilt' | 'empty' | 'server';
  addedSinceSnapshot: number;
  millis: number;
}

export interface VectorSearchOptions {
  collection: string;
  vector: Float32Array;
  k: number;
  /**
   * Only chunks whose document passes the filter are returned. Every index honours every filter and
   * returns k hits when at least k chunks with a vector pass it: one that cannot express a filter
   * natively post-filters a widened query inside itself; callers never resolve filters to id lists.
   */
  filter?: NormalizedFilter;
  signal?: AbortSignal;
}

export interface VectorHit {
  chunkId: number;
  score: number;
}
