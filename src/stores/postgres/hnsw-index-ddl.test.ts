import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { contractAnalyzer, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { POSTGRES_MISSING, startPostgres } from '../../testing/postgres-server.js';
import { until } from '../../testing/until.js';
import { openPostgresStore } from './open-postgres-store.js';

const server = await startPostgres();

async function open(url: string, applicationName: string) {
  return openPostgresStore({
    connect: { url, poolSize: 4, connectTimeoutMs: 5000, statementTimeoutMs: 30_000, applicationName },
    lexicalAnalyzer: contractAnalyzer,
    hnsw: { m: 16, efConstruction: 64, efSearch: 40 },
  });
}

async function indexDefinition(admin: pg.Client, collection: string): Promise<string | undefined> {
  const { rows } = await admin.query<{ definition: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i JOIN collections c ON i.indexrelid = to_regclass('chunks_hnsw_' || c.id)
     WHERE c.name = $1 AND i.indisvalid`,
    [collection],
  );
  return rows[0]?.definition;
}

/**
 * Another process builds an index CONCURRENTLY (held at its first wait by an open writing transaction)
 * while this one deletes a collection or changes its dimension. A DROP INDEX inside that transaction
 * queues behind the build's lock while the build waits for the transaction's snapshot: PostgreSQL
 * ends one of them with "deadlock detected". Both must succeed.
 */
for (const change of ['deleteCollection', 'setCollectionEmbedder'] as const) {
  test(`${change} next to another process's index build: both finish, no deadlock`, async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const url = await server.createDatabase();
    const builder = await open(url, 'cairn-ddl-builder');
    const changer = await open(url, 'cairn-ddl-changer');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      for (const name of ['busy', 'other']) {
        await builder.chunks.createCollection(name, { embedder: 'test:v', dimensions: 2, chunkSize: 256, chunkOverlap: 0 });
        await builder.chunks.writeDocuments!([makeDocument(name, 'a.md', [makeChunk(0, 'walrus', Float32Array.of(1, 0)), makeChunk(1, 'tusk', Float32Array.of(0, 1))])]);
      }
      await changer.vectors.open('other', 2);
      assert.ok(await indexDefinition(admin, 'other'), 'the changed collection has its index');

      // A writing transaction holds the builder's CREATE INDEX CONCURRENTLY at its first wait.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE chunks IN ROW EXCLUSIVE MODE');
      const build = builder.vectors.open('busy', 2);
      await until(async () => {
        const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'cairn-ddl-builder' AND wait_event = 'virtualxid'");
        return rows.length > 0 ? true : undefined;
      }, 'the build to wait for the open transaction');
      const changed = change === 'deleteCollection' ? changer.chunks.deleteCollection('other') : changer.chunks.setCollectionEmbedder('other', 'test:w', 3);
      // Either its transaction committed (the fixed order) or it queued for a lock on chunks (a DROP INDEX in it).
      await until(async () => {
        const { rows } = await admin.query(
          `SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM collections WHERE name = 'other' AND dimensions = 2)
           OR EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'cairn-ddl-changer' AND wait_event_type = 'Lock')`,
        );
        return rows.length > 0 ? true : undefined;
      }, 'the change to commit or to wait for a lock');
      await admin.query('COMMIT');

      await Promise.all([build, changed]);
      assert.match((await indexDefinition(admin, 'busy')) ?? '', /vector\(2\)/);
      assert.equal(await indexDefinition(admin, 'other'), undefined, 'the old index is dropped');
      if (change === 'setCollectionEmbedder') {
        // The new dimension's vectors go in (the old index's cast would reject them), and open builds its index.
        await changer.chunks.writeDocuments!([makeDocument('other', 'b.md', [makeChunk(0, 'narwhal', Float32Array.of(0, 0, 1))])]);
        await changer.vectors.open('other', 3);
        assert.match((await indexDefinition(admin, 'other')) ?? '', /vector\(3\)/);
        const hits = await changer.vectors.search({ collection: 'other', vector: Float32Array.of(0, 0, 1), k: 1 });
        assert.equal(hits.length, 1);
      }
    } finally {
      await admin.query('ROLLBACK').catch(() => {});
      await admin.end();
      await Promise.all([builder.close(), changer.close()]);
    }
  });
}

test('open replaces an index of another dimension (a process died between a dimension change and its drop)', async (t) => {
  if (server === null) return t.skip(POSTGRES_MISSING);
  const url = await server.createDatabase();
  const store = await open(url, 'cairn-ddl-stale');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await store.chunks.createCollection('stale', { embedder: 'test:v', dimensions: 2, chunkSize: 256, chunkOverlap: 0 });
    await store.chunks.writeDocuments!([makeDocument('stale', 'a.md', [makeChunk(0, 'walrus', Float32Array.of(1, 0))])]);
    await store.vectors.open('stale', 2);
    // What setCollectionEmbedder's transaction commits, without the drop that follows it.
    await admin.query("UPDATE collections SET dimensions = 3, embedder = 'test:w' WHERE name = 'stale'");
    await admin.query('UPDATE chunks SET embedding = NULL');
    await store.vectors.open('stale', 3);
    assert.match((await indexDefinition(admin, 'stale')) ?? '', /vector\(3\)/);
    await store.chunks.writeDocuments!([makeDocument('stale', 'b.md', [makeChunk(0, 'narwhal', Float32Array.of(0, 0, 1))])]);
    assert.equal((await store.vectors.search({ collection: 'stale', vector: Float32Array.of(0, 0, 1), k: 1 })).length, 1);
  } finally {
    await admin.end();
    await store.close();
  }
});
