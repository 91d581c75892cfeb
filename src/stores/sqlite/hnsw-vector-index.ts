// Over 500 lines on purpose, for now: one class owns a collection graph's whole life (load, catch-up
// from the store, periodic snapshots, following other processes' writes), and those paths share its
// per-collection state and locking. The exact answers while a graph loads live in hnsw-exact-copies.ts.
import hnswlib from 'hnswlib-node';
import { CairnError } from '../../core/cairn-error.js';
import type { VectorHit, VectorIndex, VectorIndexStatus, VectorItem, VectorSearchOptions } from '../vector-index.js';
import { hnswFilteredSearch } from './hnsw-filtered-search.js';
import { HnswExactCopies, searchExactCopy } from './hnsw-exact-copies.js';
import { ensureQuantizedVectors, quantizeSnapshot } from './hnsw-quantized-vectors.js';
import { publishSnapshot, readSidecar, readVerifiedSidecar, removeSnapshot, removeStaleTemporaries, snapshotPaths, type HnswParams, type SnapshotSidecar } from './hnsw-snapshot.js';
import type { HnswVectorSource, StoreSignature } from './hnsw-vector-source.js';
import { HnswWorkers } from './hnsw-workers.js';

type Hnsw = InstanceType<typeof hnswlib.HierarchicalNSW>;

export interface HnswVectorIndexOptions {
  /** Directory of the snapshots (`<dir>/<collection>.hnsw` and its `.json` sidecar). */
  directory: string;
  params: HnswParams;
  /** A filtered search scores the passing chunks exactly up to this many (config vectorIndex.exactFilterLimit); default 20,000. */
  exactFilterLimit?: number;
  /** No snapshots are written (a reader beside a writing process). */
  readonly: boolean;
  /** After an open that rebuilt or added at least this many vectors, a snapshot is written in the background. */
  snapshotAfter?: number;
  /**
   * A worker catching up during a long write persists its graph each time it added this many vectors
   * since its last snapshot (config vectorIndex.snapshotEveryChunks), so a crash loses at most about
   * this many plus the worker's lag; 0: only at the end of the write. Default 20,000.
   */
  snapshotEveryChunks?: number;
  /** A search of a collection whose graph is not loaded starts loading it (default true; false: only `open` loads). */
  openOnSearch?: boolean;
  /**
   * The database file. When set, the graphs of written collections are caught up and persisted in
   * worker threads (see HnswWorkers), off the thread that writes chunks.
   */
  databasePath?: string;
  /**
   * Set inside the snapshot worker: catching up yields to the event loop between pages (so commands
   * arrive) and stops early, at a page boundary, once this returns true. It is given the graph's size.
   */
  interrupt?: (graphSize: number) => boolean;
}

export const DEFAULT_HNSW_PARAMS: HnswParams = { m: 16, efConstruction: 100, efSearch: 80 };
const DEFAULT_EXACT_FILTER_LIMIT = 20_000;

const PAGE = 2048;
/** Catch-up page when interruptible or sharing the thread: about 0.1–0.2 s of inserts at M 32, efConstruction 200. */
const INTERRUPTIBLE_PAGE = 256;
const RANDOM_SEED = 100;
/**
 * A snapshot missing more than this many stored vectors is caught up by a worker (another core)
 * rather than here; below it the tail is added here in small pages between searches (≈ 1 s of inserts).
 */
const MAIN_THREAD_TAIL = 2_000;
export const DEFAULT_SNAPSHOT_EVERY_CHUNKS = 20_000;
/** A graph changed by writes and then left alone this long is persisted (a worker's, or one open here). */
const IDLE_SNAPSHOT_MS = 30_000;
/**
 * Chunks pushed between two catch-ups of a collection's worker: about a second of writing. A refresh is
 * a message to the worker, which adds everything written up to then.
 */
const REFRESH_EVERY_CHUNKS = 2_000;
/**
 * Changes (chunks upserted or removed) from which a flush persists the graph at once, in a worker;
 * below it the graph only catches up: writing the snapshot costs the whole graph (≈ 0.6 s at 40k
 * vectors), which a server taking one small upload per job would pay per job. The snapshot then
 * follows once the collection is idle for IDLE_SNAPSHOT_MS, with a later large write, or on close.
 */
const SNAPSHOT_MIN_CHANGES = 1_000;

interface OpenIndex {
  index: Hnsw;
  vectorKey: string;
  embedder: string;
  dimensions: number;
  /** Labels (chunk ids) present and not marked deleted. */
  live: Set<number>;
  /** Highest label ever added. */
  watermark: number;
  status: VectorIndexStatus;
  /** Serialises mutations with snapshot writes: hnswlib must not change while it is being written. */
  queue: Promise<unknown>;
  /** Changes made by flushes (inserts, rewrites, deletions) since the graph was loaded or last persisted. */
  unsaved: number;
  /** The store's signature when the graph last agreed with it (read before catching up, so a later write shows as a change). */
  signature: StoreSignature | undefined;
}

/** What writers pushed for a collection since its last flush. */
interface PendingWrites {
  /** Chunks upserted plus chunks removed. */
  changes: number;
  upserted: number;
  /** Chunks upserted since the collection's worker was last refreshed. */
  sinceRefresh: number;
  /** Pushed vectors of ids at or below the open graph's watermark (rewritten in place), which a catch-up by id would miss. */
  rewrites: Map<number, Float32Array>;
}

/**
 * One HNSW graph per collection (hnswlib-node, cosine space), labelled by chunk id. It is derived data:
 * SQLite holds every vector, and `open` reconciles a snapshot with it (tail added, vanished chunks
 * marked deleted) or rebuilds. Scores are cosine similarities (1 - hnswlib's cosine distance).
 *
 * Writers' pushes are noted, not inserted one by one: a graph open in this process marks removed ids
 * deleted at once and catches up with the store on `flush` (in pages, between which searches run);
 * while a collection is written, a worker thread catches up its own copy of the graph on the other core
 * every REFRESH_EVERY_CHUNKS chunks, and a flush after SNAPSHOT_MIN_CHANGES changes lets that worker
 * persist it and reloads the graph here from its snapshot.
 */
export class HnswVectorIndex implements VectorIndex {
  readonly kind = 'hnswlib';
  readonly #source: HnswVectorSource;
  readonly #options: HnswVectorIndexOptions;
  readonly #open = new Map<string, Promise<OpenIndex>>();
  readonly #background = new Set<Promise<void>>();
  readonly #workers: HnswWorkers | undefined;
  readonly #pending = new Map<string, PendingWrites>();
  /** Per collection open here with unsaved changes: the timer that persists it once writes stop coming. */
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();
  /**
   * Graphs loaded and searchable, per collection. A search of a collection absent here never waits for
   * a load: it is answered exactly from the stored vectors while the graph loads in the background. A
   * reload keeps the previous graph here until the new one is ready.
   */
  readonly #ready = new Map<string, OpenIndex>();
  /** Per collection whose graph is not ready: the exact path's copy of its vectors. */
  readonly #exactCopies: HnswExactCopies;
  /** Set by close: loads stop at their next page, no background work starts. */
  #closing = false;
  /** Scratch argument of addPoint, reused across inserts. */
  #point: number[] = [];

  constructor(source: HnswVectorSource, options: HnswVectorIndexOptions) {
    this.#source = source;
    this.#options = options;
    this.#workers =
      options.databasePath === undefined || options.readonly
        ? undefined
        : new HnswWorkers(source, {
            databasePath: options.databasePath,
            directory: options.directory,
            params: options.params,
            idleSnapshotMs: IDLE_SNAPSHOT_MS,
            snapshotEveryChunks: options.snapshotEveryChunks ?? DEFAULT_SNAPSHOT_EVERY_CHUNKS,
          });
    this.#exactCopies = new HnswExactCopies(source, {
      directory: options.directory,
      snapshotMatches: (sidecar, base) => this.#matches(sidecar, base),
      graphReady: (collection) => this.#ready.has(collection),
    });
    // A process killed while writing a snapshot leaves its temporary files; only the main thread sweeps them.
    if (!options.readonly && options.interrupt === undefined) removeStaleTemporaries(options.directory);
  }

  /** Whether the collection's graph is loaded here (searches use it; otherwise they are answered exactly). */
  isReady(collection: string): boolean {
    return this.#ready.has(collection);
  }

  async open(collection: string, dimensions: number): Promise<VectorIndexStatus> {
    // A live worker holds a newer graph than the snapshot: it writes it, and this loads it.
    const hadWorker = this.#workers?.isLive(collection) ?? false;
    if (hadWorker) await this.#workers?.finish(collection).catch(() => undefined);
    await this.#workers?.finishing(collection)?.catch(() => undefined);
    const existing = this.#open.get(collection);
    if (existing !== undefined) {
      const state = await existing;
      if (!hadWorker && state.dimensions === dimensions && state.vectorKey === (await this.#source.vectorKey(collection))) {
        await this.#exclusive(state, () => this.#addTail(collection, state));
        return { ...state.status, count: state.live.size };
      }
      this.#open.delete(collection);
    }
    const opening = this.#track(collection, this.#load(collection, dimensions));
    try {
      const state = await opening;
      const threshold = this.#options.snapshotAfter ?? 10_000;
      const changed = state.status.source === 'rebuilt' ? state.live.size : state.status.addedSinceSnapshot;
      if (!this.#options.readonly && !this.#closing && changed > 0 && changed >= Math.min(threshold, state.live.size)) {
        this.#inBackground(this.snapshot(collection));
      }
      return state.status;
    } catch (error) {
      if (this.#open.get(collection) === opening) this.#open.delete(collection);
      throw error;
    }
  }

  /**
   * Notes what was written (the vectors themselves are read back from the store on catch-up, except
   * rewrites of ids an open graph already passed), and keeps the collection's worker catching up.
   */
  async upsert(collection: string, items: VectorItem[]): Promise<void> {
    if (items.length === 0 || this.#options.readonly) return;
    const pending = this.#pendingOf(collection);
    pending.changes += items.length;
    pending.upserted += items.length;
    pending.sinceRefresh += items.length;
    const opening = this.#open.get(collection);
    if (opening !== undefined) {
      const watermark = (await opening.catch(() => undefined))?.watermark ?? Number.POSITIVE_INFINITY;
      for (const item of items) if (item.id <= watermark) pending.rewrites.set(item.id, item.vector);
    }
    if (this.#workers !== undefined && pending.sinceRefresh >= REFRESH_EVERY_CHUNKS) {
      pending.sinceRefresh = 0;
      await this.#workers.refresh(collection);
    }
  }

  /** Marks removed ids deleted in a graph open here at once; a worker's graph is reconciled when it finishes. */
  async remove(collection: string, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const pending = this.#pendingOf(collection);
    pending.changes += ids.length;
    for (const id of ids) pending.rewrites.delete(id);
    const opening = this.#open.get(collection);
    if (opening === undefined) return;
    const state = await opening;
    await this.#exclusive(state, async () => {
      for (const id of ids) {
        if (!state.live.delete(id)) continue;
        state.index.markDelete(id);
        state.unsaved += 1;
      }
    });
  }

  /**
   * The end of a write. A graph open here: after many changes (or while a worker holds the collection)
   * the worker catches up, persists, and the graph is reloaded from its snapshot; after a few it catches
   * up here. A graph not open here: many changes are persisted by a worker; a few only refresh it (the
   * next open in any process reconciles with the store, so no removed id is ever returned).
   */
  async flush(collection: string): Promise<void> {
    const pending = this.#pending.get(collection);
    this.#pending.delete(collection);
    if (this.#options.readonly) return;
    const changes = pending?.changes ?? 0;
    const workers = this.#workers;
    const opening = this.#open.get(collection);
    if (opening !== undefined) {
      const state = await opening;
      if (workers !== undefined && (workers.isLive(collection) || changes >= SNAPSHOT_MIN_CHANGES)) {
        await workers.finish(collection);
        await this.#reload(collection, state.dimensions);
        return;
      }
      await this.#exclusive(state, async () => {
        state.signature = await this.#source.storeSignature?.(collection);
        for (const [id, vector] of pending?.rewrites ?? []) this.#add(state, id, vector);
        state.unsaved += (pending?.rewrites.size ?? 0) + (await this.#addTail(collection, state, true));
      });
      if (state.unsaved > 0) this.#persistWhenIdle(collection);
      return;
    }
    if (workers === undefined) return;
    if (changes >= SNAPSHOT_MIN_CHANGES) await workers.finish(collection);
    else if ((pending?.upserted ?? 0) > 0 || workers.isLive(collection)) await workers.refresh(collection);
  }

  async search(options: VectorSearchOptions): Promise<VectorHit[]> {
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    let state = this.#ready.get(options.collection);
    if (state !== undefined && state.dimensions === options.vector.length && (await this.#followOtherWriters(options.collection, state))) {
      state = this.#ready.get(options.collection);
    }
    // A graph of other dimensions is being replaced (the collection was re-created); the store decides.
    if (state === undefined || state.dimensions !== options.vector.length) {
      if (!this.#open.has(options.collection) && !this.#closing && this.#options.openOnSearch !== false) {
        this.#inBackground(this.open(options.collection, options.vector.length).then(() => undefined));
      }
      return this.#exactSearch(options);
    }
    const query = Array.from(options.vector);
    const walk = (k: number, accept?: (chunkId: number) => boolean): VectorHit[] => {
      const limit = Math.min(k, state.live.size);
      if (limit <= 0) return [];
      const result = state.index.searchKnn(query, limit, accept);
      return result.neighbors.map((chunkId, i) => ({ chunkId, score: 1 - (result.distances[i] ?? 1) }));
    };
    if (options.filter === undefined) return walk(options.k);
    return hnswFilteredSearch(this.#source, {
      collection: options.collection,
      vector: options.vector,
      k: options.k,
      filter: options.filter,
      exactFilterLimit: this.#options.exactFilterLimit ?? DEFAULT_EXACT_FILTER_LIMIT,
      walk,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * Persists the collection's graph now: the one open here, else the worker's (started when there is
   * none: it loads the snapshot, catches up with the store and writes it).
   */
  async snapshot(collection: string): Promise<void> {
    if (this.#options.readonly) return;
    const opening = this.#open.get(collection);
    if (opening === undefined) {
      await this.#workers?.finish(collection);
      return;
    }
    const state = await opening;
    const paths = snapshotPaths(this.#options.directory, collection);
    await this.#exclusive(state, async () => {
      const unsaved = state.unsaved;
      const count = state.index.getCurrentCount();
      await publishSnapshot(
        this.#options.directory,
        paths,
        async (path) => void (await state.index.writeIndex(path)),
        {
          vectorKey: state.vectorKey,
          embedder: state.embedder,
          dimensions: state.dimensions,
          count,
          watermark: state.watermark,
          m: this.#options.params.m,
          efConstruction: this.#options.params.efConstruction,
        },
        (bytes, sha1) => quantizeSnapshot(bytes, sha1, count, state.dimensions),
      );
      state.unsaved -= unsaved;
    });
  }

  /**
   * Asks the collection's worker to add the vectors written since its watermark (see
   * HnswWorkers.refresh); writers get the same through `upsert` and `flush`. A no-op for a read-only
   * store or one without a database path.
   */
  async refresh(collection: string): Promise<void> {
    await this.#workers?.refresh(collection);
  }

  async drop(collection: string): Promise<void> {
    this.#pending.delete(collection);
    this.#ready.delete(collection);
    this.#exactCopies.drop(collection);
    clearTimeout(this.#idleTimers.get(collection));
    this.#idleTimers.delete(collection);
    await this.#workers?.discard(collection);
    const opening = this.#open.get(collection);
    this.#open.delete(collection);
    if (opening !== undefined) await opening.then((state) => state.queue).catch(() => undefined);
    await removeSnapshot(snapshotPaths(this.#options.directory, collection));
  }

  /** Persists graphs changed by writes (a worker's without catching up: an interrupted ingest keeps its inserts). */
  async close(): Promise<void> {
    this.#closing = true;
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    await this.#workers?.close();
    if (!this.#options.readonly) {
      const unsaved = await Promise.all(
        [...this.#open.entries()].map(async ([collection, opening]) => ((await opening.catch(() => undefined))?.unsaved ? collection : undefined)),
      );
      await Promise.allSettled(unsaved.filter((name) => name !== undefined).map((name) => this.snapshot(name)));
    }
    await Promise.allSettled([...this.#background]);
    this.#open.clear();
    this.#ready.clear();
    this.#exactCopies.clear();
  }

  /**
   * The exact answer from the stored vectors, for a collection whose graph is not loaded yet: every
   * vector scored from the exact copy (read from the store by the first such search), a filter
   * resolved by the store first and its subset read from the store.
   */
  async #exactSearch(options: VectorSearchOptions): Promise<VectorHit[]> {
    const { collection, vector, k, filter, signal } = options;
    const record = await this.#source.getCollection(collection);
    if (record === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${collection}" does not exist.`, { hint: 'List collections with `cairn collections list`.' });
    }
    if (record.dimensions !== vector.length) {
      throw new CairnError('EMBEDDER_MISMATCH', `The query vector has ${vector.length} dimensions; collection "${collection}" holds ${record.dimensions}.`, {
        hint: 'Embed the query with the collection\'s embedder (see `cairn collections list`).',
      });
    }
    if (filter !== undefined) {
      return hnswFilteredSearch(this.#source, {
        collection,
        vector,
        k,
        filter,
        exactFilterLimit: Number.MAX_SAFE_INTEGER,
        walk: () => [],
        ...(signal ? { signal } : {}),
      });
    }
    const copy = await this.#exactCopies.get(collection, vector.length);
    signal?.throwIfAborted();
    return searchExactCopy(copy, vector, k, this.#source);
  }

  /** Registers a load as the collection's graph; once it resolves (and is still current) searches use it. */
  #track(collection: string, loading: Promise<OpenIndex>): Promise<OpenIndex> {
    this.#open.set(collection, loading);
    loading.then(
      (state) => {
        if (this.#open.get(collection) !== loading) return;
        this.#ready.set(collection, state);
        this.#exactCopies.drop(collection);
      },
      () => {
        if (this.#open.get(collection) === loading) this.#ready.delete(collection);
      },
    );
    return loading;
  }

  /** Replaces the graph open here by a fresh load (of the snapshot a worker just wrote); searches wait for it. */
  async #reload(collection: string, dimensions: number): Promise<void> {
    const previous = this.#open.get(collection);
    const opening = this.#track(collection, this.#load(collection, dimensions));
    await previous?.then((state) => state.queue).catch(() => undefined);
    try {
      await opening;
    } catch (error) {
      if (this.#open.get(collection) === opening) this.#open.delete(collection);
      throw error;
    }
  }

  #persistWhenIdle(collection: string): void {
    clearTimeout(this.#idleTimers.get(collection));
    const timer = setTimeout(() => {
      this.#idleTimers.delete(collection);
      this.#inBackground(this.snapshot(collection));
    }, IDLE_SNAPSHOT_MS);
    timer.unref();
    this.#idleTimers.set(collection, timer);
  }

  #pendingOf(collection: string): PendingWrites {
    let pending = this.#pending.get(collection);
    if (pending === undefined) {
      pending = { changes: 0, upserted: 0, sinceRefresh: 0, rewrites: new Map() };
      this.#pending.set(collection, pending);
    }
    return pending;
  }

  #inBackground(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  #exclusive<T>(state: OpenIndex, work: () => Promise<T> | T): Promise<T> {
    const run = state.queue.then(work, work);
    state.queue = run.catch(() => undefined);
    return run;
  }

  #add(state: OpenIndex, id: number, vector: Float32Array): void {
    const needed = state.index.getCurrentCount() + 1;
    if (needed > state.index.getMaxElements()) state.index.resizeIndex(Math.max(needed, state.index.getMaxElements() * 2));
    // hnswlib-node reads a plain array; refilling one costs a fraction of `Array.from` and allocates nothing.
    if (this.#point.length !== vector.length) this.#point = new Array<number>(vector.length).fill(0);
    const point = this.#point;
    for (let i = 0; i < vector.length; i += 1) point[i] = vector[i]!;
    state.index.addPoint(point, id);
    state.live.add(id);
    if (id > state.watermark) state.watermark = id;
  }

  /**
   * Adds the store's vectors above the graph's watermark. `yielding` (a graph that searches share the
   * thread with) inserts in small pages with a turn of the event loop between them.
   */
  async #addTail(collection: string, state: OpenIndex, yielding = false): Promise<number> {
    const interrupt = this.#options.interrupt ?? (yielding ? () => this.#closing : undefined);
    const paged = yielding || interrupt !== undefined;
    let added = 0;
    for await (const page of this.#source.iterateVectors(collection, state.watermark, paged ? INTERRUPTIBLE_PAGE : PAGE)) {
      for (const item of page) this.#add(state, item.id, item.vector);
      added += page.length;
      if (!paged) continue;
      await new Promise((resolve) => setImmediate(resolve));
      if (interrupt?.(state.live.size)) break;
    }
    return added;
  }

  /**
   * Makes an open graph agree with the store up to its watermark: labels whose chunk is gone (a document
   * updated or deleted since they were added) are marked deleted, stored vectors missing are added.
   */
  async reconcile(collection: string): Promise<void> {
    const opening = this.#open.get(collection);
    if (opening === undefined) return;
    const state = await opening;
    await this.#exclusive(state, async () => {
      const stored = new Set(await this.#source.vectorIds(collection, state.watermark));
      for (const label of state.live) {
        if (stored.has(label)) continue;
        state.index.markDelete(label);
        state.live.delete(label);
      }
      await this.#addMissing(state, [...stored].filter((id) => !state.live.has(id)));
    });
  }

  /**
   * Catches a graph open here up with writes other processes made to the collection (a `cairn worker`
   * beside this API process): vectors above the watermark are added; when the chunk count says chunks
   * also went away (documents updated or deleted elsewhere), the graph is reconciled by id; a collection
   * re-created elsewhere is loaded anew in the background (answers true: the graph is no longer ready). One indexed lookup per search when nothing
   * changed; skipped while this process has pushes of its own pending (its flush catches up).
   */
  async #followOtherWriters(collection: string, state: OpenIndex): Promise<boolean> {
    if (this.#source.storeSignature === undefined || this.#pending.has(collection)) return false;
    const now = await this.#source.storeSignature(collection);
    const before = state.signature;
    if (now === undefined || before === undefined || sameSignature(now, before)) return false;
    if (now.vectorKey !== before.vectorKey) {
      // Searches are answered exactly from the store while the new graph loads (of other dimensions: it fails, and the next search opens it anew).
      if (this.#ready.get(collection) === state) this.#ready.delete(collection);
      if (this.#open.has(collection) && !this.#closing) this.#inBackground(this.#reload(collection, state.dimensions));
      return true;
    }
    await this.#exclusive(state, async () => {
      if (state.signature === undefined || sameSignature(now, state.signature)) return;
      const added = await this.#addTail(collection, state, true);
      if (now.chunkCount !== state.signature.chunkCount + added) {
        const stored = new Set(await this.#source.vectorIds(collection, state.watermark));
        for (const label of state.live) {
          if (stored.has(label)) continue;
          state.index.markDelete(label);
          state.live.delete(label);
        }
      }
      state.signature = now;
    });
    return false;
  }

  async #addMissing(state: OpenIndex, missing: number[]): Promise<void> {
    const watermark = state.watermark;
    for (let i = 0; i < missing.length; i += PAGE) {
      const vectors = await this.#source.getVectors(missing.slice(i, i + PAGE));
      for (const [id, vector] of vectors) this.#add(state, id, vector);
    }
    state.watermark = watermark;
  }

  async #load(collection: string, dimensions: number): Promise<OpenIndex> {
    const started = performance.now();
    const vectorKey = await this.#source.vectorKey(collection);
    const record = await this.#source.getCollection(collection);
    if (vectorKey === undefined || record === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${collection}" does not exist.`, {
        hint: 'List collections with `cairn collections list`.',
      });
    }
    if (record.dimensions !== dimensions) {
      throw new CairnError(
        'EMBEDDER_MISMATCH',
        `Collection "${collection}" holds ${record.dimensions}-dimensional vectors (${record.embedder}); ${dimensions} were asked for.`,
        { hint: `Search it with its own embedder, or switch it with \`cairn reembed\`.` },
      );
    }
    const { m, efConstruction, efSearch } = this.#options.params;
    const signature = await this.#source.storeSignature?.(collection);
    const base = { vectorKey, embedder: record.embedder, dimensions, queue: Promise.resolve() as Promise<unknown>, signature };
    // Here (not in a worker), a graph far behind the store is caught up and persisted by a worker on
    // the other core, then loaded from its snapshot; searches are answered exactly meanwhile.
    const here = this.#options.interrupt === undefined;
    if (here && this.#workers !== undefined && !this.#closing && (await this.#lagsBehind(collection, base))) {
      // A first search's exact copy is read before the worker starts (both want the second core), and
      // the worker yields to this thread. A failed worker leaves the work to this thread (below).
      await this.#exactCopies.settled(collection);
      await this.#workers.finish(collection, 'recovery').catch(() => undefined);
    }
    const fromSnapshot = await this.#loadSnapshot(collection, base);
    if (fromSnapshot !== undefined) {
      const { state, reconciled } = fromSnapshot;
      const added = reconciled + (await this.#addTail(collection, state, here));
      state.index.setEf(efSearch);
      state.status = { count: state.live.size, source: 'snapshot', addedSinceSnapshot: added, millis: performance.now() - started };
      return state;
    }
    const index = new hnswlib.HierarchicalNSW('cosine', dimensions);
    index.initIndex(1024, m, efConstruction, RANDOM_SEED);
    const state: OpenIndex = { ...base, index, live: new Set(), watermark: 0, status: emptyStatus(), unsaved: 0 };
    const added = await this.#addTail(collection, state, here);
    index.setEf(efSearch);
    state.status = { count: state.live.size, source: added > 0 ? 'rebuilt' : 'empty', addedSinceSnapshot: added, millis: performance.now() - started };
    return state;
  }

  /** Whether the snapshot is unusable or misses more than MAIN_THREAD_TAIL stored vectors (read from the sidecar alone). */
  async #lagsBehind(collection: string, base: Pick<OpenIndex, 'vectorKey' | 'embedder' | 'dimensions'>): Promise<boolean> {
    const sidecar = await readSidecar(snapshotPaths(this.#options.directory, collection));
    const usable = sidecar !== undefined && this.#matches(sidecar, base);
    return (await this.#source.countVectorsAfter(collection, usable ? sidecar.watermark : 0)) > MAIN_THREAD_TAIL;
  }

  #matches(sidecar: SnapshotSidecar, base: Pick<OpenIndex, 'vectorKey' | 'embedder' | 'dimensions'>): boolean {
    const { m, efConstruction } = this.#options.params;
    return (
      sidecar.vectorKey === base.vectorKey &&
      sidecar.embedder === base.embedder &&
      sidecar.dimensions === base.dimensions &&
      sidecar.m === m &&
      sidecar.efConstruction === efConstruction
    );
  }

  /** Loads and reconciles the snapshot, or undefined when it is missing, damaged or from other settings. */
  async #loadSnapshot(
    collection: string,
    base: Pick<OpenIndex, 'vectorKey' | 'embedder' | 'dimensions' | 'queue' | 'signature'>,
  ): Promise<{ state: OpenIndex; reconciled: number } | undefined> {
    const paths = snapshotPaths(this.#options.directory, collection);
    // A search waiting for an exact copy goes first: on two cores, reading the graph beside it made the
    // first search after a start take ≈ 2.3 s instead of ≈ 0.7 s at 100k × 384 (the load waits that long).
    // The copy hashes the snapshot's bytes it read, which the verification here then shares.
    await this.#exactCopies.settled(collection);
    const sidecar = await readVerifiedSidecar(paths);
    if (sidecar === undefined || !this.#matches(sidecar, base)) return undefined;
    const index = new hnswlib.HierarchicalNSW('cosine', base.dimensions);
    try {
      await index.readIndex(paths.index);
    } catch {
      return undefined;
    }
    if (index.getCurrentCount() !== sidecar.count || index.getNumDimensions() !== base.dimensions) return undefined;
    // The next cold start's exact path reads the int8 copy: write it if missing, stale or damaged.
    if (!this.#options.readonly && this.#options.interrupt === undefined && !this.#closing) {
      this.#inBackground(ensureQuantizedVectors(paths, sidecar).then(() => undefined));
    }
    const stored = new Set(await this.#source.vectorIds(collection, sidecar.watermark));
    const live = new Set<number>();
    for (const label of index.getIdsList()) {
      if (stored.has(label)) {
        live.add(label);
        continue;
      }
      try {
        index.markDelete(label);
      } catch {
        // Already marked deleted in the snapshot.
      }
    }
    // Marked-deleted nodes still cost memory and graph hops; past half of the graph a rebuild is cheaper.
    if (live.size < index.getCurrentCount() / 2 && index.getCurrentCount() > 1000) return undefined;
    const state: OpenIndex = { ...base, index, live, watermark: sidecar.watermark, status: emptyStatus(), unsaved: 0 };
    const missing = [...stored].filter((id) => !live.has(id));
    await this.#addMissing(state, missing);
    return { state, reconciled: missing.length };
  }
}

function sameSignature(a: StoreSignature, b: StoreSignature): boolean {
  return a.vectorKey === b.vectorKey && a.chunkCount === b.chunkCount && a.maxChunkId === b.maxChunkId;
}

function emptyStatus(): VectorIndexStatus {
  return { count: 0, source: 'empty', addedSinceSnapshot: 0, millis: 0 };
}
