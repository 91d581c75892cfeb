import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import type { VectorHit, VectorIndex, VectorIndexStatus, VectorItem, VectorSearchOptions } from '../vector-index.js';
import { withTransaction } from './postgres-errors.js';
import { buildPostgresFilter, SqlParams } from './postgres-filter-sql.js';
import { createHnswIndexSql, type PgvectorBuildParams } from './postgres-migrations.js';
import { vectorLiteral } from './vector-literal.js';

export interface PgvectorIndexOptions {
  hnsw: PgvectorBuildParams;
  /** Candidates the HNSW walk keeps (pgvector's `hnsw.ef_search`); raised to k for a larger k. */
  efSearch: number;
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
 * order among them. The planner may instead filter first and sort exactly (a selective filter), which
 * is exact by construction.
 */
export class PgvectorIndex implements VectorIndex {
  readonly kind = 'pgvector-hnsw';
  readonly #pool: pg.Pool;
  readonly #options: PgvectorIndexOptions;
  readonly #where: string;

  constructor(pool: pg.Pool, where: string, options: PgvectorIndexOptions) {
    this.#pool = pool;
    this.#where = where;
    this.#options = options;
  }

  async #collection(name: string): Promise<{ id: number; dimensions: number }> {
    const { rows } = await this.#pool.query<{ id: number; dimensions: number }>('SELECT id, dimensions FROM collections WHERE name = $1', [name]);
    const row = rows[0];
    if (row === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${name}" does not exist.`, { hint: 'List collections with `cairn collections list`.' });
    }
    return row;
  }

  /** Checks the collection's dimension and that its index exists (creating it if a restore or an older step left none). */
  async open(collection: string, dimensions: number): Promise<VectorIndexStatus> {
    const started = performance.now();
    const info = await this.#collection(collection);
    if (dimensions !== info.dimensions && info.dimensions !== 0) throw dimensionMismatch(collection, info.dimensions, dimensions);
    const ddl = createHnswIndexSql(info.id, info.dimensions, this.#options.hnsw);
    if (ddl !== undefined) await this.#pool.query(ddl);
    const { rows } = await this.#pool.query<{ count: number }>('SELECT count(embedding) AS count FROM chunks WHERE collection_id = $1', [info.id]);
    const count = rows[0]?.count ?? 0;
    return { count, source: count === 0 ? 'empty' : 'server', addedSinceSnapshot: 0, millis: performance.now() - started };
  }

  async search(options: VectorSearchOptions): Promise<VectorHit[]> {
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    if (options.k <= 0) return [];
    const info = await this.#collection(options.collection);
    if (info.dimensions === 0) return [];
    if (options.vector.length !== info.dimensions) throw dimensionMismatch(options.collection, info.dimensions, options.vector.length);
    const d = Math.trunc(info.dimensions);
    const params = new SqlParams(vectorLiteral(options.vector), options.k);
    const where = await buildPostgresFilter(this.#pool, info.id, options.filter, params);
    const join = where === 'true' ? '' : `JOIN documents d ON d.id = c.document_id AND ${where}`;
    // The collection id is a literal so that the planner can match the collection's partial index.
    const sql = `WITH nearest AS MATERIALIZED (
        SELECT c.id, c.embedding::vector(${d}) <=> $1::vector(${d}) AS distance FROM chunks c ${join}
        WHERE c.collection_id = ${Math.trunc(info.id)} AND c.embedding IS NOT NULL
        ORDER BY c.embedding::vector(${d}) <=> $1::vector(${d}) LIMIT $2)
      SELECT id, 1 - distance AS score FROM nearest ORDER BY distance, id`;
    const efSearch = Math.max(this.#options.efSearch, options.k);
    return withTransaction(this.#pool, this.#where, async (client) => {
      // Per transaction: the walk keeps at least k candidates, and iterative scans fill a filtered k.
      await client.query(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.trunc(efSearch))}`);
      await client.query('SET LOCAL hnsw.iterative_scan = relaxed_order');
      const { rows } = await client.query<{ id: number; score: number }>(sql, params.values);
      return rows.map((row) => ({ chunkId: row.id, score: row.score }));
    });
  }

  /** The writer stored the vectors in its transaction; nothing is left to push. */
  async upsert(_collection: string, _items: VectorItem[]): Promise<void> {}

  async remove(_collection: string, _ids: number[]): Promise<void> {}

  async flush(_collection: string): Promise<void> {}

  /** The chunk store drops the collection's index with the collection, and rebuilds it on a new dimension. */
  async drop(_collection: string): Promise<void> {}

  async close(): Promise<void> {}
}

function dimensionMismatch(collection: string, stored: number, asked: number): CairnError {
  return new CairnError('EMBEDDER_MISMATCH', `Collection "${collection}" holds ${stored}-dimensional vectors; a ${asked}-dimensional vector was given.`, {
    hint: "Query with the collection's embedder, or switch the collection with `cairn reembed`.",
  });
}
