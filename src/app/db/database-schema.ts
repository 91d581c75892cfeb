import type { CairnConfig } from '../../config/config-schema.js';
import { connectPostgres } from '../../stores/postgres/connect-postgres.js';
import { migratePostgres, postgresSchemaStatus } from '../../stores/postgres/migrate-postgres.js';
import { POSTGRES_SCHEMA } from '../../stores/postgres/postgres-schema.js';
import { createSqliteBackend } from '../../stores/sqlite/create-sqlite-backend.js';
import { sqliteSchemaStatus } from '../../stores/sqlite/sqlite-schema-status.js';
import { postgresOptions } from './open-database.js';
import { configuredStoreLocation, describeStoreLocation } from './store-location.js';

/** What `cairn db status` shows: never a password. */
export interface DatabaseSchemaStatus {
  backend: 'sqlite' | 'postgres';
  /** A file path, or the URL without its password. */
  location: string;
  /** Applied schema version (0: an empty database, or no file yet). */
  current: number;
  /** The version this Cairn brings it to. */
  latest: number;
  /** Steps `cairn db migrate` would apply (PostgreSQL names each; SQLite numbers them). */
  pending: { version: number; name: string }[];
}

/** The configured store's schema, changing nothing (the SQLite file is opened read-only; PostgreSQL only read). */
export async function databaseStatus(config: CairnConfig): Promise<DatabaseSchemaStatus> {
  const location = configuredStoreLocation(config);
  const shown = describeStoreLocation(location);
  if (location.kind === 'sqlite') {
    const status = sqliteSchemaStatus(location.path);
    const pending = Array.from({ length: status.latest - status.current }, (_, i) => ({ version: status.current + i + 1, name: `sqlite schema ${status.current + i + 1}` }));
    return { backend: 'sqlite', location: shown, current: status.current, latest: status.latest, pending };
  }
  const pool = await connectPostgres(postgresOptions(config, location.url));
  try {
    const status = await postgresSchemaStatus(pool, POSTGRES_SCHEMA);
    return { backend: 'postgres', location: shown, current: status.current, latest: status.latest, pending: status.pending };
  } finally {
    await pool.end();
  }
}

/**
 * Applies the pending migrations of the configured store and answers the versions applied with the
 * status after. On PostgreSQL they run under the advisory lock, so a migrate beside starting servers is
 * safe; SQLite migrates when the file is opened, as every command does.
 */
export async function migrateDatabase(config: CairnConfig): Promise<{ applied: number[]; status: DatabaseSchemaStatus }> {
  const location = configuredStoreLocation(config);
  if (location.kind === 'sqlite') {
    const before = sqliteSchemaStatus(location.path);
    const backend = await createSqliteBackend({ ...config, store: { ...config.store, path: location.path } });
    await backend.close();
    const applied = Array.from({ length: before.latest - before.current }, (_, i) => before.current + i + 1);
    return { applied, status: await databaseStatus(config) };
  }
  const pool = await connectPostgres(postgresOptions(config, location.url));
  try {
    const applied = await migratePostgres(pool, POSTGRES_SCHEMA);
    return { applied, status: await databaseStatus(config) };
  } finally {
    await pool.end();
  }
}
