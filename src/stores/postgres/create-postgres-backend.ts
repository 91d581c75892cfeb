import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import type { StoreBackend, StoreBackendOptions } from '../store-backend.js';
import { openPostgresStore } from './open-postgres-store.js';
import { createPostgresAppStores } from './create-postgres-app-stores.js';
import { POSTGRES_SCHEMA } from './postgres-schema.js';
import { PostgresStoreBackup } from './postgres-store-backup.js';
import { PostgresUploadStore } from './postgres-upload-store.js';

/** Most postings one lexical query scores on PostgreSQL (see PostgresLexicalIndexOptions.maxScoredRows). */
export const POSTGRES_MAX_SCORED_POSTINGS = 200_000;

/**
 * The server backend from the configuration (`store.kind: postgres`, or `CAIRN_DATABASE_URL` alone):
 * the knowledge base (collections, documents, chunks, ingest runs, BM25 postings, pgvector HNSW) in
 * the database at `store.url`, over one pool of `store.poolSize` connections, migrated at start.
 */
export async function createPostgresBackend(config: CairnConfig, options: StoreBackendOptions = {}): Promise<StoreBackend> {
  const url = config.store.url;
  if (url === undefined) {
    throw new CairnError('CONFIG_INVALID', 'store.kind is postgres but no database URL is set.', {
      hint: 'Set CAIRN_DATABASE_URL=postgres://user:password@host:5432/database (or store.url in the config).',
    });
  }
  const store = await openPostgresStore({
    connect: {
      url,
      ...(config.store.tls === undefined ? {} : { tls: config.store.tls }),
      poolSize: config.store.poolSize,
      connectTimeoutMs: config.store.connectTimeoutMs,
      statementTimeoutMs: config.store.statementTimeoutMs,
    },
    lexicalAnalyzer: analyzeForIndex,
    hnsw: config.store.hnsw,
    // The budget of the SQLite store's in-memory BM25 (MemoryLexicalIndex), which a long-running SQLite
    // process answers with: postings are scored in one index-only aggregate, so PostgreSQL affords the same
    // budget and ranks as the embedded store's server does (FTS5's 2,000 rows cost it 0.012 nDCG@10).
    lexical: { maxScoredRows: Math.max(config.search.lexicalMaxScoredRows ?? 0, POSTGRES_MAX_SCORED_POSTINGS) },
    // The knowledge base's steps (1–49) and the application stores' (50–99), applied in one list.
    migrations: POSTGRES_SCHEMA,
    // As the embedded store: long-running processes (serve, mcp, eval) answer from in-memory postings.
    lexicalAccelerator: config.search.lexicalAccelerator === 'on' || (config.search.lexicalAccelerator === 'auto' && options.longRunning === true),
    ...(options.vectorIndex === undefined ? {} : { vectorIndex: options.vectorIndex }),
  });
  const app = createPostgresAppStores(store.pool);
  return {
    kind: 'postgres',
    chunks: store.chunks,
    lexical: store.lexical,
    vectors: store.vectors,
    ...app,
    backup: new PostgresStoreBackup(store.pool, {
      url,
      ...(config.store.tls === undefined ? {} : { tls: config.store.tls }),
      ...(config.backup.postgresBinDir === undefined ? {} : { binDir: config.backup.postgresBinDir }),
    }),
    uploads: new PostgresUploadStore(store.pool, store.location),
    describe: () => store.describe(),
    close: () => store.close(),
  };
}
