import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import type { LexicalHit, LexicalIndex, LexicalSearchOptions } from '../lexical-index.js';
import { DEFAULT_MAX_SCORED_ROWS } from '../sqlite/sqlite-lexical-index.js';
import { termsWithinBudget } from '../sqlite/terms-within-budget.js';
import { queryStems } from './lexical-postings.js';
import { buildPostgresFilter, SqlParams } from './postgres-filter-sql.js';

const K1 = 1.2;
const B = 0.75;

export interface PostgresLexicalIndexOptions {
  /**
   * Most postings one query scores (sum of the kept terms' document frequencies): the commonest terms
   * are dropped first past it, the rarest matching one always stays, as in the SQLite store
   * (search.lexicalMaxScoredRows; 0: no pruning). The same budget keeps both backends' rankings equal.
   */
  maxScoredRows?: number;
}

interface TermRow {
  id: number;
  chunk_count: number;
  lexical_length: number;
  term: string | null;
  documents: number | null;
}

/**
 * BM25 over the postings the document writer keeps (postgres-migrations.ts), scored exactly as FTS5's
 * bm25() scores the SQLite store's rows: k1 1.2, b 0.75, idf = ln((N − n + 0.5) / (n + 0.5)) floored at
 * 1e-6, column-weighted term frequency, length in stems of all columns, N and the average length over
 * the collection's chunks. Query terms are stemmed as FTS5 stems them; two query terms with one stem
 * count twice, as two FTS5 phrases do. Ties go to the lower chunk id.
 *
 * Two round trips: the collection's statistics with the query stems' document frequencies (primary-key
 * lookups), then one aggregate over the kept stems' postings (an index-only range scan per stem).
 */
export class PostgresLexicalIndex implements LexicalIndex {
  readonly kind = 'postgres-bm25';
  readonly #pool: pg.Pool;
  readonly #maxScoredRows: number;

  constructor(pool: pg.Pool, options: PostgresLexicalIndexOptions = {}) {
    this.#pool = pool;
    this.#maxScoredRows = options.maxScoredRows ?? DEFAULT_MAX_SCORED_ROWS;
  }

  async search(options: LexicalSearchOptions): Promise<LexicalHit[]> {
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    const unique = [...new Set(options.terms.map((term) => term.trim()).filter((term) => term !== ''))];
    const stems = new Map<string, { terms: string[]; weight: number }>();
    for (const term of unique) {
      for (const [stem] of queryStems([term])) {
        const entry = stems.get(stem) ?? { terms: [], weight: 0 };
        entry.terms.push(term);
        stems.set(stem, entry);
      }
    }
    const { rows } = await this.#pool.query<TermRow>(
      `SELECT c.id, c.chunk_count, c.lexical_length, t.term, t.documents FROM collections c
       LEFT JOIN lexical_terms t ON t.collection_id = c.id AND t.term = ANY($2::text[]) WHERE c.name = $1`,
      [options.collection, [...stems.keys()]],
    );
    const collection = rows[0];
    if (collection === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${options.collection}" does not exist.`, {
        hint: 'List collections with `cairn collections list`.',
      });
    }
    if (stems.size === 0 || options.k <= 0 || collection.chunk_count === 0) return [];
    const frequencies = new Map<string, number>();
    for (const row of rows) if (row.term !== null) frequencies.set(row.term, row.documents ?? 0);
    // The budget is spent per query term, as the SQLite store spends it (a term's frequency is its stem's).
    const stemOf = new Map<string, string[]>();
    for (const [stem, entry] of stems) for (const term of entry.terms) stemOf.set(term, [...(stemOf.get(term) ?? []), stem]);
    const counted = unique.map((term) => ({ term, frequency: Math.max(0, ...(stemOf.get(term) ?? []).map((stem) => frequencies.get(stem) ?? 0)) }));
    const kept = unique.length <= 1 || this.#maxScoredRows <= 0 ? unique : termsWithinBudget(counted, this.#maxScoredRows);
    const weights = new Map<string, number>();
    const total = collection.chunk_count;
    for (const term of kept) {
      for (const stem of stemOf.get(term) ?? []) {
        const n = frequencies.get(stem);
        if (n === undefined || n <= 0) continue;
        let idf = Math.log((total - n + 0.5) / (n + 0.5));
        if (idf <= 0) idf = 1e-6;
        weights.set(stem, (weights.get(stem) ?? 0) + idf);
      }
    }
    if (weights.size === 0) return [];
    const averageLength = collection.lexical_length / total;
    const params = new SqlParams(collection.id, [...weights.keys()], [...weights.values()], options.k);
    const where = await buildPostgresFilter(this.#pool, collection.id, options.filter, params);
    const join = where === 'true' ? '' : `JOIN documents d ON d.id = p.document_id AND ${where}`;
    // float8 literals: a bare 0.75 is numeric, and numeric arithmetic on every posting cost ~10 % of the aggregate.
    const norm = `${K1}::float8 * (${1 - B}::float8 + ${B}::float8 * p.length / ${params.add(averageLength > 0 ? averageLength : 1)}::float8)`;
    const scored = await this.#pool.query<{ chunk_id: number; score: number }>(
      `SELECT p.chunk_id, sum(q.weight * p.frequency * ${K1 + 1}::float8 / (p.frequency + ${norm})) AS score
       FROM unnest($2::text[], $3::float8[]) AS q(term, weight)
       JOIN lexical_postings p ON p.collection_id = $1 AND p.term = q.term ${join}
       GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT $4`,
      params.values,
    );
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    return scored.rows.map((row) => ({ chunkId: row.chunk_id, score: row.score }));
  }
}
