/** Shapes of the `/v1` API as the UI reads them (see docs/decisions/0013-web-ui.md and /docs). */

export type SearchMode = 'lexical' | 'dense' | 'hybrid';

export interface Collection {
  name: string;
  embedder: string;
  dimensions: number;
  chunkSize: number;
  chunkOverlap: number;
  createdAt: string;
  documentCount: number;
  chunkCount: number;
}

export interface DocumentRecord {
  id: number;
  collection: string;
  uri: string;
  relativePath: string;
  sourceRoot: string;
  title: string;
  format: string;
  language?: string;
  sizeBytes: number;
  modifiedMs: number;
  tags: string[];
  chunkCount: number;
  ingestedAt: string;
  /** Present when the server reports per-document state (added by the jobs work). */
  status?: string;
  error?: string | null;
}

export interface DocumentPage {
  total: number;
  limit: number;
  offset: number;
  items: DocumentRecord[];
}

export interface ChunkRecord {
  id: number;
  documentId: number;
  ordinal: number;
  text: string;
  headingPath: string[];
  pageStart?: number;
  pageEnd?: number;
  lineStart?: number;
  lineEnd?: number;
  tokenCount: number;
}

export type DocumentSort = 'path' | 'title' | 'modified' | 'ingested' | 'chunks';

export interface ArmScore {
  rank: number;
  score: number;
}

export interface SearchResult {
  source_uri: string;
  title: string;
  text: string;
  score: number;
  scores: { lexical?: ArmScore; dense?: ArmScore; rerank?: ArmScore } & Record<string, unknown>;
  /** Matches wrapped in `**`. */
  snippet: string;
  heading_path: string[];
  relative_path: string;
  format: string;
  language?: string | null;
  page_start?: number | null;
  page_end?: number | null;
  line_start?: number | null;
  line_end?: number | null;
  chunk_id: number;
  document_id: number;
  collection: string;
}

/** Milliseconds per stage of `/v1/search`; stages that did not run are absent. */
export interface SearchTimings {
  lexicalMs?: number;
  embedMs?: number;
  denseMs?: number;
  fusionMs: number;
  rerankMs?: number;
  hydrateMs: number;
  totalMs: number;
}

export interface SearchResponse {
  query: string;
  collection: string;
  mode: SearchMode;
  timings: SearchTimings;
  notices: string[];
  results: SearchResult[];
}

export interface Citation {
  n: number;
  /** `chunk` from the collection; `memory` and `turn` come from the memory service. Absent means chunk. */
  kind?: 'chunk' | 'memory' | 'turn';
  source_uri: string;
  title: string;
  heading_path: string[];
  page_start: number | null;
  page_end: number | null;
  line_start: number | null;
  line_end: number | null;
  chunk_ids: number[];
  document_id: number | null;
  score: number;
  text: string;
}

export interface AnswerTimings {
  retrieval_ms: number;
  rerank_ms: number;
  context_ms: number;
  preparation_ms: number;
  ttft_ms: number | null;
  decode_ms: number | null;
  tokens_per_second: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_ms: number;
}

export interface FinishPart {
  answer: string;
  extractive: boolean;
  citations: Citation[];
  model: string | null;
  endpoint: string | null;
  finish_reason: string;
  timings: AnswerTimings;
}

export interface ChatSession {
  id: string;
  collection: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
}

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  citations?: Citation[];
  /** Stored turns may carry either casing; the UI reads both. */
  timings?: Partial<AnswerTimings> & Record<string, unknown>;
  extractive?: boolean;
  createdAt: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  filesTotal: number | null;
  filesDone: number;
  filesFailed: number;
  filesSkipped: number;
  chunksTotal: number | null;
  chunksDone: number;
  chunksPerSecond: number;
  embeddingsPerSecond: number;
}

export interface JobFileError {
  file: string;
  code: string;
  reason: string;
}

export interface Job {
  id: string;
  collection: string;
  kind: 'upload' | 'path' | 'git' | 'crawl' | 'reingest';
  status: JobStatus;
  sources: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: JobProgress;
  errors: JobFileError[];
  error: string | null;
}

export type JobEvent =
  | { type: 'snapshot'; job: Job }
  | { type: 'progress'; jobId: string; progress: JobProgress }
  | { type: 'file'; jobId: string; file: string; outcome: 'ingested' | 'unchanged' | 'skipped' | 'failed'; chunks?: number; code?: string; reason?: string }
  | { type: 'status'; jobId: string; status: JobStatus; error: string | null };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ScalingStep {
  concurrency: number;
  requests: number;
  errors: number;
  throughputRps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface ScalingResult {
  startedAt: string;
  collection: string;
  mode: SearchMode;
  steps: ScalingStep[];
  ingest: { chunksPerSecond: number | null; at: string | null };
}

export interface Readiness {
  status: 'ready' | 'unavailable';
  version: string;
  store: { ok: boolean; kind: string; location?: string; collections?: number; error?: string; sizeBytes?: number };
  embedders: { id: string; collections: string[]; loaded: boolean; lexicalOnly: boolean; reason?: string }[];
  reranker?: { id: string; enabled: boolean; loaded: boolean; state?: 'off' | 'loading' | 'loaded' | 'unavailable' };
  llm: {
    configured: boolean;
    available: boolean;
    id?: string;
    model?: string;
    reachable?: boolean | null;
    endpoints: { url: string; state: string; consecutiveFailures: number; reachable?: boolean; error?: string }[];
  };
  [key: string]: unknown;
}
