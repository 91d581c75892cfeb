import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import { fileExtension } from '../../core/search-filter.js';
import type { DocumentWrite, WriteResult } from '../chunk-store.js';
import { forgetFingerprint, recordFingerprints, settleFingerprints, type BoilerplateCache, type FingerprintWrite } from './postgres-near-duplicates.js';
import type { LexicalWeights } from '../sqlite/sqlite-lexical-index.js';
import { chunkPostings } from './lexical-postings.js';
import { withTransaction } from './postgres-errors.js';
import { vectorLiteral } from './vector-literal.js';
import { copyRows, type CopyType, type CopyValue } from './copy-rows.js';

const CHUNK_COLUMNS: readonly (readonly [string, CopyType])[] = [
  ['id', 'int8'], ['document_id', 'int8'], ['collection_id', 'int4'], ['ordinal', 'int4'], ['text', 'text'], ['heading_path', 'text'],
  ['page_start', 'int4'], ['page_end', 'int4'], ['line_start', 'int4'], ['line_end', 'int4'], ['token_count', 'int4'], ['content_hash', 'text'],
  ['embedding', 'vector'], ['anchor', 'text'],
];
const POSTING_COLUMNS: readonly (readonly [string, CopyType])[] = [
  ['collection_id', 'int4'], ['document_id', 'int8'], ['term', 'text'], ['chunk_id', 'int8'], ['frequency', 'float8'], ['length', 'int4'],
];

/** Turns raw text into the space-separated analyzer terms that are indexed (analyzeForIndex in production). */
export type LexicalAnalyzer = (text: string) => string;

interface LockedCollection {
  id: number;
  dimensions: number;
}

/** Per-collection changes a transaction makes to the lexical statistics and counters, applied once at its end. */
interface CollectionDelta {
  documents: number;
  chunks: number;
  length: number;
  terms: Map<string, number>;
}

/**
 * Writes and deletes documents on PostgreSQL. Each public method is one transaction covering the
 * document rows, their chunks (with vectors), their lexical postings and the collection's counters and
 * term statistics, so a dropped connection or a crash leaves the old or the new version, never a mix.
 * The collections written are locked first (`FOR UPDATE`, in id order): writers of one collection
 * take turns, which keeps the term statistics exact and rules out deadlocks between writers.
 */
export class PostgresDocumentWriter {
  readonly #pool: pg.Pool;
  readonly #analyze: LexicalAnalyzer;
  readonly #weights: LexicalWeights;
  readonly #stemCache = new Map<string, string>();
  /** Each collection's boilerplate shingles as of its last settling (decision 0038). */
  readonly #boilerplate: BoilerplateCache = new Map();
  readonly #where: string;

  constructor(pool: pg.Pool, where: string, analyze: LexicalAnalyzer, weights: LexicalWeights) {
    this.#pool = pool;
    this.#where = where;
    this.#analyze = analyze;
    this.#weights = weights;
  }

  async writeMany(documents: DocumentWrite[]): Promise<WriteResult[]> {
    if (documents.length === 0) return [];
    return withTransaction(this.#pool, this.#where, async (client) => {
      const collections = await lockCollections(client, documents.map((document) => document.collection));
      for (const document of documents) checkDimensions(document, collections.get(document.collection)!);
      const deltas = new Map<number, CollectionDelta>();
      const results = new Array<WriteResult>(documents.length);
      // New documents (the bulk of an ingest) go in three statements for the whole batch; a rewrite,
      // or a URI twice in one batch, takes the one-document path, in the batch's order.
      const keyOf = (document: DocumentWrite) => `${collections.get(document.collection)!.id}\n${document.uri}`;
      const { rows } = await client.query<{ collection_id: number; uri: string }>(
        'SELECT collection_id, uri FROM documents WHERE (collection_id, uri) IN (SELECT * FROM unnest($1::int[], $2::text[]))',
        [documents.map((document) => collections.get(document.collection)!.id), documents.map((document) => document.uri)],
      );
      const existing = new Set(rows.map((row) => `${row.collection_id}\n${row.uri}`));
      const seen = new Set<string>();
      const fresh: number[] = [];
      for (const [index, document] of documents.entries()) {
        const key = keyOf(document);
        if (!existing.has(key) && !seen.has(key)) fresh.push(index);
        seen.add(key);
      }
      const freshResults = await this.#insertNew(client, fresh.map((index) => documents[index]!), collections, deltas);
      for (const [i, index] of fresh.entries()) results[index] = freshResults[i]!;
      for (const [index, document] of documents.entries()) {
        if (results[index] === undefined) results[index] = await this.#write(client, document, collections.get(document.collection)!, deltas);
      }
      const fingerprints = new Map<number, FingerprintWrite[]>();
      for (const [index, document] of documents.entries()) {
        if (document.fingerprint === undefined) continue;
        const collectionId = collections.get(document.collection)!.id;
        const list = fingerprints.get(collectionId) ?? [];
        list.push({ documentId: results[index]!.documentId, ...document.fingerprint });
        fingerprints.set(collectionId, list);
      }
      for (const [collectionId, writes] of [...fingerprints].sort((a, b) => a[0] - b[0])) await recordFingerprints(client, collectionId, writes, this.#boilerplate);
      await applyDeltas(client, deltas);
      return results;
    });
  }

  /** Inserts documents known to be new (distinct keys): documents, chunks and postings in one statement each. */
  async #insertNew(client: pg.PoolClient, documents: DocumentWrite[], collections: Map<string, LockedCollection>, deltas: Map<number, CollectionDelta>): Promise<WriteResult[]> {
    if (documents.length === 0) return [];
    const now = new Date().toISOString();
    const column = <T>(pick: (document: DocumentWrite) => T) => documents.map(pick);
    await client.query(
      `INSERT INTO documents (collection_id, collection, uri, relative_path, extension, source_root, title, format, language, content_hash,
         size_bytes, modified_ms, tags, metadata, git_repository, git_commit, ingested_at, chunk_count)
       SELECT u.collection_id, u.collection, u.uri, u.relative_path, u.extension, u.source_root, u.title, u.format, u.language, u.content_hash,
         u.size_bytes, u.modified_ms, ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)), u.metadata::jsonb, u.git_repository, u.git_commit, $17, u.chunk_count
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
         $11::bigint[], $12::float8[], $13::text[], $14::text[], $15::text[], $16::text[], $18::int[])
         AS u(collection_id, collection, uri, relative_path, extension, source_root, title, format, language, content_hash,
           size_bytes, modified_ms, tags, metadata, git_repository, git_commit, chunk_count)`,
      [
        column((d) => collections.get(d.collection)!.id),
        column((d) => d.collection),
        column((d) => d.uri),
        column((d) => d.relativePath),
        column((d) => fileExtension(d.relativePath)),
        column((d) => d.sourceRoot),
        column((d) => d.title),
        column((d) => d.format),
        column((d) => d.language ?? null),
        column((d) => d.contentHash),
        column((d) => d.sizeBytes),
        column((d) => d.modifiedMs),
        column((d) => JSON.stringify(d.tags)),
        column((d) => JSON.stringify(d.metadata)),
        column((d) => d.gitRepository ?? null),
        column((d) => d.gitCommit ?? null),
        now,
        column((d) => d.chunks.length),
      ],
    );
    // Ids by key (RETURNING's order is not a contract), then every chunk of the batch in one statement.
    const ids = await client.query<{ id: number; collection_id: number; uri: string }>(
      'SELECT id, collection_id, uri FROM documents WHERE (collection_id, uri) IN (SELECT * FROM unnest($1::int[], $2::text[]))',
      [column((d) => collections.get(d.collection)!.id), column((d) => d.uri)],
    );
    const idByKey = new Map(ids.rows.map((row) => [`${row.collection_id}\n${row.uri}`, row.id]));
    const documentIds = documents.map((d) => idByKey.get(`${collections.get(d.collection)!.id}\n${d.uri}`)!);
    const ordered = documents.map((d) => [...d.chunks].sort((a, b) => a.ordinal - b.ordinal));
    // Chunk ids are drawn from the identity's sequence first, so the rows and their postings go in by
    // binary COPY (no SQL text, no array literals, vectors unparsed) without waiting for RETURNING.
    const chunkCount = ordered.reduce((sum, chunks) => sum + chunks.length, 0);
    const drawn = chunkCount === 0 ? [] : (await client.query<{ id: string }>(
      "SELECT nextval(pg_get_serial_sequence('chunks', 'id')) AS id FROM generate_series(1, $1)", [chunkCount],
    )).rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    let next = 0;
    const chunkIds = ordered.map((chunks) => chunks.map(() => drawn[next++]!));
    if (chunkCount > 0) {
      await copyRows(client, 'chunks', CHUNK_COLUMNS, (function* () {
        for (const [i, chunks] of ordered.entries()) {
          const collectionId = collections.get(documents[i]!.collection)!.id;
          for (const [j, chunk] of chunks.entries()) {
            yield [chunkIds[i]![j]!, documentIds[i]!, collectionId, chunk.ordinal, chunk.text, JSON.stringify(chunk.headingPath), chunk.pageStart ?? null,
              chunk.pageEnd ?? null, chunk.lineStart ?? null, chunk.lineEnd ?? null, chunk.tokenCount, chunk.contentHash, chunk.vector, chunk.anchor ?? null];
          }
        }
      })());
    }
    const postings: CopyValue[][] = [];
    const results: WriteResult[] = [];
    for (const [i, document] of documents.entries()) {
      const documentId = documentIds[i]!;
      const collectionId = collections.get(document.collection)!.id;
      const change = delta(deltas, collectionId);
      change.documents++;
      const ids = chunkIds[i]!;
      this.#postings(document, ordered[i]!, ids, change, (term, chunkId, frequency, length) => {
        postings.push([collectionId, documentId, term, chunkId, frequency, length]);
      });
      results.push({ documentId, chunkIds: [...ids].sort((a, b) => a - b), removedChunkIds: [] });
    }
    if (postings.length > 0) await copyRows(client, 'lexical_postings', POSTING_COLUMNS, postings);
    return results;
  }

  /** The lexical postings of a document's chunks (`ordered` by ordinal, `ids` alike), as SqliteDocumentWriter feeds FTS5: title, heading path, body. */
  #postings(
    document: DocumentWrite,
    ordered: DocumentWrite['chunks'],
    ids: number[],
    change: CollectionDelta,
    emit: (term: string, chunkId: number, frequency: number, length: number) => void,
  ): void {
    const titleTerms = this.#analyze(document.title);
    let headingKey = '';
    let headingTerms = '';
    for (const [index, chunk] of ordered.entries()) {
      const heading = chunk.headingPath.join(' ');
      if (heading !== headingKey || index === 0) {
        headingKey = heading;
        headingTerms = this.#analyze(heading);
      }
      const postings = chunkPostings([titleTerms, headingTerms, this.#analyze(chunk.text)], this.#weights, this.#stemCache);
      change.chunks++;
      change.length += postings.length;
      for (const [stem, frequency] of postings.frequencies) {
        emit(stem, ids[index]!, frequency, postings.length);
        change.terms.set(stem, (change.terms.get(stem) ?? 0) + 1);
      }
    }
  }

  /** ChunkStore.settleNearDuplicates: under the collection's row lock, as every writer of its clusters. */
  async settleNearDuplicates(collection: string, boilerplateDf: number): Promise<number> {
    return withTransaction(this.#pool, this.#where, async (client) => {
      const locked = (await lockCollections(client, [collection])).get(collection)!;
      const changed = await settleFingerprints(client, locked.id, boilerplateDf, this.#boilerplate);
      // Clusters shape collapsed results: cached responses must not outlive them.
      if (changed > 0) await client.query('UPDATE collections SET write_generation = write_generation + 1 WHERE id = $1', [locked.id]);
      return changed;
    });
  }

  /** Deletes documents by URI; returns the ids of the chunks removed with them. */
  async delete(collection: string, uris: string[]): Promise<number[]> {
    return withTransaction(this.#pool, this.#where, async (client) => {
      const locked = (await lockCollections(client, [collection])).get(collection)!;
      const deltas = new Map<number, CollectionDelta>();
      const { rows } = await client.query<{ id: number }>('SELECT id FROM documents WHERE collection_id = $1 AND uri = ANY($2::text[]) ORDER BY id', [
        locked.id,
        uris,
      ]);
      const removed: number[] = [];
      for (const { id } of rows) {
        await forgetFingerprint(client, locked.id, id);
        removed.push(...(await removeChunks(client, locked.id, id, delta(deltas, locked.id))));
        await client.query('DELETE FROM documents WHERE id = $1', [id]);
        delta(deltas, locked.id).documents--;
      }
      await applyDeltas(client, deltas);
      return removed;
    });
  }


  async #write(client: pg.PoolClient, document: DocumentWrite, collection: LockedCollection, deltas: Map<number, CollectionDelta>): Promise<WriteResult> {
    const change = delta(deltas, collection.id);
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
      document.tags,
      JSON.stringify(document.metadata),
      document.gitRepository ?? null,
      document.gitCommit ?? null,
      new Date().toISOString(),
      document.chunks.length,
    ];
    const existing = await client.query<{ id: number }>('SELECT id FROM documents WHERE collection_id = $1 AND uri = $2', [collection.id, document.uri]);
    let documentId: number;
    let removedChunkIds: number[] = [];
    const columns =
      'relative_path, extension, source_root, title, format, language, content_hash, size_bytes, modified_ms, tags, metadata, git_repository, git_commit, ingested_at, chunk_count';
    if (existing.rows[0] === undefined) {
      const inserted = await client.query<{ id: number }>(
        `INSERT INTO documents (collection_id, collection, uri, ${columns})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, $17, $18) RETURNING id`,
        [collection.id, document.collection, document.uri, ...values],
      );
      documentId = inserted.rows[0]!.id;
      change.documents++;
    } else {
      documentId = existing.rows[0].id;
      await forgetFingerprint(client, collection.id, documentId);
      removedChunkIds = await removeChunks(client, collection.id, documentId, change);
      await client.query(
        `UPDATE documents SET (${columns}) = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15) WHERE id = $16`,
        [...values, documentId],
      );
    }
    const chunkIds = await this.#insertChunks(client, document, collection.id, documentId, change);
    return { documentId, chunkIds, removedChunkIds };
  }

  async #insertChunks(client: pg.PoolClient, document: DocumentWrite, collectionId: number, documentId: number, change: CollectionDelta): Promise<number[]> {
    const ordered = [...document.chunks].sort((a, b) => a.ordinal - b.ordinal);
    if (ordered.length === 0) return [];
    const { rows } = await client.query<{ id: number; ordinal: number }>(
      `INSERT INTO chunks (document_id, collection_id, ordinal, text, heading_path, page_start, page_end, line_start, line_end, token_count, content_hash, embedding, anchor)
       SELECT $1::bigint, $2::int, * FROM unnest($3::int[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::text[], $12::vector[], $13::text[])
       RETURNING id, ordinal`,
      [
        documentId,
        collectionId,
        ordered.map((chunk) => chunk.ordinal),
        ordered.map((chunk) => chunk.text),
        ordered.map((chunk) => JSON.stringify(chunk.headingPath)),
        ordered.map((chunk) => chunk.pageStart ?? null),
        ordered.map((chunk) => chunk.pageEnd ?? null),
        ordered.map((chunk) => chunk.lineStart ?? null),
        ordered.map((chunk) => chunk.lineEnd ?? null),
        ordered.map((chunk) => chunk.tokenCount),
        ordered.map((chunk) => chunk.contentHash),
        ordered.map((chunk) => (chunk.vector === null ? null : vectorLiteral(chunk.vector))),
        ordered.map((chunk) => chunk.anchor ?? null),
      ],
    );
    const idByOrdinal = new Map(rows.map((row) => [row.ordinal, row.id]));
    const chunkIds = ordered.map((chunk) => idByOrdinal.get(chunk.ordinal)!).sort((a, b) => a - b);
    const terms: string[] = [];
    const ids: number[] = [];
    const frequencies: number[] = [];
    const lengths: number[] = [];
    const ordinalIds = ordered.map((chunk) => idByOrdinal.get(chunk.ordinal)!);
    this.#postings(document, ordered, ordinalIds, change, (term, chunkId, frequency, length) => {
      terms.push(term);
      ids.push(chunkId);
      frequencies.push(frequency);
      lengths.push(length);
    });
    if (terms.length > 0) {
      await client.query(
        `INSERT INTO lexical_postings (collection_id, document_id, term, chunk_id, frequency, length)
         SELECT $1::int, $2::bigint, * FROM unnest($3::text[], $4::bigint[], $5::float8[], $6::int[])`,
        [collectionId, documentId, terms, ids, frequencies, lengths],
      );
    }
    return chunkIds;
  }
}

function delta(deltas: Map<number, CollectionDelta>, collectionId: number): CollectionDelta {
  let entry = deltas.get(collectionId);
  if (entry === undefined) {
    entry = { documents: 0, chunks: 0, length: 0, terms: new Map() };
    deltas.set(collectionId, entry);
  }
  return entry;
}

/** Locks the named collections (id order) and answers them by name; a missing one is COLLECTION_NOT_FOUND. */
async function lockCollections(client: pg.PoolClient, names: string[]): Promise<Map<string, LockedCollection>> {
  const unique = [...new Set(names)];
  const { rows } = await client.query<{ id: number; name: string; dimensions: number }>(
    'SELECT id, name, dimensions FROM collections WHERE name = ANY($1::text[]) ORDER BY id FOR UPDATE',
    [unique],
  );
  const byName = new Map(rows.map((row) => [row.name, { id: row.id, dimensions: row.dimensions }]));
  const missing = unique.find((name) => !byName.has(name));
  if (missing !== undefined) {
    throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${missing}" does not exist.`, {
      hint: 'Create it first (`cairn collections create`) or check the name with `cairn collections list`.',
    });
  }
  return byName;
}

function checkDimensions(document: DocumentWrite, collection: LockedCollection): void {
  for (const chunk of document.chunks) {
    if (chunk.vector !== null && chunk.vector.length !== collection.dimensions) {
      throw new CairnError(
        'EMBEDDER_MISMATCH',
        `A vector of ${chunk.vector.length} dimensions was written to collection "${document.collection}", which holds ${collection.dimensions}.`,
        { hint: "Embed with the collection's embedder, or switch the collection with `cairn reembed`." },
      );
    }
  }
}

/** Deletes a document's chunks and their postings; answers the chunk ids, ascending. */
async function removeChunks(client: pg.PoolClient, collectionId: number, documentId: number, change: CollectionDelta): Promise<number[]> {
  const postings = await client.query<{ chunk_id: number; term: string; length: number }>(
    `DELETE FROM lexical_postings WHERE collection_id = $2 AND chunk_id IN (SELECT id FROM chunks WHERE document_id = $1)
     RETURNING chunk_id, term, length`,
    [documentId, collectionId],
  );
  const lengths = new Map<number, number>();
  for (const row of postings.rows) {
    change.terms.set(row.term, (change.terms.get(row.term) ?? 0) - 1);
    lengths.set(row.chunk_id, row.length);
  }
  for (const length of lengths.values()) change.length -= length;
  const { rows } = await client.query<{ id: number }>('DELETE FROM chunks WHERE document_id = $1 RETURNING id', [documentId]);
  change.chunks -= rows.length;
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

/** Applies a transaction's counters and document frequencies (terms in sorted order). */
async function applyDeltas(client: pg.PoolClient, deltas: Map<number, CollectionDelta>): Promise<void> {
  for (const [collectionId, change] of [...deltas].sort((a, b) => a[0] - b[0])) {
    const terms = [...change.terms].filter(([, count]) => count !== 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (terms.length > 0) {
      await client.query(
        `INSERT INTO lexical_terms (collection_id, term, documents) SELECT $1::int, * FROM unnest($2::text[], $3::int[])
         ON CONFLICT (collection_id, term) DO UPDATE SET documents = lexical_terms.documents + excluded.documents`,
        [collectionId, terms.map(([term]) => term), terms.map(([, count]) => count)],
      );
      const fewer = terms.filter(([, count]) => count < 0).map(([term]) => term);
      if (fewer.length > 0) await client.query('DELETE FROM lexical_terms WHERE collection_id = $1 AND term = ANY($2::text[]) AND documents <= 0', [collectionId, fewer]);
    }
    await client.query(
      `UPDATE collections SET document_count = document_count + $2, chunk_count = chunk_count + $3, lexical_length = lexical_length + $4,
         write_generation = write_generation + 1 WHERE id = $1`,
      [collectionId, change.documents, change.chunks, change.length],
    );
  }
}
