/**
 * A throwaway PostgreSQL + pgvector cluster for benchmarks (`--backend postgres`): the test harness's
 * cluster (src/testing/postgres-server.ts: initdb in a temp dir, loopback, fsync off, shared_buffers 64MB on
 * its command line, which ALTER SYSTEM cannot override; the OS page cache holds the rest), restarted with
 * maintenance_work_mem 512MB. Stopped and removed when the process exits.
 *
 *   node --import tsx bench/bench-postgres.ts      (starts one, prints a database URL, runs until killed)
 */
import pg from 'pg';
import { startPrivatePostgres, type PostgresServer } from '../src/testing/postgres-server.js';

export interface BenchPostgres {
  server: PostgresServer;
  /** A fresh, empty database of the cluster (pgvector available). */
  createDatabase(prefix: string): Promise<string>;
  version: string;
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const server = await startPrivatePostgres();
  if (server === null) throw new Error('PostgreSQL with pgvector is not installed (sudo ../shared/vendor/install-pgvector.sh).');
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  let version: string;
  try {
    await client.query("ALTER SYSTEM SET maintenance_work_mem = '512MB'");
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    version = rows[0]!.v;
  } finally {
    await client.end();
  }
  await server.stop('fast');
  await server.start();
  return { server, createDatabase: (prefix) => server.createDatabase(prefix), version };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cluster = await startBenchPostgres();
  const url = await cluster.createDatabase('bench');
  process.stdout.write(`PostgreSQL ${cluster.version}\nadmin ${cluster.server.adminUrl}\ndatabase ${url}\n`);
  const stop = () => void cluster.server.dispose().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setInterval(() => {}, 1 << 30);
}
