import type { Database, Statement, Transaction } from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import { fileExtension } from '../../core/search-filter.js';
import type { DocumentWrite, WriteResult } from '../chunk-store.js';
import { ftsTableName } from './sqlite-schema.js';
import { SqliteNearDuplicates } from './sqlite-near-duplicates.js';
import { vectorToBlob } from './vector-blob.js';

/** Turns raw text into the space-separated terms stored in FTS5 (see SqliteStoreOptions.lexicalAnalyzer). */
export type LexicalAnalyzer = (text: string) => string;

interface CollectionInfo {
  id: number;
  dimensions: number;
}

/**
 * Writes and deletes documents. Each public method is one SQLite transaction covering the document
 * row, its chunk rows (with vectors) and its FTS rows, so a crash leaves the old or the new version.
 * Statements are prepared once per connection; FTS statements once per collection table.
 */
export class SqliteDocumentWriter {
  readonly #db: Database;
  readonly #analyze: LexicalAnalyzer;
  readonly #ftsStatements = new Map<number, { insert: Statement; remove: Statement }>();
  readonly #generations = new Map<number, number>();
  /** Near-duplicate clusters, kept in each write's transaction; also read by the chunk store. */
  readonly nearDuplicates: SqliteNearDuplicates;
  readonly #collection: Statement;
  readonly #findDocument: Statement;
  readonly #insertDocument: Statement;
  readonly #updateDocument: Statement;
  readonly #chunkIds: Statement;
  readonly #deleteChunks: Statement;
  readonly #deleteDocument: Statement;
  readonly #insertChunk: Statement;
  readonly #write: Transaction<(document: DocumentWrite) => WriteResult>;
  readonly #delete: Transaction<(collection: string, uris: string[]) => number[]>;
  readonly #writeMany: Transaction<(documents: DocumentWrite[]) => WriteResult[]>;

  constructor(db: Database, analyze: LexicalAnalyzer) {
    this.#db = db;
    this.#analyze = analyze;
    this.nearDuplicates = new SqliteNearDuplicates(db);
    this.#collection = db.prepare('SELECT id, dimensions FROM collections WHERE name = ?');
    this.#findDocument = db.prepare('SELECT id FROM documents WHERE collection = ? AND uri = ?').pluck();
    const documentColumns =
      'relative_path, extension, source_root, title, format, language, content_hash, size_bytes, modified_ms, tags, metadata, git_repository, git_commit, ingested_at, chunk_count';
    this.#insertDocument = db.prepare(
      `INSERT INTO documents (collection, uri, ${documentColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#updateDocument = db.prepare(
      `UPDATE documents SET (${documentColumns}) = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`,
    );
    this.#chunkIds = db.prepare('SELECT id FROM chunks WHERE document_id = ? ORDER BY id').pluck();
    this.#deleteChunks = db.prepare('DELETE FROM chunks WHERE document_id = ?');
    this.#deleteDocument = db.prepare('DELETE FROM documents WHERE id = ?');
    this.#insertChunk = db.prepare(
      `INSERT INTO chunks (document_id, collection, ordinal, text, heading_path, page_start, page_end, line_start, line_end,
        token_count, content_hash, vector, anchor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#write = db.transaction((document: DocumentWrite) => this.#writeInTransaction(document));
    this.#writeMany = db.transaction((documents: DocumentWrite[]) => documents.map((document) => this.#writeInTransaction(document)));
    this.#delete = db.transaction((collection: string, uris: string[]) => this.#deleteInTransaction(collection, uris));
  }

  write(document: DocumentWrite): WriteResult {
    return this.#write.immediate(document);
  }

  /** Several documents in one transaction: FTS5 flushes its pending segment once per commit, not per document. */
  writeMany(documents: DocumentWrite[]): WriteResult[] {
    return this.#writeMany.immediate(documents);
  }

  /** Deletes documents by URI; returns the ids of the chunks removed with them. */
  delete(collection: string, uris: string[]): number[] {
    return this.#delete.immediate(collection, uris);
  }

  /** Grows on every write or delete this connection makes to the collection; caches of term statistics key on it. */
  generation(collectionId: number): number {
    return this.#generations.get(collectionId) ?? 0;
  }

  #touch(collectionId: number): void {
    this.#generations.set(collectionId, this.generation(collectionId) + 1);
  }

  /** Forgets cached FTS statements of a collection whose table was dropped. */
  forgetCollection(collectionId: number): void {
    this.#ftsStatements.delete(collectionId);
  }

  #collectionInfo(name: string): CollectionInfo {
    const info = this.#collection.get(name) as CollectionInfo | undefined;
    if (info === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${name}" does not exist.`, {
        hint: 'Create it first (`cairn collections create`) or check the name with `cairn collections list`.',
      });
    }
    return info;
  }

  #fts(collectionId: number): { insert: Statement; remove: Statement } {
    let statements = this.#ftsStatements.get(collectionId);
    if (statements === undefined) {
      const table = ftsTableName(collectionId);
      statements = {
        insert: this.#db.prepare(`INSERT INTO ${table} (rowid, title, heading, body) VALUES (?, ?, ?, ?)`),
        remove: this.#db.prepare(`DELETE FROM ${table} WHERE rowid = ?`),
      };
      this.#ftsStatements.set(collectionId, statements);
    }
    return statements;
  }

  #removeChunks(documentId: number, fts: { remove: Statement }): number[] {
    const ids = this.#chunkIds.all(documentId) as number[];
    for (const id of ids) fts.remove.run(id);
    this.#deleteChunks.run(documentId);
    return ids;
  }

  #writeInTransaction(document: DocumentWrite): WriteResult {
    const collection = this.#collectionInfo(document.collection);
    for (const chunk of document.chunks) {
      if (chunk.vector !== null && chunk.vector.length !== collection.dimensions) {
        throw new CairnError(
          'EMBEDDER_MISMATCH',
          `A vector of ${chunk.vector.length} dimensions was written to collection "${document.collection}", which holds ${collection.dimensions}.`,
          { hint: 'Embed with the collection\'s embedder, or switch the collection with `cairn reembed`.' },
        );
      }
    }
    const fts = this.#fts(collection.id);
    this.#touch(collection.id);
    const values = [
      document.relativePath,
      fileExtension(document.relativePath),
      document.sourceRoot,
      document.title,
      document.format,
      document.language ?? null,
      document.contentHash,
      document.sizeBytes,
      document.modifiedMs,
      JSON.stringify(document.tags),
      JSON.stringify(document.metadata),
      document.gitRepository ?? null,
      document.gitCommit ?? null,
      new Date().toISOString(),
      document.chunks.length,
    ];
    const existing = this.#findDocument.get(document.collection, document.uri) as number | undefined;
    let documentId: number;
    let removedChunkIds: number[] = [];
    if (existing === undefined) {
      documentId = Number(this.#insertDocument.run(document.collection, document.uri, ...values).lastInsertRowid);
    } else {
      documentId = existing;
      this.nearDuplicates.forget(document.collection, documentId);
      removedChunkIds = this.#removeChunks(documentId, fts);
      this.#updateDocument.run(...values, documentId);
    }
    const titleTerms = this.#analyze(document.title);
    let headingKey = '';
    let headingTerms = '';
    const chunkIds: number[] = [];
    const ordered = [...document.chunks].sort((a, b) => a.ordinal - b.ordinal);
    for (const chunk of ordered) {
      const heading = chunk.headingPath.join(' ');
      if (heading !== headingKey || chunkIds.length === 0) {
        headingKey = heading;
        headingTerms = this.#analyze(heading);
      }
      const id = Number(
        this.#insertChunk.run(
          documentId,
          document.collection,
          chunk.ordinal,
          chunk.text,
          JSON.stringify(chunk.headingPath),
          chunk.pageStart ?? null,
          chunk.pageEnd ?? null,
          chunk.lineStart ?? null,
          chunk.lineEnd ?? null,
          chunk.tokenCount,
          chunk.contentHash,
          chunk.vector === null ? null : vectorToBlob(chunk.vector),
          chunk.anchor ?? null,
        ).lastInsertRowid,
      );
      fts.insert.run(id, titleTerms, headingTerms, this.#analyze(chunk.text));
      chunkIds.push(id);
    }
    if (document.fingerprint !== undefined) {
      this.nearDuplicates.record(document.collection, documentId, document.fingerprint);
    }
    return { documentId, chunkIds, removedChunkIds };
  }

  #deleteInTransaction(collection: string, uris: string[]): number[] {
    const collectionId = this.#collectionInfo(collection).id;
    const fts = this.#fts(collectionId);
    this.#touch(collectionId);
    const removed: number[] = [];
    for (const uri of uris) {
      const documentId = this.#findDocument.get(collection, uri) as number | undefined;
      if (documentId === undefined) continue;
      this.nearDuplicates.forget(collection, documentId);
      removed.push(...this.#removeChunks(documentId, fts));
      this.#deleteDocument.run(documentId);
    }
    return removed;
  }
}
