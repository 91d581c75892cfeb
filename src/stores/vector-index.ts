import type { FilterableDocument, NormalizedFilter } from '../core/search-filter.js';

/**
 * Approximate nearest-neighbour search over chunk vectors, one index per collection. Scores are cosine
 * similarities of L2-normalised vectors (higher is better).
 *
 * Writers push, the index follows: whoever writes chunks (ingest, re-embedding, document deletes)
 * pushes the vectors it wrote (`upsert`) and the chunk ids it removed (`remove`) after the ChunkStore
 * committed them, then calls `flush` once at the end of the write. An index that lives in the database
 * (pgvector) may no-op the pushes; a derived one (HNSW beside SQLite) may note them and catch up from the
 * store; an external one (Chroma) sends them. Deleting a collection is `drop`.
 *
 * Contract (stores/vector-index.contract.ts): once `flush(collection)` resolves, searches see every
 * vector upserted before it was called, and never return an id removed before it was called.
 */
export interface VectorIndex {
  readonly kind: string;
  /**
   * Optional: how many pushes (`upsert`, `remove`, `updateFields`) a writer may have running at once
   * (ingest's IndexSync); 1 when absent. An index in a separate server sets more, so that its work on
   * one batch overlaps the transfer of the next; the writer still orders removals against the rest.
   */
  readonly pushesInFlight?: number;
  /** Makes the collection's index ready to search (load a snapshot and catch up, rebuild, or nothing for a server). */
  open(collection: string, dimensions: number): Promise<VectorIndexStatus>;
  search(options: VectorSearchOptions): Promise<VectorHit[]>;
  /** Vectors of chunks just written (new ids, or ids whose vector was rewritten), with their document's fields. */
  upsert(collection: string, items: VectorItem[]): Promise<void>;
  /** Ids of chunks just removed from the store (a document rewritten, deleted or pruned). */
  remove(collection: string, ids: number[]): Promise<void>;
  /**
   * Optional, for an index that keeps its own copy of document fields (an external one): the document's
   * fields changed while its chunks stayed (a new modification time of unchanged content).
   */
  updateFields?(collection: string, ids: number[], document: FilterableDocument): Promise<void>;
  /** The end of a write: resolves once searches see what was pushed before it (see the contract above). */
  flush(collection: string): Promise<void>;
  /** Forgets the collection's index (the collection was deleted, or its vectors are all rewritten). */
  drop(collection: string): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional, for an index derived from the store that can repopulate itself from it (`cairn index
   * rebuild`); returns the vectors written. Without it, a rebuild is `drop` then `open`.
   */
  rebuild?(collection: string): Promise<number>;
  /**
   * Optional, for an index the database maintains on every write (pgvector): stop maintaining the
   * collection's index for a bulk load (`cairn db copy` into an empty collection); the next `open`
   * builds it whole, several times faster than row by row. Searches meanwhile scan exactly.
   */
  deferBuild?(collection: string): Promise<void>;
  /** Optional, for an index in a separate server: whether it answers and how its counts compare with the store's. Never rejects. */
  health?(): Promise<VectorIndexHealth>;
}

/** A separate vector store as `/readyz` and `cairn status` show it (no secret: the URL as configured, never the token). */
export interface VectorIndexHealth {
  kind: string;
  location: string;
  ok: boolean;
  error?: string;
  version?: string;
  /** How long the heartbeat took, in ms. */
  latencyMs?: number;
  /** Per collection with vectors: the index's count, the store's, and whether they agree with no push missed (drift). */
  collections: { collection: string; count: number; expected: number; inSync: boolean }[];
}

/** One chunk's vector as pushed by a writer. */
export interface VectorItem {
  id: number;
  vector: Float32Array;
  /** The fields filters read, so that an index holding its own copy can filter natively. */
  document: FilterableDocument;
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
