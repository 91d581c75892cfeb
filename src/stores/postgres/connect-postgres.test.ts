import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { before, describe, it } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { POSTGRES_MISSING, startPostgres, withDatabase, type PostgresServer } from '../../testing/postgres-server.js';
import { connectPostgres, redactDatabaseUrl, type PostgresConnectOptions } from './connect-postgres.js';
import { migratePostgres, postgresSchemaStatus, type PostgresMigration } from './migrate-postgres.js';

const base: Omit<PostgresConnectOptions, 'url'> = { poolSize: 4, connectTimeoutMs: 3000, statementTimeoutMs: 10_000 };

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isCairnError(error), `expected a CairnError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('connectPostgres', () => {
  let server: PostgresServer | null = null;
  before(async () => {
    server = await startPostgres();
  });

  it('redacts the password of a URL', () => {
    assert.equal(redactDatabaseUrl('postgres://u:secret@h:5432/db'), 'postgres://u:***@h:5432/db');
    assert.equal(redactDatabaseUrl('postgres://u@h/db'), 'postgres://u@h/db');
  });

  it('an unreachable port is STORE_UNAVAILABLE naming the host, never the password', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const error = await rejection(connectPostgres({ ...base, url: `postgres://u:hunter2@127.0.0.1:${closed}/db` }));
    assert.equal(error.code, 'STORE_UNAVAILABLE');
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${closed}`));
    assert.doesNotMatch(`${error.message} ${error.hint}`, /hunter2/);
  });

  it('a server that accepts TCP and never answers fails within the connect timeout', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const error = await rejection(connectPostgres({ ...base, connectTimeoutMs: 300, url: `postgres://u@127.0.0.1:${port}/db` }));
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.match(error.message, /300 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('a wrong scheme is CONFIG_INVALID', async () => {
    const error = await rejection(connectPostgres({ ...base, url: 'mysql://u@127.0.0.1/db' }));
    assert.equal(error.code, 'CONFIG_INVALID');
  });

  it('a missing database and refused credentials are STORE_MISCONFIGURED with the reason', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const missing = await rejection(connectPostgres({ ...base, url: withDatabase(server.adminUrl, 'no_such_db') }));
    assert.equal(missing.code, 'STORE_MISCONFIGURED');
    assert.equal(missing.details.reason, 'database-missing');
    assert.match(missing.hint ?? '', /CREATE DATABASE|createdb/);

    // The test cluster trusts local connections, so authentication fails through an unknown role (28000).
    const url = new URL(server.adminUrl);
    url.username = 'no_such_role';
    const refused = await rejection(connectPostgres({ ...base, url: url.toString() }));
    assert.equal(refused.code, 'STORE_MISCONFIGURED');
    assert.equal(refused.details.reason, 'authentication');
  });

  it('connects to a database with pgvector and reports nothing', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const pool = await connectPostgres({ ...base, url: await server.createDatabase() });
    const { rows } = await pool.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    assert.ok(rows[0]!.extversion >= '0.8.0');
    await pool.end();
  });
});

describe('migratePostgres', () => {
  let server: PostgresServer | null = null;
  before(async () => {
    server = await startPostgres();
  });

  const steps: PostgresMigration[] = [
    { version: 1, name: 'first', sql: 'CREATE TABLE m_one (id integer PRIMARY KEY)' },
    { version: 2, name: 'second', sql: 'ALTER TABLE m_one ADD COLUMN label text' },
  ];

  it('applies each step once, also when two processes migrate at the same time', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const url = await server.createDatabase();
    const [a, b] = [await connectPostgres({ ...base, url }), await connectPostgres({ ...base, url })];
    const [first, second] = await Promise.all([migratePostgres(a, steps), migratePostgres(b, steps)]);
    assert.deepEqual([...first, ...second].sort(), [1, 2]);
    const status = await postgresSchemaStatus(a, steps);
    assert.equal(status.current, 2);
    assert.deepEqual(status.pending, []);
    assert.deepEqual(await migratePostgres(a, steps), []);
    await Promise.all([a.end(), b.end()]);
  });

  it('a failing step leaves nothing of itself and names itself; status shows it pending', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const pool = await connectPostgres({ ...base, url: await server.createDatabase() });
    const broken = [steps[0]!, { version: 2, name: 'broken', sql: 'CREATE TABLE m_two (id integer); SELECT no_such_function()' }];
    const error = await rejection(migratePostgres(pool, broken));
    assert.equal(error.code, 'STORE_FAILED');
    assert.match(error.message, /migration 2 \(broken\)/);
    const { rows } = await pool.query("SELECT to_regclass('m_two') AS t");
    assert.equal(rows[0].t, null);
    const status = await postgresSchemaStatus(pool, broken);
    assert.equal(status.current, 1);
    assert.deepEqual(status.pending.map((p) => p.version), [2]);
    await pool.end();
  });

  it('applies ranges with gaps between them (knowledge base 1-49, application stores 50-99) and refuses an unordered list', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const pool = await connectPostgres({ ...base, url: await server.createDatabase() });
    const ranged = [steps[0]!, { version: 50, name: 'fifty', sql: 'CREATE TABLE m_fifty (id integer)' }];
    assert.deepEqual(await migratePostgres(pool, ranged), [1, 50]);
    assert.deepEqual((await postgresSchemaStatus(pool, ranged)).pending, []);
    const error = await rejection(migratePostgres(pool, [ranged[1]!, ranged[0]!]));
    assert.equal(error.code, 'INTERNAL');
    await pool.end();
  });

  it('refuses a schema newer than it knows', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const pool = await connectPostgres({ ...base, url: await server.createDatabase() });
    await migratePostgres(pool, steps);
    const error = await rejection(migratePostgres(pool, steps.slice(0, 1)));
    assert.equal(error.code, 'STORE_MISCONFIGURED');
    assert.equal(error.details.reason, 'schema-newer');
    await pool.end();
  });
});
