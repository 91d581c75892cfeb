/**
 * Worker thread entry: holds one collection's HNSW graph in memory for as long as the parent keeps it
 * (an ingest), so the graph inserts (0.3–0.8 ms each) run on another core than the thread that writes
 * the chunks, and the snapshot is loaded and written once per run. Reads SQLite over its own read-only
 * connection. Protocol: see SnapshotCommand in run-snapshot-worker.ts.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { VectorIndexStatus } from '../vector-index.js';
import { HnswVectorIndex } from './hnsw-vector-index.js';
import type { SnapshotCommand, SnapshotJob, SnapshotReply } from './run-snapshot-worker.js';
import { SqliteChunkStore } from './sqlite-chunk-store.js';

const job = workerData as SnapshotJob;
const INGEST_NICE = -5;
const RECOVERY_NICE = 10;
preferThisThread();
const port = parentPort!;
const db = new Database(job.databasePath, { readonly: true, fileMustExist: true });
const chunks = new SqliteChunkStore(db, job.databasePath, () => '');
let stopping = false;
const index = new HnswVectorIndex(chunks, {
  directory: job.directory,
  params: job.params,
  readonly: false,
  snapshotAfter: Number.POSITIVE_INFINITY,
  interrupt: (graphSize) => stopping || (periodic && dueForSnapshot(graphSize)),
});
let status: VectorIndexStatus | undefined;
let queue: Promise<void> = Promise.resolve();
/** A refresh queued behind the running one covers every refresh asked for meanwhile. */
let refreshQueued = false;
let ended = false;
/** A finish is running: a `stop` then only cuts its catch-up short (it writes anyway). */
let finishing = false;
/** Graph size at the last snapshot written by this worker (or at its load). */
let persistedCount: number | undefined;
/** A refresh is catching up: it pauses for a periodic snapshot (a finish never does: it must add everything). */
let periodic = false;

/**
 * Whether the graph grew by `snapshotEveryChunks` since it was last persisted. Checked between pages, so
 * a catch-up that never ends (the writer is faster than the inserts) still persists as it goes.
 */
function dueForSnapshot(graphSize: number): boolean {
  if (job.snapshotEveryChunks <= 0) return false;
  persistedCount ??= graphSize;
  return graphSize - persistedCount >= job.snapshotEveryChunks;
}

/**
 * The graph inserts are the one sequential stage of an ingest (about a third of its CPU), so they
 * should never wait behind the parallel ones: where allowed (CAP_SYS_NICE or RLIMIT_NICE), this thread
 * runs at nice -5. A recovery (catching a graph up after a start, while the main thread answers the
 * first searches exactly) runs at nice 10 instead: on two cores, the catch-up at -5 beside the exact
 * path's read made the first search after a crash wait for it. Linux only (setpriority on a thread id
 * affects that thread); elsewhere, or when not permitted, it keeps the default priority.
 */
function preferThisThread(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, job.priority === 'recovery' ? RECOVERY_NICE : INGEST_NICE);
  } catch {
    // Not permitted: the default priority still works, the index may just finish after the writes.
  }
}

const catchUp = async () => {
  status = await index.open(job.collection, job.dimensions);
  persistedCount ??= status.count - status.addedSinceSnapshot;
};

/** A refresh: catches up, pausing to persist every `snapshotEveryChunks` vectors; the rest follows with the next. */
async function refresh(): Promise<void> {
  periodic = true;
  try {
    await catchUp();
  } finally {
    periodic = false;
  }
  if (stopping || status === undefined || persistedCount === undefined || !dueForSnapshot(status.count)) return;
  // Not reconciled: labels of chunks removed since are marked deleted by whoever loads it.
  await index.snapshot(job.collection);
  persistedCount = status.count;
  // The catch-up paused for the write: go on without waiting for the parent's next refresh.
  queueRefresh();
}

function queueRefresh(): void {
  if (refreshQueued) return;
  refreshQueued = true;
  schedule(async () => {
    refreshQueued = false;
    if (!stopping && !finishing) await refresh();
  });
}

function schedule(work: () => Promise<void>): void {
  queue = queue.then(work).catch((error: unknown) => end({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
}

function end(reply: SnapshotReply): void {
  if (ended) return;
  ended = true;
  port.postMessage(reply);
  db.close();
  port.close();
}

port.on('message', (command: SnapshotCommand) => {
  if (ended) return;
  if (command.type === 'refresh') {
    queueRefresh();
    return;
  }
  if (command.type === 'stop') stopping = true;
  if (command.type === 'stop' && finishing) return;
  if (command.type === 'finish') finishing = true;
  const write = command.type === 'finish' || command.write;
  schedule(async () => {
    if (command.type === 'finish' && !stopping) await catchUp();
    // A stop before the graph was ever opened has nothing to persist.
    if (write && status !== undefined) {
      await index.reconcile(job.collection);
      await index.snapshot(job.collection);
    }
    end({ type: 'done', status });
  });
});
