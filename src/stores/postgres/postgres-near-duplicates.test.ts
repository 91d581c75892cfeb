import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shingleHashes } from '../../core/minhash.js';
import { seededRandom } from '../../core/seeded-random.js';
import { POSTGRES_MISSING, startPostgres } from '../../testing/postgres-server.js';
import { openTempSqliteStore } from '../../testing/temp-sqlite-store.js';
import type { ChunkStore, DocumentWrite } from '../chunk-store.js';
import { contractAnalyzer } from '../store-contract-fixtures.js';
import { openPostgresStore } from './open-postgres-store.js';

const server = await startPostgres();

function words(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => `w${Math.floor(random() * 2000)}`);
}
const edit = (from: string[], at: number[]) => from.map((word, i) => (at.includes(i) ? `x${i}` : word)).join(' ');

function document(path: string, text: string): DocumentWrite {
  return {
    collection: 'kb', uri: `file:///kb/${path}`, relativePath: path, sourceRoot: '/kb', title: path, format: 'text',
    contentHash: path + text.length, sizeBytes: text.length, modifiedMs: 0, tags: [], metadata: {},
    chunks: [{ ordinal: 0, text, headingPath: [], tokenCount: 10, contentHash: path, vector: null }],
    fingerprint: { shingles: shingleHashes(text), threshold: 0.84, boilerplateDf: 0 },
  };
}

async function clusters(chunks: ChunkStore): Promise<string[][]> {
  return (await chunks.listDuplicateClusters!('kb')).map((cluster) => cluster.members.map((member) => member.relativePath));
}

test('fingerprints written in one batch cluster as the SQLite store clusters them one document at a time', async (t) => {
  if (server === null) return t.skip(POSTGRES_MISSING);
  const base = words(1, 300);
  const other = words(2, 300);
  // With threshold 0.84: a–b 0.93, b–c 0.86, a–c 0.80 (c joins through b); d and e resemble `other`.
  const first = [document('a.md', base.join(' ')), document('d.md', other.join(' '))];
  const second = [
    document('c.md', edit(base, [50, 150, 200, 100, 250, 20])),
    document('lone.md', words(3, 300).join(' ')),
    document('b.md', edit(base, [50, 150, 200])),
    document('e.md', edit(other, [7, 70])),
    document('b.md', edit(base, [50, 150, 200])),
  ];
  const sqlite = await openTempSqliteStore();
  const postgres = await openPostgresStore({
    connect: { url: await server.createDatabase(), poolSize: 2, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 },
    lexicalAnalyzer: contractAnalyzer,
    hnsw: { m: 16, efConstruction: 64, efSearch: 40 },
  });
  try {
    for (const store of [sqlite.store, postgres]) await store.chunks.createCollection('kb', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
    // SQLite: one document per transaction; PostgreSQL: each list in one batch.
    for (const write of [...first, ...second]) await sqlite.store.chunks.writeDocument(write);
    await postgres.chunks.writeDocuments!(first);
    await postgres.chunks.writeDocuments!(second);
    const expected = await clusters(sqlite.store.chunks);
    assert.deepEqual(expected, [['a.md', 'b.md', 'c.md'], ['d.md', 'e.md']], 'the fixture forms a chain and a pair');
    assert.deepEqual(await clusters(postgres.chunks), expected);
    // Each cluster is named by its smallest member id, as one-by-one recording names it.
    const ids = new Map((await postgres.chunks.listDocuments({ collection: 'kb', limit: 10, offset: 0 })).items.map((d) => [d.relativePath, d.id]));
    const named = (await postgres.chunks.listDuplicateClusters!('kb')).map((cluster) => cluster.cluster);
    assert.deepEqual(named, [ids.get('a.md'), ids.get('d.md')]);
  } finally {
    await sqlite.close();
    await postgres.close();
  }
});

test('boilerplate shingles are left out once common, true copies still cluster, removals update the counts (as on SQLite)', async (t) => {
  if (server === null) return t.skip(POSTGRES_MISSING);
  const { checkBoilerplateClusters, checkPlainShingleClusters } = await import('../near-duplicate-scenario.js');
  const postgres = await openPostgresStore({
    connect: { url: await server.createDatabase(), poolSize: 2, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 },
    lexicalAnalyzer: contractAnalyzer,
    hnsw: { m: 16, efConstruction: 64, efSearch: 40 },
  });
  try {
    for (const name of ['templates', 'plain']) await postgres.chunks.createCollection(name, { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
    await checkPlainShingleClusters(postgres.chunks, 'plain');
    await checkBoilerplateClusters(postgres.chunks, 'templates');
  } finally {
    await postgres.close();
  }
});
