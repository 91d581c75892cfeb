import type { NormalizedFilter } from '../core/search-filter.js';

/**
 * Ranked full-text search over chunks (BM25). Kept up to date by the ChunkStore's writes: for the
 * SQLite store it is an FTS5 table in the same database and the same transaction.
 */
export interface LexicalIndex {
  readonly kind: string;
  search(options: LexicalSearchOptions): Promise<LexicalHit[]>;
  /**
   * Optional: readies an accelerator for the collection ahead of its first query and resolves once it
   * is ready (true) or cannot be (false). Searching never depends on it.
   */
  warm?(collection: string): Promise<boolean>;
  /** Optional: the accelerator's state for the collection (absent: the index has none). */
  acceleratorStatus?(collection: string): LexicalAcceleratorStatus;
}

/**
 * `ready`: answering from memory; `building`: being built (the store answers meanwhile); `stale`: the
 * collection changed since the build (the store answers until a rebuild); `absent`: none built yet.
 */
export interface LexicalAcceleratorStatus {
  state: 'ready' | 'building' | 'stale' | 'absent';
  documents: number;
  bytes: number;
  builtInMs?: number;
  lastError?: string;
}

/** What an in-memory postings accelerator keeps per collection, as far as its status needs. */
export interface AcceleratorState {
  index: { documentCount: number; bytes: number } | undefined;
  building: Promise<void> | undefined;
  builtInMs: number | undefined;
  lastError: string | undefined;
}

/** The status of one collection's accelerator; `fresh`: its postings reflect the collection's last write. */
export function acceleratorStatusOf(state: AcceleratorState | undefined, fresh: boolean): LexicalAcceleratorStatus {
  if (state === undefined) return { state: 'absent', documents: 0, bytes: 0 };
  const index = state.index;
  return {
    state: fresh ? 'ready' : state.building !== undefined ? 'building' : index === undefined ? 'absent' : 'stale',
    documents: index?.documentCount ?? 0,
    bytes: index?.bytes ?? 0,
    ...(state.builtInMs !== undefined ? { builtInMs: Math.round(state.builtInMs) } : {}),
    ...(state.lastError !== undefined ? { lastError: state.lastError } : {}),
  };
}

export interface LexicalSearchOptions {
  collection: string;
  /** Terms already normalised by retrieve/query (identifier splitting, stop words, stemming). */
  terms: string[];
  k: number;
  /** Only chunks whose document passes the filter; honoured by every index, with k hits when k match. */
  filter?: NormalizedFilter;
  signal?: AbortSignal;
  /**
   * The collection's ChunkStore.collectionGeneration, read by the caller during this search: an index
   * that checks its freshness against the store's write generation may take it instead of reading it.
   */
  generation?: string;
}

/** `score`: BM25, higher is better. */
export interface LexicalHit {
  chunkId: number;
  score: number;
}
