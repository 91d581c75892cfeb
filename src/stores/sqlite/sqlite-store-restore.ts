import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import type { StoreInspection, StoreRestore } from '../store-backup.js';
import { countSqliteStore, checkSqliteCounters } from './sqlite-store-counts.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';
import { SQLITE_SNAPSHOT_DATABASE, SQLITE_SNAPSHOT_VECTORS } from './sqlite-store-backup.js';

/** Files SQLite keeps beside a database in WAL mode; stale ones must never meet a restored file. */
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Restores a snapshot of SqliteStoreBackup into one database file (and the `vectors/` folder beside
 * it, where the HNSW index looks for its graphs).
 */
export class SqliteStoreRestore implements StoreRestore {
  readonly kind = 'sqlite';
  readonly schemaVersion = SCHEMA_VERSION;
  readonly location: string;
  readonly #vectors: string;

  constructor(databasePath: string) {
    this.location = resolve(databasePath);
    this.#vectors = join(dirname(this.location), 'vectors');
  }

  async inspect(directory: string): Promise<StoreInspection> {
    const path = join(directory, SQLITE_SNAPSHOT_DATABASE);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (error) {
      return { schemaVersion: 0, counts: emptyCounts(), problems: [`the database cannot be opened: ${(error as Error).message}`] };
    }
    try {
      const integrity = (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map((row) => row.integrity_check);
      if (integrity.length !== 1 || integrity[0] !== 'ok') {
        return { schemaVersion: 0, counts: emptyCounts(), problems: integrity.slice(0, 20).map((line) => `integrity_check: ${line}`) };
      }
      const schemaVersion = (db.prepare('SELECT version FROM schema_version').get() as { version: number }).version;
      return { schemaVersion, counts: countSqliteStore(db), problems: checkSqliteCounters(db) };
    } catch (error) {
      return { schemaVersion: 0, counts: emptyCounts(), problems: [`the database cannot be read: ${(error as Error).message}`] };
    } finally {
      db.close();
    }
  }

  async holdsData(): Promise<boolean> {
    if ((await listOrEmpty(this.#vectors)).length > 0) return true;
    if (!existsSync(this.location)) return SIDE_FILES.some((suffix) => existsSync(this.location + suffix));
    let db: Database.Database;
    try {
      db = new Database(this.location, { readonly: true, fileMustExist: true });
    } catch {
      return true;
    }
    try {
      const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((row) => row.name));
      for (const table of ['collections', 'api_keys', 'jobs', 'chat_sessions', 'memories']) {
        if (tables.has(table) && db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined) return true;
      }
      return false;
    } catch {
      return true;
    } finally {
      db.close();
    }
  }

  async restore(directory: string): Promise<void> {
    this.#assertNotInUse();
    await mkdir(dirname(this.location), { recursive: true });
    // The old data is moved aside first and put back if a move fails, so a failed restore changes nothing.
    const aside = `${this.location}.before-restore-${process.pid}`;
    const moves: [from: string, to: string][] = [];
    const move = async (from: string, to: string) => {
      await rename(from, to);
      moves.push([from, to]);
    };
    try {
      for (const suffix of ['', ...SIDE_FILES]) {
        if (existsSync(this.location + suffix)) await move(this.location + suffix, aside + suffix);
      }
      if (existsSync(this.#vectors)) await move(this.#vectors, `${aside}.vectors`);
      await move(join(directory, SQLITE_SNAPSHOT_DATABASE), this.location);
      const vectors = join(directory, SQLITE_SNAPSHOT_VECTORS);
      if (existsSync(vectors)) await move(vectors, this.#vectors);
    } catch (error) {
      for (const [from, to] of moves.reverse()) await rename(to, from).catch(() => undefined);
      throw new CairnError('STORE_FAILED', `Restoring into ${this.location} failed: ${(error as Error).message}`, {
        cause: error,
        hint: 'Nothing was changed. Check that the folder is writable and on one file system with the restore staging folder.',
      });
    }
    for (const suffix of ['', ...SIDE_FILES]) await rm(aside + suffix, { force: true });
    await rm(`${aside}.vectors`, { recursive: true, force: true });
  }

  /**
   * Every process with the database open holds a shared lock on it (WAL mode included), so taking an
   * exclusive lock at once succeeds only when nobody else uses it.
   */
  #assertNotInUse(): void {
    if (!existsSync(this.location)) return;
    let db: Database.Database | undefined;
    try {
      db = new Database(this.location, { fileMustExist: true });
      db.pragma('busy_timeout = 0');
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('COMMIT');
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new CairnError('BACKUP_TARGET_IN_USE', `The database ${this.location} is in use by another process.`, {
          cause: error,
          hint: 'Stop `cairn serve` (and any other cairn command) using this home, then restore again.',
        });
      }
      // Not a database SQLite can lock (damaged, or another kind of file): the restore replaces it.
    } finally {
      db?.close();
    }
  }
}

async function listOrEmpty(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch {
    return [];
  }
}

function emptyCounts() {
  return { collections: [], documents: 0, chunks: 0, vectors: 0, apiKeys: 0, jobs: 0, chatSessions: 0, memories: 0 };
}
