import { Readable } from 'node:stream';
import type pg from 'pg';
import { duplicate, notFound } from '../uploads/local-upload-store.js';
import type { StoredUpload, UploadStore } from '../upload-store.js';

/** Bytes per stored chunk row: one chunk is the most a put or a get holds in memory. */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * Uploads in the shared PostgreSQL database, so every worker reads them (app migration 57): a file is
 * `upload_files` (name, size, complete) plus its bytes in 1 MiB `bytea` rows of `upload_chunks`, each
 * inserted as it arrives and read back one at a time, so neither side holds a whole file. A file is
 * readable only once `complete`; a put that fails removes its rows, and one cut short by a crash
 * leaves an incomplete file that the orphan sweep removes with its upload.
 * Why chunk rows rather than large objects: see docs/decisions/0039-upload-storage.md.
 */
export class PostgresUploadStore implements UploadStore {
  readonly kind = 'postgres';
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #chunkBytes: number;

  constructor(pool: pg.Pool, location: string, options: { chunkBytes?: number } = {}) {
    this.#pool = pool;
    this.location = location;
    this.#chunkBytes = options.chunkBytes ?? UPLOAD_CHUNK_BYTES;
  }

  async put(id: string, name: string, body: Readable): Promise<number> {
    const created = await this.#pool.query(
      `INSERT INTO upload_files (upload_id, name, bytes, complete, changed_at) VALUES ($1, $2, 0, false, now())
       ON CONFLICT DO NOTHING`,
      [id, name],
    );
    if (created.rowCount === 0) {
      body.resume();
      throw duplicate(name);
    }
    let bytes = 0;
    let seq = 0;
    try {
      for await (const chunk of rechunk(body, this.#chunkBytes)) {
        await this.#pool.query('INSERT INTO upload_chunks (upload_id, name, seq, data) VALUES ($1, $2, $3, $4)', [id, name, seq, chunk]);
        seq += 1;
        bytes += chunk.length;
      }
      await this.#pool.query('UPDATE upload_files SET bytes = $3, chunks = $4, complete = true, changed_at = now() WHERE upload_id = $1 AND name = $2', [
        id,
        name,
        bytes,
        seq,
      ]);
    } catch (error) {
      body.resume();
      await this.#removeFile(id, name).catch(() => {});
      throw error;
    }
    return bytes;
  }

  async get(id: string, name: string): Promise<Readable> {
    const file = await this.#pool.query<{ chunks: number }>('SELECT chunks FROM upload_files WHERE upload_id = $1 AND name = $2 AND complete', [id, name]);
    const count = file.rows[0]?.chunks;
    if (count === undefined) throw notFound(id, name);
    const pool = this.#pool;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; seq < count!; seq++) {
        const row = await pool.query<{ data: Buffer }>('SELECT data FROM upload_chunks WHERE upload_id = $1 AND name = $2 AND seq = $3', [id, name, seq]);
        const data = row.rows[0]?.data;
        if (data === undefined) throw notFound(id, name);
        yield data;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async files(id: string): Promise<string[]> {
    const result = await this.#pool.query<{ name: string }>('SELECT name FROM upload_files WHERE upload_id = $1 AND complete', [id]);
    return result.rows.map((row) => row.name).sort();
  }

  async list(): Promise<StoredUpload[]> {
    const result = await this.#pool.query<{ upload_id: string; changed: Date }>(
      'SELECT upload_id, max(changed_at) AS changed FROM upload_files GROUP BY upload_id',
    );
    return result.rows.map((row) => ({ id: row.upload_id, changedMs: row.changed.getTime() }));
  }

  async delete(id: string): Promise<void> {
    await this.#pool.query('DELETE FROM upload_chunks WHERE upload_id = $1', [id]);
    await this.#pool.query('DELETE FROM upload_files WHERE upload_id = $1', [id]);
  }

  async close(): Promise<void> {}

  async #removeFile(id: string, name: string): Promise<void> {
    await this.#pool.query('DELETE FROM upload_chunks WHERE upload_id = $1 AND name = $2', [id, name]);
    await this.#pool.query('DELETE FROM upload_files WHERE upload_id = $1 AND name = $2', [id, name]);
  }
}

/** Re-cuts a byte stream into pieces of exactly `size` bytes (the last one shorter), holding at most one piece. */
export async function* rechunk(body: AsyncIterable<Buffer | string>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of body) {
    let data = typeof piece === 'string' ? Buffer.from(piece) : piece;
    while (data.length > 0) {
      const take = Math.min(size - held, data.length);
      parts.push(data.subarray(0, take));
      held += take;
      data = data.subarray(take);
      if (held === size) {
        yield Buffer.concat(parts, held);
        parts = [];
        held = 0;
      }
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}
