import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CairnError, toCairnError } from '../../core/cairn-error.js';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import type { LexicalIndex } from '../lexical-index.js';
import type { StoreBackend, StoreDescription, VectorIndexFactory } from '../store-backend.js';
import type { StoreBackup } from '../store-backup.js';
import type { VectorIndex } from '../vector-index.js';
import type { HnswParams } from './hnsw-snapshot.js';
import { DEFAULT_HNSW_PARAMS, HnswVectorIndex } from './hnsw-vector-index.js';
import { SqliteAnalyticsStore } from './sqlite-analytics-store.js';
import { SqliteChatStore } from './sqlite-chat-store.js';
import { SqliteChunkStore } from './sqlite-chunk-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { registerSqliteFunctions } from './sqlite-filter-sql.js';
import { DEFAULT_LEXICAL_WEIGHTS, SqliteLexicalIndex, type LexicalIndexOptions } from './sqlite-lexical-index.js';
import { MemoryLexicalIndex } from './memory-lexical-index.js';
import { SqliteMemoryStore } from './sqlite-memory-store.js';
import { SqliteStoreBackup } from './sqlite-store-backup.js';
import { SqliteSettingsStore } from './sqlite-settings-store.js';
import { applyPragmas, migrateSqliteSchema } from './sqlite-schema.js';

export interface SqliteStoreOptions<V extends VectorIndex = HnswVectorIndex> {
  /** Database file; its directory holds the HNSW snapshots in `<dir>/vectors/`. */
  path: string;
  /**
   * Turns raw text into the space-separated terms stored in FTS5 (identifier splitting, stop words).
   * The caller applies the same analyzer to queries and passes the result as LexicalSearchOptions.terms.
   */
  lexicalAnalyzer: (text: string) => string;
  hnsw?: HnswParams;
  /** A filtered dense search scores the passing chunks exactly up to this many, else walks the graph (default 20,000). */
  exactFilterLimit?: number;
  /** While a long write runs, the HNSW graph is persisted every this many vectors (default 20,000; 0: at the end only). */
  snapshotEveryChunks?: number;
  /** bm25() column weights and the per-query scoring budget (see LexicalIndexOptions). */
  lexical?: LexicalIndexOptions;
  /**
   * Keeps each searched collection's BM25 postings in memory as well (MemoryLexicalIndex), for
   * long-running processes; requires `lexicalAnalyzer` to be `analyzeForIndex`. Default off.
   */
  lexicalAccelerator?: boolean;
  /** Opens the database read-only and never writes snapshots. */
  readonly?: boolean;
  /** A vector index built over the chunk store instead of the HNSW graphs beside the database file. */
  vectorIndex?: VectorIndexFactory<V>;
}

/** The embedded backend; `vectors` is its HNSW index unless another was plugged in (see SqliteStoreOptions.vectorIndex). */
export interface SqliteStore<V extends VectorIndex = HnswVectorIndex> extends StoreBackend {
  readonly vectors: V;
  /** Online snapshots of the database and the HNSW graphs (`cairn backup`). */
  readonly backup: StoreBackup;
}

/** Opens (creating and migrating when needed) the embedded store: one SQLite file plus HNSW snapshots beside it. */
export async function openSqliteStore<V extends VectorIndex = HnswVectorIndex>(options: SqliteStoreOptions<V>): Promise<SqliteStore<V>> {
  const path = resolve(options.path);
  const readonly = options.readonly ?? false;
  if (options.lexicalAccelerator && options.lexicalAnalyzer !== analyzeForIndex) {
    // The worker that builds the postings analyzes chunks with analyzeForIndex itself (a function cannot cross threads).
    throw new CairnError('INTERNAL', 'The lexical accelerator needs the store opened with analyzeForIndex as its lexical analyzer.', {
      hint: 'Open the store without lexicalAccelerator, or with lexicalAnalyzer: analyzeForIndex.',
    });
  }
  let db: Database.Database;
  try {
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (error) {
    throw new CairnError('STORE_FAILED', `Cannot open the database ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: readonly ? 'Run `cairn ingest` first to create it, or check CAIRN_HOME.' : 'Check that the directory is writable (CAIRN_HOME).',
    });
  }
  try {
    applyPragmas(db, readonly);
    migrateSqliteSchema(db, readonly);
    registerSqliteFunctions(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const chunks = new SqliteChunkStore(db, path, options.lexicalAnalyzer);
  const fts = new SqliteLexicalIndex(
    db,
    (name) => chunks.collectionId(name),
    (collectionId) => chunks.writeGeneration(collectionId),
    options.lexical,
  );
  const accelerator = options.lexicalAccelerator
    ? new MemoryLexicalIndex(db, fts, (name) => chunks.collectionId(name), {
        databasePath: path,
        weights: options.lexical?.weights ?? DEFAULT_LEXICAL_WEIGHTS,
      })
    : undefined;
  const lexical: LexicalIndex = accelerator ?? fts;
  let vectors: V;
  try {
    // Without a factory V is its default, HnswVectorIndex.
    vectors = (
      options.vectorIndex !== undefined
        ? await options.vectorIndex(chunks)
        : new HnswVectorIndex(chunks, {
            directory: join(dirname(path), 'vectors'),
            params: options.hnsw ?? DEFAULT_HNSW_PARAMS,
            ...(options.exactFilterLimit === undefined ? {} : { exactFilterLimit: options.exactFilterLimit }),
            ...(options.snapshotEveryChunks === undefined ? {} : { snapshotEveryChunks: options.snapshotEveryChunks }),
            readonly,
            databasePath: path,
          })
    ) as V;
  } catch (error) {
    await accelerator?.close();
    db.close();
    throw error;
  }
  const ping = db.prepare('SELECT count(*) FROM collections').pluck();
  let closed = false;
  return {
    kind: 'sqlite',
    chunks,
    lexical,
    vectors,
    keys: new SqliteKeyStore(db),
    jobs: new SqliteJobStore(db),
    chats: new SqliteChatStore(db),
    memories: new SqliteMemoryStore(db, options.lexicalAnalyzer),
    backup: new SqliteStoreBackup({ databasePath: path, vectorsDirectory: join(dirname(path), 'vectors') }),
    settings: new SqliteSettingsStore(db),
    analytics: new SqliteAnalyticsStore(db),
    async describe(): Promise<StoreDescription> {
      const base = { kind: 'sqlite', location: path, lexical: lexical.kind, vectors: vectors.kind };
      const sizeBytes = fileBytes(path);
      try {
        if (closed) throw new CairnError('STORE_FAILED', 'The store is closed.');
        ping.get();
        return { ...base, ok: true, ...(sizeBytes === undefined ? {} : { sizeBytes }) };
      } catch (error) {
        return { ...base, ok: false, error: toCairnError(error).message, ...(sizeBytes === undefined ? {} : { sizeBytes }) };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await vectors.close();
      await accelerator?.close();
      if (!readonly) db.pragma('optimize');
      db.close();
    },
  };
}

/** The database file and its write-ahead log, in bytes; undefined when neither exists. */
function fileBytes(path: string): number | undefined {
  let total = 0;
  let found = false;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(path + suffix).size;
      found = true;
    } catch {
      // absent file: counts as 0
    }
  }
  return found ? total : undefined;
}
