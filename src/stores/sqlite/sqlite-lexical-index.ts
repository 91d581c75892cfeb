import type { Database, Statement } from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import type { LexicalHit, LexicalIndex, LexicalSearchOptions } from '../lexical-index.js';
import { buildFilterSql } from './sqlite-filter-sql.js';
import { ftsTableName } from './sqlite-schema.js';

/** Column weights given to FTS5's bm25(): title terms, heading-path terms, body terms. */
export interface LexicalWeights {
  title: number;
  heading: number;
  body: number;
}

export const DEFAULT_LEXICAL_WEIGHTS: LexicalWeights = { title: 1.5, heading: 1.2, body: 1 };

/** Quotes each term as an FTS5 string (so operators and punctuation are literal) and ORs them. */
export function buildMatchExpression(terms: string[]): string {
  const unique = [...new Set(terms.map((term) => term.trim()).filter((term) => term !== ''))];
  return unique.map((term) => `"${term.replace(/"/g, '""')}"`).join(' OR ');
}

/**
 * BM25 over the per-collection FTS5 table. FTS5's bm25() is negative (more negative is better), so the
 * hits carry its negation. Ties are broken by chunk id so results are deterministic.
 */
export class SqliteLexicalIndex implements LexicalIndex {
  readonly kind = 'sqlite-fts5';
  readonly supportsFilter = true;
  readonly #db: Database;
  readonly #collectionId: (name: string) => number | undefined;
  readonly #weights: LexicalWeights;
  readonly #plain = new Map<number, Statement>();

  constructor(db: Database, collectionId: (name: string) => number | undefined, weights: LexicalWeights = DEFAULT_LEXICAL_WEIGHTS) {
    this.#db = db;
    this.#collectionId = collectionId;
    this.#weights = weights;
  }

  async search(options: LexicalSearchOptions): Promise<LexicalHit[]> {
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    const id = this.#collectionId(options.collection);
    if (id === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${options.collection}" does not exist.`, {
        hint: 'List collections with `cairn collections list`.',
      });
    }
    const match = buildMatchExpression(options.terms);
    if (match === '' || options.k <= 0) return [];
    const { where, params } = buildFilterSql(options.filter);
    const rows =
      where === '1'
        ? (this.#plainStatement(id).all(match, options.k) as { id: number; score: number }[])
        : (this.#filteredStatement(id, where).all(match, ...params, options.k) as { id: number; score: number }[]);
    return rows.map((row) => ({ chunkId: row.id, score: -row.score }));
  }

  #rank(table: string): string {
    const { title, heading, body } = this.#weights;
    return `bm25(${table}, ${Number(title)}, ${Number(heading)}, ${Number(body)})`;
  }

  #plainStatement(collectionId: number): Statement {
    let statement = this.#plain.get(collectionId);
    if (statement === undefined) {
      const table = ftsTableName(collectionId);
      statement = this.#db.prepare(
        `SELECT rowid AS id, ${this.#rank(table)} AS score FROM ${table} WHERE ${table} MATCH ? ORDER BY score, rowid LIMIT ?`,
      );
      this.#plain.set(collectionId, statement);
    }
    return statement;
  }

  #filteredStatement(collectionId: number, where: string): Statement {
    const table = ftsTableName(collectionId);
    return this.#db.prepare(
      `SELECT ${table}.rowid AS id, ${this.#rank(table)} AS score FROM ${table}
       JOIN chunks c ON c.id = ${table}.rowid JOIN documents d ON d.id = c.document_id
       WHERE ${table} MATCH ? AND ${where} ORDER BY score, ${table}.rowid LIMIT ?`,
    );
  }
}
