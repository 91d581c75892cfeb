import type pg from 'pg';
import type { CollectionCounts, StoreCounts } from '../store-backup.js';

/** The per-table rows a count is built from, whoever read them (the database, or a dump's data). */
export interface CountSource {
  collections: { id: number; name: string; embedder: string; dimensions: number }[];
  /** By collection id. */
  documents: Map<number, number>;
  chunks: Map<number, number>;
  vectors: Map<number, number>;
  apiKeys: number;
  jobs: number;
  chatSessions: number;
  memories: number;
}

/** StoreCounts from per-table rows; collections in name order (JavaScript's), so every reader orders alike. */
export function toStoreCounts(source: CountSource): StoreCounts {
  const collections: CollectionCounts[] = [...source.collections]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => ({
      name: c.name,
      embedder: c.embedder,
      dimensions: c.dimensions,
      documents: source.documents.get(c.id) ?? 0,
      chunks: source.chunks.get(c.id) ?? 0,
      vectors: source.vectors.get(c.id) ?? 0,
    }));
  const total = (key: 'documents' | 'chunks' | 'vectors') => collections.reduce((sum, c) => sum + c[key], 0);
  return {
    collections,
    documents: total('documents'),
    chunks: total('chunks'),
    vectors: total('vectors'),
    apiKeys: source.apiKeys,
    jobs: source.jobs,
    chatSessions: source.chatSessions,
    memories: source.memories,
  };
}

/** Counts what the database holds by counting rows (not the collections' counters), as the SQLite store's backups do. */
export async function countPostgresStore(db: Pick<pg.ClientBase, 'query'>): Promise<StoreCounts> {
  const { rows: collections } = await db.query<{ id: number; name: string; embedder: string; dimensions: number }>('SELECT id, name, embedder, dimensions FROM collections');
  const perCollection = async (sql: string) => new Map((await db.query<{ id: number; n: number }>(sql)).rows.map((row) => [row.id, Number(row.n)]));
  const rows = async (table: string) => Number((await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
  return toStoreCounts({
    collections,
    documents: await perCollection('SELECT collection_id AS id, count(*) AS n FROM documents GROUP BY collection_id'),
    chunks: await perCollection('SELECT collection_id AS id, count(*) AS n FROM chunks GROUP BY collection_id'),
    vectors: await perCollection('SELECT collection_id AS id, count(*) AS n FROM chunks WHERE embedding IS NOT NULL GROUP BY collection_id'),
    apiKeys: await rows('api_keys'),
    jobs: await rows('jobs'),
    chatSessions: await rows('chat_sessions'),
    memories: await rows('memories'),
  });
}

/** Cairn's tables: every ordinary table of the current schema that no extension owns (pgvector's are left to CREATE EXTENSION). */
export async function cairnTables(db: Pick<pg.ClientBase, 'query'>): Promise<{ schema: string; tables: string[] }> {
  const { rows } = await db.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY c.relname`,
  );
  const schema = rows[0]?.schema ?? 'public';
  return { schema, tables: rows.map((row) => row.name) };
}

/** A name quoted for pg_dump's `--table` pattern (and SQL): double quotes, inner quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
