import type { Database, Statement } from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { acceleratorStatusOf, type LexicalAcceleratorStatus, type LexicalHit, type LexicalIndex, type LexicalSearchOptions } from '../lexical-index.js';
import { MemoryBm25Index, type Bm25Postings } from './bm25-postings.js';
import { SIGNATURE_SQL, readSignature } from './build-bm25-postings.js';
import type { LexicalWeights, SqliteLexicalIndex } from './sqlite-lexical-index.js';
import { startWorker } from '../../core/start-worker.js';
import { termsWithinBudget } from './terms-within-budget.js';

/** What bm25-build-worker.ts receives as `workerData`. */
export interface Bm25BuildJob {
  databasePath: string;
  collectionId: number;
  weights: LexicalWeights;
}

/** The worker's one message: the postings (undefined when the collection is gone), or why it failed. */
export type Bm25BuildReply = { type: 'built'; postings: Bm25Postings | undefined } | { type: 'failed'; message: string };

export interface MemoryLexicalIndexOptions {
  databasePath: string;
  weights: LexicalWeights;
  /** A stale collection is rebuilt once its chunks went unchanged this long (ms); default 1,000. */
  quietMs?: number;
  /**
   * Most postings one query scores (the commonest terms are dropped first past it, the rarest is
   * always kept); default 200,000, about 2 ms. FTS5 needs a far smaller budget (search.lexicalMaxScoredRows)
   * because it scores a row ~50× slower.
   */
  maxScoredPostings?: number;
}

interface CollectionState {
  index: MemoryBm25Index | undefined;
  building: Promise<void> | undefined;
  worker: Worker | undefined;
  /** The signature last seen, and when it last changed (the quiet period counts from there). */
  seen: string;
  changedAt: number;
  /** Builds are spaced by at least their own duration, so rebuilding never takes more than half a core. */
  notBefore: number;
  timer: NodeJS.Timeout | undefined;
  builtInMs: number | undefined;
  lastError: string | undefined;
}

const DEFAULT_QUIET_MS = 1000;
/** The postings' per-query budget; one-shot commands give FTS5 the same (see createSqliteBackend). */
export const DEFAULT_MAX_SCORED_POSTINGS = 200_000;
/** After a failed build, wait this long before the next try (FTS5 serves meanwhile). */
const RETRY_AFTER_FAILURE_MS = 60_000;
/**
 * A collection up to this many chunks has its first search wait for its first build (~0.8 s of one
 * core at 20k chunks) rather than be answered by FTS5 under its small budget, which ranks differently
 * (issue 17: `cairn mcp` ranked 131 of 300 SciFact queries unlike `cairn search`). Larger ones keep
 * FTS5 answering at once while they build.
 */
export const WAIT_FOR_FIRST_BUILD_MAX_CHUNKS = 20_000;

/**
 * The lexical arm of a long-running process: FTS5 stays the source of truth and answers whenever the
 * in-memory postings cannot (a filter, a collection written since they were built, a large collection's
 * first build still running: a small one's first query waits for it), and
 * the postings answer the rest about 5× faster with exactly FTS5's bm25() scores and no term pruning.
 *
 * Freshness is checked per query by the collection's signature (chunk count, largest chunk id: one
 * indexed lookup, a few µs): equal means the rows are the ones the postings were built from, because a
 * chunk is never rewritten in place and ids are never reused. A changed collection is served by FTS5 and
 * rebuilt in a worker thread once it stayed unchanged for `quietMs`; a build of 100k chunks takes ~4 s
 * of one core and holds ~8 bytes per (term, chunk) pair, ~40 MB with its dictionary.
 *
 * The postings index what openCairn's analyzer (`analyzeForIndex`) makes of each chunk; a store opened
 * with another analyzer must not use this class.
 */
export class MemoryLexicalIndex implements LexicalIndex {
  readonly kind = 'sqlite-fts5+memory-bm25';
  readonly supportsFilter = true;
  readonly #db: Database;
  readonly #fts: SqliteLexicalIndex;
  readonly #collectionId: (name: string) => number | undefined;
  readonly #options: Required<MemoryLexicalIndexOptions>;
  readonly #states = new Map<number, CollectionState>();
  #signature: Statement | undefined;
  #closed = false;

  constructor(db: Database, fts: SqliteLexicalIndex, collectionId: (name: string) => number | undefined, options: MemoryLexicalIndexOptions) {
    this.#db = db;
    this.#fts = fts;
    this.#collectionId = collectionId;
    this.#options = {
      quietMs: DEFAULT_QUIET_MS,
      maxScoredPostings: DEFAULT_MAX_SCORED_POSTINGS,
      ...options,
    };
  }

  async search(options: LexicalSearchOptions): Promise<LexicalHit[]> {
    const id = this.#collectionId(options.collection);
    if (id === undefined || this.#closed || options.filter !== undefined) {
      return this.#fts.search(options);
    }
    const index = this.#fresh(id) ?? (await this.#firstBuild(id));
    if (index === undefined) return this.#fts.search(options);
    options.signal?.throwIfAborted();
    return index.search(this.#withinBudget(index, options.terms), options.k);
  }

  /**
   * Builds the collection's postings now unless they are fresh, and resolves when this build ends
   * (servers call it at start; it never rejects: a failure leaves FTS5 answering). Returns whether
   * fresh postings are in place.
   */
  async warm(collection: string): Promise<boolean> {
    const id = this.#collectionId(collection);
    if (id === undefined || this.#closed) return false;
    if (this.#fresh(id, false) !== undefined) return true;
    const state = this.#state(id);
    // Someone waits on this build: its worker keeps the process alive until it ends.
    state.worker?.ref();
    await (state.building ?? this.#build(id, state, true));
    return this.#fresh(id, false) !== undefined;
  }

  acceleratorStatus(collection: string): LexicalAcceleratorStatus {
    const id = this.#collectionId(collection);
    const state = id === undefined ? undefined : this.#states.get(id);
    if (id === undefined) return acceleratorStatusOf(undefined, false);
    return acceleratorStatusOf(state, state !== undefined && this.#fresh(id, false) !== undefined);
  }

  /** Ends running builds and drops the postings. */
  async close(): Promise<void> {
    this.#closed = true;
    const exits: Promise<unknown>[] = [];
    for (const state of this.#states.values()) {
      if (state.timer !== undefined) clearTimeout(state.timer);
      if (state.worker !== undefined) exits.push(state.worker.terminate());
      state.index = undefined;
    }
    await Promise.allSettled(exits);
    this.#states.clear();
  }

  /** The postings when they match the stored collection; otherwise schedules a rebuild (when `schedule`). */
  #fresh(id: number, schedule = true): MemoryBm25Index | undefined {
    const state = this.#state(id);
    this.#signature ??= this.#db.prepare(SIGNATURE_SQL).raw();
    const signature = readSignature(this.#signature, id);
    const key = signature === undefined ? 'gone' : `${signature.chunkCount}:${signature.maxChunkId}`;
    const index = state.index;
    if (index !== undefined && signature !== undefined && index.postings.chunkCount === signature.chunkCount && index.postings.maxChunkId === signature.maxChunkId) {
      return index;
    }
    // A deleted collection's postings go at once (a re-created one gets a new id).
    if (signature === undefined) state.index = undefined;
    const now = Date.now();
    if (key !== state.seen) {
      state.seen = key;
      state.changedAt = now;
    }
    if (schedule && signature !== undefined) this.#schedule(id, state, index === undefined && state.builtInMs === undefined ? 0 : this.#options.quietMs);
    return undefined;
  }

  /**
   * Waits for a small collection's first build (started by #fresh) and returns its postings; undefined
   * for a large collection, a stale one (FTS5 shows its new chunks at once) or a failed build.
   */
  async #firstBuild(id: number): Promise<MemoryBm25Index | undefined> {
    const state = this.#state(id);
    if (state.index !== undefined || state.building === undefined || state.builtInMs !== undefined) return undefined;
    const signature = this.#signature === undefined ? undefined : readSignature(this.#signature, id);
    if (signature === undefined || signature.chunkCount > WAIT_FOR_FIRST_BUILD_MAX_CHUNKS) return undefined;
    state.worker?.ref();
    await state.building;
    return this.#fresh(id, false);
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
      // Re-read the signature: a write meanwhile restarts the quiet period.
      this.#fresh(id);
    }, at - now);
    state.timer.unref();
  }

  /** Builds in a worker thread; one only builds in the background (unref'd) unless `awaited`. */
  #build(id: number, state: CollectionState, awaited = false): Promise<void> {
    const started = Date.now();
    const job: Bm25BuildJob = { databasePath: this.#options.databasePath, collectionId: id, weights: this.#options.weights };
    const worker = startWorker(new URL('./bm25-build-worker.js', import.meta.url), job);
    if (!awaited) worker.unref();
    state.worker = worker;
    state.building = new Promise<void>((resolve) => {
      let reply: Bm25BuildReply | undefined;
      let failure: Error | undefined;
      worker.on('message', (message: Bm25BuildReply) => (reply = message));
      worker.once('error', (error) => (failure = error));
      worker.once('exit', (code) => {
        const took = Date.now() - started;
        state.worker = undefined;
        state.building = undefined;
        if (!this.#closed) {
          if (reply?.type === 'built') {
            // The old postings go now, before anything else allocates: two of them never live long together.
            state.index = reply.postings === undefined ? undefined : new MemoryBm25Index(reply.postings);
            state.builtInMs = took;
            state.lastError = undefined;
            state.notBefore = Date.now() + took;
          } else {
            state.lastError = failure?.message ?? (reply?.type === 'failed' ? reply.message : `the build worker exited with code ${code}`);
            state.notBefore = Date.now() + RETRY_AFTER_FAILURE_MS;
          }
        }
        resolve();
      });
    });
    return state.building;
  }

  #state(id: number): CollectionState {
    let state = this.#states.get(id);
    if (state === undefined) {
      state = { index: undefined, building: undefined, worker: undefined, seen: '', changedAt: 0, notBefore: 0, timer: undefined, builtInMs: undefined, lastError: undefined };
      this.#states.set(id, state);
    }
    return state;
  }

  /** The query's terms, rarest first until their postings pass the budget (the rarest always stays). */
  #withinBudget(index: MemoryBm25Index, terms: readonly string[]): string[] {
    const unique = [...new Set(terms)];
    if (unique.length <= 1) return unique;
    return termsWithinBudget(index.documentFrequencies(unique), this.#options.maxScoredPostings);
  }
}
