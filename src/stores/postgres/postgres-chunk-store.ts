// Over 500 lines on purpose: the whole ChunkStore contract for PostgreSQL in one class, each method a thin
// statement or a delegation (writes to postgres-document-writer.ts, clusters to postgres-near-duplicates.ts);
// splitting it by method group would spread one interface over several files without shortening any of them.
import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import type {
  ChunkStore,
  ChunkView,
  DocumentListQuery,
  DocumentPage,
  DocumentRecord,
  DocumentState,
  DocumentWrite,
  DuplicateCluster,
  DuplicateMember,
  IngestRunRecord,
  StoredChunk,
  WriteResult,
} from '../chunk-store.js';
import type { CollectionRecord, CollectionSettings } from '../collection-record.js';
import { DEFAULT_LEXICAL_WEIGHTS, type LexicalWeights } from '../sqlite/sqlite-lexical-index.js';
import { PostgresDocumentWriter, type LexicalAnalyzer } from './postgres-document-writer.js';
import { dropHnswIndex } from './hnsw-index-ddl.js';
import { withTransaction } from './postgres-errors.js';
import { duplicatesOf, listDuplicateClusters } from './postgres-near-duplicates.js';
import { parseVector, vectorLiteral } from './vector-literal.js';
import { COLLECTION_GENERATION_SQL } from './collection-generation.js';

/** pgvector indexes `vector` columns of at most this many dimensions with HNSW. */
export const MAX_INDEXED_DIMENSIONS = 2000;

const SORT_COLUMNS: Record<NonNullable<DocumentListQuery['sort']>, string> = {
  path: 'd.relative_path',
  title: 'd.title',
  modified: 'd.modified_ms',
  ingested: 'd.ingested_at',
  chunks: 'd.chunk_count',
};

const CHUNK_COLUMNS = 'c.id, c.document_id, c.ordinal, c.text, c.heading_path, c.page_start, c.page_end, c.line_start, c.line_end, c.token_count, c.content_hash, c.anchor';

interface ChunkRow {
  id: number;
  document_id: number;
  ordinal: number;
  text: string;
  heading_path: string;
  page_start: number | null;
  page_end: number | null;
  line_start: number | null;
  line_end: number | null;
  token_count: number;
  content_hash: string;
  anchor: string | null;
}

interface ChunkViewRow extends ChunkRow {
  collection: string;
  uri: string;
  relative_path: string;
  title: string;
  format: string;
  language: string | null;
  git_commit: string | null;
}

interface DocumentRow {
  id: number;
  collection: string;
  uri: string;
  relative_path: string;
  source_root: string;
  title: string;
  format: string;
  language: string | null;
  content_hash: string;
  size_bytes: number;
  modified_ms: number;
  tags: string[];
  metadata: Record<string, unknown>;
  git_repository: string | null;
  git_commit: string | null;
  chunk_count: number;
  ingested_at: string;
}

/** The columns of CollectionRow (a named statement lists them: `*` would change its row shape under a migration). */
const COLLECTION_COLUMNS = 'name, embedder, dimensions, chunk_size, chunk_overlap, created_at, document_count, chunk_count, vector_store, vectors_pending';

interface CollectionRow {
  name: string;
  embedder: string;
  dimensions: number;
  chunk_size: number;
  chunk_overlap: number;
  created_at: string;
  document_count: number;
  chunk_count: number;
  vector_store: string | null;
  vectors_pending: boolean;
}

export interface PostgresChunkStoreOptions {
  analyze: LexicalAnalyzer;
  /** Column weights of the lexical postings (the SQLite store's FTS5 weights by default). */
  weights?: LexicalWeights;
}

function notFound(name: string): CairnError {
  return new CairnError('COLLECTION_NOT_FOUND', `Collection "${name}" does not exist.`, {
    hint: 'List collections with `cairn collections list`, or create it with `cairn collections create`.',
  });
}

/**
 * ChunkStore on PostgreSQL (schema: postgres-migrations.ts). Vectors live in `chunks.embedding`, so the
 * pgvector index is always in step with the rows; lexical postings are written by the document writer
 * in the same transaction. Ids are identity columns: never reused.
 */
export class PostgresChunkStore implements ChunkStore {
  readonly kind = 'postgres';
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #writer: PostgresDocumentWriter;
  /** Near-duplicate clusters per collection, read whole at one write generation (members of clusters only: small). */
  readonly #clusters = new Map<string, { generation: string; byDocument: Map<number, DuplicateMember[]> }>();

  constructor(pool: pg.Pool, location: string, options: PostgresChunkStoreOptions) {
    this.#pool = pool;
    this.location = location;
    this.#writer = new PostgresDocumentWriter(pool, location, options.analyze, options.weights ?? DEFAULT_LEXICAL_WEIGHTS);
  }

  /** A collection's id and dimensions (what the indexes key on). */
  async collectionInfo(name: string): Promise<{ id: number; dimensions: number; chunkCount: number; lexicalLength: number } | undefined> {
    const { rows } = await this.#pool.query<{ id: number; dimensions: number; chunk_count: number; lexical_length: number }>(
      'SELECT id, dimensions, chunk_count, lexical_length FROM collections WHERE name = $1',
      [name],
    );
    const row = rows[0];
    return row === undefined ? undefined : { id: row.id, dimensions: row.dimensions, chunkCount: row.chunk_count, lexicalLength: row.lexical_length };
  }

  async createCollection(name: string, settings: CollectionSettings): Promise<CollectionRecord> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
      throw new CairnError('INPUT_INVALID', `"${name}" is not a valid collection name.`, {
        hint: 'Use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit.',
      });
    }
    checkIndexable(settings.dimensions);
    await withTransaction(this.#pool, this.location, async (client) => {
      const inserted = await client.query<{ id: number }>(
        `INSERT INTO collections (name, embedder, dimensions, chunk_size, chunk_overlap, created_at, vector_store) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (name) DO NOTHING RETURNING id`,
        [name, settings.embedder, settings.dimensions, settings.chunkSize, settings.chunkOverlap, new Date().toISOString(), settings.vectorStore ?? null],
      );
      const id = inserted.rows[0]?.id;
      if (id === undefined) {
        throw new CairnError('COLLECTION_EXISTS', `Collection "${name}" already exists.`, {
          hint: 'Choose another name, or delete it first with `cairn collections delete`.',
        });
      }
      // No index here: the vector index builds it (CONCURRENTLY, serialised across processes) when the
      // first ingest ends or the collection is opened; a plain CREATE INDEX in this transaction would
      // deadlock with another collection's build running at the same time.
    });
    const record = await this.getCollection(name);
    if (record === undefined) throw notFound(name);
    return record;
  }

  /** `<id>:<write_generation>:<vector_epoch>`: the writer bumps the generation in each write's transaction. */
  async collectionGeneration(name: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ generation: string }>(
      `SELECT ${COLLECTION_GENERATION_SQL} AS generation FROM collections WHERE name = $1`,
      [name],
    );
    return rows[0]?.generation;
  }

  /** One named statement: what a search reads first (the record, and the generation that keys caches and the postings). */
  async getCollectionAndGeneration(name: string): Promise<{ record: CollectionRecord; generation: string } | undefined> {
    const { rows } = await this.#pool.query<CollectionRow & { generation: string }>({
      name: 'cairn-collection-and-generation',
      text: `SELECT ${COLLECTION_COLUMNS}, ${COLLECTION_GENERATION_SQL} AS generation FROM collections WHERE name = $1`,
      values: [name],
    });
    const row = rows[0];
    return row === undefined ? undefined : { record: collectionFromRow(row), generation: row.generation };
  }

  async duplicatesOf(collection: string, documentIds: number[], generation?: string): Promise<Map<number, DuplicateMember[]>> {
    if (generation === undefined) return duplicatesOf(this.#pool, collection, documentIds);
    // Every search collapses by default: one statement per collection and generation, not one per search.
    let cached = this.#clusters.get(collection);
    if (cached?.generation !== generation) {
      cached = { generation, byDocument: clustersByDocument(await listDuplicateClusters(this.#pool, collection)) };
      this.#clusters.set(collection, cached);
    }
    const out = new Map<number, DuplicateMember[]>();
    for (const id of documentIds) {
      const members = cached.byDocument.get(id);
      if (members !== undefined) out.set(id, members);
    }
    return out;
  }

  async listDuplicateClusters(collection: string): Promise<DuplicateCluster[]> {
    return listDuplicateClusters(this.#pool, collection);
  }

  async settleNearDuplicates(collection: string, boilerplateDf: number): Promise<number> {
    return this.#writer.settleNearDuplicates(collection, boilerplateDf);
  }

  async getCollection(name: string): Promise<CollectionRecord | undefined> {
    const { rows } = await this.#pool.query<CollectionRow>('SELECT * FROM collections WHERE name = $1', [name]);
    return rows[0] === undefined ? undefined : collectionFromRow(rows[0]);
  }

  async listCollections(): Promise<CollectionRecord[]> {
    const { rows } = await this.#pool.query<CollectionRow>('SELECT * FROM collections ORDER BY name');
    return rows.map(collectionFromRow);
  }

  /**
   * Deletes rows table by table (bulk deletes by collection, not one cascade per chunk), then the
   * collection; its HNSW index is dropped after the commit (hnsw-index-ddl.ts: a DROP INDEX inside
   * the transaction can deadlock with another process's build). Collection ids are never reused, so
   * an index left by a process that died in between indexes no row and only takes space.
   */
  async deleteCollection(name: string): Promise<boolean> {
    const id = await withTransaction(this.#pool, this.location, async (client) => {
      const { rows } = await client.query<{ id: number }>('SELECT id FROM collections WHERE name = $1 FOR UPDATE', [name]);
      const id = rows[0]?.id;
      if (id === undefined) return undefined;
      await client.query('DELETE FROM lexical_postings WHERE collection_id = $1', [id]);
      await client.query('DELETE FROM chunks WHERE collection_id = $1', [id]);
      await client.query('DELETE FROM documents WHERE collection_id = $1', [id]);
      await client.query('DELETE FROM ingestion_runs WHERE collection = $1', [name]);
      await client.query('DELETE FROM collections WHERE id = $1', [id]);
      return id;
    });
    if (id === undefined) return false;
    await dropHnswIndex(this.#pool, this.location, id);
    return true;
  }

  async setCollectionVectorStore(name: string, vectorStore: string | undefined): Promise<void> {
    const result = await this.#pool.query('UPDATE collections SET vector_store = $2, vectors_pending = false WHERE name = $1', [name, vectorStore ?? null]);
    if (result.rowCount === 0) throw notFound(name);
  }

  async setVectorsPending(name: string, pending: boolean): Promise<void> {
    await this.#pool.query('UPDATE collections SET vectors_pending = $2 WHERE name = $1', [name, pending]);
  }

  /**
   * A new dimension clears the collection's vectors (they cannot be cast to it; `cairn reembed` rewrites
   * them next) and drops its HNSW index once that has committed (never inside the transaction:
   * hnsw-index-ddl.ts); the vector index builds the new one whole over the new vectors (`open`, at the
   * end of the reembed, or at start). The same dimension keeps both.
   */
  async setCollectionEmbedder(name: string, embedder: string, dimensions: number): Promise<void> {
    checkIndexable(dimensions);
    const changed = await withTransaction(this.#pool, this.location, async (client) => {
      const { rows } = await client.query<{ id: number; dimensions: number }>('SELECT id, dimensions FROM collections WHERE name = $1 FOR UPDATE', [name]);
      const current = rows[0];
      if (current === undefined) throw notFound(name);
      await client.query('UPDATE collections SET embedder = $2, dimensions = $3, vector_epoch = vector_epoch + 1 WHERE id = $1', [current.id, embedder, dimensions]);
      if (current.dimensions === dimensions) return undefined;
      await client.query('UPDATE chunks SET embedding = NULL WHERE collection_id = $1 AND embedding IS NOT NULL', [current.id]);
      return current.id;
    });
    // Until this drop, the old index (its expression casts to the old dimension) would reject a new vector.
    if (changed !== undefined) await dropHnswIndex(this.#pool, this.location, changed);
  }

  async listDocumentStates(collection: string): Promise<Map<string, DocumentState>> {
    const { rows } = await this.#pool.query<{ id: number; uri: string; content_hash: string; size_bytes: number; modified_ms: number; source_root: string }>(
      'SELECT d.id, d.uri, d.content_hash, d.size_bytes, d.modified_ms, d.source_root FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1',
      [collection],
    );
    return new Map(
      rows.map((row) => [row.uri, { id: row.id, contentHash: row.content_hash, sizeBytes: row.size_bytes, modifiedMs: row.modified_ms, sourceRoot: row.source_root }]),
    );
  }

  async getDocumentVectors(collection: string, uri: string): Promise<Map<string, Float32Array>> {
    const { rows } = await this.#pool.query<{ content_hash: string; embedding: string }>(
      `SELECT c.content_hash, c.embedding::text AS embedding FROM chunks c JOIN documents d ON d.id = c.document_id
       JOIN collections k ON k.id = d.collection_id WHERE k.name = $1 AND d.uri = $2 AND c.embedding IS NOT NULL`,
      [collection, uri],
    );
    return new Map(rows.map((row) => [row.content_hash, parseVector(row.embedding)]));
  }

  async writeDocument(document: DocumentWrite): Promise<WriteResult> {
    const [result] = await this.#writer.writeMany([document]);
    return result!;
  }

  async writeDocuments(documents: DocumentWrite[]): Promise<WriteResult[]> {
    return this.#writer.writeMany(documents);
  }

  async touchDocument(collection: string, uri: string, modifiedMs: number, sizeBytes: number): Promise<void> {
    const result = await this.#pool.query(
      'UPDATE documents SET modified_ms = $1, size_bytes = $2 WHERE collection = $3 AND uri = $4 AND collection_id = (SELECT id FROM collections WHERE name = $3)',
      [modifiedMs, sizeBytes, collection, uri],
    );
    if (result.rowCount === 0) {
      throw new CairnError('DOCUMENT_NOT_FOUND', `No document ${uri} in collection "${collection}".`, {
        hint: 'List the documents with `cairn docs list`.',
      });
    }
  }

  async deleteDocuments(collection: string, uris: string[]): Promise<number[]> {
    return this.#writer.delete(collection, uris);
  }

  async listDocuments(query: DocumentListQuery): Promise<DocumentPage> {
    const params: unknown[] = [query.collection];
    let where = 'd.collection_id = (SELECT id FROM collections WHERE name = $1)';
    if (query.text !== undefined && query.text !== '') {
      params.push(`%${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where += ` AND (d.relative_path ILIKE $2 OR d.title ILIKE $2)`;
    }
    const total = await this.#pool.query<{ count: number }>(`SELECT count(*) AS count FROM documents d WHERE ${where}`, params);
    const column = SORT_COLUMNS[query.sort ?? 'path'];
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    const { rows } = await this.#pool.query<DocumentRow>(
      `SELECT d.* FROM documents d WHERE ${where} ORDER BY ${column} ${order}, d.id ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, Math.max(0, query.limit), Math.max(0, query.offset)],
    );
    return { total: total.rows[0]?.count ?? 0, items: rows.map(documentFromRow) };
  }

  async getDocument(collection: string, idOrUri: number | string): Promise<DocumentRecord | undefined> {
    const column = typeof idOrUri === 'number' ? 'id' : 'uri';
    const { rows } = await this.#pool.query<DocumentRow>(
      `SELECT * FROM documents WHERE collection_id = (SELECT id FROM collections WHERE name = $1) AND ${column} = $2`,
      [collection, idOrUri],
    );
    return rows[0] === undefined ? undefined : documentFromRow(rows[0]);
  }

  async getDocumentChunks(documentId: number): Promise<StoredChunk[]> {
    const { rows } = await this.#pool.query<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks c WHERE c.document_id = $1 ORDER BY c.ordinal`, [documentId]);
    return rows.map(chunkFromRow);
  }

  async getChunks(ids: number[]): Promise<ChunkView[]> {
    if (ids.length === 0) return [];
    // Named: every search hydrates with it, so the server parses and plans it once per connection.
    const { rows } = await this.#pool.query<ChunkViewRow>({
      name: 'cairn-get-chunks',
      text: `SELECT ${CHUNK_COLUMNS}, d.collection, d.uri, d.relative_path, d.title, d.format, d.language, d.git_commit
       FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY($1::bigint[])`,
      values: [ids],
    });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row === undefined ? [] : [chunkViewFromRow(row)];
    });
  }

  async getVectors(ids: number[]): Promise<Map<number, Float32Array>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.#pool.query<{ id: number; embedding: string }>(
      'SELECT id, embedding::text AS embedding FROM chunks WHERE id = ANY($1::bigint[]) AND embedding IS NOT NULL',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, parseVector(row.embedding)]));
  }

  /** One transaction; a vector of another dimension than its collection's is EMBEDDER_MISMATCH (the index could not hold it). */
  async updateVectors(items: { id: number; vector: Float32Array | null }[]): Promise<void> {
    if (items.length === 0) return;
    await withTransaction(this.#pool, this.location, async (client) => {
      const { rows } = await client.query<{ id: number; name: string; dimensions: number }>(
        `SELECT k.id, k.name, k.dimensions FROM collections k
         WHERE k.id IN (SELECT c.collection_id FROM chunks c WHERE c.id = ANY($1::bigint[])) ORDER BY k.id FOR UPDATE`,
        [items.map((item) => item.id)],
      );
      for (const item of items) {
        if (item.vector !== null && !rows.some((row) => row.dimensions === item.vector!.length)) {
          throw new CairnError('EMBEDDER_MISMATCH', `A vector of ${item.vector.length} dimensions was written to a collection that holds ${rows[0]?.dimensions ?? 0}.`, {
            hint: "Embed with the collection's embedder, or switch the collection with `cairn reembed`.",
          });
        }
      }
      await client.query('UPDATE collections SET vector_epoch = vector_epoch + 1 WHERE id = ANY($1::int[])', [rows.map((row) => row.id)]);
      await client.query('UPDATE chunks c SET embedding = u.embedding FROM unnest($1::bigint[], $2::vector[]) AS u(id, embedding) WHERE c.id = u.id', [
        items.map((item) => item.id),
        items.map((item) => (item.vector === null ? null : vectorLiteral(item.vector))),
      ]);
    });
  }

  async *iterateVectors(collection: string, afterId: number, pageSize: number): AsyncIterable<{ id: number; vector: Float32Array }[]> {
    const info = await this.collectionInfo(collection);
    if (info === undefined) return;
    let cursor = afterId;
    for (;;) {
      const { rows } = await this.#pool.query<{ id: number; embedding: string }>(
        'SELECT id, embedding::text AS embedding FROM chunks WHERE collection_id = $1 AND id > $2 AND embedding IS NOT NULL ORDER BY id LIMIT $3',
        [info.id, cursor, Math.max(1, pageSize)],
      );
      if (rows.length === 0) return;
      cursor = rows[rows.length - 1]!.id;
      yield rows.map((row) => ({ id: row.id, vector: parseVector(row.embedding) }));
    }
  }

  async vectorWatermark(collection: string): Promise<{ maxChunkId: number; vectorCount: number }> {
    const { rows } = await this.#pool.query<{ max_id: number; vectors: number }>(
      `SELECT coalesce(max(c.id), 0) AS max_id, count(c.embedding) AS vectors FROM chunks c
       WHERE c.collection_id = (SELECT id FROM collections WHERE name = $1)`,
      [collection],
    );
    return { maxChunkId: rows[0]?.max_id ?? 0, vectorCount: rows[0]?.vectors ?? 0 };
  }

  async startRun(collection: string, sources: string[]): Promise<number> {
    const { rows } = await this.#pool.query<{ id: number }>('INSERT INTO ingestion_runs (collection, sources, started_at) VALUES ($1, $2::jsonb, $3) RETURNING id', [
      collection,
      JSON.stringify(sources),
      new Date().toISOString(),
    ]);
    return rows[0]!.id;
  }

  async finishRun(runId: number, summary: Record<string, unknown>): Promise<void> {
    await this.#pool.query('UPDATE ingestion_runs SET finished_at = $1, summary = $2::jsonb WHERE id = $3', [new Date().toISOString(), JSON.stringify(summary), runId]);
  }

  async latestRun(collection?: string): Promise<IngestRunRecord | undefined> {
    const { rows } = await this.#pool.query<{ collection: string; finishedAt: string; chunksWritten: number; millis: number | null }>(
      `SELECT collection, finished_at AS "finishedAt", (summary->>'chunksWritten')::float8 AS "chunksWritten",
        CASE WHEN jsonb_typeof(summary->'millis'->'total') = 'number' THEN (summary->'millis'->>'total')::float8 END AS millis
       FROM ingestion_runs WHERE finished_at IS NOT NULL AND jsonb_typeof(summary->'chunksWritten') = 'number'
         AND (summary->>'chunksWritten')::float8 > 0 AND ($1::text IS NULL OR collection = $1)
       ORDER BY id DESC LIMIT 1`,
      [collection ?? null],
    );
    const row = rows[0];
    return row !== undefined && typeof row.millis === 'number' ? { collection: row.collection, finishedAt: row.finishedAt, chunksWritten: row.chunksWritten, millis: row.millis } : undefined;
  }

  /** The pool is owned by the backend, which ends it once for every store. */
  async close(): Promise<void> {}

}

function checkIndexable(dimensions: number): void {
  if (dimensions > MAX_INDEXED_DIMENSIONS) {
    throw new CairnError('INPUT_INVALID', `pgvector's HNSW index holds vectors of at most ${MAX_INDEXED_DIMENSIONS} dimensions; this embedder makes ${dimensions}.`, {
      hint: 'Choose an embedder with fewer dimensions (or a Matryoshka model truncated to ≤ 2000), or use the embedded SQLite store.',
    });
  }
}

function collectionFromRow(row: CollectionRow): CollectionRecord {
  return {
    name: row.name,
    embedder: row.embedder,
    dimensions: row.dimensions,
    chunkSize: row.chunk_size,
    chunkOverlap: row.chunk_overlap,
    createdAt: row.created_at,
    documentCount: row.document_count,
    chunkCount: row.chunk_count,
    ...(row.vector_store === null ? {} : { vectorStore: row.vector_store }),
    ...(row.vectors_pending ? { vectorsPending: true } : {}),
  };
}

function documentFromRow(row: DocumentRow): DocumentRecord {
  const record: DocumentRecord = {
    id: row.id,
    collection: row.collection,
    uri: row.uri,
    relativePath: row.relative_path,
    sourceRoot: row.source_root,
    title: row.title,
    format: row.format,
    contentHash: row.content_hash,
    sizeBytes: row.size_bytes,
    modifiedMs: row.modified_ms,
    tags: row.tags,
    metadata: row.metadata,
    chunkCount: row.chunk_count,
    ingestedAt: row.ingested_at,
  };
  if (row.language !== null) record.language = row.language;
  if (row.git_repository !== null) record.gitRepository = row.git_repository;
  if (row.git_commit !== null) record.gitCommit = row.git_commit;
  return record;
}

function chunkFromRow(row: ChunkRow): StoredChunk {
  const chunk: StoredChunk = {
    id: row.id,
    documentId: row.document_id,
    ordinal: row.ordinal,
    text: row.text,
    headingPath: row.heading_path === '[]' ? [] : (JSON.parse(row.heading_path) as string[]),
    tokenCount: row.token_count,
    contentHash: row.content_hash,
  };
  if (row.page_start !== null) chunk.pageStart = row.page_start;
  if (row.page_end !== null) chunk.pageEnd = row.page_end;
  if (row.line_start !== null) chunk.lineStart = row.line_start;
  if (row.line_end !== null) chunk.lineEnd = row.line_end;
  if (row.anchor !== null) chunk.anchor = row.anchor;
  return chunk;
}

function chunkViewFromRow(row: ChunkViewRow): ChunkView {
  const view: ChunkView = { ...chunkFromRow(row), collection: row.collection, sourceUri: row.uri, relativePath: row.relative_path, title: row.title, format: row.format };
  if (row.language !== null) view.language = row.language;
  if (row.git_commit !== null) view.gitCommit = row.git_commit;
  return view;
}

/** Each clustered document's cluster members (itself included). */
function clustersByDocument(clusters: DuplicateCluster[]): Map<number, DuplicateMember[]> {
  const byDocument = new Map<number, DuplicateMember[]>();
  for (const { members } of clusters) for (const member of members) byDocument.set(member.documentId, members);
  return byDocument;
}
