import type { Database, Statement } from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import type { LexicalHit, LexicalIndex, LexicalSearchOptions } from '../lexical-index.js';
import { porterStem } from './porter-stemmer.js';
import { buildFilterSql } from './sqlite-filter-sql.js';
import { ftsTableName } from './sqlite-schema.js';
import { termsWithinBudget } from './terms-within-budget.js';

/** Column weights given to FTS5's bm25(): title terms, heading-path terms, body terms. */
export interface LexicalWeights {
  title: number;
  heading: number;
  body: number;
}

/**
 * Heading terms weigh 3 (BM25F-style column weight; it was 1.2): chosen on the docs-corpus training
 * questions (bench/docs-corpus-questions, split train: lexical nDCG@10 0.5771 at 1.2, 0.5866 at 2, 0.5883
 * at 3, 0.5736 at 4) and confirmed on its test split (0.7229 → 0.7597); SciFact has no headings, so it is
 * unchanged. See docs/decisions/0033-adaptive-fusion.md.
 */
export const DEFAULT_LEXICAL_WEIGHTS: LexicalWeights = { title: 1.5, heading: 3, body: 1 };

export interface LexicalIndexOptions {
  weights?: LexicalWeights;
  /**
   * Most rows bm25() may score for one query (sum of the kept terms' document frequencies). FTS5 scores
   * every row that matches any OR'ed term, about 1 µs a row, so a query holding a term found in half of
   * 100k chunks costs 50 ms. Terms are kept rarest first until the budget is spent (the rarest always
   * stays); the dropped ones are the commonest, whose idf contributes least (Lucene's CommonTermsQuery
   * makes the same trade). 0 disables pruning.
   */
  maxScoredRows?: number;
  /**
   * How long cached document frequencies stay valid (ms): the per-term cache while nobody writes (a
   * write here or through another connection drops it at once), the vocabulary snapshot after any write.
   */
  statisticsTtlMs?: number;
}

export const DEFAULT_MAX_SCORED_ROWS = 2000;

/**
 * The vocabulary snapshot is reloaded after a write once the collection's chunk count drifted by more
 * than this fraction from the count at load (or once statisticsTtlMs passed). Growing a collection from
 * empty with searches in between thus reloads it about 1 / 0.2 + 1 = 6 times its final load cost in all.
 */
const VOCABULARY_DRIFT = 0.2;

/** Query terms counted one by one (`count(*) ... MATCH`) in a collection before its vocabulary snapshot is loaded. */
const VOCABULARY_AFTER_COUNTS = 32;

/** Query terms the JS stemmer maps to FTS5's stem: what unicode61 keeps as one token, unchanged. */
const PLAIN_TERM = /^[a-z0-9]+$/;

interface TermStatistics {
  generation: number;
  /** PRAGMA data_version when counted: another connection's write changes it. */
  dataVersion: number;
  loadedAt: number;
  frequencies: Map<string, number>;
}

/** Document frequency of every stem in a collection's FTS5 index (fts5vocab 'row'), as of one moment. */
interface Vocabulary {
  generation: number;
  dataVersion: number;
  chunkCount: number;
  loadedAt: number;
  documents: Map<string, number>;
}

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
  readonly #maxScoredRows: number;
  readonly #ttlMs: number;
  readonly #generation: (collectionId: number) => number;
  readonly #plain = new Map<number, Statement>();
  readonly #filtered = new Map<string, Statement>();
  readonly #counts = new Map<number, Statement>();
  readonly #statistics = new Map<number, TermStatistics>();
  readonly #vocabularies = new Map<number, Vocabulary>();
  readonly #vocabularyRows = new Map<number, Statement>();
  /** Terms counted one by one per collection before its vocabulary snapshot was loaded (see #vocabularyDue). */
  readonly #countedBeforeVocabulary = new Map<number, number>();
  #chunkCount: Statement | undefined;
  #dataVersion: Statement | undefined;

  /** `generation` changes whenever this process writes to the collection (see SqliteDocumentWriter). */
  constructor(
    db: Database,
    collectionId: (name: string) => number | undefined,
    generation: (collectionId: number) => number,
    options: LexicalIndexOptions = {},
  ) {
    this.#db = db;
    this.#collectionId = collectionId;
    this.#generation = generation;
    this.#weights = options.weights ?? DEFAULT_LEXICAL_WEIGHTS;
    this.#maxScoredRows = options.maxScoredRows ?? DEFAULT_MAX_SCORED_ROWS;
    this.#ttlMs = options.statisticsTtlMs ?? 60_000;
  }

  /** The terms a query is run with: all of them, or the rarest ones within the scored-rows budget. */
  selectTerms(collectionId: number, terms: string[]): string[] {
    const unique = [...new Set(terms.map((term) => term.trim()).filter((term) => term !== ''))];
    if (this.#maxScoredRows <= 0 || unique.length <= 1) return unique;
    return termsWithinBudget(
      unique.map((term) => ({ term, frequency: this.#frequency(collectionId, term) })),
      this.#maxScoredRows,
    );
  }

  /**
   * Document frequency of a query term. A plain ASCII term is stemmed in JS (the same Porter variant as
   * FTS5's tokenizer) and looked up in the vocabulary snapshot, O(1). Other terms (non-ASCII, several
   * unicode61 tokens) and stems the snapshot lacks (new since it was loaded, or stemmed differently)
   * are counted exactly with `count(*) ... MATCH`, so a miss never drops a term that matches.
   */
  #frequency(collectionId: number, term: string): number {
    if (PLAIN_TERM.test(term) && this.#vocabularyDue(collectionId)) {
      const frequency = this.#vocabulary(collectionId).documents.get(porterStem(term));
      if (frequency !== undefined) return frequency;
    }
    return this.#countedFrequency(collectionId, term);
  }

  /**
   * Whether the collection's vocabulary snapshot is loaded or now worth loading: after
   * VOCABULARY_AFTER_COUNTS terms counted one by one in this process. The first queries after a start
   * (each term ≈ 1–5 ms at 100k chunks) thus never wait for its load (≈ 0.4–1.2 s at 100k chunks).
   */
  #vocabularyDue(collectionId: number): boolean {
    if (this.#vocabularies.has(collectionId)) return true;
    const counted = (this.#countedBeforeVocabulary.get(collectionId) ?? 0) + 1;
    this.#countedBeforeVocabulary.set(collectionId, counted);
    return counted > VOCABULARY_AFTER_COUNTS;
  }

  /**
   * The collection's vocabulary snapshot, loaded on first use (about 0.5 s for 150k stems over 82k
   * chunks: fts5vocab walks every posting list) and kept while the collection is unwritten. After a
   * write, by this process (generation) or another (data_version), the stale snapshot keeps serving the
   * budget heuristic until the chunk count drifts by VOCABULARY_DRIFT or statisticsTtlMs passes.
   */
  #vocabulary(collectionId: number): Vocabulary {
    const generation = this.#generation(collectionId);
    this.#dataVersion ??= this.#db.prepare('PRAGMA data_version').pluck();
    const dataVersion = this.#dataVersion.get() as number;
    const current = this.#vocabularies.get(collectionId);
    if (current !== undefined && current.generation === generation && current.dataVersion === dataVersion) return current;
    this.#chunkCount ??= this.#db.prepare('SELECT chunk_count FROM collections WHERE id = ?').pluck();
    const chunkCount = (this.#chunkCount.get(collectionId) as number | undefined) ?? 0;
    if (
      current !== undefined &&
      Math.abs(chunkCount - current.chunkCount) <= current.chunkCount * VOCABULARY_DRIFT &&
      Date.now() - current.loadedAt <= this.#ttlMs
    ) {
      return current;
    }
    let rows = this.#vocabularyRows.get(collectionId);
    if (rows === undefined) {
      const table = ftsTableName(collectionId);
      this.#db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.${table}_vocab USING fts5vocab(main, ${table}, 'row')`);
      rows = this.#db.prepare(`SELECT term, doc FROM temp.${table}_vocab`).raw();
      this.#vocabularyRows.set(collectionId, rows);
    }
    const documents = new Map<string, number>();
    for (const [stem, count] of rows.iterate() as Iterable<[string, number]>) documents.set(stem, count);
    const vocabulary = { generation, dataVersion, chunkCount, loadedAt: Date.now(), documents };
    this.#vocabularies.set(collectionId, vocabulary);
    return vocabulary;
  }

  #countedFrequency(collectionId: number, term: string): number {
    const generation = this.#generation(collectionId);
    this.#dataVersion ??= this.#db.prepare('PRAGMA data_version').pluck();
    const dataVersion = this.#dataVersion.get() as number;
    let statistics = this.#statistics.get(collectionId);
    if (
      statistics === undefined ||
      statistics.generation !== generation ||
      statistics.dataVersion !== dataVersion ||
      Date.now() - statistics.loadedAt > this.#ttlMs
    ) {
      statistics = { generation, dataVersion, loadedAt: Date.now(), frequencies: new Map() };
      this.#statistics.set(collectionId, statistics);
    }
    let frequency = statistics.frequencies.get(term);
    if (frequency === undefined) {
      let count = this.#counts.get(collectionId);
      if (count === undefined) {
        const table = ftsTableName(collectionId);
        count = this.#db.prepare(`SELECT count(*) FROM ${table} WHERE ${table} MATCH ?`).pluck();
        this.#counts.set(collectionId, count);
      }
      frequency = count.get(buildMatchExpression([term])) as number;
      if (statistics.frequencies.size > 100_000) statistics.frequencies.clear();
      statistics.frequencies.set(term, frequency);
    }
    return frequency;
  }

  async search(options: LexicalSearchOptions): Promise<LexicalHit[]> {
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    const id = this.#collectionId(options.collection);
    if (id === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${options.collection}" does not exist.`, {
        hint: 'List collections with `cairn collections list`.',
      });
    }
    const match = buildMatchExpression(this.selectTerms(id, options.terms));
    if (match === '' || options.k <= 0) return [];
    const { where, params } = buildFilterSql(options.filter);
    const rows = (
      where === '1' ? this.#plainStatement(id).all(match, options.k) : this.#filteredStatement(id, where).all(match, ...params, options.k)
    ) as [id: number, score: number][];
    const hits: LexicalHit[] = new Array(rows.length);
    for (let index = 0; index < rows.length; index++) {
      const [chunkId, score] = rows[index] as [number, number];
      hits[index] = { chunkId, score: -score };
    }
    return hits;
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
      ).raw();
      this.#plain.set(collectionId, statement);
    }
    return statement;
  }

  #filteredStatement(collectionId: number, where: string): Statement {
    const key = `${collectionId}\n${where}`;
    let statement = this.#filtered.get(key);
    if (statement !== undefined) return statement;
    if (this.#filtered.size > 128) this.#filtered.clear();
    const table = ftsTableName(collectionId);
    statement = this.#db.prepare(
      `SELECT ${table}.rowid AS id, ${this.#rank(table)} AS score FROM ${table}
       JOIN chunks c ON c.id = ${table}.rowid JOIN documents d ON d.id = c.document_id
       WHERE ${table} MATCH ? AND ${where} ORDER BY score, ${table}.rowid LIMIT ?`,
    ).raw();
    this.#filtered.set(key, statement);
    return statement;
  }
}
