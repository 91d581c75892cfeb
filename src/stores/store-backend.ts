import type { CairnConfig } from '../config/config-schema.js';
import type { AnalyticsStore } from './analytics-store.js';
import type { ChatStore } from './chat-store.js';
import type { ChunkStore } from './chunk-store.js';
import type { JobStore } from './job-store.js';
import type { KeyStore } from './key-store.js';
import type { LexicalIndex } from './lexical-index.js';
import type { MemoryStore } from './memory-store.js';
import type { SettingsStore } from './settings-store.js';
import type { StoreBackup } from './store-backup.js';
import type { UploadStore } from './upload-store.js';
import type { VectorIndex } from './vector-index.js';

/**
 * Everything Cairn keeps, from one backend: a folder under stores/ (`sqlite/` now) with a
 * `create…Backend` factory that the composition root picks by `store.kind`. The stores share the
 * backend's connection(s); `close` ends them all once.
 */
export interface StoreBackend {
  readonly kind: string;
  readonly chunks: ChunkStore;
  readonly lexical: LexicalIndex;
  readonly vectors: VectorIndex;
  /** API keys of the HTTP API (hashes only). */
  readonly keys: KeyStore;
  /** Durable ingestion jobs. */
  readonly jobs: JobStore;
  readonly chats: ChatStore;
  readonly memories: MemoryStore;
  /** Run-time settings changed through the API. */
  readonly settings: SettingsStore;
  /** The search analytics log. */
  readonly analytics: AnalyticsStore;
  /** Upload storage in the backend's own database, where it can hold files that every process reads (PostgreSQL). */
  readonly uploads?: UploadStore;
  /** Online snapshots of the whole store (`cairn backup`); absent for a backend that cannot make them (BACKUP_INCOMPATIBLE). */
  readonly backup?: StoreBackup;
  /** What the backend is and whether it answers now, for `cairn status` and `/readyz`; never rejects. */
  describe(): Promise<StoreDescription>;
  close(): Promise<void>;
}

/** A backend as status output shows it. Holds no secret: a URL loses its password, a key never appears. */
export interface StoreDescription {
  kind: string;
  /** A file path, or a URL without credentials. */
  location: string;
  /** Whether a trivial query answered just now; `error` says why not. */
  ok: boolean;
  error?: string;
  /** Bytes on disk, where the backend can tell. */
  sizeBytes?: number;
  /** `kind` of the lexical index and of the vector index in use. */
  lexical: string;
  vectors: string;
}

/**
 * Builds a vector index over a backend's chunk store, replacing the backend's own (a separate vector
 * store chosen by configuration, such as a remote vector database). The index is fed by writers'
 * pushes (see VectorIndex); the chunk store is there for what it cannot know by itself (a backfill of
 * a collection written before it was chosen).
 */
export type VectorIndexFactory<V extends VectorIndex = VectorIndex> = (chunks: ChunkStore) => V | Promise<V>;

/** What every backend factory takes besides the configuration. */
export interface StoreBackendOptions {
  /** A server or MCP process that answers many queries (enables accelerators such as in-memory BM25 on `auto`). */
  longRunning?: boolean;
  /** The vector index to use instead of the backend's own. */
  vectorIndex?: VectorIndexFactory;
}

/** One per backend folder, keyed by `store.kind` in the composition root. */
export type StoreBackendFactory = (config: CairnConfig, options: StoreBackendOptions) => Promise<StoreBackend>;
