/**
 * Worker thread entry: builds one collection's in-memory BM25 postings over its own read-only
 * connection and transfers the typed arrays to the parent (no copy), then exits. Protocol: see
 * Bm25BuildJob and Bm25BuildReply in memory-lexical-index.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { buildBm25Postings } from './build-bm25-postings.js';
import type { Bm25BuildJob, Bm25BuildReply } from './memory-lexical-index.js';

const job = workerData as Bm25BuildJob;
const port = parentPort!;
let reply: Bm25BuildReply;
let transfer: ArrayBuffer[] = [];
try {
  const db = new Database(job.databasePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const postings = buildBm25Postings(db, job.collectionId, job.weights);
    reply = { type: 'built', postings };
    if (postings !== undefined) {
      transfer = [postings.chunkIds, postings.lengths, postings.offsets, postings.documents, postings.frequencies].map(
        (array) => array.buffer as ArrayBuffer,
      );
    }
  } finally {
    db.close();
  }
} catch (error) {
  reply = { type: 'failed', message: error instanceof Error ? error.message : String(error) };
}
port.postMessage(reply, transfer);
