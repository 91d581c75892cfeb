import type { HnswParams } from './hnsw-snapshot.js';
import type { HnswVectorSource } from './hnsw-vector-source.js';
import { SnapshotWorker } from './run-snapshot-worker.js';

export interface HnswWorkersOptions {
  databasePath: string;
  /** Directory of the snapshots. */
  directory: string;
  params: HnswParams;
  /** A live worker that got no `refresh` for this long writes its snapshot and ends (freeing its graph). */
  idleSnapshotMs: number;
  /** A worker persists its graph each time it added this many vectors since its last write (0: never in between). */
  snapshotEveryChunks: number;
}

/**
 * The worker threads that keep collections' HNSW graphs up to date off the thread that writes chunks
 * (one per collection at most). A live worker holds its graph across many `refresh` calls (an ingest)
 * and ends with one snapshot write: on `finish`, after `idleSnapshotMs` without a refresh (a server
 * taking many small uploads writes one snapshot per burst), or on `close`.
 */
export class HnswWorkers {
  readonly #source: Pick<HnswVectorSource, 'getCollection'>;
  readonly #options: HnswWorkersOptions;
  /** Finishing jobs per collection; `again` asks for one more run once the current one ends. */
  readonly #jobs = new Map<string, { done: Promise<void>; again: boolean; worker: SnapshotWorker | undefined }>();
  #closing = false;
  readonly #workers = new Map<string, SnapshotWorker>();
  /** Workers being started (the collection record is read first). */
  readonly #starting = new Map<string, Promise<SnapshotWorker | undefined>>();
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();

  constructor(source: Pick<HnswVectorSource, 'getCollection'>, options: HnswWorkersOptions) {
    this.#source = source;
    this.#options = options;
  }

  /** Whether a worker holds (or is starting with) the collection's graph. */
  isLive(collection: string): boolean {
    return this.#workers.has(collection) || this.#starting.has(collection);
  }

  /** The running finish of the collection, if any. */
  finishing(collection: string): Promise<void> | undefined {
    return this.#jobs.get(collection)?.done;
  }

  /**
   * Asks the collection's live worker (started now when there is none) to add the vectors written since
   * its watermark; writes nothing. Cheap to call often. Ignored while the collection is being finished.
   */
  async refresh(collection: string): Promise<void> {
    if (this.#jobs.has(collection)) return;
    (await this.#liveWorker(collection))?.refresh();
    clearTimeout(this.#idleTimers.get(collection));
    const timer = setTimeout(() => {
      this.#idleTimers.delete(collection);
      if (this.isLive(collection)) void this.finish(collection).catch(() => undefined);
    }, this.#options.idleSnapshotMs);
    timer.unref();
    this.#idleTimers.set(collection, timer);
  }

  /**
   * Ends the collection's live worker (or starts one) with a catch-up, a reconciliation with the store
   * and one snapshot write; calls made while one runs share one more run after it. A worker started
   * here for a `recovery` (a graph behind the store after a start) runs at a low priority.
   */
  finish(collection: string, priority: 'ingest' | 'recovery' = 'ingest'): Promise<void> {
    clearTimeout(this.#idleTimers.get(collection));
    this.#idleTimers.delete(collection);
    const running = this.#jobs.get(collection);
    if (running !== undefined) {
      running.again = true;
      return running.done;
    }
    const job: { done: Promise<void>; again: boolean; worker: SnapshotWorker | undefined } = { done: Promise.resolve(), again: false, worker: undefined };
    job.done = (async () => {
      try {
        do {
          job.again = false;
          const worker = (await this.#take(collection)) ?? (await this.#start(collection, priority));
          if (worker === undefined) return;
          job.worker = worker;
          if (this.#closing) worker.interrupt();
          await worker.finish();
        } while (job.again && !this.#closing);
      } finally {
        this.#jobs.delete(collection);
      }
    })();
    this.#jobs.set(collection, job);
    return job.done;
  }

  /** Ends the collection's worker without writing (the collection is being dropped) and waits for a running finish. */
  async discard(collection: string): Promise<void> {
    clearTimeout(this.#idleTimers.get(collection));
    this.#idleTimers.delete(collection);
    const worker = await this.#take(collection);
    await worker?.stop(false).catch(() => undefined);
    await this.#jobs.get(collection)?.done.catch(() => undefined);
  }

  /** Ends every worker, persisting what each holds without catching up (an interrupted ingest keeps its inserts). */
  async close(): Promise<void> {
    this.#closing = true;
    // A finish still catching up (a rebuild after a crash) stops at its next page and persists what it added.
    for (const job of this.#jobs.values()) job.worker?.interrupt();
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    const live = await Promise.all([...new Set([...this.#workers.keys(), ...this.#starting.keys()])].map((name) => this.#take(name)));
    await Promise.allSettled(live.map((worker) => worker?.stop(true)));
    await Promise.allSettled([...this.#jobs.values()].map((job) => job.done));
  }

  #liveWorker(collection: string): Promise<SnapshotWorker | undefined> {
    const live = this.#workers.get(collection);
    if (live !== undefined) return Promise.resolve(live);
    const pending = this.#starting.get(collection);
    if (pending !== undefined) return pending;
    const starting = this.#start(collection)
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

  /** Removes the collection's live (or starting) worker from the maps and returns it, for its owner to end. */
  async #take(collection: string): Promise<SnapshotWorker | undefined> {
    const pending = this.#starting.get(collection);
    this.#starting.delete(collection);
    const worker = this.#workers.get(collection) ?? (await pending);
    this.#workers.delete(collection);
    return worker;
  }

  async #start(collection: string, priority: 'ingest' | 'recovery' = 'ingest'): Promise<SnapshotWorker | undefined> {
    const record = await this.#source.getCollection(collection);
    if (record === undefined || record.dimensions === 0) return undefined;
    const { databasePath, directory, params, snapshotEveryChunks } = this.#options;
    return new SnapshotWorker({ databasePath, directory, collection, dimensions: record.dimensions, params, snapshotEveryChunks, priority });
  }
}
