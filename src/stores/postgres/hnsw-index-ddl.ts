import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { postgresStoreError } from './postgres-errors.js';
import { hnswIndexName } from './postgres-migrations.js';

/**
 * Session advisory lock that serialises the HNSW index builds and drops of every process on one
 * database (an arbitrary constant, "hnsw" in ASCII, distinct from the migration lock). Every
 * CREATE/DROP INDEX on `chunks` that Cairn runs after a collection exists takes it: two concurrent
 * CONCURRENTLY statements on one table (or one beside a transaction that drops an index) each wait
 * for the other's snapshot, which PostgreSQL ends with "deadlock detected" (decision 0043).
 */
export const INDEX_DDL_LOCK_KEY = 0x686e7377;
const DDL_LOCK_POLL_MS = 250;

/**
 * Runs `work` on a pooled connection outside any transaction (the CONCURRENTLY statements cannot run
 * in one) while holding the index DDL lock. `wait`: poll until the lock is free (not
 * pg_advisory_lock: a session blocked in that statement holds a snapshot the running build waits
 * for, the same deadlock again); otherwise give up at once and return undefined. The connection is
 * discarded if a statement failed.
 */
export async function withIndexDdlLock<T>(pool: pg.Pool, where: string, options: { wait: boolean }, work: (client: pg.PoolClient) => Promise<T>): Promise<T | undefined> {
  const client = await pool.connect();
  const ignore = () => {};
  client.on('error', ignore);
  let broken = false;
  try {
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [INDEX_DDL_LOCK_KEY]);
      if (rows[0]?.locked === true) break;
      if (!options.wait) return undefined;
      await delay(DDL_LOCK_POLL_MS);
    }
    try {
      return await work(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [INDEX_DDL_LOCK_KEY]);
    }
  } catch (error) {
    broken = true;
    throw postgresStoreError(error, where);
  } finally {
    client.off('error', ignore);
    client.release(broken);
  }
}

/**
 * Drops a collection's HNSW index CONCURRENTLY under the DDL lock, after (never inside) the
 * transaction that deleted the collection or changed its dimension: a DROP INDEX in a transaction
 * takes an ACCESS EXCLUSIVE lock on `chunks` and waits behind another process's running build,
 * which in turn waits for that transaction's snapshot: a deadlock.
 */
export async function dropHnswIndex(pool: pg.Pool, where: string, collectionId: number): Promise<void> {
  await withIndexDdlLock(pool, where, { wait: true }, async (client) => {
    await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${hnswIndexName(collectionId)}`);
  });
}
