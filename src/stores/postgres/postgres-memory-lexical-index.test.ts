import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeFilter } from '../../core/search-filter.js';
import { analyzeForIndex, analyzeQuery } from '../../models/tokenize/lexical-analyzer.js';
import { seededRandom } from '../../core/seeded-random.js';
import { POSTGRES_MISSING, startPostgres } from '../../testing/postgres-server.js';
import type { LexicalHit } from '../lexical-index.js';
import { lexicalIndexContract } from '../lexical-index.contract.js';
import { contractAnalyzer, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { openPostgresStore, type PostgresStore } from './open-postgres-store.js';
import { PostgresLexicalIndex } from './postgres-lexical-index.js';
import { PostgresMemoryLexicalIndex } from './postgres-memory-lexical-index.js';

const HNSW = { m: 16, efConstruction: 100, efSearch: 80 };
const server = await startPostgres();

/** Words that stem, identifiers that split, non-ASCII words that fold or split, CJK (as memory-lexical-index.test.ts). */
const WORDS = [
  'rotate', 'rotating', 'rotation', 'signing', 'key', 'keys', 'certificate', 'configuration', 'configure', 'server',
  'getUserName', 'snake_case_value', 'HTTPServer', 'kebab-case', 'base64', 'ipv6', 'café', 'naïve', 'Straße', 'Ångström',
  'résumé', 'deployment', 'deploying', 'cluster', 'replica', 'index', 'indexes', 'query', 'queries', 'token', '東京都',
  'database', 'backup', 'restore', 'the', 'and', 'of', 'with', 'running', 'runs', 'ran', 'helm', 'chart', 'release',
];
const QUERIES = [
  'how do I rotate the signing key', 'rotating', 'getUserName', 'user name', 'café naïve', 'Straße', 'ångström',
  'deployment of a cluster replica', 'HTTP server configuration', 'backup and restore the database', '東京', 'base64 token',
  'helm chart release', 'nothing-matches-this-zzz', 'the and of',
];

async function open(url: string, options: { accelerator?: boolean } = {}): Promise<PostgresStore> {
  return openPostgresStore({
    connect: { url, poolSize: 4, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 },
    lexicalAnalyzer: analyzeForIndex,
    hnsw: HNSW,
    lexical: { maxScoredRows: 0 },
    lexicalAccelerator: options.accelerator ?? false,
  });
}

function text(random: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)] as string).join(' ');
}

async function writeCorpus(store: PostgresStore, collection: string, documents: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  await store.chunks.createCollection(collection, { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
  const batch = Array.from({ length: documents }, (_, d) => {
    const chunks = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, ordinal) =>
      makeChunk(ordinal, text(random, 5 + Math.floor(random() * 60)), null, { headingPath: random() < 0.5 ? [text(random, 3)] : [] }),
    );
    return makeDocument(collection, `doc-${d}.md`, chunks, { title: text(random, 2) });
  });
  await store.chunks.writeDocuments!(batch);
}

/**
 * The same hits with the same scores to float precision (the postings hold frequencies as float32, and
 * the sums run in another order, so near-ties may swap), best first, ties by the lower chunk id.
 */
function assertSameRanking(memory: LexicalHit[], sql: LexicalHit[], label: string): void {
  assert.equal(memory.length, sql.length, `${label}: as many hits`);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
  const sqlScores = new Map(sql.map((hit) => [hit.chunkId, hit.score]));
  for (let i = 0; i < memory.length; i++) {
    const hit = memory[i] as LexicalHit;
    assert.ok(close(hit.score, (sql[i] as LexicalHit).score), `${label}: hit ${i} scores ${hit.score}, SQL ${(sql[i] as LexicalHit).score}`);
    const expected = sqlScores.get(hit.chunkId);
    if (expected !== undefined) assert.ok(close(hit.score, expected), `${label}: chunk ${hit.chunkId} scores ${hit.score}, SQL ${expected}`);
    else assert.ok(close(hit.score, (sql[sql.length - 1] as LexicalHit).score), `${label}: chunk ${hit.chunkId} only ties the SQL cut-off`);
    const previous = memory[i - 1];
    if (previous !== undefined) assert.ok(previous.score > hit.score || (previous.score === hit.score && previous.chunkId < hit.chunkId), `${label}: best first, ties by chunk id`);
  }
}

async function waitReady(index: PostgresMemoryLexicalIndex, collection: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    // A query reads the generation (and schedules the read the quiet period allows).
    await index.search({ collection, terms: ['rotate'], k: 1 });
    if (index.acceleratorStatus(collection).state === 'ready') return;
    assert.ok(Date.now() < deadline, `ready within 20 s: ${JSON.stringify(index.acceleratorStatus(collection))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

if (server === null) {
  test('PostgreSQL in-memory BM25 postings', (t) => t.skip(POSTGRES_MISSING));
} else {
  // The contract with every unfiltered query answered from memory: each search warms first.
  lexicalIndexContract('postgres bm25, in-memory postings', async () => {
    const store = await openPostgresStore({
      connect: { url: await server.createDatabase(), poolSize: 4, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 },
      lexicalAnalyzer: contractAnalyzer,
      hnsw: HNSW,
      lexicalAccelerator: true,
    });
    const accelerated = store.lexical;
    return {
      chunks: store.chunks,
      lexical: {
        kind: accelerated.kind,
        async search(options) {
          if (options.filter === undefined) await accelerated.warm?.(options.collection);
          return accelerated.search(options);
        },
      },
      close: () => store.close(),
    };
  });

  test('the in-memory postings rank every query as the SQL BM25 does, read from the same postings table', async () => {
    const store = await open(await server.createDatabase(), { accelerator: true });
    try {
      await writeCorpus(store, 'kb', 300, 7);
      assert.equal(store.lexical.kind, 'postgres-bm25+memory-bm25');
      assert.equal(await store.lexical.warm?.('kb'), true);
      const status = store.lexical.acceleratorStatus?.('kb');
      assert.equal(status?.state, 'ready');
      assert.equal(status?.documents, (await store.chunks.getCollection('kb'))?.chunkCount);
      const sql = new PostgresLexicalIndex(store.pool, { maxScoredRows: 0 });
      for (const query of QUERIES) {
        const terms = analyzeQuery(query);
        assertSameRanking(await store.lexical.search({ collection: 'kb', terms, k: 10_000 }), await sql.search({ collection: 'kb', terms, k: 10_000 }), query);
        const top = await store.lexical.search({ collection: 'kb', terms, k: 5 });
        assertSameRanking(top, await sql.search({ collection: 'kb', terms, k: 5 }), `${query} (k 5)`);
      }
      await assert.rejects(store.lexical.search({ collection: 'missing', terms: ['key'], k: 5 }), (error: unknown) => (error as { code?: string }).code === 'COLLECTION_NOT_FOUND');
    } finally {
      await store.close();
    }
  });

  test('another connection writing makes the postings stale: its new, replaced and deleted chunks show at once, and a re-read follows', async () => {
    const url = await server.createDatabase();
    const store = await open(url);
    // quietMs 0: the re-read starts at the first query after the write.
    const index = new PostgresMemoryLexicalIndex(store.pool, new PostgresLexicalIndex(store.pool, { maxScoredRows: 0 }), { maxScoredPostings: 0, quietMs: 0 });
    // A second store stands for another process (`cairn worker`, a second `cairn serve`) on the same database.
    const other = await open(url);
    try {
      await writeCorpus(store, 'kb', 60, 13);
      await store.chunks.writeDocument(makeDocument('kb', 'moving.md', [makeChunk(0, 'a walrus in the archive', null), makeChunk(1, 'second part', null)]));
      assert.equal(await index.warm('kb'), true);
      const documents = index.acceleratorStatus('kb').documents;
      assert.equal((await index.search({ collection: 'kb', terms: ['walrus'], k: 5 })).length, 1);
      // The same document rewritten with as many chunks by the other connection.
      await other.chunks.writeDocument(makeDocument('kb', 'moving.md', [makeChunk(0, 'a narwhal in the archive', null), makeChunk(1, 'second part', null)]));
      assert.deepEqual(await index.search({ collection: 'kb', terms: ['walrus'], k: 5 }), [], 'the replaced text is gone at once');
      assert.equal((await index.search({ collection: 'kb', terms: ['narwhal'], k: 5 })).length, 1, 'the new text is found at once');
      await waitReady(index, 'kb');
      assert.equal(index.acceleratorStatus('kb').documents, documents, 'the re-read postings hold the rewritten chunks');
      assert.equal((await index.search({ collection: 'kb', terms: ['narwhal'], k: 5 })).length, 1, 'found from the re-read postings');
      await other.chunks.deleteDocuments('kb', ['file:///root/moving.md']);
      assert.deepEqual(await index.search({ collection: 'kb', terms: ['narwhal'], k: 5 }), [], 'a chunk deleted by another connection is never returned');
      await waitReady(index, 'kb');
      assert.equal(index.acceleratorStatus('kb').documents, documents - 2);
    } finally {
      await index.close();
      await other.close();
      await store.close();
    }
  });

  test('given the generation the search read, fresh postings answer without a statement; a newer one goes to SQL', async () => {
    const store = await open(await server.createDatabase());
    const statements: unknown[] = [];
    const query = store.pool.query.bind(store.pool);
    store.pool.query = ((...args: Parameters<typeof query>) => {
      statements.push(args[0]);
      return query(...args);
    }) as typeof store.pool.query;
    const index = new PostgresMemoryLexicalIndex(store.pool, new PostgresLexicalIndex(store.pool, { maxScoredRows: 0 }), { maxScoredPostings: 0, quietMs: 60_000 });
    try {
      await writeCorpus(store, 'kb', 40, 3);
      assert.equal(await index.warm('kb'), true);
      const generation = await store.chunks.collectionGeneration!('kb');
      const terms = analyzeQuery('rotate the signing key');
      statements.length = 0;
      const given = await index.search({ collection: 'kb', terms, k: 10, generation });
      assert.equal(statements.length, 0, 'answered from memory, no freshness read');
      assert.deepEqual(given, await index.search({ collection: 'kb', terms, k: 10 }), 'as the search that reads the generation itself');
      await store.chunks.writeDocument(makeDocument('kb', 'new.md', [makeChunk(0, 'a walrus in the archive', null)]));
      const newer = await store.chunks.collectionGeneration!('kb');
      assert.notEqual(newer, generation);
      statements.length = 0;
      assert.equal((await index.search({ collection: 'kb', terms: ['walrus'], k: 5, generation: newer })).length, 1, 'the new chunk, from SQL');
      assert.ok(statements.length > 0, 'the SQL BM25 answered');
      assert.equal(index.acceleratorStatus('kb').state === 'ready', false, 'the postings are known to be stale');
    } finally {
      await index.close();
      await store.close();
    }
  });

  test('filtered queries go to the SQL BM25, which applies the filter', async () => {
    const store = await open(await server.createDatabase(), { accelerator: true });
    try {
      await writeCorpus(store, 'kb', 40, 5);
      await store.chunks.writeDocument(makeDocument('kb', 'guides/rotate.md', [makeChunk(0, 'rotate the signing key', null)]));
      assert.equal(await store.lexical.warm?.('kb'), true);
      const terms = analyzeQuery('rotate signing key');
      const all = await store.lexical.search({ collection: 'kb', terms, k: 100 });
      const filtered = await store.lexical.search({ collection: 'kb', terms, k: 100, filter: normalizeFilter({ pathPrefix: 'guides/' }) });
      assert.ok(all.length > 1);
      assert.equal(filtered.length, 1);
    } finally {
      await store.close();
    }
  });
}
