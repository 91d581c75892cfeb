import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { chunkStoreContract } from '../chunk-store.contract.js';
import { lexicalIndexContract } from '../lexical-index.contract.js';
import { contractAnalyzer, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { vectorIndexContract } from '../vector-index.contract.js';
import { POSTGRES_MISSING, startPostgres } from '../../testing/postgres-server.js';
import { openPostgresStore } from './open-postgres-store.js';

const HNSW = { m: 16, efConstruction: 100, efSearch: 80 };
const server = await startPostgres();

async function open(url: string, hnsw: { exactFilterChunks?: number } = {}) {
  return openPostgresStore({
    connect: { url, poolSize: 4, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 },
    lexicalAnalyzer: contractAnalyzer,
    hnsw: { ...HNSW, ...hnsw },
  });
}

if (server === null) {
  test('PostgreSQL contract suites (chunk store, lexical, vector index)', (t) => t.skip(POSTGRES_MISSING));
} else {
  chunkStoreContract('postgres', async () => open(await server.createDatabase()));
  lexicalIndexContract('postgres bm25', async () => open(await server.createDatabase()));
  vectorIndexContract('postgres + pgvector', async () => {
    const url = await server.createDatabase();
    return { open: () => open(url), dispose: async () => {} };
  });
  // Every filter of the contract's fixtures is below EXACT_FILTER_CHUNKS: once more with the index walk (iterative scan) for them.
  vectorIndexContract('postgres + pgvector, filters by the index walk', async () => {
    const url = await server.createDatabase();
    return { open: () => open(url, { exactFilterChunks: 0 }), dispose: async () => {} };
  });
}

test('a connection dropped in the middle of writeDocuments leaves no half document', async (t) => {
  if (server === null) return t.skip(POSTGRES_MISSING);
  const url = await server.createDatabase();
  const store = await openPostgresStore({
    connect: { url, poolSize: 2, connectTimeoutMs: 5000, statementTimeoutMs: 30_000, applicationName: 'cairn-drop-test' },
    lexicalAnalyzer: contractAnalyzer,
    hnsw: HNSW,
  });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await store.chunks.createCollection('drop', { embedder: 'test:v', dimensions: 2, chunkSize: 256, chunkOverlap: 0 });
    // The writer's last step updates the term statistics: holding their table makes it wait there, after it
    // wrote the documents, chunks and postings of its transaction; then its connection is cut.
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE lexical_terms IN ACCESS EXCLUSIVE MODE');
    const documents = Array.from({ length: 5 }, (_, i) => makeDocument('drop', `d${i}.md`, [makeChunk(0, `walrus ${i}`, Float32Array.of(1, 0)), makeChunk(1, 'tusk', Float32Array.of(0, 1))]));
    const write = store.chunks.writeDocuments!(documents);
    let writer: number | undefined;
    while (writer === undefined) {
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'cairn-drop-test' AND wait_event_type = 'Lock'",
      );
      writer = rows[0]?.pid;
    }
    const { rows: written } = await admin.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_locks WHERE pid = $1 AND locktype = 'relation' AND relation = 'chunks'::regclass",
      [writer],
    );
    assert.equal(written[0]?.n, '1', 'the writer had written chunks when its connection was cut');
    await admin.query('SELECT pg_terminate_backend($1)', [writer]);
    await assert.rejects(write, (error: unknown) => (error as { code?: string }).code === 'STORE_UNAVAILABLE');
    await admin.query('COMMIT');
    const counts = await admin.query<{ documents: string; chunks: string; postings: string; terms: string }>(
      `SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks,
        (SELECT count(*) FROM lexical_postings) AS postings, (SELECT count(*) FROM lexical_terms) AS terms`,
    );
    assert.deepEqual(counts.rows[0], { documents: '0', chunks: '0', postings: '0', terms: '0' });
    const collection = await store.chunks.getCollection('drop');
    assert.equal(collection?.documentCount, 0);
    // The pool replaced the dead connection: the same batch now goes through whole.
    const results = await store.chunks.writeDocuments!(documents);
    assert.equal(results.length, 5);
    assert.equal((await store.chunks.getCollection('drop'))?.chunkCount, 10);
    assert.equal((await store.lexical.search({ collection: 'drop', terms: ['walrus'], k: 10 })).length, 5);
  } finally {
    await admin.end();
    await store.close();
  }
});

test('a dense search after the collection was dropped and re-created under its name searches the new one (the cached id is re-checked in the statement)', async (t) => {
  if (server === null) return t.skip(POSTGRES_MISSING);
  const url = await server.createDatabase();
  const store = await open(url);
  // Another process stands for whoever drops and re-creates the collection: nothing in `store` hears of it.
  const other = await open(url);
  try {
    const settings = { embedder: 'test:v', dimensions: 2, chunkSize: 256, chunkOverlap: 0 };
    await store.chunks.createCollection('kb', settings);
    await store.chunks.writeDocument(makeDocument('kb', 'old.md', [makeChunk(0, 'old', Float32Array.of(1, 0))]));
    await store.vectors.open('kb', 2);
    const old = await store.vectors.search({ collection: 'kb', vector: Float32Array.of(1, 0), k: 5 });
    assert.equal(old.length, 1);
    await other.chunks.deleteCollection('kb');
    await other.chunks.createCollection('kb', settings);
    const written = await other.chunks.writeDocument(makeDocument('kb', 'new.md', [makeChunk(0, 'new', Float32Array.of(0, 1)), makeChunk(1, 'newer', Float32Array.of(1, 1))]));
    await other.vectors.open('kb', 2);
    const hits = await store.vectors.search({ collection: 'kb', vector: Float32Array.of(1, 0), k: 5 });
    assert.deepEqual(hits.map((hit) => hit.chunkId).sort((a, b) => a - b), [...written.chunkIds].sort((a, b) => a - b));
    await other.chunks.deleteCollection('kb');
    await assert.rejects(store.vectors.search({ collection: 'kb', vector: Float32Array.of(1, 0), k: 5 }), (error: unknown) => (error as { code?: string }).code === 'COLLECTION_NOT_FOUND');
  } finally {
    await other.close();
    await store.close();
  }
});

test('two processes building collection indexes at once do not deadlock (builds and drops are serialised)', async (t) => {
  if (server === null) return t.skip(POSTGRES_MISSING);
  const url = await server.createDatabase();
  // Two stores with pools of their own stand for two workers finishing first ingests of two collections.
  const [a, b] = await Promise.all([open(url), open(url)]);
  try {
    const names = ['left', 'right'];
    for (const name of names) {
      await a.chunks.createCollection(name, { embedder: 'test:v', dimensions: 8, chunkSize: 256, chunkOverlap: 0 });
      const documents = Array.from({ length: 40 }, (_, i) =>
        makeDocument(name, `d${i}.md`, Array.from({ length: 10 }, (_, j) => makeChunk(j, `word ${i} ${j}`, Float32Array.from({ length: 8 }, (_, d) => Math.sin(i * 31 + j * 7 + d))))),
      );
      await a.chunks.writeDocuments!(documents);
    }
    const index = (name: string) => `SELECT to_regclass(format('chunks_hnsw_%s', (SELECT id FROM collections WHERE name = '${name}'))) IS NOT NULL AS present`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      for (let round = 0; round < 3; round++) {
        // Unserialised, the two CONCURRENTLY builds (or a drop beside a build) each wait for the other's snapshot: "deadlock detected".
        await Promise.all([a.vectors.deferBuild!('left'), b.vectors.deferBuild!('right')]);
        await Promise.all([a.vectors.open('left', 8), b.vectors.open('right', 8), a.vectors.deferBuild!('right').then(() => b.vectors.open('right', 8))]);
        for (const name of names) assert.equal((await admin.query<{ present: boolean }>(index(name))).rows[0]?.present, true, `${name} has its index after round ${round}`);
      }
    } finally {
      await admin.end();
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
