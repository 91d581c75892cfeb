import { join } from 'node:path';
import type { CairnConfig } from '../config/config-schema.js';
import type { Telemetry } from '../core/telemetry.js';
import type { SearchCache } from './search-cache.js';
import type { SearchUseCaseResponse } from './search.js';
import type { Embedder } from '../models/embed/embedder.js';
import type { LanguageModel } from '../models/generate/language-model.js';
import type { Reranker } from '../models/rerank/reranker.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';
import type { ChatStore } from '../stores/chat-store.js';
import type { SearchAnalytics } from './analytics/buffered-analytics.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import type { JobStore } from '../stores/job-store.js';
import type { KeyStore } from '../stores/key-store.js';
import type { LexicalIndex } from '../stores/lexical-index.js';
import type { MemoryStore } from '../stores/memory-store.js';
import type { StoreDescription } from '../stores/store-backend.js';
import type { UploadStore } from '../stores/upload-store.js';
import type { StoreBackup } from '../stores/store-backup.js';
import type { SettingsStore } from '../stores/settings-store.js';
import type { VectorIndex } from '../stores/vector-index.js';
import { modelCredentials } from './model-credentials.js';

/** An embedder ready for a collection, or lexical-only (`embedder: null`) with the reason. */
export interface LoadedEmbedder {
  id: string;
  embedder: Embedder | null;
  tokenizer: TokenCounter;
  maxTokens: number;
  /** Why dense retrieval is off, when it is. */
  unavailableReason?: string;
}

/**
 * Everything the use cases need, built once by the composition root (open-cairn.ts) and passed to
 * every use case. Adapters (CLI now; HTTP and MCP later) hold one and never reach past it.
 */
export interface CairnApp {
  readonly config: CairnConfig;
  readonly chunks: ChunkStore;
  readonly lexical: LexicalIndex;
  readonly vectors: VectorIndex;
  /** API keys of the HTTP API (hashes only). */
  readonly keys: KeyStore;
  /** Durable ingestion jobs; absent in test doubles that run none. */
  readonly jobs?: JobStore;
  /** Where uploaded files wait for their job (local disk, PostgreSQL or S3: `uploads.store`); absent in test doubles that take none. */
  readonly uploads?: UploadStore;
  /** Persistent chat sessions and long-term memories (see chat-sessions.ts and memories.ts). */
  readonly chats: ChatStore;
  readonly memories: MemoryStore;
  /** Online snapshots of the store for `cairn backup`; absent in test doubles that make none. */
  readonly backup?: StoreBackup;
  /** Run-time settings changed through the API (see runtime-settings.ts); absent in test doubles. */
  readonly settings?: SettingsStore;
  /**
   * The run-time settings' values as the file, environment and flags configured them, before the
   * stored run-time values were put into `config` (what a reset returns to).
   */
  readonly configuredSettings?: Readonly<Record<string, unknown>>;
  /** The store backend in use and whether it answers (for status and readiness; no secrets). */
  describeStore(): Promise<StoreDescription>;
  /** Loads (once per id) the embedder named by a collection; never throws for an unavailable model. */
  loadEmbedder(id: string): Promise<LoadedEmbedder>;
  /** The configured reranker, built once; null when it is `none` or unavailable (reported once through `notice`). */
  loadReranker(): Promise<Reranker | null>;
  /** The same reranker for callers that must not go on without it (evaluation): its load error is thrown as is, no notice. null for `none`. */
  requireReranker?(): Promise<Reranker | null>;
  /**
   * After `loadReranker` resolved null for a configured reranker: the notice it gave (the same text,
   * so that a surface that shows notices once per text shows it once). Undefined otherwise.
   */
  rerankerUnavailableNotice?(): string | undefined;
  /** The configured (or discovered) language model, resolved once; null when there is none (reported once through `notice`). */
  languageModel(): Promise<LanguageModel | null>;
  /** The search analytics log (`GET /v1/analytics`); absent in test doubles: nothing is recorded. */
  readonly analytics?: SearchAnalytics;
  /** Search responses per collection (`search.cache`); absent when the cache is off. */
  readonly searchCache?: SearchCache<SearchUseCaseResponse>;
  /** Where stages report timings and counts (Prometheus at `/metrics`); absent: nothing is recorded. */
  readonly telemetry?: Telemetry;
  /** Says something to the user once per distinct text (stderr in the CLI, logs in the server). */
  notice(text: string): void;
  close(): Promise<void>;
}

export function cacheDirectories(config: CairnConfig): { git: string; crawl: string; models: string } {
  return { git: join(config.home, 'cache', 'git'), crawl: join(config.home, 'cache', 'crawl'), models: join(config.home, 'models') };
}

/** Where models are looked up and how they are fetched, from the configuration (embedders, rerankers, `cairn models`). */
export function modelContext(config: CairnConfig) {
  return {
    home: config.home,
    modelsDir: config.modelsDir,
    hfEndpoint: config.models.hfEndpoint,
    allowDownload: config.models.allowDownload,
    onnxDtype: config.models.onnxDtype,
    onnxThreads: config.models.onnxThreads,
    onnxDevice: config.embed.device,
    credentials: modelCredentials(config),
  };
}
