/**
 * Worker thread entry: copies a live database into a new file with SQLite's online backup API, over its
 * own read-only connection, then exits. Protocol: SqliteBackupJob in, SqliteBackupReply out (see
 * sqlite-store-backup.ts).
 *
 * After the first step the remaining pages are copied in one step, inside one read transaction: the copy
 * is the database as of one instant, whatever other connections or processes write meanwhile (WAL
 * readers do not block writers). Copied in small steps instead, every commit of another process would
 * restart the copy, and a steady ingest could keep it from ever finishing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SqliteBackupJob, SqliteBackupReply } from './sqlite-store-backup.js';

/** sqlite3_backup_step's page count that means "every page left" (better-sqlite3 clamps to this). */
const ALL_PAGES = 0x7fffffff;

const job = workerData as SqliteBackupJob;
const port = parentPort!;

async function run(): Promise<SqliteBackupReply> {
  const db = new Database(job.sourcePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const started = performance.now();
    const result = await db.backup(job.targetPath, { progress: () => ALL_PAGES });
    return { type: 'done', pages: result.totalPages, millis: performance.now() - started };
  } finally {
    db.close();
  }
}

run().then(
  (reply) => port.postMessage(reply),
  (error: unknown) => port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies SqliteBackupReply),
);
