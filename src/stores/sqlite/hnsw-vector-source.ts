import type { NormalizedFilter } from '../../core/search-filter.js';
import type { ChunkStore } from '../chunk-store.js';

/** The chunk ids that pass a filter, or only their count when there are more than the limit asked for. */
export type FilterResult = { kind: 'ids'; ids: number[] } | { kind: 'too-many'; count: number };

export interface StoreSignature {
  vectorKey: string;
  chunkCount: number;
  maxChunkId: number;
}

/**
 * What the HNSW index reads from its source of truth: a ChunkStore plus the few queries a derived graph
 * needs to reconcile itself and to resolve filters. The SQLite chunk store implements it; any chunk
 * store that does can carry an HNSW index beside it.
 */
export interface HnswVectorSource extends Pick<ChunkStore, 'getCollection' | 'getVectors' | 'iterateVectors'> {
  /** Identity of the collection's stored vectors (changes on re-creation and in-place rewrites), or undefined when it does not exist. */
  vectorKey(name: string): Promise<string | undefined>;
  /** Ids of the collection's chunks that have a vector, up to `maxId` inclusive, ascending. */
  vectorIds(collection: string, maxId: number): Promise<number[]>;
  /**
   * What changes whenever any process writes the collection: its vector key, chunk count and largest
   * chunk id (chunks are never rewritten in place and ids never reused), from one indexed lookup; or
   * undefined when it does not exist. Without it a graph sees only the writes pushed in this process.
   */
  storeSignature?(collection: string): Promise<StoreSignature | undefined>;
  /** How many of the collection's chunks above `afterId` have a vector (the tail a snapshot lacks). */
  countVectorsAfter(collection: string, afterId: number): Promise<number>;
  /** Ids of the collection's chunks that pass a filter, ascending, or their count alone when over `limit`. */
  filterChunkIds(collection: string, filter: NormalizedFilter, limit: number): Promise<FilterResult>;
}
