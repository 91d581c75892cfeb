import type { PostgresMigration } from './migrate-postgres.js';

/**
 * The knowledge base's schema on PostgreSQL, versions 1–49 (the other stores' migrations take 50–99;
 * the backend applies both lists, concatenated, in version order). Never edit a released step: append.
 *
 * Layout (docs/decisions/0029-postgres-knowledge-base-layout.md):
 * - `chunks.embedding` is an unsized `vector` holding the chunk's full-precision vector; each collection
 *   with vectors has its own partial HNSW index over `(embedding::vector(d))` with cosine ops, named
 *   `chunks_hnsw_<collection id>` and created with the collection (PgvectorIndex). So per-collection
 *   dimensions differ freely and a collection's search walks only its own graph.
 * - Lexical: `lexical_postings` holds one row per (stem, chunk) with the column-weighted term frequency
 *   and the chunk's length in stems, `lexical_terms` the document frequency of each stem and
 *   `collections.lexical_length` the total length, so BM25 is computed exactly as FTS5's bm25() scores
 *   the SQLite store (PostgresLexicalIndex). The writer keeps all three in the document's transaction.
 * - `relative_path`, `title` and stems compare bytewise (`COLLATE "C"`), like SQLite, whatever the
 *   database's locale: sort orders and prefix filters agree across backends.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'knowledge base: collections, documents, chunks, lexical postings, ingestion runs',
    sql: `
      CREATE TABLE collections (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text COLLATE "C" NOT NULL UNIQUE,
        embedder text NOT NULL,
        dimensions integer NOT NULL,
        chunk_size integer NOT NULL,
        chunk_overlap integer NOT NULL,
        created_at text NOT NULL,
        vector_epoch integer NOT NULL DEFAULT 0,
        document_count integer NOT NULL DEFAULT 0,
        chunk_count integer NOT NULL DEFAULT 0,
        lexical_length bigint NOT NULL DEFAULT 0
      );
      CREATE TABLE documents (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        collection_id integer NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        collection text COLLATE "C" NOT NULL,
        uri text COLLATE "C" NOT NULL,
        relative_path text COLLATE "C" NOT NULL,
        extension text NOT NULL,
        source_root text NOT NULL,
        title text COLLATE "C" NOT NULL,
        format text NOT NULL,
        language text,
        content_hash text NOT NULL,
        size_bytes bigint NOT NULL,
        modified_ms double precision NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}',
        git_repository text,
        git_commit text,
        chunk_count integer NOT NULL DEFAULT 0,
        ingested_at text NOT NULL,
        UNIQUE (collection_id, uri)
      );
      CREATE INDEX documents_path ON documents (collection_id, relative_path);
      CREATE INDEX documents_title ON documents (collection_id, title);
      CREATE INDEX documents_modified ON documents (collection_id, modified_ms);
      CREATE INDEX documents_ingested ON documents (collection_id, ingested_at);
      CREATE INDEX documents_chunks ON documents (collection_id, chunk_count);
      CREATE TABLE chunks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        document_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        collection_id integer NOT NULL,
        ordinal integer NOT NULL,
        text text NOT NULL,
        heading_path text NOT NULL DEFAULT '[]',
        page_start integer,
        page_end integer,
        line_start integer,
        line_end integer,
        token_count integer NOT NULL,
        content_hash text NOT NULL,
        embedding vector
      );
      CREATE INDEX chunks_document ON chunks (document_id, ordinal);
      CREATE INDEX chunks_collection ON chunks (collection_id, id);
      CREATE TABLE lexical_terms (
        collection_id integer NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        term text COLLATE "C" NOT NULL,
        documents integer NOT NULL,
        PRIMARY KEY (collection_id, term)
      );
      CREATE TABLE lexical_postings (
        collection_id integer NOT NULL,
        term text COLLATE "C" NOT NULL,
        chunk_id bigint NOT NULL,
        document_id bigint NOT NULL,
        frequency double precision NOT NULL,
        length integer NOT NULL,
        PRIMARY KEY (collection_id, term, chunk_id) INCLUDE (document_id, frequency, length)
      );
      CREATE INDEX lexical_postings_chunk ON lexical_postings (chunk_id);
      CREATE TABLE ingestion_runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        collection text COLLATE "C" NOT NULL,
        sources jsonb NOT NULL,
        started_at text NOT NULL,
        finished_at text,
        summary jsonb
      );
      CREATE INDEX ingestion_runs_collection ON ingestion_runs (collection, id);
    `,
  },
  {
    version: 2,
    name: 'collections: where the vectors are indexed, and whether an external index missed pushes',
    // As the SQLite store's columns of the same names (docs/decisions/0031-chroma.md).
    sql: `
      ALTER TABLE collections ADD COLUMN vector_store text;
      ALTER TABLE collections ADD COLUMN vectors_pending boolean NOT NULL DEFAULT false;
    `,
  },
  {
    version: 3,
    name: "chunks: the anchor of the chunk's innermost heading that states one",
    // As the SQLite store's `chunks.anchor`: deep links to the cited section; NULL when none.
    sql: 'ALTER TABLE chunks ADD COLUMN anchor text;',
  },
  {
    version: 4,
    name: 'write generation per collection; near-duplicate fingerprints and LSH bands',
    // As the SQLite store's (docs/decisions/0038-near-duplicates-and-result-cache.md): the writer bumps
    // `write_generation` in every transaction that writes or deletes documents (applyDeltas); caches of
    // search results in every process key on it.
    sql: `
      ALTER TABLE collections ADD COLUMN write_generation bigint NOT NULL DEFAULT 0;
      CREATE TABLE document_fingerprints (
        document_id bigint PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        collection_id integer NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        minhash bytea NOT NULL,
        threshold real NOT NULL,
        cluster bigint NOT NULL
      );
      CREATE INDEX document_fingerprints_cluster ON document_fingerprints (collection_id, cluster);
      CREATE TABLE document_bands (
        collection_id integer NOT NULL,
        band_key bigint NOT NULL,
        document_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE
      );
      CREATE INDEX document_bands_key ON document_bands (collection_id, band_key);
      CREATE INDEX document_bands_document ON document_bands (document_id);
    `,
  },
  {
    version: 5,
    name: 'boilerplate-aware near-duplicates: stored shingles, the boilerplate shingles with their counts, staleness',
    // As the SQLite store's migration of the same purpose (decision 0038): shingle hashes are uint32 held
    // as the int32 of the same bits.
    sql: `
      ALTER TABLE document_fingerprints ADD COLUMN shingles bytea;
      CREATE TABLE shingle_df (
        collection_id integer NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        shingle integer NOT NULL,
        df integer NOT NULL,
        PRIMARY KEY (collection_id, shingle)
      );
      CREATE TABLE near_duplicate_state (
        collection_id integer PRIMARY KEY REFERENCES collections(id) ON DELETE CASCADE,
        boilerplate_df integer NOT NULL,
        stale boolean NOT NULL,
        generation bigint NOT NULL
      );
    `,
  },
];

/** Name of a collection's partial HNSW index; the id is an integer, so the name is safe to interpolate. */
export function hnswIndexName(collectionId: number): string {
  return `chunks_hnsw_${Math.trunc(collectionId)}`;
}

/** HNSW build parameters (pgvector's `m`, `ef_construction`). */
export interface PgvectorBuildParams {
  m: number;
  efConstruction: number;
}

/** DDL of a collection's partial HNSW index over its `dimensions`-long vectors (none for 0). */
export function createHnswIndexSql(collectionId: number, dimensions: number, params: PgvectorBuildParams, options: { concurrently?: boolean } = {}): string | undefined {
  if (dimensions <= 0) return undefined;
  const id = Math.trunc(collectionId);
  const d = Math.trunc(dimensions);
  return `CREATE INDEX ${options.concurrently === true ? 'CONCURRENTLY ' : ''}IF NOT EXISTS ${hnswIndexName(id)} ON chunks USING hnsw ((embedding::vector(${d})) vector_cosine_ops)
    WITH (m = ${Math.trunc(params.m)}, ef_construction = ${Math.trunc(params.efConstruction)}) WHERE collection_id = ${id}`;
}
