import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import type { VectorHit, VectorIndex, VectorIndexStatus, VectorItem, VectorSearchOptions } from '../vector-index.js';
import { withIndexDdlLock } from './hnsw-index-ddl.js';
import { withTransaction } from './postgres-errors.js';
import { buildPostgresFilter, SqlParams } from './postgres-filter-sql.js';
import { createHnswIndexSql, hnswIndexName, type PgvectorBuildParams } from './postgres-migrations.js';
import { vectorLiteral } from './vector-literal.js';

/** Memory for building a collection's HNSW graph at once (the graph of 100k 384-d vectors at m 16 is ~200 MB). */
const BUILD_MEMORY = '1GB';
/** A whole-graph build runs without the pool's statement limit, up to this long (a million chunks on a small machine). */
const BUILD_TIMEOUT_MS = 6 * 3600_000;
/**
 * Session settings of every pooled connection (sent at connect as `options=-c …`, so a search is one
 * statement): pgvector's HNSW walk keeps `efSearch` candidates and, when a filter rejects rows, keeps
 * walking (iterative scan, pgvector ≥ 0.8) until k pass. Unknown to the server until pgvector loads,
 * they wait as placeholders and take effect then.
 */
export function pgvectorSessionSettings(efSearch: number): Record<string, string> {
  return { 'hnsw.ef_search': String(Math.min(1000, Math.max(1, Math.trunc(efSearch)))), 'hnsw.iterative_scan': 'relaxed_order' };
}

export interface PgvectorIndexOptions {
  hnsw: PgvectorBuildParams;
  /** Candidates the HNSW walk keeps (pgvector's `hnsw.ef_search`, set per connection by pgvectorSessionSettings); raised to k for a larger k. */
  efSearch: number;
  /** A filter matching at most this many chunks is searched exactly (EXACT_FILTER_CHUNKS by default; 0: always the walk). */
  exactFilterChunks?: number;
}

/**
 * The VectorIndex of the PostgreSQL backend: the vectors are `chunks.embedding`, written in the
 * writer's own transaction, and each collection has a partial HNSW index (cosine) over them, so pushes
 * and flushes have nothing to do: what is committed is searchable.
 *
 * A search is one statement: the collection's partial index ordered by cosine distance, joined to
 * `documents` for a filter (core's NormalizedFilter as SQL). pgvector's iterative index scan
 * (`hnsw.iterative_scan = relaxed_order`, pgvector ≥ 0.8) keeps walking the graph while the filter
 * rejects rows, so a filtered query returns k hits whenever k pass; the outer ORDER BY restores exact
 * order among them. A filter matching at most EXACT_FILTER_CHUNKS chunks is instead scanned exactly
 * (the walk's scan budget would run out before k of them pass), decided inside the same statement.
 */
export class PgvectorIndex implements VectorIndex {
  readonly kind = 'pgvector-hnsw';
  readonly #pool: pg.Pool;
  readonly #options: PgvectorIndexOptions;
  readonly #where: string;
  /** Collection name → id and dimensions as last read; every use re-checks them inside its statement. */
  readonly #known = new Map<string, { id: number; dimensions: number }>();

  constructor(pool: pg.Pool, where: string, options: PgvectorIndexOptions) {
    this.#pool = pool;
    this.#where = where;
    this.#options = options;
  }

  async #collection(name: string): Promise<{ id: number; dimensions: number }> {
    const { rows } = await this.#pool.query<{ id: number; dimensions: number }>('SELECT id, dimensions FROM collections WHERE name = $1', [name]);
    const row = rows[0];
    if (row === undefined) {
      this.#known.delete(name);
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${name}" does not exist.`, { hint: 'List collections with `cairn collections list`.' });
    }
    this.#known.set(name, row);
    return row;
  }

  /**
   * Checks the collection's dimension and that its index exists, building it whole if a bulk load, a
   * restore or an older step left none (or a build that died left an invalid one). Built and dropped
   * CONCURRENTLY: `chunks` holds every collection, and a plain CREATE INDEX would hold off the writes
   * of every other collection (other workers' ingests) for the whole build (45 s at 82k chunks on 2
   * cores), a plain DROP INDEX would queue every search behind the longest running transaction.
   */
  async open(collection: string, dimensions: number): Promise<VectorIndexStatus> {
    const started = performance.now();
    const info = await this.#collection(collection);
    if (dimensions !== info.dimensions && info.dimensions !== 0) throw dimensionMismatch(collection, info.dimensions, dimensions);
    const ddl = createHnswIndexSql(info.id, info.dimensions, this.#options.hnsw, { concurrently: true });
    if (ddl !== undefined) await this.#buildIfMissing(hnswIndexName(info.id), info.dimensions, ddl);
    const { rows } = await this.#pool.query<{ count: number }>('SELECT count(embedding) AS count FROM chunks WHERE collection_id = $1', [info.id]);
    const count = rows[0]?.count ?? 0;
    return { count, source: count === 0 ? 'empty' : 'server', addedSinceSnapshot: 0, millis: performance.now() - started };
  }

  async #buildIfMissing(name: string, dimensions: number, ddl: string): Promise<void> {
    if (await this.#indexState(name, dimensions) === 'usable') return;
    // Builds and drops wait for one another (hnsw-index-ddl.ts: concurrent ones on one table deadlock).
    await withIndexDdlLock(this.#pool, this.#where, { wait: true }, async (client) => {
      const state = await this.#indexState(name, dimensions);
      if (state === 'usable') return;
      // An invalid index is what a concurrent build that died leaves behind: kept up to date on
      // writes but never used; a stale one (another dimension) is what a process that died between
      // a dimension change and its drop leaves. Both are dropped and built again.
      if (state !== 'missing') await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      // A whole-graph build: memory for the graph (else pgvector builds on disk, much slower), no
      // timeout. Session settings (a concurrent build cannot run in a transaction), reset after.
      await client.query(`SET maintenance_work_mem = '${BUILD_MEMORY}'`);
      await client.query('SET statement_timeout = 0');
      // The pool's client-side read timeout (statementTimeoutMs + 5 s) would end the build too; 0 there means "the default".
      await client.query({ text: ddl, query_timeout: BUILD_TIMEOUT_MS } as pg.QueryConfig);
      await client.query('RESET maintenance_work_mem');
      await client.query('RESET statement_timeout');
    });
  }

  async #indexState(name: string, dimensions: number): Promise<'missing' | 'invalid' | 'stale' | 'usable'> {
    const { rows } = await this.#pool.query<{ valid: boolean; definition: string }>(
      'SELECT i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i WHERE i.indexrelid = to_regclass($1)',
      [name],
    );
    const row = rows[0];
    if (row === undefined) return 'missing';
    if (!row.valid) return 'invalid';
    return row.definition.includes(`vector(${Math.trunc(dimensions)})`) ? 'usable' : 'stale';
  }

  /**
   * Drops the collection's HNSW index for a bulk load; `open` builds it again from the rows. Only
   * an optimisation: while another process builds or drops an index, the load keeps the index (the
   * writes then insert into the graph row by row) rather than wait for that build.
   */
  async deferBuild(collection: string): Promise<void> {
    const info = await this.#collection(collection);
    await withIndexDdlLock(this.#pool, this.#where, { wait: false }, async (client) => {
      await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${hnswIndexName(info.id)}`);
    });
  }

  async search(options: VectorSearchOptions): Promise<VectorHit[]> {
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    if (options.k <= 0) return [];
    if (options.filter === undefined && options.k <= this.#options.efSearch) {
      const hits = await this.#searchKnown(options);
      if (hits !== undefined) return hits;
    }
    const info = await this.#collection(options.collection);
    if (info.dimensions === 0) return [];
    if (options.vector.length !== info.dimensions) throw dimensionMismatch(options.collection, info.dimensions, options.vector.length);
    const d = Math.trunc(info.dimensions);
    const params = new SqlParams(vectorLiteral(options.vector), options.k);
    const where = await buildPostgresFilter(this.#pool, info.id, options.filter, params);
    const sql = where === 'true' ? walkSql(info.id, d) : filteredSql(info.id, d, where, this.#options.exactFilterChunks ?? EXACT_FILTER_CHUNKS);
    // The connection's session already walks with ef_search = efSearch and iterative scans
    // (connect options, PGVECTOR_SESSION_SETTINGS): one round trip. A k beyond it raises ef_search for one transaction.
    if (options.k <= this.#options.efSearch) {
      const { rows } = await this.#pool.query<{ id: number; score: number }>(sql, params.values);
      return rows.map((row) => ({ chunkId: row.id, score: row.score }));
    }
    return withTransaction(this.#pool, this.#where, async (client) => {
      await client.query(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.trunc(options.k))}`);
      const { rows } = await client.query<{ id: number; score: number }>(sql, params.values);
      return rows.map((row) => ({ chunkId: row.id, score: row.score }));
    });
  }

  /**
   * An unfiltered search in one round trip: the collection's id and dimensions as last read, checked in
   * the same statement (a collection dropped and re-created, or re-embedded, since then yields no row at
   * all, and the caller looks them up again). Undefined when they are unknown or changed.
   */
  async #searchKnown(options: VectorSearchOptions): Promise<VectorHit[] | undefined> {
    const info = this.#known.get(options.collection);
    if (info === undefined || info.dimensions === 0 || options.vector.length !== info.dimensions) return undefined;
    const d = Math.trunc(info.dimensions);
    const id = Math.trunc(info.id);
    // Named per collection and dimension (its text holds both): parsed and planned once per connection.
    const { rows } = await this.#pool.query<{ id: number | null; score: number | null }>({
      name: `cairn-dense-${id}-${d}`,
      text: `WITH valid AS (SELECT 1 FROM collections WHERE id = ${id} AND name = $3 AND dimensions = ${d}),
       nearest AS MATERIALIZED (
        SELECT c.id, c.embedding::vector(${d}) <=> $1::vector(${d}) AS distance FROM chunks c
        WHERE EXISTS (SELECT 1 FROM valid) AND c.collection_id = ${id} AND c.embedding IS NOT NULL
        ORDER BY c.embedding::vector(${d}) <=> $1::vector(${d}) LIMIT $2)
      SELECT n.id, 1 - n.distance AS score FROM valid LEFT JOIN nearest n ON true ORDER BY n.distance, n.id`,
      values: [vectorLiteral(options.vector), options.k, options.collection],
    });
    if (rows.length === 0) {
      this.#known.delete(options.collection);
      return undefined;
    }
    return rows.flatMap((row) => (row.id === null ? [] : [{ chunkId: row.id, score: row.score as number }]));
  }

  /** The writer stored the vectors in its transaction; nothing is left to push. */
  async upsert(_collection: string, _items: VectorItem[]): Promise<void> {}

  async remove(_collection: string, _ids: number[]): Promise<void> {}

  async flush(_collection: string): Promise<void> {}

  /** The chunk store drops the collection's index after deleting the collection or changing its dimension; `open` builds the new one. */
  async drop(_collection: string): Promise<void> {}

  async close(): Promise<void> {}
}

function dimensionMismatch(collection: string, stored: number, asked: number): CairnError {
  return new CairnError('EMBEDDER_MISMATCH', `Collection "${collection}" holds ${stored}-dimensional vectors; a ${asked}-dimensional vector was given.`, {
    hint: "Query with the collection's embedder, or switch the collection with `cairn reembed`.",
  });
}

/**
 * A filter matching at most this many chunks is searched exactly, over its chunks alone. pgvector's
 * iterative scan gives up after `hnsw.max_scan_tuples` (20,000 by default) visited tuples, and a filter
 * whose chunks lie far from the query (one project's pages among 30) exhausts that budget before k
 * pass: filtered recall@10 0.80 at 82k chunks whatever ef_search (docs/benchmarks.md, pgidx13). Below
 * this bound the exact scan reads no more rows than the walk's budget, and is exact.
 */
export const EXACT_FILTER_CHUNKS = 20_000;

/** An unfiltered search: the walk of the collection's partial index (its id a literal, so that the planner matches the index). */
function walkSql(collectionId: number, d: number): string {
  return `WITH nearest AS MATERIALIZED (
        SELECT c.id, c.embedding::vector(${d}) <=> $1::vector(${d}) AS distance FROM chunks c
        WHERE c.collection_id = ${Math.trunc(collectionId)} AND c.embedding IS NOT NULL
        ORDER BY c.embedding::vector(${d}) <=> $1::vector(${d}) LIMIT $2)
      SELECT id, 1 - distance AS score FROM nearest ORDER BY distance, id`;
}

/**
 * A filtered search in one statement: the documents' chunk counts decide (a one-time filter, so only
 * one branch runs) between the index walk with the iterative scan and an exact scan of the filter's
 * chunks, whose ORDER BY (the bare column, not the index's `vector(d)` expression) no index serves.
 * The scan reads each matching document's chunks through `chunks_document` (LATERAL with OFFSET 0,
 * which the planner cannot flatten): left free, it hash-joined a sequential scan of every chunk,
 * as slow as an exact search of the whole collection (a filter's many small documents look broad).
 */
export function filteredSql(collectionId: number, d: number, where: string, exactBelow: number): string {
  const id = Math.trunc(collectionId);
  const bound = Math.max(0, Math.trunc(exactBelow));
  const join = `JOIN documents d ON d.id = c.document_id AND ${where}`;
  return `WITH matching AS (SELECT coalesce(sum(d.chunk_count), 0) AS n FROM documents d WHERE d.collection_id = ${id} AND ${where}),
      walk AS MATERIALIZED (
        SELECT c.id, c.embedding::vector(${d}) <=> $1::vector(${d}) AS distance FROM chunks c ${join}
        WHERE (SELECT n FROM matching) > ${bound} AND c.collection_id = ${id} AND c.embedding IS NOT NULL
        ORDER BY c.embedding::vector(${d}) <=> $1::vector(${d}) LIMIT $2),
      scan AS MATERIALIZED (
        SELECT x.id, x.distance FROM documents d, LATERAL (
          SELECT c.id, c.embedding <=> $1::vector AS distance FROM chunks c WHERE c.document_id = d.id AND c.embedding IS NOT NULL OFFSET 0) x
        WHERE (SELECT n FROM matching) <= ${bound} AND d.collection_id = ${id} AND ${where}
        ORDER BY x.distance LIMIT $2)
      SELECT id, 1 - distance AS score FROM (SELECT * FROM walk UNION ALL SELECT * FROM scan) nearest ORDER BY distance, id`;
}
