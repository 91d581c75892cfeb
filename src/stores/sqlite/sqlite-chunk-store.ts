import type { Database, Statement } from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import type { NormalizedFilter } from '../../core/search-filter.js';
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
import type { FilterResult, HnswVectorSource, StoreSignature } from './hnsw-vector-source.js';
import { SqliteDocumentWriter, type LexicalAnalyzer } from './sqlite-document-writer.js';
import { buildFilterSql } from './sqlite-filter-sql.js';
import {
  CHUNK_COLUMNS,
  chunkFromRow,
  collectionFromRow,
  documentFromRow,
  type ChunkRow,
  type CollectionRow,
  type DocumentRow,
} from './sqlite-rows.js';
import { createFtsTableSql, ftsTableName } from './sqlite-schema.js';
import { blobToVector, vectorToBlob, vectorsInOneBuffer } from './vector-blob.js';

/** document_count and chunk_count are kept by triggers (schema migration 2). */
const COLLECTION_SELECT = `SELECT c.* FROM collections c`;

/**
 * getChunks' row as `.raw()` returns it, in CHUNK_VIEW_SELECT's column order: id, document_id, ordinal,
 * text, heading_path, page_start, page_end, line_start, line_end, token_count, content_hash, anchor,
 * collection, uri, relative_path, title, format, language, git_commit.
 */
type ChunkViewTuple = [
  number, number, number, string, string, number | null, number | null, number | null, number | null, number, string, string | null,
  string, string, string, string, string, string | null, string | null,
];

const CHUNK_VIEW_SELECT = `SELECT ${CHUNK_COLUMNS}, d.collection, d.uri, d.relative_path, d.title, d.format, d.language, d.git_commit
  FROM chunks c JOIN documents d ON d.id = c.document_id`;

/** Shortest filter text the trigram index can answer; shorter ones fall back to LIKE (a scan). */
const TRIGRAM = 3;

const SORT_COLUMNS: Record<NonNullable<DocumentListQuery['sort']>, string> = {
  path: 'd.relative_path',
  title: 'd.title',
  modified: 'd.modified_ms',
  ingested: 'd.ingested_at',
  chunks: 'd.chunk_count',
};

function notFound(name: string): CairnError {
  return new CairnError('COLLECTION_NOT_FOUND', `Collection "${name}" does not exist.`, {
    hint: 'List collections with `cairn collections list`, or create it with `cairn collections create`.',
  });
}

/**
 * ChunkStore over one better-sqlite3 connection, and the source the HNSW index beside it reads.
 * Methods are async by interface and synchronous inside.
 */
export class SqliteChunkStore implements ChunkStore, HnswVectorSource {
  readonly kind = 'sqlite';
  readonly location: string;
  readonly #db: Database;
  readonly #writer: SqliteDocumentWriter;
  readonly #collectionIdStatement: Statement;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database, location: string, analyze: LexicalAnalyzer) {
    this.#db = db;
    this.location = location;
    this.#writer = new SqliteDocumentWriter(db, analyze);
    this.#collectionIdStatement = db.prepare('SELECT id FROM collections WHERE name = ?').pluck();
  }

  /** Prepared statements are cached by SQL text; the few dynamic texts (sort, filter shape) stay bounded. */
  #sql(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      if (this.#statements.size > 256) this.#statements.clear();
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Internal id of a collection (never reused): names its FTS table and identifies HNSW snapshots. */
  collectionId(name: string): number | undefined {
    return this.#collectionIdStatement.get(name) as number | undefined;
  }

  /** Changes whenever this connection writes to the collection (document writes and deletes). */
  writeGeneration(collectionId: number): number {
    return this.#writer.generation(collectionId);
  }

  /**
   * Identity of the collection's stored vectors: `<id>:<vector_epoch>`. It changes when the collection is
   * re-created or its vectors are rewritten in place, which makes older HNSW snapshots stale.
   */
  async vectorKey(name: string): Promise<string | undefined> {
    const row = this.#sql('SELECT id, vector_epoch FROM collections WHERE name = ?').get(name) as
      | { id: number; vector_epoch: number }
      | undefined;
    return row === undefined ? undefined : `${row.id}:${row.vector_epoch}`;
  }

  /** `<id>:<write_generation>:<vector_epoch>`, read from the file: other processes' commits show at once. */
  async collectionGeneration(name: string): Promise<string | undefined> {
    return this.#sql(`SELECT id || ':' || write_generation || ':' || vector_epoch FROM collections WHERE name = ?`).pluck().get(name) as
      | string
      | undefined;
  }

  async duplicatesOf(collection: string, documentIds: number[]): Promise<Map<number, DuplicateMember[]>> {
    return this.#writer.nearDuplicates.duplicatesOf(collection, documentIds);
  }

  async listDuplicateClusters(collection: string): Promise<DuplicateCluster[]> {
    return this.#writer.nearDuplicates.listClusters(collection);
  }

  async settleNearDuplicates(collection: string, boilerplateDf: number): Promise<number> {
    const settle = this.#db.transaction(() => this.#writer.nearDuplicates.settle(collection, boilerplateDf));
    return settle.immediate();
  }

  async storeSignature(name: string): Promise<StoreSignature | undefined> {
    const row = this.#sql(
      `SELECT c.id || ':' || c.vector_epoch, c.chunk_count, coalesce((SELECT max(k.id) FROM chunks k WHERE k.collection = c.name), 0) FROM collections c WHERE c.name = ?`,
    )
      .raw()
      .get(name) as [string, number, number] | undefined;
    return row === undefined ? undefined : { vectorKey: row[0], chunkCount: row[1], maxChunkId: row[2] };
  }

  async createCollection(name: string, settings: CollectionSettings): Promise<CollectionRecord> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
      throw new CairnError('INPUT_INVALID', `"${name}" is not a valid collection name.`, {
        hint: 'Use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit.',
      });
    }
    const create = this.#db.transaction(() => {
      if (this.collectionId(name) !== undefined) {
        throw new CairnError('COLLECTION_EXISTS', `Collection "${name}" already exists.`, {
          hint: 'Choose another name, or delete it first with `cairn collections delete`.',
        });
      }
      const id = Number(
        this.#db
          .prepare('INSERT INTO collections (name, embedder, dimensions, chunk_size, chunk_overlap, created_at, vector_store) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(name, settings.embedder, settings.dimensions, settings.chunkSize, settings.chunkOverlap, new Date().toISOString(), settings.vectorStore ?? null)
          .lastInsertRowid,
      );
      this.#db.exec(createFtsTableSql(id));
    });
    create.immediate();
    const record = await this.getCollection(name);
    if (record === undefined) throw notFound(name);
    return record;
  }

  async getCollection(name: string): Promise<CollectionRecord | undefined> {
    const row = this.#sql(`${COLLECTION_SELECT} WHERE c.name = ?`).get(name) as CollectionRow | undefined;
    return row === undefined ? undefined : collectionFromRow(row);
  }

  async listCollections(): Promise<CollectionRecord[]> {
    return (this.#sql(`${COLLECTION_SELECT} ORDER BY c.name`).all() as CollectionRow[]).map(collectionFromRow);
  }

  async deleteCollection(name: string): Promise<boolean> {
    const id = this.collectionId(name);
    if (id === undefined) return false;
    const remove = this.#db.transaction(() => {
      this.#db.exec(`DROP TABLE IF EXISTS ${ftsTableName(id)}`);
      this.#sql('DELETE FROM chunks WHERE collection = ?').run(name);
      this.#sql('DELETE FROM documents WHERE collection = ?').run(name);
      this.#sql('DELETE FROM ingestion_runs WHERE collection = ?').run(name);
      this.#writer.nearDuplicates.forgetCollection(id);
      this.#sql('DELETE FROM collections WHERE id = ?').run(id);
    });
    remove.immediate();
    this.#writer.forgetCollection(id);
    return true;
  }

  async setCollectionEmbedder(name: string, embedder: string, dimensions: number): Promise<void> {
    const result = this.#sql('UPDATE collections SET embedder = ?, dimensions = ?, vector_epoch = vector_epoch + 1 WHERE name = ?')
      .run(embedder, dimensions, name);
    if (result.changes === 0) throw notFound(name);
  }

  async setCollectionVectorStore(name: string, vectorStore: string | undefined): Promise<void> {
    const result = this.#sql('UPDATE collections SET vector_store = ?, vectors_pending = 0 WHERE name = ?').run(vectorStore ?? null, name);
    if (result.changes === 0) throw notFound(name);
  }

  async setVectorsPending(name: string, pending: boolean): Promise<void> {
    this.#sql('UPDATE collections SET vectors_pending = ? WHERE name = ?').run(pending ? 1 : 0, name);
  }

  async listDocumentStates(collection: string): Promise<Map<string, DocumentState>> {
    const rows = this.#sql('SELECT id, uri, content_hash, size_bytes, modified_ms, source_root FROM documents WHERE collection = ?')
      .all(collection) as { id: number; uri: string; content_hash: string; size_bytes: number; modified_ms: number; source_root: string }[];
    const states = new Map<string, DocumentState>();
    for (const row of rows) {
      states.set(row.uri, {
        id: row.id,
        contentHash: row.content_hash,
        sizeBytes: row.size_bytes,
        modifiedMs: row.modified_ms,
        sourceRoot: row.source_root,
      });
    }
    return states;
  }

  async getDocumentVectors(collection: string, uri: string): Promise<Map<string, Float32Array>> {
    const rows = this.#sql(
      `SELECT c.content_hash, c.vector FROM chunks c JOIN documents d ON d.id = c.document_id
       WHERE d.collection = ? AND d.uri = ? AND c.vector IS NOT NULL`,
    ).all(collection, uri) as { content_hash: string; vector: Buffer }[];
    return new Map(rows.map((row) => [row.content_hash, blobToVector(row.vector)]));
  }

  async writeDocument(document: DocumentWrite): Promise<WriteResult> {
    return this.#writer.write(document);
  }

  async writeDocuments(documents: DocumentWrite[]): Promise<WriteResult[]> {
    return this.#writer.writeMany(documents);
  }

  async touchDocument(collection: string, uri: string, modifiedMs: number, sizeBytes: number): Promise<void> {
    const result = this.#sql('UPDATE documents SET modified_ms = ?, size_bytes = ? WHERE collection = ? AND uri = ?').run(
      modifiedMs,
      sizeBytes,
      collection,
      uri,
    );
    if (result.changes === 0) {
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
    let where = 'd.collection = ?';
    if (query.text !== undefined && query.text !== '') {
      if ([...query.text].length >= TRIGRAM) {
        // A quoted phrase of trigrams is a case-insensitive substring match in either column.
        where += ' AND d.id IN (SELECT rowid FROM documents_name_fts WHERE documents_name_fts MATCH ?)';
        params.push(`"${query.text.replace(/"/g, '""')}"`);
      } else {
        const pattern = `%${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        where += ` AND (d.relative_path LIKE ? ESCAPE '\\' OR d.title LIKE ? ESCAPE '\\')`;
        params.push(pattern, pattern);
      }
    }
    const total = this.#sql(`SELECT count(*) FROM documents d WHERE ${where}`).pluck().get(...params) as number;
    const column = SORT_COLUMNS[query.sort ?? 'path'];
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    const rows = this.#sql(`SELECT d.* FROM documents d WHERE ${where} ORDER BY ${column} ${order}, d.id ${order} LIMIT ? OFFSET ?`).all(
      ...params,
      Math.max(0, query.limit),
      Math.max(0, query.offset),
    ) as DocumentRow[];
    return { total, items: rows.map(documentFromRow) };
  }

  async getDocument(collection: string, idOrUri: number | string): Promise<DocumentRecord | undefined> {
    const column = typeof idOrUri === 'number' ? 'id' : 'uri';
    const row = this.#sql(`SELECT * FROM documents WHERE collection = ? AND ${column} = ?`).get(collection, idOrUri) as DocumentRow | undefined;
    return row === undefined ? undefined : documentFromRow(row);
  }

  async getDocumentChunks(documentId: number): Promise<StoredChunk[]> {
    const rows = this.#sql(`SELECT ${CHUNK_COLUMNS} FROM chunks c WHERE c.document_id = ? ORDER BY c.ordinal`).all(documentId) as ChunkRow[];
    return rows.map(chunkFromRow);
  }

  /** Hot path of every search (hydration of the top k): `.raw()` rows in a fixed column order, about a quarter cheaper than objects. */
  async getChunks(ids: number[]): Promise<ChunkView[]> {
    if (ids.length === 0) return [];
    const rows = this.#sql(`${CHUNK_VIEW_SELECT} WHERE c.id IN (SELECT value FROM json_each(?))`).raw().all(JSON.stringify(ids)) as ChunkViewTuple[];
    const byId = new Map<number, ChunkViewTuple>();
    for (const row of rows) byId.set(row[0], row);
    const views: ChunkView[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      if (row !== undefined) views.push(chunkViewFromTuple(row));
    }
    return views;
  }

  async filterChunkIds(collection: string, filter: NormalizedFilter, limit: number): Promise<FilterResult> {
    const { where, params } = buildFilterSql(filter);
    const ids = this.#sql(
      `SELECT c.id FROM documents d JOIN chunks c ON c.document_id = d.id
       WHERE d.collection = ? AND ${where} ORDER BY c.id LIMIT ?`,
    )
      .pluck()
      .all(collection, ...params, limit + 1) as number[];
    if (ids.length <= limit) return { kind: 'ids', ids };
    const count = this.#sql(`SELECT coalesce(sum(d.chunk_count), 0) FROM documents d WHERE d.collection = ? AND ${where}`)
      .pluck()
      .get(collection, ...params) as number;
    return { kind: 'too-many', count };
  }

  async getVectors(ids: number[]): Promise<Map<number, Float32Array>> {
    if (ids.length === 0) return new Map();
    const rows = this.#sql('SELECT id, vector FROM chunks WHERE id IN (SELECT value FROM json_each(?)) AND vector IS NOT NULL').all(
      JSON.stringify(ids),
    ) as { id: number; vector: Buffer }[];
    return new Map(rows.map((row) => [row.id, blobToVector(row.vector)]));
  }

  /** Also bumps the collections' vector_epoch, which marks HNSW snapshots built before as stale. */
  async updateVectors(items: { id: number; vector: Float32Array | null }[]): Promise<void> {
    if (items.length === 0) return;
    const update = this.#sql('UPDATE chunks SET vector = ? WHERE id = ?');
    const bump = this.#sql(
      'UPDATE collections SET vector_epoch = vector_epoch + 1 WHERE name IN (SELECT DISTINCT collection FROM chunks WHERE id IN (SELECT value FROM json_each(?)))',
    );
    const run = this.#db.transaction(() => {
      bump.run(JSON.stringify(items.map((item) => item.id)));
      for (const item of items) update.run(item.vector === null ? null : vectorToBlob(item.vector), item.id);
    });
    run.immediate();
  }

  async *iterateVectors(collection: string, afterId: number, pageSize: number): AsyncIterable<{ id: number; vector: Float32Array }[]> {
    // Rows as arrays and one buffer per page (each vector a view into it): reading 100k × 384 for a
    // cold exact search cost ≈ 2.1 s of CPU with an object and an ArrayBuffer per row, ≈ 1.3 s so.
    const page = this.#sql('SELECT id, vector FROM chunks WHERE collection = ? AND id > ? AND vector IS NOT NULL ORDER BY id LIMIT ?').raw();
    let cursor = afterId;
    for (;;) {
      const rows = page.all(collection, cursor, Math.max(1, pageSize)) as [number, Buffer][];
      if (rows.length === 0) return;
      cursor = rows[rows.length - 1]?.[0] ?? cursor;
      yield vectorsInOneBuffer(rows);
    }
  }

  async vectorWatermark(collection: string): Promise<{ maxChunkId: number; vectorCount: number }> {
    const maxChunkId = this.#sql('SELECT coalesce(max(id), 0) FROM chunks WHERE collection = ?').pluck().get(collection) as number;
    const vectorCount = this.#sql('SELECT count(*) FROM chunks WHERE collection = ? AND vector IS NOT NULL').pluck().get(collection) as number;
    return { maxChunkId, vectorCount };
  }

  async countVectorsAfter(collection: string, afterId: number): Promise<number> {
    return this.#sql('SELECT count(*) FROM chunks WHERE collection = ? AND id > ? AND vector IS NOT NULL').pluck().get(collection, afterId) as number;
  }

  async vectorIds(collection: string, maxId: number): Promise<number[]> {
    return this.#sql('SELECT id FROM chunks WHERE collection = ? AND id <= ? AND vector IS NOT NULL ORDER BY id')
      .pluck()
      .all(collection, maxId) as number[];
  }

  async startRun(collection: string, sources: string[]): Promise<number> {
    const result = this.#sql('INSERT INTO ingestion_runs (collection, sources, started_at) VALUES (?, ?, ?)').run(
      collection,
      JSON.stringify(sources),
      new Date().toISOString(),
    );
    return Number(result.lastInsertRowid);
  }

  async finishRun(runId: number, summary: Record<string, unknown>): Promise<void> {
    this.#sql('UPDATE ingestion_runs SET finished_at = ?, summary = ? WHERE id = ?').run(new Date().toISOString(), JSON.stringify(summary), runId);
  }

  async latestRun(collection?: string): Promise<IngestRunRecord | undefined> {
    const row = this.#sql(
      `SELECT collection, finished_at AS finishedAt, json_extract(summary, '$.chunksWritten') AS chunksWritten, json_extract(summary, '$.millis.total') AS millis
       FROM ingestion_runs WHERE finished_at IS NOT NULL AND json_extract(summary, '$.chunksWritten') > 0 AND (? IS NULL OR collection = ?)
       ORDER BY id DESC LIMIT 1`,
    ).get(collection ?? null, collection ?? null) as IngestRunRecord | undefined;
    return row && typeof row.millis === 'number' ? row : undefined;
  }

  /** The connection is owned by openSqliteStore, which closes it once for all three facades. */
  async close(): Promise<void> {}
}

function chunkViewFromTuple(row: ChunkViewTuple): ChunkView {
  const [id, documentId, ordinal, text, headingPath, pageStart, pageEnd, lineStart, lineEnd, tokenCount, contentHash, anchor] = row;
  const view: ChunkView = {
    id,
    documentId,
    ordinal,
    text,
    headingPath: headingPath === '[]' ? [] : (JSON.parse(headingPath) as string[]),
    tokenCount,
    contentHash,
    collection: row[12],
    sourceUri: row[13],
    relativePath: row[14],
    title: row[15],
    format: row[16],
  };
  if (pageStart !== null) view.pageStart = pageStart;
  if (pageEnd !== null) view.pageEnd = pageEnd;
  if (lineStart !== null) view.lineStart = lineStart;
  if (lineEnd !== null) view.lineEnd = lineEnd;
  if (anchor !== null) view.anchor = anchor;
  if (row[17] !== null) view.language = row[17];
  if (row[18] !== null) view.gitCommit = row[18];
  return view;
}
