import { existsSync } from 'node:fs';
import type pg from 'pg';
import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import type { ChunkStore } from '../../stores/chunk-store.js';
import { connectPostgres, type PostgresConnectOptions } from '../../stores/postgres/connect-postgres.js';
import { migratePostgres } from '../../stores/postgres/migrate-postgres.js';
import { POSTGRES_SCHEMA } from '../../stores/postgres/postgres-schema.js';
import { createPostgresBackend } from '../../stores/postgres/create-postgres-backend.js';
import { createSqliteBackend } from '../../stores/sqlite/create-sqlite-backend.js';
import type { StoreBackend } from '../../stores/store-backend.js';
import type { VectorIndex } from '../../stores/vector-index.js';
import { describeStoreLocation, type StoreLocation } from './store-location.js';

/**
 * A store opened by `cairn db copy`: the application stores always; the knowledge base (chunks and
 * the vector index they are pushed to) where the backend provides it here.
 */
export interface OpenedDatabase extends Pick<StoreBackend, 'keys' | 'jobs' | 'chats' | 'memories' | 'settings' | 'analytics'> {
  readonly kind: StoreLocation['kind'];
  /** Without a password. */
  readonly location: string;
  readonly chunks?: ChunkStore;
  readonly vectors?: VectorIndex;
  close(): Promise<void>;
}

/** The pool settings of `store.*` for a URL (the copy's endpoints share the configured TLS, pool and timeouts). */
export function postgresOptions(config: CairnConfig, url: string): PostgresConnectOptions {
  return {
    url,
    poolSize: config.store.poolSize,
    connectTimeoutMs: config.store.connectTimeoutMs,
    statementTimeoutMs: config.store.statementTimeoutMs,
    applicationName: 'cairn',
    ...(config.store.tls === undefined ? {} : { tls: config.store.tls }),
  };
}

/** Connects and migrates (under the advisory lock); the caller ends the pool. */
export async function openPostgresPool(config: CairnConfig, url: string): Promise<pg.Pool> {
  const pool = await connectPostgres(postgresOptions(config, url));
  try {
    await migratePostgres(pool, POSTGRES_SCHEMA);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}

/** Opens (creating and migrating when needed) the store at `location`. */
export async function openDatabase(location: StoreLocation, config: CairnConfig, options: { mustExist?: boolean } = {}): Promise<OpenedDatabase> {
  if (location.kind === 'sqlite') {
    if (options.mustExist) assertFileExists(location.path);
    const backend = await createSqliteBackend({ ...config, store: { ...config.store, path: location.path } });
    return { ...pickApp(backend), kind: 'sqlite', location: location.path, chunks: backend.chunks, vectors: backend.vectors, close: () => backend.close() };
  }
  const backend = await createPostgresBackend({ ...config, store: { ...config.store, kind: 'postgres', url: location.url } });
  return { ...pickApp(backend), kind: 'postgres', location: describeStoreLocation(location), chunks: backend.chunks, vectors: backend.vectors, close: () => backend.close() };
}

function pickApp(backend: StoreBackend) {
  const { keys, jobs, chats, memories, settings, analytics } = backend;
  return { keys, jobs, chats, memories, settings, analytics };
}

function assertFileExists(path: string): void {
  if (!existsSync(path)) {
    throw new CairnError('INPUT_INVALID', `There is no SQLite database at ${path}.`, { hint: 'Pass the path of an existing cairn.db (the default is <home>/cairn.db).' });
  }
}
