import { readFileSync } from 'node:fs';
import pg from 'pg';
import { CairnError, toCairnError } from '../../core/cairn-error.js';

/** Oldest server and extension versions Cairn runs on (iterative index scans need pgvector 0.8). */
export const MIN_SERVER_VERSION = 130000;
export const MIN_PGVECTOR_VERSION = '0.8.0';

export interface PostgresTlsOptions {
  /** `disable`: plain TCP; `require`: TLS without checking the certificate; `verify-full`: TLS, certificate and host name checked. */
  mode: 'disable' | 'require' | 'verify-full';
  /** PEM files: the CA that signed the server's certificate; a client certificate and its key. */
  ca?: string;
  cert?: string;
  key?: string;
}

export interface PostgresConnectOptions {
  /** `postgres://user:password@host:5432/database` (`CAIRN_DATABASE_URL`); `sslmode` in it is honoured unless `tls` is given. */
  url: string;
  tls?: PostgresTlsOptions;
  /** Most connections this process holds. */
  poolSize: number;
  /** How long to wait for a connection (TCP, TLS and authentication), in ms. */
  connectTimeoutMs: number;
  /** Statements running longer are cancelled by the server (0: no limit), in ms. */
  statementTimeoutMs: number;
  /** Shown in `pg_stat_activity`. */
  applicationName?: string;
  /** Result type parsers of the pool's connections (e.g. bigint as a number). */
  types?: pg.CustomTypesConfig;
  /** Server settings of every connection of the pool, sent at connect (`options=-c name=value`); names and values are ours, never user input. */
  sessionSettings?: Record<string, string>;
}

/** The URL without its password (for status output, logs and errors). */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * Opens a pool and proves it usable before anything else runs: the server answers, the credentials
 * and database are right, the server is new enough, and pgvector is installed (created when the
 * role may; otherwise the error says who must run CREATE EXTENSION). Every failure is a CairnError
 * whose message says what is wrong and whose hint says how to fix it — never a stack trace or a hang
 * (the wait is bounded by `connectTimeoutMs`).
 */
export async function connectPostgres(options: PostgresConnectOptions): Promise<pg.Pool> {
  const where = redactDatabaseUrl(options.url);
  let config: pg.PoolConfig;
  try {
    config = poolConfig(options);
  } catch (error) {
    throw new CairnError('CONFIG_INVALID', `The database settings for ${where} are invalid: ${(error as Error).message}`, {
      cause: error,
      hint: 'Check CAIRN_DATABASE_URL (postgres://user:password@host:5432/database) and store.tls in the config.',
    });
  }
  const pool = new pg.Pool(config);
  // An idle client whose connection drops (server restart) emits 'error' on the pool; without a
  // listener that would crash the process. The next query gets a fresh connection or a clean error.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      await checkServer(client, where);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw describeConnectError(error, where, options.connectTimeoutMs);
  }
  return pool;
}

function poolConfig(options: PostgresConnectOptions): pg.PoolConfig {
  const url = new URL(options.url);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error(`the URL scheme is ${url.protocol}, not postgres:`);
  const config: pg.PoolConfig = {
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'cairn',
    ...(options.types === undefined ? {} : { types: options.types }),
    ...(options.sessionSettings === undefined ? {} : { options: Object.entries(options.sessionSettings).map(([name, value]) => `-c ${name}=${value}`).join(' ') }),
    // Bounded client-side too: a server that accepted the connection and then stopped answering must not hang a request.
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs + 5_000 } : {}),
  };
  if (options.tls !== undefined) {
    // An explicit tls block wins over sslmode in the URL (pg would otherwise let the URL override it).
    url.searchParams.delete('sslmode');
    config.connectionString = url.toString();
    const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path, 'utf8'));
    config.ssl =
      options.tls.mode === 'disable'
        ? false
        : { rejectUnauthorized: options.tls.mode === 'verify-full', ca: read(options.tls.ca), cert: read(options.tls.cert), key: read(options.tls.key) };
  }
  return config;
}

async function checkServer(client: pg.PoolClient, where: string): Promise<void> {
  const version = Number((await client.query<{ server_version_num: string }>('SHOW server_version_num')).rows[0]?.server_version_num ?? 0);
  if (version < MIN_SERVER_VERSION) {
    throw new CairnError('STORE_MISCONFIGURED', `The PostgreSQL server at ${where} is version ${formatServerVersion(version)}; Cairn needs 13 or newer.`, {
      hint: 'Upgrade PostgreSQL (or point CAIRN_DATABASE_URL at a newer server, e.g. the pgvector/pgvector:pg17 image).',
      details: { reason: 'server-version', version },
    });
  }
  const installed = await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
  if (installed.rows.length === 0) {
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (error) {
      throw extensionError(error, where);
    }
  }
  const extversion = installed.rows[0]?.extversion ?? (await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0]?.extversion ?? '0';
  if (compareVersions(extversion, MIN_PGVECTOR_VERSION) < 0) {
    throw new CairnError('STORE_MISCONFIGURED', `pgvector ${extversion} is installed in ${where}; Cairn needs ${MIN_PGVECTOR_VERSION} or newer (filtered vector search uses its iterative index scans).`, {
      hint: 'Upgrade the pgvector package on the server, then run ALTER EXTENSION vector UPDATE; as the database owner.',
      details: { reason: 'extension-version', version: extversion },
    });
  }
}

function extensionError(error: unknown, where: string): CairnError {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message;
  if (code === '42501') {
    return new CairnError('STORE_MISCONFIGURED', `pgvector is not enabled in ${where} and this role may not enable it (${message}).`, {
      cause: error,
      hint: 'Ask the database owner or a superuser to run: CREATE EXTENSION vector; in this database.',
      details: { reason: 'extension-permission' },
    });
  }
  return new CairnError('STORE_MISCONFIGURED', `pgvector is not installed on the PostgreSQL server at ${where} (${message}).`, {
    cause: error,
    hint: 'Install it on the database server: Debian/Ubuntu `apt install postgresql-17-pgvector` (match your server version), Debian 12 from source (../shared/vendor/install-pgvector.sh), or run the pgvector/pgvector container image.',
    details: { reason: 'extension-missing' },
  });
}

/** Maps a failed connect to a CairnError that names the cause and the fix. */
export function describeConnectError(error: unknown, where: string, timeoutMs: number): CairnError {
  if (error instanceof CairnError) return error;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case '28P01':
    case '28000':
      return new CairnError('STORE_MISCONFIGURED', `PostgreSQL at ${where} refused the credentials: ${message}.`, {
        cause: error,
        hint: 'Check the user name and password in CAIRN_DATABASE_URL (percent-encode special characters in the password).',
        details: { reason: 'authentication' },
      });
    case '3D000':
      return new CairnError('STORE_MISCONFIGURED', `The database in ${where} does not exist: ${message}.`, {
        cause: error,
        hint: 'Create it first (createdb -O <user> <name>, or CREATE DATABASE <name>;), or fix the database name in CAIRN_DATABASE_URL.',
        details: { reason: 'database-missing' },
      });
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case '57P03':
      return unavailable(error, where, `${message}`);
    default:
      if (/timeout/i.test(message)) return unavailable(error, where, `no answer within ${timeoutMs} ms`);
      if (/SSL|TLS|certificate/i.test(message)) {
        return new CairnError('STORE_MISCONFIGURED', `TLS to PostgreSQL at ${where} failed: ${message}.`, {
          cause: error,
          hint: 'Match store.tls (or sslmode in the URL) to the server: disable for a server without TLS, verify-full with store.tls.ca for a private CA.',
          details: { reason: 'tls' },
        });
      }
      return toCairnError(error, 'STORE_FAILED');
  }
}

function unavailable(error: unknown, where: string, why: string): CairnError {
  return new CairnError('STORE_UNAVAILABLE', `Cannot reach PostgreSQL at ${where}: ${why}.`, {
    cause: error,
    hint: 'Check that the server runs and that host and port in CAIRN_DATABASE_URL are right and reachable from here (firewall, listen_addresses, pg_hba.conf); raise store.connectTimeoutMs for a slow network.',
    retryable: true,
    retryAfterSeconds: 5,
    details: { reason: 'unreachable' },
  });
}

function formatServerVersion(num: number): string {
  return num >= 100000 ? `${Math.floor(num / 10000)}.${num % 10000}` : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
