import type { Readable } from 'node:stream';

/** One upload held by an UploadStore: its id (the job's) and when a file of it was last written. */
export interface StoredUpload {
  id: string;
  changedMs: number;
}

/**
 * Where the files of uploads wait for their ingestion job, by upload id (the job's id) and relative
 * name (as `sanitizeUploadName` made it). Three places, chosen by `uploads.store`: the local disk
 * (one machine), PostgreSQL, or an S3-compatible bucket (any number of machines read them). Every
 * method streams: no implementation holds a whole file in memory (S3 holds one part, PostgreSQL one
 * chunk). Contract: `upload-store.contract.ts`.
 */
export interface UploadStore {
  readonly kind: 'local' | 'postgres' | 's3';
  /** Where the files are, for status output and logs: a folder, a database, a bucket URL. Never a credential. */
  readonly location: string;
  /**
   * Stores one file of upload `id` from `body`; answers the bytes stored. A name already stored in that
   * upload is refused. When `body` fails or the put rejects, nothing of the file stays readable.
   */
  put(id: string, name: string, body: Readable): Promise<number>;
  /** A stream of one stored file; rejects NOT_FOUND when the upload holds no such file. */
  get(id: string, name: string): Promise<Readable>;
  /** The names of one upload's files, sorted; `[]` for an unknown upload. */
  files(id: string): Promise<string[]>;
  /** Every upload the store holds something of (a partial put too), for sweeping orphans and backups. */
  list(): Promise<StoredUpload[]>;
  /** Removes an upload with all its files; an unknown id is not an error. */
  delete(id: string): Promise<void>;
  /**
   * The folder on this machine's disk that holds upload `id`'s files under their names, when the store
   * keeps them there (local): ingestion reads it in place. Absent for stores that must be read through
   * `get` (the runner copies those files into a scratch folder first).
   */
  localDir?(id: string): string;
  /** Ends what the store holds open (a client's sockets); the pool of a PostgreSQL store is its backend's. */
  close(): Promise<void>;
}
