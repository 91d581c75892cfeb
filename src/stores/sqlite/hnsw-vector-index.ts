import hnswlib from 'hnswlib-node';
import { CairnError } from '../../core/cairn-error.js';
import type { VectorHit, VectorIndex, VectorIndexStatus, VectorSearchOptions } from '../vector-index.js';
import { hnswFilteredSearch } from './hnsw-filtered-search.js';
import { publishSnapshot, readVerifiedSidecar, removeSnapshot, snapshotPaths, type HnswParams } from './hnsw-snapshot.js';
import type { HnswVectorSource } from './hnsw-vector-source.js';
import { SnapshotWorker } from './run-snapshot-worker.js';

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
   * The database file. When set, `snapshot()` of a collection whose graph is not open in this process
   * catches it up in a worker thread, off the thread that writes chunks.
   */
  databasePath?: string;
  /**
   * Set inside the snapshot worker: catching up yields to the event loop between pages (so commands
   * arrive) and stops early, at a page boundary, once this returns true.
   */
  interrupt?: () => boolean;
}

export const DEFAULT_HNSW_PARAMS: HnswParams = { m: 16, efConstruction: 100, efSearch: 80 };
const DEFAULT_EXACT_FILTER_LIMIT = 20_000;

const PAGE = 2048;
/** Catch-up page when interruptible: about 0.1–0.2 s of inserts at M 32, efConstruction 200. */
const INTERRUPTIBLE_PAGE = 256;
const RANDOM_SEED = 100;
/** A live worker that got no refresh for this long writes its snapshot and ends (freeing its graph). */
const IDLE_SNAPSHOT_MS = 30_000;

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
}

/**
 * One HNSW graph per collection (hnswlib-node, cosine space), labelled by chunk id. It is derived data:
 * SQLite holds every vector, and `open` reconciles a snapshot with it (tail added, vanished chunks
 * marked deleted) or rebuilds. Scores are cosine similarities (1 - hnswlib's cosine distance).
 */
export class HnswVectorIndex implements VectorIndex {
  readonly kind = 'hnswlib';
  readonly #source: HnswVectorSource;
  readonly #options: HnswVectorIndexOptions;
  readonly #open = new Map<string, Promise<OpenIndex>>();
  readonly #background = new Set<Promise<void>>();
  /** Worker snapshot jobs per collection; `again` asks for one more run once the current one ends. */
  readonly #jobs = new Map<string, { done: Promise<void>; again: boolean }>();
  /** Live workers holding a collection's graph between `refresh` calls, until `snapshot` ends them. */
  readonly #workers = new Map<string, SnapshotWorker>();
  /** Workers being started (the collection record is read first). */
  readonly #starting = new Map<string, Promise<SnapshotWorker | undefined>>();
  /** Per collection with a live worker: the timer that snapshots it once refreshes stop coming. */
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();
  /** Scratch argument of addPoint, reused across inserts. */
  #point: number[] = [];

  constructor(source: HnswVectorSource, options: HnswVectorIndexOptions) {
    this.#source = source;
    this.#options = options;
  }

  async open(collection: string, dimensions: number): Promise<VectorIndexStatus> {
    // A live worker holds a newer graph than the snapshot: it writes it, and this loads it.
    if (this.#workers.has(collection) || this.#starting.has(collection)) await this.snapshot(collection).catch(() => undefined);
    await this.#jobs.get(collection)?.done.catch(() => undefined);
    const existing = this.#open.get(collection);
    if (existing !== undefined) {
      const state = await existing;
      if (state.dimensions === dimensions && state.vectorKey === (await this.#source.vectorKey(collection))) {
        await this.#exclusive(state, () => this.#addTail(collection, state));
        return { ...state.status, count: state.live.size };
      }
      this.#open.delete(collection);
    }
    const opening = this.#load(collection, dimensions);
    this.#open.set(collection, opening);
    try {
      const state = await opening;
      const threshold = this.#options.snapshotAfter ?? 10_000;
      const changed = state.status.source === 'rebuilt' ? state.live.size : state.status.addedSinceSnapshot;
      if (!this.#options.readonly && changed > 0 && changed >= Math.min(threshold, state.live.size)) {
        this.#inBackground(this.snapshot(collection));
      }
      return state.status;
    } catch (error) {
      this.#open.delete(collection);
      throw error;
    }
  }

  async upsert(collection: string, items: { id: number; vector: Float32Array }[]): Promise<void> {
    const first = items[0];
    if (first === undefined) return;
    const state = await this.#state(collection, first.vector.length);
    await this.#exclusive(state, async () => {
      for (const item of items) {
        if (state.live.has(item.id)) continue;
        this.#add(state, item.id, item.vector);
      }
    });
  }

  async remove(collection: string, ids: number[]): Promise<void> {
    const opening = this.#open.get(collection);
    if (opening === undefined) return;
    const state = await opening;
    await this.#exclusive(state, async () => {
      for (const id of ids) {
        if (!state.live.delete(id)) continue;
        state.index.markDelete(id);
      }
    });
  }

  async search(options: VectorSearchOptions): Promise<VectorHit[]> {
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.');
    let opening = this.#open.get(options.collection);
    if (opening === undefined) {
      await this.open(options.collection, options.vector.length);
      opening = this.#open.get(options.collection);
    }
    const state = await opening!;
    if (options.vector.length !== state.dimensions) {
      throw new CairnError('EMBEDDER_MISMATCH', `The query vector has ${options.vector.length} dimensions; collection "${options.collection}" holds ${state.dimensions}.`, {
        hint: 'Embed the query with the collection\'s embedder (see `cairn collections list`).',
      });
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

  async snapshot(collection: string): Promise<void> {
    if (this.#options.readonly) return;
    const opening = this.#open.get(collection);
    if (opening === undefined) {
      if (this.#options.databasePath !== undefined) await this.#snapshotInWorker(collection, this.#options.databasePath);
      return;
    }
    const state = await opening;
    const paths = snapshotPaths(this.#options.directory, collection);
    await this.#exclusive(state, () =>
      publishSnapshot(this.#options.directory, paths, async (path) => void (await state.index.writeIndex(path)), {
        vectorKey: state.vectorKey,
        embedder: state.embedder,
        dimensions: state.dimensions,
        count: state.index.getCurrentCount(),
        watermark: state.watermark,
        m: this.#options.params.m,
        efConstruction: this.#options.params.efConstruction,
      }),
    );
  }

  /**
   * Brings the collection's graph up to date with the store in a worker thread that stays alive between
   * calls (cheap to call often; writes nothing): it adds the vectors written since its watermark.
   * Chunks removed meanwhile are marked deleted when `snapshot` ends the worker. A no-op for a graph
   * open in this process, a read-only store, or one without a database path. The worker writes its
   * snapshot and ends IDLE_SNAPSHOT_MS after the last refresh (a server taking many small uploads
   * writes one snapshot per burst, not per upload), or on `snapshot`, `open` or `close`.
   */
  async refresh(collection: string): Promise<void> {
    if (this.#options.readonly || this.#options.databasePath === undefined || this.#open.has(collection) || this.#jobs.has(collection)) return;
    (await this.#liveWorker(collection, this.#options.databasePath))?.refresh();
    clearTimeout(this.#idleTimers.get(collection));
    const timer = setTimeout(() => {
      this.#idleTimers.delete(collection);
      if (this.#workers.has(collection) || this.#starting.has(collection)) this.#inBackground(this.snapshot(collection));
    }, IDLE_SNAPSHOT_MS);
    timer.unref();
    this.#idleTimers.set(collection, timer);
  }

  async drop(collection: string): Promise<void> {
    const worker = await this.#takeWorker(collection);
    await worker?.stop(false).catch(() => undefined);
    await this.#jobs.get(collection)?.done.catch(() => undefined);
    const opening = this.#open.get(collection);
    this.#open.delete(collection);
    if (opening !== undefined) await opening.then((state) => state.queue).catch(() => undefined);
    await removeSnapshot(snapshotPaths(this.#options.directory, collection));
  }

  async close(): Promise<void> {
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    // An interrupted ingest keeps what its worker inserted: the graph is persisted without catching up.
    const live = await Promise.all([...new Set([...this.#workers.keys(), ...this.#starting.keys()])].map((name) => this.#takeWorker(name)));
    await Promise.allSettled(live.map((worker) => worker?.stop(true)));
    await Promise.allSettled([...this.#background, ...[...this.#jobs.values()].map((job) => job.done)]);
    this.#open.clear();
  }

  /**
   * Ends the collection's live worker (or starts one) with a catch-up and one snapshot write; calls made
   * while one runs share one more run after it.
   */
  #snapshotInWorker(collection: string, databasePath: string): Promise<void> {
    const running = this.#jobs.get(collection);
    if (running !== undefined) {
      running.again = true;
      return running.done;
    }
    const job = { done: Promise.resolve(), again: false };
    job.done = (async () => {
      try {
        do {
          job.again = false;
          const worker = (await this.#takeWorker(collection)) ?? (await this.#startWorker(collection, databasePath));
          if (worker === undefined) return;
          await worker.finish();
        } while (job.again);
      } finally {
        this.#jobs.delete(collection);
      }
    })();
    this.#jobs.set(collection, job);
    return job.done;
  }

  #liveWorker(collection: string, databasePath: string): Promise<SnapshotWorker | undefined> {
    const live = this.#workers.get(collection);
    if (live !== undefined) return Promise.resolve(live);
    const pending = this.#starting.get(collection);
    if (pending !== undefined) return pending;
    const starting = this.#startWorker(collection, databasePath)
      .then((worker) => {
        if (worker !== undefined && this.#starting.get(collection) === starting) this.#workers.set(collection, worker);
        return worker;
      })
      .finally(() => {
        if (this.#starting.get(collection) === starting) this.#starting.delete(collection);
      });
    this.#starting.set(collection, starting);
    return starting;
  }

  /** Removes the collection's live (or starting) worker from the map and returns it, for its owner to end. */
  async #takeWorker(collection: string): Promise<SnapshotWorker | undefined> {
    const pending = this.#starting.get(collection);
    this.#starting.delete(collection);
    const worker = this.#workers.get(collection) ?? (await pending);
    this.#workers.delete(collection);
    return worker;
  }

  async #startWorker(collection: string, databasePath: string): Promise<SnapshotWorker | undefined> {
    const record = await this.#source.getCollection(collection);
    if (record === undefined || record.dimensions === 0) return undefined;
    return new SnapshotWorker({ databasePath, directory: this.#options.directory, collection, dimensions: record.dimensions, params: this.#options.params });
  }

  async #state(collection: string, dimensions: number): Promise<OpenIndex> {
    const opening = this.#open.get(collection);
    if (opening !== undefined) return opening;
    await this.open(collection, dimensions);
    return this.#open.get(collection)!;
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
    const point = this.#point.length === vector.length ? this.#point : (this.#point = new Array<number>(vector.length).fill(0));
    for (let i = 0; i < vector.length; i += 1) point[i] = vector[i]!;
    state.index.addPoint(point, id);
    state.live.add(id);
    if (id > state.watermark) state.watermark = id;
  }

  async #addTail(collection: string, state: OpenIndex): Promise<number> {
    const interrupt = this.#options.interrupt;
    let added = 0;
    for await (const page of this.#source.iterateVectors(collection, state.watermark, interrupt === undefined ? PAGE : INTERRUPTIBLE_PAGE)) {
      for (const item of page) this.#add(state, item.id, item.vector);
      added += page.length;
      if (interrupt === undefined) continue;
      await new Promise((resolve) => setImmediate(resolve));
      if (interrupt()) break;
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
    const base = { vectorKey, embedder: record.embedder, dimensions, queue: Promise.resolve() as Promise<unknown> };
    const fromSnapshot = await this.#loadSnapshot(collection, base);
    if (fromSnapshot !== undefined) {
      const { state, reconciled } = fromSnapshot;
      const added = reconciled + (await this.#addTail(collection, state));
      state.index.setEf(efSearch);
      state.status = { count: state.live.size, source: 'snapshot', addedSinceSnapshot: added, millis: performance.now() - started };
      return state;
    }
    const index = new hnswlib.HierarchicalNSW('cosine', dimensions);
    index.initIndex(1024, m, efConstruction, RANDOM_SEED);
    const state: OpenIndex = { ...base, index, live: new Set(), watermark: 0, status: emptyStatus() };
    const added = await this.#addTail(collection, state);
    index.setEf(efSearch);
    state.status = { count: state.live.size, source: added > 0 ? 'rebuilt' : 'empty', addedSinceSnapshot: added, millis: performance.now() - started };
    return state;
  }

  /** Loads and reconciles the snapshot, or undefined when it is missing, damaged or from other settings. */
  async #loadSnapshot(
    collection: string,
    base: Pick<OpenIndex, 'vectorKey' | 'embedder' | 'dimensions' | 'queue'>,
  ): Promise<{ state: OpenIndex; reconciled: number } | undefined> {
    const paths = snapshotPaths(this.#options.directory, collection);
    const sidecar = await readVerifiedSidecar(paths);
    const { m, efConstruction } = this.#options.params;
    if (
      sidecar === undefined ||
      sidecar.vectorKey !== base.vectorKey ||
      sidecar.embedder !== base.embedder ||
      sidecar.dimensions !== base.dimensions ||
      sidecar.m !== m ||
      sidecar.efConstruction !== efConstruction
    ) {
      return undefined;
    }
    const index = new hnswlib.HierarchicalNSW('cosine', base.dimensions);
    try {
      await index.readIndex(paths.index);
    } catch {
      return undefined;
    }
    if (index.getCurrentCount() !== sidecar.count || index.getNumDimensions() !== base.dimensions) return undefined;
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
    const state: OpenIndex = { ...base, index, live, watermark: sidecar.watermark, status: emptyStatus() };
    const missing = [...stored].filter((id) => !live.has(id));
    await this.#addMissing(state, missing);
    return { state, reconciled: missing.length };
  }
}

function emptyStatus(): VectorIndexStatus {
  return { count: 0, source: 'empty', addedSinceSnapshot: 0, millis: 0 };
}
