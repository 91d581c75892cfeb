import pg from 'pg';
import { CairnError, toCairnError } from '../../core/cairn-error.js';
import type { ChunkStore } from '../chunk-store.js';
import type { LexicalIndex } from '../lexical-index.js';
import type { VectorIndex } from '../vector-index.js';
import type { StoreDescription, VectorIndexFactory } from '../store-backend.js';
import { connectPostgres, redactDatabaseUrl, type PostgresConnectOptions } from './connect-postgres.js';
import { migratePostgres, type PostgresMigration } from './migrate-postgres.js';
import { PgvectorIndex, pgvectorSessionSettings } from './pgvector-index.js';
import { PostgresChunkStore } from './postgres-chunk-store.js';
import type { LexicalAnalyzer } from './postgres-document-writer.js';
import { guardPool } from './postgres-errors.js';
import { PostgresLexicalIndex } from './postgres-lexical-index.js';
import { PostgresMemoryLexicalIndex } from './postgres-memory-lexical-index.js';
import { DEFAULT_MAX_SCORED_ROWS } from '../sqlite/sqlite-lexical-index.js';
import { POSTGRES_MIGRATIONS, type PgvectorBuildParams } from './postgres-migrations.js';

/** bigint (int8) as a JavaScript number: ids, counts and millisecond times all stay below 2^53. */
export const POSTGRES_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresStoreOptions {
  connect: PostgresConnectOptions;
  lexicalAnalyzer: LexicalAnalyzer;
  hnsw: PgvectorBuildParams & { efSearch: number; exactFilterChunks?: number };
  lexical?: { maxScoredRows?: number };
  /**
   * Keeps each searched collection's BM25 postings in memory as well (PostgresMemoryLexicalIndex), for
   * long-running processes. Default off.
   */
  lexicalAccelerator?: boolean;
  /** Migrations to apply at start (default: the knowledge base's, POSTGRES_MIGRATIONS). */
  migrations?: readonly PostgresMigration[];
  vectorIndex?: VectorIndexFactory;
}

/** The knowledge-base stores over one pool, as the backend factory and the tests open them. */
export interface PostgresStore {
  pool: pg.Pool;
  location: string;
  chunks: ChunkStore;
  lexical: LexicalIndex;
  vectors: VectorIndex;
  describe(): Promise<StoreDescription>;
  close(): Promise<void>;
}

/**
 * Connects (with connectPostgres' start-up checks), applies pending migrations under the advisory
 * lock, and builds the chunk store, BM25 index and pgvector index over the one pool. Every statement
 * failure surfaces as a CairnError (postgres-errors.ts): a server that goes away is STORE_UNAVAILABLE
 * and the pool reconnects once it is back.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const location = redactDatabaseUrl(options.connect.url);
  const sessionSettings = { ...options.connect.sessionSettings, ...pgvectorSessionSettings(options.hnsw.efSearch) };
  const pool = guardPool(await connectPostgres({ ...options.connect, types: POSTGRES_TYPES, sessionSettings }), location);
  try {
    await migratePostgres(pool, options.migrations ?? POSTGRES_MIGRATIONS);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const chunks = new PostgresChunkStore(pool, location, { analyze: options.lexicalAnalyzer });
  const sqlLexical = new PostgresLexicalIndex(pool, options.lexical ?? {});
  const accelerator = options.lexicalAccelerator
    ? new PostgresMemoryLexicalIndex(pool, sqlLexical, { maxScoredPostings: options.lexical?.maxScoredRows ?? DEFAULT_MAX_SCORED_ROWS })
    : undefined;
  const lexical: LexicalIndex = accelerator ?? sqlLexical;
  let vectors: VectorIndex;
  try {
    vectors = options.vectorIndex !== undefined ? await options.vectorIndex(chunks) : new PgvectorIndex(pool, location, { hnsw: options.hnsw, efSearch: options.hnsw.efSearch, exactFilterChunks: options.hnsw.exactFilterChunks });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  let closed = false;
  return {
    pool,
    location,
    chunks,
    lexical,
    vectors,
    async describe(): Promise<StoreDescription> {
      const base = { kind: 'postgres', location, lexical: lexical.kind, vectors: vectors.kind };
      try {
        if (closed) throw new CairnError('STORE_FAILED', 'The store is closed.');
        const { rows } = await pool.query<{ bytes: number }>('SELECT pg_database_size(current_database()) AS bytes');
        return { ...base, ok: true, sizeBytes: rows[0]?.bytes ?? 0 };
      } catch (error) {
        return { ...base, ok: false, error: toCairnError(error).message };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await accelerator?.close();
      await vectors.close();
      await pool.end();
    },
  };
}
