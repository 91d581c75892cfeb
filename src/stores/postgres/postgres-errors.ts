import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';

/** Errors of a connection that is gone or cannot be made: the server is down, restarting or unreachable. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03']);
const CONNECTION_MESSAGE = /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|not queryable/i;

/**
 * A failed statement as a CairnError: a lost or refused connection is STORE_UNAVAILABLE (HTTP 503 with
 * Retry-After; the pool reconnects by itself once the server is back), a statement timeout says so,
 * anything else the server rejected is STORE_FAILED. A CairnError passes through.
 */
export function postgresStoreError(error: unknown, where: string): CairnError {
  if (error instanceof CairnError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || CONNECTION_MESSAGE.test(message)) {
    return new CairnError('STORE_UNAVAILABLE', `PostgreSQL at ${where} is unavailable: ${message}.`, {
      cause: error,
      hint: 'The database server is down, restarting or unreachable; Cairn reconnects by itself once it answers again. Check the server and CAIRN_DATABASE_URL.',
      retryable: true,
      retryAfterSeconds: 5,
      details: { reason: 'unreachable' },
    });
  }
  if (code === '57014') {
    return new CairnError('STORE_UNAVAILABLE', `A PostgreSQL statement at ${where} was cancelled: ${message}.`, {
      cause: error,
      hint: 'The server was too slow or busy (store.statementTimeoutMs); try again, or raise the timeout.',
      retryable: true,
      retryAfterSeconds: 5,
      details: { reason: 'timeout' },
    });
  }
  return new CairnError('STORE_FAILED', `PostgreSQL at ${where} failed: ${message}.`, {
    cause: error,
    hint: 'See the PostgreSQL server log for the statement that failed.',
    details: code === '' ? {} : { sqlstate: code },
  });
}

/**
 * Makes every statement of the pool (pool.query and clients from pool.connect) fail with
 * postgresStoreError's CairnErrors, so callers above the stores see stable codes, never driver errors.
 */
export function guardPool(pool: pg.Pool, where: string): pg.Pool {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  const guarded = pool as unknown as { query: unknown; connect: unknown };
  guarded.query = async (...args: unknown[]) => {
    try {
      return await query(...args);
    } catch (error) {
      throw postgresStoreError(error, where);
    }
  };
  // pool.query calls this.connect(callback) itself: the callback form passes through untouched.
  guarded.connect = (callback?: unknown) => {
    if (typeof callback === 'function') return connect(callback);
    return (connect() as Promise<pg.PoolClient>).catch((error: unknown) => {
      throw postgresStoreError(error, where);
    });
  };
  return pool;
}

/**
 * Runs `work` in one transaction on a client of the pool. On failure it rolls back; a client whose
 * connection broke (the rollback fails too) is discarded instead of returned to the pool. The server
 * rolls back a transaction whose connection dropped, so no half-written state is ever committed.
 */
export async function withTransaction<T>(pool: pg.Pool, where: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection that drops while checked out also emits 'error' on the client; the failed statement
  // reports it, so the event only needs a listener (without one it would end the process).
  const ignore = () => {};
  client.on('error', ignore);
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
    throw postgresStoreError(error, where);
  } finally {
    client.off('error', ignore);
    client.release(broken);
  }
}
