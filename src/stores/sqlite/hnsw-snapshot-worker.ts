/**
 * Worker thread entry: brings a collection's HNSW snapshot up to date from the database (load the last
 * snapshot, add the tail, or rebuild) and writes it, so the graph inserts (0.5–0.8 ms each) run on
 * another core than the ingest that writes the chunks. Reads SQLite over its own read-only connection.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { HnswVectorIndex } from './hnsw-vector-index.js';
import type { SnapshotJob } from './run-snapshot-worker.js';
import { SqliteChunkStore } from './sqlite-chunk-store.js';

const job = workerData as SnapshotJob;
const db = new Database(job.databasePath, { readonly: true, fileMustExist: true });
try {
  const chunks = new SqliteChunkStore(db, job.databasePath, () => '');
  const index = new HnswVectorIndex(chunks, { directory: job.directory, params: job.params, readonly: false, snapshotAfter: Number.POSITIVE_INFINITY });
  const status = await index.open(job.collection, job.dimensions);
  await index.snapshot(job.collection);
  await index.close();
  parentPort?.postMessage(status);
} finally {
  db.close();
}
