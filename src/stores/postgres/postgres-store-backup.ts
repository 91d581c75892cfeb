import { join } from 'node:path';
import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import type { StoreBackup, StoreSnapshot } from '../store-backup.js';
import { cairnTables, countPostgresStore, quoteIdentifier } from './postgres-store-counts.js';
import { findPostgresTool, runTool, toolConnection, type PostgresToolTarget } from './postgres-tools.js';

/** The snapshot's one file: pg_dump's custom format (compressed per table; pg_restore reads it). */
export const POSTGRES_SNAPSHOT_DUMP = 'database.pgdump';

/**
 * Online backups of the PostgreSQL store: Cairn's tables dumped by `pg_dump` from one exported snapshot.
 * A REPEATABLE READ transaction exports its snapshot (`pg_export_snapshot()`), counts the rows, and
 * stays open while `pg_dump --snapshot` reads the same instant, so dump and counts agree whatever is
 * written meanwhile. Only Cairn's tables (those of the current schema no extension owns) are dumped, with
 * their sequences and indexes: the HNSW indexes as definitions, built again by pg_restore, so no graph
 * files; pgvector itself is the target's `CREATE EXTENSION`.
 */
export class PostgresStoreBackup implements StoreBackup {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  readonly #target: PostgresToolTarget;

  constructor(pool: pg.Pool, target: PostgresToolTarget) {
    this.#pool = pool;
    this.#target = target;
  }

  async snapshot(directory: string, options: { signal?: AbortSignal } = {}): Promise<StoreSnapshot> {
    const client = await this.#pool.connect();
    const ignore = () => {};
    client.on('error', ignore);
    try {
      const { rows: versionRows } = await client.query<{ major: number }>("SELECT current_setting('server_version_num')::int / 10000 AS major");
      const tool = findPostgresTool('pg_dump', versionRows[0]!.major, this.#target.binDir);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // No statement limit inside: counting 100k chunks and holding the snapshot for pg_dump take their time.
      await client.query('SET LOCAL statement_timeout = 0');
      const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
      const counts = await countPostgresStore(client);
      const { rows: ledger } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM cairn_schema_migrations');
      const { schema, tables } = await cairnTables(client);
      const { dbname, env } = toolConnection(this.#target);
      const args = [
        `--dbname=${dbname}`, `--snapshot=${rows[0]!.id}`, '--format=custom', '--compress=1', '--no-owner', '--no-privileges',
        `--file=${join(directory, POSTGRES_SNAPSHOT_DUMP)}`,
        ...tables.map((table) => `--table=${quoteIdentifier(schema)}.${quoteIdentifier(table)}`),
      ];
      try {
        await runTool(tool, args, env, options.signal ? { signal: options.signal } : {});
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        throw new CairnError('BACKUP_TOOL_MISSING', `pg_dump (${tool.path}, version ${tool.major}) failed: ${(error as Error).message}`, {
          cause: error,
          hint: 'Check that pg_dump can reach the server with the same URL (and its TLS files), and that its version is at least the server\'s.',
        });
      }
      await client.query('COMMIT');
      return {
        kind: this.kind,
        schemaVersion: Number(ledger[0]?.version ?? 0),
        files: [POSTGRES_SNAPSHOT_DUMP],
        counts,
        notes: [`pg_dump ${tool.major} of ${tables.length} tables (schema ${schema}); HNSW indexes are rebuilt by pg_restore from their definitions`],
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', ignore);
      client.release();
    }
  }
}
