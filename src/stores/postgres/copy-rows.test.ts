import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { POSTGRES_MISSING, startPostgres } from '../../testing/postgres-server.js';
import { copyRows, type CopyType, type CopyValue } from './copy-rows.js';

const server = await startPostgres();

const COLUMNS: readonly (readonly [string, CopyType])[] = [
  ['id', 'int8'], ['n', 'int4'], ['f', 'float8'], ['t', 'text'], ['v', 'vector'],
];

test('copyRows writes every type in binary form, NULLs and large ids included, inside the caller transaction', async (t) => {
  if (server === null) return t.skip(POSTGRES_MISSING);
  const client = new pg.Client({ connectionString: await server.createDatabase() });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    await client.query('CREATE TABLE r (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n integer, f double precision, t text, v vector)');
    const rows: CopyValue[][] = [
      [1, -7, 0.1, 'plain', Float32Array.of(1, -0.5, 3.25)],
      [2 ** 40 + 3, 2 ** 31 - 1, -1e300, 'ünïcödé ✓ 日本', Float32Array.of(0.1)],
      [5, null, null, null, null],
      [6, 0, 0, '', Float32Array.of(2)],
    ];
    // Enough rows to span several of the encoder's buffers.
    for (let i = 0; i < 30_000; i++) rows.push([1000 + i, i, i / 3, `row ${i} ${'x'.repeat(40)}`, Float32Array.of(i, 1)]);
    await client.query('BEGIN');
    await copyRows(client as unknown as pg.PoolClient, 'r', COLUMNS, rows);
    const before = await client.query<{ count: string }>('SELECT count(*) FROM r');
    assert.equal(Number(before.rows[0]!.count), rows.length);
    await client.query('ROLLBACK');
    assert.equal(Number((await client.query<{ count: string }>('SELECT count(*) FROM r')).rows[0]!.count), 0, 'the rows belong to the caller transaction');

    await copyRows(client as unknown as pg.PoolClient, 'r', COLUMNS, rows.slice(0, 4));
    const { rows: back } = await client.query<{ id: string; n: number | null; f: number | null; t: string | null; v: string | null }>(
      'SELECT id::text, n, f, t, v::text FROM r ORDER BY r.id',
    );
    assert.deepEqual(back, [
      { id: '1', n: -7, f: 0.1, t: 'plain', v: '[1,-0.5,3.25]' },
      { id: '5', n: null, f: null, t: null, v: null },
      { id: '6', n: 0, f: 0, t: '', v: '[2]' },
      { id: String(2 ** 40 + 3), n: 2 ** 31 - 1, f: -1e300, t: 'ünïcödé ✓ 日本', v: '[0.1]' },
    ]);
  } finally {
    await client.end();
  }
});

test('a row the table refuses fails the whole COPY with the server error', async (t) => {
  if (server === null) return t.skip(POSTGRES_MISSING);
  const client = new pg.Client({ connectionString: await server.createDatabase() });
  await client.connect();
  try {
    await client.query('CREATE TABLE r (id bigint PRIMARY KEY, n integer, f double precision, t text, v text)');
    await assert.rejects(
      copyRows(client as unknown as pg.PoolClient, 'r', COLUMNS.slice(0, 4), [[1, 1, 1, 'a'], [1, 2, 2, 'b']]),
      /duplicate key/,
    );
    assert.equal(Number((await client.query<{ count: string }>('SELECT count(*) FROM r')).rows[0]!.count), 0);
  } finally {
    await client.end();
  }
});
