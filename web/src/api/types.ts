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
  /** Plain-text excerpt; its matching words are `highlights`. */
  snippet: string;
  /** `[start, end)` offsets of the matching words in `snippet` (UTF-16 code units, i.e. string indexes). */
  highlights: Array<[number, number]>;
  heading_path: string[];
  /** Fragment of the section (`source_uri#anchor`) when the source states heading ids. */
  anchor?: string | null;
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
  /** With `group: 'documents'` (the default): the document's best passages, best first (the first is this result's chunk). */
  passages?: SearchPassage[];  /** Paths of near-duplicate documents collapsed into this result (only when the search collapsed some). */
  also_in?: string[];
}

/** One passage of a document result. */
export interface SearchPassage {
  chunk_id: number;
  ordinal: number | null;
  score: number;
  heading_path: string[];
  anchor?: string | null;
  snippet: string;
  highlights: Array<[number, number]>;
  text: string;
  page_start?: number | null;
  page_end?: number | null;
  line_start?: number | null;
  line_end?: number | null;
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
  /** `documents`: one result per document with its passages; `chunks`: one per chunk. Absent from servers before 0036. */
  group?: 'documents' | 'chunks';
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
  /** `key:<api key id>` of the key that created it; null for the CLI's and older sessions. */
  owner?: string | null;
}

export type KeyScope = 'read' | 'write' | 'admin';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: KeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** What the server can still do with a document's source (`GET …/documents/:id`). */
export interface DocumentSourceActions {
  kind: 'file' | 'git' | 'upload' | 'other';
  reingest: boolean;
  original: boolean;
  reason?: string;
}

export type RuntimeSettingKey =
  | 'defaultCollection'
  | 'search.mode'
  | 'search.k'
  | 'answer.retrieveK'
  | 'answer.sources'
  | 'llm.temperature'
  | 'llm.maxAnswerTokens'
  | 'memory.k'
  | 'memory.turns';

export interface RuntimeSetting {
  key: RuntimeSettingKey;
  label: string;
  description: string;
  value: unknown;
  configured: unknown;
  overridden: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
  /** JSON Schema of valid values: `type` (integer, number, string), `minimum`, `maximum`, `enum`. */
  schema: { type?: string; minimum?: number; maximum?: number; enum?: string[] } & Record<string, unknown>;
}

/** `GET /v1/settings`: who asks, what sources may be added, the models in effect, run-time settings. */
export interface SettingsView {
  key: { id: string; name: string; prefix: string; scope: KeyScope } | null;
  sources: { pathsEnabled: boolean; allowedDirs?: string[]; gitEnabled: boolean; privateNetworks: boolean };
  /** Absent from servers before issue 14. */
  uploads?: { maxFilesPerUpload: number; maxUploadBytes: number };
  models: { embedder: string; reranker: string; llm: { urls?: string[]; model: string | null; discover: boolean } };
  settings: RuntimeSetting[];
}

/** One run of `POST /v1/backups` (issue 12's backup API). */
export interface BackupRun {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | string;
  startedAt: string;
  finishedAt?: string | null;
  archive?: { name: string; bytes: number; createdAt: string } | null;
  error?: string | null;
}

/** `GET /v1/backups` (admin): the archives of the backup folder, newest first, and this server's runs. */
export interface BackupsView {
  dir?: string;
  schedule?: string | null;
  running?: BackupRun | null;
  last?: BackupRun | null;
  archives: { name: string; createdAt: string; bytes: number }[];
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
  /** Where the run embeds: cpu, cuda, remote (a server), none (lexical-only). */
  device?: string;
  embedder?: string;
  /** Wall time of the run; of the whole run once it ended. */
  elapsedMs?: number;
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
  /** The mode that ran (lexical when the collection cannot serve the one asked for). */
  mode: SearchMode;
  requestedMode?: SearchMode;
  /** Why the run differs from what was asked. */
  notices?: string[];
  steps: ScalingStep[];
  ingest: { chunksPerSecond: number | null; at: string | null };
}

/** What `/readyz` tells a key without the admin scope: the status alone. */
export interface ReadinessStatus {
  status: 'ready' | 'unavailable';
}

/** `/readyz` with its details (admin keys only). */
export interface Readiness {
  status: 'ready' | 'unavailable';
  version: string;
  store: { ok: boolean; kind: string; location?: string; collections?: number; error?: string; sizeBytes?: number };
  embedders: { id: string; collections: string[]; loaded: boolean; lexicalOnly: boolean; reason?: string }[];
  /** A separate vector store (Chroma), when configured: heartbeat, version, counts against the store's. */
  vectorStore?: {
    kind: string;
    location: string;
    ok: boolean;
    error?: string;
    version?: string;
    latencyMs?: number;
    collections: { collection: string; count: number; expected: number; inSync: boolean }[];
  };
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

export interface AnalyticsQueryCount {
  query: string;
  count: number;
  avgResults: number;
  lastAt: string;
}

/** `GET /v1/analytics` (admin): what people searched over a window of days. */
export interface AnalyticsReport {
  enabled: boolean;
  retentionDays: number;
  days: number;
  collection: string | null;
  since: string;
  until: string;
  total: number;
  zeroResults: number;
  perDay: { day: string; count: number; zeroResults: number }[];
  topQueries: AnalyticsQueryCount[];
  zeroResultQueries: AnalyticsQueryCount[];
  lowScoreQueries: { query: string; mode: SearchMode; count: number; avgTopScore: number; lastAt: string }[];
  latency: { kind: 'search' | 'ask' | 'chat'; mode: SearchMode; count: number; p50Ms: number; p95Ms: number; p99Ms: number }[];
  surfaces: { surface: string; count: number }[];
  keys: { keyId: string | null; count: number }[];
}
