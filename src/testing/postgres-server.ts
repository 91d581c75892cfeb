import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temporary directory, started on a free
 * loopback port, stopped (and removed) when the test process exits. PostgreSQL refuses to run as
 * root, so as root the server programs run as the `postgres` system user (created by Debian's
 * package) through `runuser`.
 *
 * Availability: outside CI a missing server or a missing pgvector makes `startPostgres()` answer
 * null and tests skip with `POSTGRES_MISSING`; under `CI=true` it throws instead, so a green CI means
 * PostgreSQL really ran. `CAIRN_TEST_DATABASE_URL` points the tests at an existing server instead
 * (a superuser URL; every test gets a database of its own there too).
 */
export interface PostgresServer {
  /** Superuser URL of the `postgres` database (`postgres://cairn@127.0.0.1:<port>/postgres`). */
  readonly adminUrl: string;
  readonly port: number;
  /** Creates an empty database with the vector extension available and answers its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown: sessions are ended) and leaves its data directory. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops the server and removes its data (also done at process exit). */
  dispose(): Promise<void>;
}

export const POSTGRES_MISSING =
  'skipped: PostgreSQL 13+ with pgvector is not installed (Debian: sudo ../shared/vendor/install-pgvector.sh, after `apt-get install postgresql postgresql-server-dev-all`; elsewhere postgresql-NN-pgvector), or set CAIRN_TEST_DATABASE_URL';

const SUPERUSER = 'cairn';

let shared: Promise<PostgresServer | null> | undefined;

/**
 * The test process's cluster, started on first use and shared by every test of the process (each
 * test takes its own database with `createDatabase`). Null when PostgreSQL is unavailable outside CI.
 */
export function startPostgres(): Promise<PostgresServer | null> {
  shared ??= start().catch((error: unknown) => {
    if (process.env.CI === 'true') throw error;
    return null;
  });
  return shared;
}

/**
 * Where a private cluster listens, for tests that put it on another network host: `wrap` runs the
 * server programs under a command prefix (`ip netns exec <ns>`), `listen` is its address there, and
 * clients of `allowCidr` must log in with `password` (scram-sha-256, as a real deployment would);
 * the default is loopback with trust.
 */
export interface PostgresNetworkOptions {
  wrap: string[];
  listen: string;
  allowCidr: string;
  password: string;
}

/** A cluster of its own (for tests that stop and restart the server under a running process). */
export async function startPrivatePostgres(network?: PostgresNetworkOptions): Promise<PostgresServer | null> {
  try {
    return await startCluster(network);
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    return null;
  }
}

async function start(): Promise<PostgresServer> {
  const external = process.env.CAIRN_TEST_DATABASE_URL;
  return external ? externalServer(external) : startCluster();
}

/** The newest PostgreSQL bin directory with `initdb`, and whether pgvector is installed for it. */
export function findPostgresBinaries(): { bindir: string; vector: boolean } | null {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(join(debian, version, 'bin'));
  }
  const fromPath = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromPath.status === 0) candidates.push(fromPath.stdout.trim());
  for (const bindir of candidates) {
    if (!existsSync(join(bindir, 'initdb')) || !existsSync(join(bindir, 'pg_ctl'))) continue;
    const config = join(bindir, 'pg_config');
    const share = existsSync(config) ? spawnSync(config, ['--sharedir'], { encoding: 'utf8' }).stdout.trim() : '';
    return { bindir, vector: share !== '' && existsSync(join(share, 'extension', 'vector.control')) };
  }
  return null;
}

async function startCluster(network?: PostgresNetworkOptions): Promise<PostgresServer> {
  const found = findPostgresBinaries();
  if (found === null) throw new Error(`PostgreSQL is not installed: ${POSTGRES_MISSING}`);
  if (!found.vector) throw new Error(`pgvector is not installed for ${found.bindir}: ${POSTGRES_MISSING}`);
  const { bindir } = found;
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-pg-'));
  if (asRoot) chownSync(dir, postgresUid(), postgresGid());
  const data = join(dir, 'data');
  const run = (program: string, args: string[]) => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bindir, program), ...args]] : [join(bindir, program), args];
    const wrap = network?.wrap ?? [];
    const result = wrap.length > 0 ? spawnSync(wrap[0]!, [...wrap.slice(1), command, ...argv], { encoding: 'utf8' }) : spawnSync(command, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', SUPERUSER, '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const listen = network?.listen ?? '127.0.0.1';
  if (network) appendFileSync(join(data, 'pg_hba.conf'), `host all all ${network.allowCidr} scram-sha-256\n`);
  // Durability settings off: these are throwaway clusters (a kill -9 of a client never needs them).
  const options = [
    `-p ${port}`, `-k ${dir}`, `-c listen_addresses=${listen}`, '-c fsync=off', '-c synchronous_commit=off',
    '-c full_page_writes=off', '-c max_connections=200', '-c shared_buffers=64MB',
  ].join(' ');
  const logFile = join(dir, 'server.log');
  let running = false;
  const startServer = async () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
    running = true;
  };
  const stopServer = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    running = false;
  };
  try {
    await startServer();
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  let adminUrl = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  if (network) {
    // The password is set over the local socket (trust), then every client comes over the network with it.
    const local = new pg.Client({ host: dir, port, user: SUPERUSER, database: 'postgres' });
    await local.connect();
    await local.query(`ALTER ROLE ${SUPERUSER} PASSWORD '${network.password.replaceAll("'", "''")}'`).finally(() => local.end());
    adminUrl = `postgres://${SUPERUSER}:${encodeURIComponent(network.password)}@${listen}:${port}/postgres`;
  }
  await prepareTemplate(adminUrl);
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    try {
      await stopServer('immediate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', () => {
    if (disposed || !running) return;
    // Synchronous at exit: an orphaned postmaster would outlive the test run.
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bindir, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']] : [join(bindir, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']];
    // pg_ctl signals the postmaster by pid, so it needs no network namespace.
    spawnSync(command, argv);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    adminUrl,
    port,
    createDatabase: (prefix) => createDatabase(adminUrl, prefix),
    stop: stopServer,
    start: startServer,
    dispose,
  };
}

async function externalServer(url: string): Promise<PostgresServer> {
  await prepareTemplate(url);
  return {
    adminUrl: url,
    port: Number(new URL(url).port || 5432),
    createDatabase: (prefix) => createDatabase(url, prefix),
    stop: async () => {
      throw new Error('CAIRN_TEST_DATABASE_URL points at a server the tests did not start; they cannot stop it.');
    },
    start: async () => {},
    dispose: async () => {},
  };
}

/** Installs pgvector in template1, so every database created for a test has it without a superuser step. */
async function prepareTemplate(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(adminUrl, 'template1') });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  } finally {
    await client.end();
  }
}

let databases = 0;

async function createDatabase(adminUrl: string, prefix = 'cairn_test'): Promise<string> {
  const name = `${prefix}_${process.pid}_${++databases}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE template1`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, name);
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function postgresUid(): number {
  const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error('Running as root needs the `postgres` system user (Debian\'s postgresql package creates it).');
  return Number(result.stdout.trim());
}

function postgresGid(): number {
  return Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Path of a program of the installed PostgreSQL (`pg_dump`, `psql`), or null. */
export function postgresProgram(name: string): string | null {
  const found = findPostgresBinaries();
  return found === null ? null : join(found.bindir, name);
}
