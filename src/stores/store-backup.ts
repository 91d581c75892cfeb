/**
 * Backups of a store, behind two small interfaces so that every backend plugs in (SQLite now; a
 * PostgreSQL store later with `pg_dump`/`pg_restore` or COPY, see docs/decisions/0021-backups.md).
 * The archive around a snapshot (manifest, checksums, uploads, retention) is the app's (src/app/backup/).
 */

/** What one collection holds, as a snapshot counts it. */
export interface CollectionCounts {
  name: string;
  embedder: string;
  dimensions: number;
  documents: number;
  chunks: number;
  /** Chunks that have a vector. */
  vectors: number;
}

/** Everything a snapshot holds, counted inside the snapshot itself (so the counts and the data agree). */
export interface StoreCounts {
  collections: CollectionCounts[];
  documents: number;
  chunks: number;
  vectors: number;
  apiKeys: number;
  jobs: number;
  chatSessions: number;
  memories: number;
}

/** A snapshot written into a directory: its files (relative, `/`-separated) and what it holds. */
export interface StoreSnapshot {
  kind: string;
  schemaVersion: number;
  files: string[];
  counts: StoreCounts;
  /** Derived data left out or taken as it was (for the manifest; for example which vector-index snapshots). */
  notes: string[];
}

/** The snapshot side, a member of an open store: it runs while the store keeps serving and writing. */
export interface StoreBackup {
  readonly kind: string;
  /**
   * Writes a consistent snapshot of the whole store (every collection, key, job, chat and memory) into
   * `directory`, which exists and is empty. Consistent: the data of one instant, never half a write.
   */
  snapshot(directory: string, options?: { signal?: AbortSignal }): Promise<StoreSnapshot>;
}

/** What a snapshot directory holds, read without changing it. */
export interface StoreInspection {
  schemaVersion: number;
  counts: StoreCounts;
  /** Integrity problems found (empty: none). */
  problems: string[];
}

/**
 * The restore side, bound to one target (a database file, a server URL) and used without opening the
 * store there: a restore replaces what the target holds.
 */
export interface StoreRestore {
  readonly kind: string;
  /** Where the target is, for messages (a path, or a URL without credentials). */
  readonly location: string;
  /** The newest schema version this Cairn knows; a snapshot above it cannot be restored. */
  readonly schemaVersion: number;
  /** Opens the snapshot in `directory` read-only, checks its integrity and counts what it holds. */
  inspect(directory: string): Promise<StoreInspection>;
  /** Whether the target holds any data (a collection, key, job, chat or memory, or vector-index files). */
  holdsData(): Promise<boolean>;
  /**
   * Replaces the target's data with the snapshot in `directory` (moved, not copied: same file system
   * expected). Fails with BACKUP_TARGET_IN_USE while another process has the target open.
   */
  restore(directory: string): Promise<void>;
}
