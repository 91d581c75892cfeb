import type { RecordTransfer } from './record-transfer.js';

/**
 * A long-term memory: a short fact or note kept across sessions. Times are ISO 8601 (UTC, `Z`).
 * This is also the JSON shape of the HTTP API and the MCP tools.
 */
export interface Memory {
  id: string;
  content: string;
  tags: string[];
  source: string | null;
  sessionId: string | null;
  userId: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

export interface NewMemory {
  content: string;
  tags: string[];
  source: string | null;
  sessionId: string | null;
  userId: string | null;
  expiresAt: string | null;
}

export type MemoryPatch = Partial<NewMemory>;

/** Who is asking: a memory with a session or user id is visible only when the same id is named here. */
export interface MemoryScope {
  sessionId?: string;
  userId?: string;
}

export interface MemoryListQuery {
  /** Exact filters. */
  tag?: string;
  sessionId?: string;
  userId?: string;
  /** Case-insensitive substring of the content. */
  text?: string;
  limit: number;
  cursor?: string;
  /** Memories that expired at or before this ISO instant are left out. */
  now: string;
}

export interface MemoryCandidateQuery {
  scope: MemoryScope;
  /** Only memories carrying every tag. */
  tags?: readonly string[];
  now: string;
  /** Raw query text; the store analyzes it like the content it indexes. */
  text: string;
  /** The query's vector in the space of `embedder`; null: lexical only. */
  vector: Float32Array | null;
  embedder: string | null;
  /** Candidates kept from each arm. */
  limit: number;
}

/**
 * A memory that matched lexically or by meaning. `matchedTerms / queryTerms` is the share of the
 * query's analyzed terms found in the content or tags; `cosine` is null when the memory has no vector
 * of the query's embedder.
 */
export interface MemoryCandidate {
  memory: Memory;
  cosine: number | null;
  matchedTerms: number;
  queryTerms: number;
}

/** A memory as `cairn db copy` moves it: with its vector and the embedder that made it, when it has one. */
export interface ExportedMemory extends Memory {
  vector: { embedder: string; values: Float32Array } | null;
}

/**
 * Long-term memories in the same database as the chunks. Vectors are kept next to the rows, tagged
 * with the embedder that made them, so a change of embedder is detected per row. Expired memories are
 * never returned by any method, except `exportRecords`, which moves every memory (oldest first;
 * counted as `memories` and `memoryVectors`).
 */
export interface MemoryStore extends RecordTransfer<ExportedMemory> {
  create(memory: NewMemory): Promise<Memory>;
  get(id: string, now: string): Promise<Memory | undefined>;
  /** Newest first; `nextCursor` is null on the last page. */
  list(query: MemoryListQuery): Promise<{ items: Memory[]; nextCursor: string | null }>;
  /** Undefined when there is no such (unexpired) memory. Changing the content drops the stored vector. */
  update(id: string, patch: MemoryPatch, now: string): Promise<Memory | undefined>;
  delete(id: string): Promise<boolean>;
  setVector(id: string, embedder: string, vector: Float32Array): Promise<void>;
  /** Visible, unexpired memories with no vector of `embedder`, oldest first. */
  missingVectors(embedder: string, scope: MemoryScope, now: string, limit: number): Promise<Memory[]>;
  /** Union of the best `limit` lexical matches (FTS5 over content and tags) and the best `limit` by cosine (exact scan). */
  candidates(query: MemoryCandidateQuery): Promise<MemoryCandidate[]>;
  /** Whether any memory is visible to the scope and unexpired (lets a search skip loading the embedder). */
  hasVisible(scope: MemoryScope, now: string): Promise<boolean>;
}
