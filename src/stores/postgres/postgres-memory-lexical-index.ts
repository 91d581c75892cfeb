import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import { acceleratorStatusOf, type LexicalAcceleratorStatus, type LexicalHit, type LexicalIndex, type LexicalSearchOptions } from '../lexical-index.js';
import { MemoryBm25Index } from '../sqlite/bm25-postings.js';
import { termsWithinBudget } from '../sqlite/terms-within-budget.js';
import type { PostgresLexicalIndex } from './postgres-lexical-index.js';
import { parseCollectionGeneration } from './collection-generation.js';
import { readPostgresBm25Postings } from './read-bm25-postings.js';

export interface PostgresMemoryLexicalIndexOptions {
  /** Most postings one query scores, as the SQL BM25's `maxScoredRows` (the same budget ranks the same). */
  maxScoredPostings: number;
  /** A changed collection is re-read once its generation stayed unchanged this long (ms); default 1,000. */
  quietMs?: number;
}

interface CollectionState {
  index: MemoryBm25Index | undefined;
  /** `collections.write_generation` the postings were read at. */
  generation: number;
  building: Promise<void> | undefined;
  /** The generation last seen by a query, and when it last changed (the quiet period counts from there). */
  seen: number;
  changedAt: number;
  /** Reads are spaced by at least their own duration, so refreshing never takes more than half a core. */
  notBefore: number;
  timer: NodeJS.Timeout | undefined;
  builtInMs: number | undefined;
  lastError: string | undefined;
}

const DEFAULT_QUIET_MS = 1000;
/** After a failed read, wait this long before the next try (the SQL BM25 serves meanwhile). */
const RETRY_AFTER_FAILURE_MS = 60_000;

/**
 * The lexical arm of a long-running process on PostgreSQL: the SQL BM25 (PostgresLexicalIndex) stays the
 * source of truth and answers whenever the in-memory postings cannot (a filter, a collection written
 * since they were read, no read yet); the postings answer the rest with MemoryBm25Index, the SQLite
 * store's accelerator, so both backends rank with one scoring code and one term budget.
 *
 * Freshness: each query reads the collection's `write_generation` (one primary-key lookup, the round
 * trip a search needs anyway to tell a missing collection), or takes the one the search read with the
 * collection (`LexicalSearchOptions.generation`: the search use case reads both in one statement). Every transaction that writes or deletes
 * documents bumps it, in any process, so equal means the postings are the stored ones. A changed
 * collection is served by SQL and re-read in the background (readPostgresBm25Postings: batched
 * statements on one pool client) once its generation stayed unchanged for `quietMs`.
 */
export class PostgresMemoryLexicalIndex implements LexicalIndex {
  readonly kind = 'postgres-bm25+memory-bm25';
  readonly #pool: pg.Pool;
  readonly #sql: PostgresLexicalIndex;
  readonly #options: Required<PostgresMemoryLexicalIndexOptions>;
  readonly #states = new Map<number, CollectionState>();
  /** Collection name → id as last read (for acceleratorStatus only; queries always read it). */
  readonly #names = new Map<string, number>();
  #closed = false;

  constructor(pool: pg.Pool, sql: PostgresLexicalIndex, options: PostgresMemoryLexicalIndexOptions) {
    this.#pool = pool;
    this.#sql = sql;
    this.#options = { quietMs: DEFAULT_QUIET_MS, ...options };
  }

  async search(options: LexicalSearchOptions): Promise<LexicalHit[]> {
    if (options.filter !== undefined || this.#closed) return this.#sql.search(options);
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    const current = this.#given(options) ?? (await this.#generation(options.collection));
    if (current === undefined) return this.#sql.search(options); // says COLLECTION_NOT_FOUND
    const index = this.#fresh(current.id, current.generation);
    if (index === undefined) return this.#sql.search(options);
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    return index.search(this.#withinBudget(index, options.terms), options.k);
  }

  /** Reads the collection's postings now unless they are fresh; resolves when done (never rejects). */
  async warm(collection: string): Promise<boolean> {
    if (this.#closed) return false;
    const current = await this.#generation(collection).catch(() => undefined);
    if (current === undefined) return false;
    if (this.#fresh(current.id, current.generation, false) !== undefined) return true;
    const state = this.#state(current.id);
    await (state.building ?? this.#build(current.id, state));
    const after = await this.#generation(collection).catch(() => undefined);
    return after !== undefined && this.#fresh(after.id, after.generation, false) !== undefined;
  }

  /** As of the last query or warm-up of the collection (the status is read without a round trip). */
  acceleratorStatus(collection: string): LexicalAcceleratorStatus {
    const id = this.#names.get(collection);
    const state = id === undefined ? undefined : this.#states.get(id);
    return acceleratorStatusOf(state, state?.index !== undefined && state.generation === state.seen);
  }

  /** Stops scheduling reads and drops the postings (a read in flight ends with its statement). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const state of this.#states.values()) {
      if (state.timer !== undefined) clearTimeout(state.timer);
      state.index = undefined;
    }
    await Promise.allSettled([...this.#states.values()].map((state) => state.building));
    this.#states.clear();
  }

  /** The id and write generation the caller read during this search (LexicalSearchOptions.generation), if any. */
  #given(options: LexicalSearchOptions): { id: number; generation: number } | undefined {
    const parsed = options.generation === undefined ? undefined : parseCollectionGeneration(options.generation);
    if (parsed === undefined) return undefined;
    this.#names.set(options.collection, parsed.id);
    return { id: parsed.id, generation: parsed.writeGeneration };
  }

  async #generation(collection: string): Promise<{ id: number; generation: number } | undefined> {
    const { rows } = await this.#pool.query<{ id: number; generation: number }>({
      name: 'cairn-lexical-generation',
      text: 'SELECT id, write_generation AS generation FROM collections WHERE name = $1',
      values: [collection],
    });
    const row = rows[0];
    if (row !== undefined) this.#names.set(collection, row.id);
    return row;
  }

  /** The postings when they were read at `generation`; otherwise schedules a read (when `schedule`). */
  #fresh(id: number, generation: number, schedule = true): MemoryBm25Index | undefined {
    const state = this.#state(id);
    if (generation !== state.seen) {
      state.seen = generation;
      state.changedAt = Date.now();
    }
    if (state.index !== undefined && state.generation === generation) return state.index;
    if (schedule) this.#schedule(id, state, state.index === undefined && state.builtInMs === undefined ? 0 : this.#options.quietMs);
    return undefined;
  }

  #schedule(id: number, state: CollectionState, quietMs: number): void {
    if (state.building !== undefined || state.timer !== undefined || this.#closed) return;
    const now = Date.now();
    const at = Math.max(state.changedAt + quietMs, state.notBefore);
    if (at <= now) {
      void this.#build(id, state);
      return;
    }
    state.timer = setTimeout(() => {
      state.timer = undefined;
      // A write meanwhile restarts the quiet period: re-read the generation before reading the postings.
      void this.#pool
        .query<{ generation: number }>('SELECT write_generation AS generation FROM collections WHERE id = $1', [id])
        .then(({ rows }) => {
          if (rows[0] !== undefined) this.#fresh(id, rows[0].generation);
        })
        .catch(() => undefined);
    }, at - now);
    state.timer.unref();
  }

  #build(id: number, state: CollectionState): Promise<void> {
    const started = Date.now();
    state.building = readPostgresBm25Postings(this.#pool, id)
      .then(
        (snapshot) => {
          if (this.#closed) return;
          const took = Date.now() - started;
          // The old postings go before the new ones are indexed: two of them never live long together.
          state.index = undefined;
          if (snapshot !== undefined) {
            state.index = new MemoryBm25Index(snapshot.postings);
            state.generation = snapshot.generation;
          }
          state.builtInMs = took;
          state.lastError = undefined;
          state.notBefore = Date.now() + took;
        },
        (error: unknown) => {
          state.lastError = error instanceof Error ? error.message : String(error);
          state.notBefore = Date.now() + RETRY_AFTER_FAILURE_MS;
        },
      )
      .finally(() => {
        state.building = undefined;
      });
    return state.building;
  }

  #state(id: number): CollectionState {
    let state = this.#states.get(id);
    if (state === undefined) {
      state = { index: undefined, generation: -1, building: undefined, seen: -1, changedAt: 0, notBefore: 0, timer: undefined, builtInMs: undefined, lastError: undefined };
      this.#states.set(id, state);
    }
    return state;
  }

  /** The query's terms, rarest first until their postings pass the budget (the rarest always stays). */
  #withinBudget(index: MemoryBm25Index, terms: readonly string[]): string[] {
    const unique = [...new Set(terms.map((term) => term.trim()).filter((term) => term !== ''))];
    if (unique.length <= 1 || this.#options.maxScoredPostings <= 0) return unique;
    return termsWithinBudget(index.documentFrequencies(unique), this.#options.maxScoredPostings);
  }
}
