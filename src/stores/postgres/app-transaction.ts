import type pg from 'pg';

/**
 * Runs `work` in one transaction on a client of the pool, rolling back on failure. A client whose
 * rollback fails too (its connection broke) is discarded rather than returned to the pool; the server
 * rolls back a transaction whose connection dropped, so nothing half-written is committed.
 */
export async function withAppTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** An ISO string of a timestamptz column (null stays null). */
export function isoOrNull(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
