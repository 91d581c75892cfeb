import type { Worker } from 'node:worker_threads';
import { CairnError } from '../../core/cairn-error.js';
import type { VectorIndexStatus } from '../vector-index.js';
import type { HnswParams } from './hnsw-snapshot.js';
import { startWorker } from '../../core/start-worker.js';

/** What hnsw-snapshot-worker.ts receives as `workerData`. */
export interface SnapshotJob {
  databasePath: string;
  directory: string;
  collection: string;
  dimensions: number;
  params: HnswParams;
  /** While refreshing, the graph is persisted each time this many vectors were added since the last write (0: never). */
  snapshotEveryChunks: number;
  /**
   * `ingest` (default): the worker follows a write, whose slowest stage its inserts are, and runs at a
   * higher priority where allowed. `recovery`: it catches a graph up after a start (a crash's tail)
   * while searches are answered exactly on this process's other thread, and yields to them (nice 10).
   */
  priority?: 'ingest' | 'recovery';
}

/**
 * Messages to the worker. `refresh`: add the vectors written since its watermark (no file written).
 * `finish`: catch up, reconcile with the store, write the snapshot, exit. `stop`: stop catching up at the
 * next page; with `write`, reconcile and write what the graph holds; exit.
 */
export type SnapshotCommand = { type: 'refresh' } | { type: 'finish' } | { type: 'stop'; write: boolean };

/** Messages from the worker: the status of its last catch-up once it is done, or the failure. */
export type SnapshotReply = { type: 'done'; status: VectorIndexStatus | undefined } | { type: 'failed'; message: string };

/**
 * One worker thread that holds a collection's HNSW graph in memory across many `refresh` calls (an
 * ingest), so the snapshot is loaded and written once per run rather than once per catch-up. While only
 * refreshing it is unref'd: a process that never ends it is not kept alive by it.
 */
export class SnapshotWorker {
  readonly #worker: Worker;
  readonly #collection: string;
  /** Settles when the worker has exited: with the status of its last catch-up, or a STORE_FAILED error. */
  readonly #exited: Promise<VectorIndexStatus | undefined>;
  #ending = false;
  #interrupted = false;

  constructor(job: SnapshotJob) {
    this.#collection = job.collection;
    this.#worker = startWorker(new URL('./hnsw-snapshot-worker.js', import.meta.url), job);
    this.#worker.unref();
    this.#exited = new Promise((resolve, reject) => {
      let reply: SnapshotReply | undefined;
      let failure: Error | undefined;
      this.#worker.on('message', (message: SnapshotReply) => (reply = message));
      this.#worker.once('error', (error) => (failure = error));
      this.#worker.once('exit', (code) => {
        if (reply?.type === 'done') return resolve(reply.status);
        const reason = failure?.message ?? (reply?.type === 'failed' ? reply.message : `it exited with code ${code}`);
        reject(
          new CairnError('STORE_FAILED', `Updating the vector index of "${this.#collection}" failed: ${reason}`, {
            cause: failure,
            hint: 'The next search rebuilds it from the database.',
          }),
        );
      });
    });
    // A failure is reported to whoever ends the worker; refreshes are fire-and-forget.
    this.#exited.catch(() => undefined);
  }

  /** Whether `finish` or `stop` was called: the worker takes no more refreshes. */
  get ending(): boolean {
    return this.#ending;
  }

  refresh(): void {
    if (!this.#ending) this.#post({ type: 'refresh' });
  }

  /** Catches up with the store, writes the snapshot once and ends the worker. */
  finish(): Promise<VectorIndexStatus | undefined> {
    return this.#end({ type: 'finish' });
  }

  /**
   * Ends the worker soon even when it is finishing: the catch-up stops at its next page and what the
   * graph holds is persisted (a process closing while a rebuild runs).
   */
  interrupt(): void {
    if (this.#interrupted) return;
    this.#interrupted = true;
    this.#ending = true;
    this.#worker.ref();
    this.#post({ type: 'stop', write: true });
  }

  /** Ends the worker soon (at the next page boundary); with `write`, what it holds is persisted first. */
  stop(write: boolean): Promise<VectorIndexStatus | undefined> {
    return this.#end({ type: 'stop', write });
  }

  #end(command: SnapshotCommand): Promise<VectorIndexStatus | undefined> {
    if (!this.#ending) {
      this.#ending = true;
      this.#worker.ref();
      this.#post(command);
    }
    return this.#exited;
  }

  #post(command: SnapshotCommand): void {
    try {
      this.#worker.postMessage(command);
    } catch {
      // The worker already exited; `#exited` carries the reason.
    }
  }
}
