import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import { startWorker } from '../../core/start-worker.js';
import type { StoreBackup, StoreSnapshot } from '../store-backup.js';
import { readVerifiedSidecar, snapshotPaths, type SnapshotSidecar } from './hnsw-snapshot.js';
import { countSqliteStore } from './sqlite-store-counts.js';

/** Names inside a snapshot directory (and so inside the archive's `store/`). */
export const SQLITE_SNAPSHOT_DATABASE = 'cairn.db';
export const SQLITE_SNAPSHOT_VECTORS = 'vectors';

/** What sqlite-backup-worker.ts receives as `workerData`. */
export interface SqliteBackupJob {
  sourcePath: string;
  targetPath: string;
}

export type SqliteBackupReply = { type: 'done'; pages: number; millis: number } | { type: 'failed'; message: string };

export interface SqliteStoreBackupOptions {
  databasePath: string;
  /** The HNSW snapshots (`<collection>.hnsw` and its `.json` sidecar). */
  vectorsDirectory: string;
}

/**
 * Snapshots of the embedded store: the database through SQLite's online backup API in a worker thread
 * (never a file copy of a live WAL database), plus the HNSW graph snapshots.
 *
 * The graphs are derived data but kept (docs/decisions/0021-backups.md): rebuilding one at 100k chunks
 * takes about a minute, loading it about a second. They are copied before the database, so each graph
 * is as old as the database copy or older; on open the index reconciles a graph with the database by
 * watermark (vanished chunks marked deleted, the tail added), so a graph of an earlier instant is still
 * right. A graph whose collection was re-created or re-embedded meanwhile is left out: it would be
 * rebuilt on open anyway.
 */
export class SqliteStoreBackup implements StoreBackup {
  readonly kind = 'sqlite';
  readonly #options: SqliteStoreBackupOptions;

  constructor(options: SqliteStoreBackupOptions) {
    this.#options = options;
  }

  async snapshot(directory: string, options: { signal?: AbortSignal } = {}): Promise<StoreSnapshot> {
    const vectorsTarget = join(directory, SQLITE_SNAPSHOT_VECTORS);
    const graphs = await copyGraphSnapshots(this.#options.vectorsDirectory, vectorsTarget);
    options.signal?.throwIfAborted();
    const databaseTarget = join(directory, SQLITE_SNAPSHOT_DATABASE);
    await copyDatabase(this.#options.databasePath, databaseTarget, options.signal);
    const db = new Database(databaseTarget, { readonly: true, fileMustExist: true });
    try {
      const schemaVersion = (db.prepare('SELECT version FROM schema_version').get() as { version: number }).version;
      const counts = countSqliteStore(db);
      const keys = new Map(
        (db.prepare('SELECT name, id, vector_epoch FROM collections').all() as { name: string; id: number; vector_epoch: number }[]).map((row) => [
          row.name,
          `${row.id}:${row.vector_epoch}`,
        ]),
      );
      const files = [SQLITE_SNAPSHOT_DATABASE];
      const notes: string[] = [];
      for (const graph of graphs) {
        const paths = snapshotPaths(vectorsTarget, graph.collection);
        if (keys.get(graph.collection) !== graph.sidecar.vectorKey) {
          await rm(paths.index, { force: true });
          await rm(paths.sidecar, { force: true });
          continue;
        }
        files.push(`${SQLITE_SNAPSHOT_VECTORS}/${encodeURIComponent(graph.collection)}.hnsw`, `${SQLITE_SNAPSHOT_VECTORS}/${encodeURIComponent(graph.collection)}.hnsw.json`);
        const behind = (counts.collections.find((c) => c.name === graph.collection)?.vectors ?? 0) - graph.sidecar.count;
        notes.push(`vector index "${graph.collection}": graph of ${graph.sidecar.count} vectors included${behind > 0 ? `; about ${behind} more are added from the database on first search` : ''}`);
      }
      for (const collection of counts.collections) {
        if (collection.vectors > 0 && !graphs.some((g) => g.collection === collection.name && keys.get(g.collection) === g.sidecar.vectorKey)) {
          notes.push(`vector index "${collection.name}": no graph snapshot; rebuilt from the database on first search`);
        }
      }
      return { kind: this.kind, schemaVersion, files, counts, notes };
    } finally {
      db.close();
    }
  }
}

/**
 * Copies the database in a worker thread (the copy holds one read transaction; the caller's thread stays
 * free). An abort ends the worker at once (a server shutting down does not wait for the copy).
 */
async function copyDatabase(sourcePath: string, targetPath: string, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const job: SqliteBackupJob = { sourcePath, targetPath };
  const worker = startWorker(new URL('./sqlite-backup-worker.js', import.meta.url), job);
  const stop = () => void worker.terminate();
  signal?.addEventListener('abort', stop, { once: true });
  const reply = await new Promise<SqliteBackupReply>((resolve, reject) => {
    let answer: SqliteBackupReply | undefined;
    worker.on('message', (message: SqliteBackupReply) => (answer = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (answer ? resolve(answer) : reject(new Error(`the backup worker exited with code ${code}`))));
  })
    .catch((error: unknown) => ({ type: 'failed' as const, message: error instanceof Error ? error.message : String(error) }))
    .finally(() => signal?.removeEventListener('abort', stop));
  signal?.throwIfAborted();
  if (reply.type === 'failed') {
    throw new CairnError('STORE_FAILED', `Copying the database ${sourcePath} failed: ${reply.message}`, {
      hint: 'Check that the database exists and that the backup folder is writable and has room.',
    });
  }
  // A snapshot is one self-contained file: rollback-journal mode, no -wal beside it (the store turns WAL back on when it opens it).
  const db = new Database(targetPath, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/**
 * Copies each collection's graph snapshot whose copy matches its sidecar (size and sha1). A snapshot
 * published while it was being copied fails that check and is copied once more; failing again, it is
 * left out (the restored index rebuilds it).
 */
async function copyGraphSnapshots(sourceDirectory: string, targetDirectory: string): Promise<{ collection: string; sidecar: SnapshotSidecar }[]> {
  await mkdir(targetDirectory, { recursive: true });
  let names: string[];
  try {
    names = await readdir(sourceDirectory);
  } catch {
    return [];
  }
  const copied: { collection: string; sidecar: SnapshotSidecar }[] = [];
  for (const name of names) {
    if (!name.endsWith('.hnsw.json')) continue;
    const collection = decodeURIComponent(name.slice(0, -'.hnsw.json'.length));
    const source = snapshotPaths(sourceDirectory, collection);
    const target = snapshotPaths(targetDirectory, collection);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await copyFile(source.sidecar, target.sidecar);
        await copyFile(source.index, target.index);
      } catch {
        continue;
      }
      const sidecar = await readVerifiedSidecar(target);
      if (sidecar !== undefined) {
        copied.push({ collection, sidecar });
        break;
      }
    }
    if (!copied.some((c) => c.collection === collection)) {
      await rm(target.index, { force: true });
      await rm(target.sidecar, { force: true });
    }
  }
  return copied;
}
