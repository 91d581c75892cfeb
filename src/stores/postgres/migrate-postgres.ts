import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';

/** One forward-only schema step. Never edit a released migration: append one. */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

export interface PostgresSchemaStatus {
  /** Highest applied version (0: none). */
  current: number;
  /** Highest version this Cairn knows. */
  latest: number;
  applied: { version: number; name: string; appliedAt: string }[];
  pending: { version: number; name: string }[];
}

/**
 * Key of the session-level advisory lock that serialises migrations: two processes starting together
 * (an API and a worker, two replicas) apply each step once, the second waiting for the first.
 * An arbitrary constant ("cairn" in ASCII), the same in every Cairn version.
 */
const MIGRATION_LOCK_KEY = 0x636169726e;

const LEDGER = `
  CREATE TABLE IF NOT EXISTS cairn_schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/**
 * Applies the pending migrations in order, each in its own transaction, under an advisory lock.
 * Refuses a database migrated by a newer Cairn (its schema is unknown to this one).
 * Answers the versions applied by this call.
 */
export async function migratePostgres(pool: pg.Pool, migrations: readonly PostgresMigration[]): Promise<number[]> {
  assertOrdered(migrations);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(LEDGER);
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM cairn_schema_migrations')).rows.map((row) => row.version));
      assertNotNewer(done, migrations);
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO cairn_schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new CairnError('STORE_FAILED', `PostgreSQL migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
            cause: error,
            hint: 'Nothing of this step was applied. Fix the cause (permissions: the role needs CREATE on the database) and start again, or run `cairn db migrate`.',
          });
        }
        applied.push(migration.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

/** What is applied and what is pending, without changing anything (`cairn db status`). */
export async function postgresSchemaStatus(pool: pg.Pool, migrations: readonly PostgresMigration[]): Promise<PostgresSchemaStatus> {
  const exists = await pool.query<{ present: boolean }>("SELECT to_regclass('cairn_schema_migrations') IS NOT NULL AS present");
  const rows = exists.rows[0]?.present
    ? (await pool.query<{ version: number; name: string; applied_at: Date }>('SELECT version, name, applied_at FROM cairn_schema_migrations ORDER BY version')).rows
    : [];
  const done = new Set(rows.map((row) => row.version));
  return {
    current: rows.reduce((max, row) => Math.max(max, row.version), 0),
    latest: migrations.reduce((max, m) => Math.max(max, m.version), 0),
    applied: rows.map((row) => ({ version: row.version, name: row.name, appliedAt: row.applied_at.toISOString() })),
    pending: migrations.filter((m) => !done.has(m.version)).map((m) => ({ version: m.version, name: m.name })),
  };
}

/**
 * Versions strictly increase; gaps are allowed, because the schema is assembled from ranges (the
 * knowledge base's 1–49, the application stores' 50–99; see postgres-app-migrations.ts).
 */
function assertOrdered(migrations: readonly PostgresMigration[]): void {
  migrations.forEach((migration, index) => {
    const previous = index === 0 ? 0 : (migrations[index - 1] as PostgresMigration).version;
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new CairnError('INTERNAL', `PostgreSQL migration ${migration.name} has version ${migration.version}, not above the previous one (${previous}).`);
    }
  });
}

function assertNotNewer(done: Set<number>, migrations: readonly PostgresMigration[]): void {
  const known = new Set(migrations.map((migration) => migration.version));
  const latest = migrations.reduce((max, migration) => Math.max(max, migration.version), 0);
  const unknown = [...done].filter((version) => !known.has(version));
  if (unknown.length > 0) {
    throw new CairnError('STORE_MISCONFIGURED', `The database schema has migration ${Math.max(...unknown)}, which this Cairn does not know (it knows up to ${latest}).`, {
      hint: 'Run the Cairn version that migrated it (or newer); an older Cairn cannot use a newer schema.',
      details: { reason: 'schema-newer' },
    });
  }
}
