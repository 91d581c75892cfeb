import type { Database } from 'better-sqlite3';
import type { CollectionCounts, StoreCounts } from '../store-backup.js';

/**
 * Counts what a database holds by counting rows (not the trigger-kept counters of `collections`), so
 * a backup's manifest and its verification count the same way. Collections in name order.
 */
export function countSqliteStore(db: Database): StoreCounts {
  const collections = db.prepare('SELECT name, embedder, dimensions FROM collections ORDER BY name').all() as {
    name: string;
    embedder: string;
    dimensions: number;
  }[];
  const perCollection = (sql: string) => new Map((db.prepare(sql).all() as { collection: string; n: number }[]).map((row) => [row.collection, row.n]));
  const documents = perCollection('SELECT collection, count(*) AS n FROM documents GROUP BY collection');
  const chunks = perCollection('SELECT collection, count(*) AS n FROM chunks GROUP BY collection');
  // Served by the partial index chunks_vector: no vector blob is read.
  const vectors = perCollection('SELECT collection, count(*) AS n FROM chunks WHERE vector IS NOT NULL GROUP BY collection');
  const counted: CollectionCounts[] = collections.map((c) => ({
    name: c.name,
    embedder: c.embedder,
    dimensions: c.dimensions,
    documents: documents.get(c.name) ?? 0,
    chunks: chunks.get(c.name) ?? 0,
    vectors: vectors.get(c.name) ?? 0,
  }));
  const rows = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    collections: counted,
    documents: sum(documents),
    chunks: sum(chunks),
    vectors: sum(vectors),
    apiKeys: rows('api_keys'),
    jobs: rows('jobs'),
    chatSessions: rows('chat_sessions'),
    memories: rows('memories'),
  };
}

/**
 * Cross-checks that only a whole-database snapshot passes: every document's `chunk_count` matches its
 * stored chunks, and the per-collection counters kept by triggers match the rows. Answers the problems.
 */
export function checkSqliteCounters(db: Database): string[] {
  const problems: string[] = [];
  const halfDocuments = db
    .prepare(
      `SELECT d.collection, count(*) AS n FROM documents d
       WHERE d.chunk_count <> (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)
       GROUP BY d.collection`,
    )
    .all() as { collection: string; n: number }[];
  for (const row of halfDocuments) problems.push(`collection "${row.collection}": ${row.n} documents whose stored chunks differ from their chunk count`);
  const counters = db
    .prepare(
      `SELECT c.name, c.document_count, c.chunk_count,
         (SELECT count(*) FROM documents d WHERE d.collection = c.name) AS documents,
         (SELECT count(*) FROM chunks k WHERE k.collection = c.name) AS chunks
       FROM collections c`,
    )
    .all() as { name: string; document_count: number; chunk_count: number; documents: number; chunks: number }[];
  for (const row of counters) {
    if (row.document_count !== row.documents || row.chunk_count !== row.chunks) {
      problems.push(`collection "${row.name}": counters say ${row.document_count} documents and ${row.chunk_count} chunks, rows ${row.documents} and ${row.chunks}`);
    }
  }
  return problems;
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const value of map.values()) total += value;
  return total;
}
