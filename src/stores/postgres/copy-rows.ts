import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** The column types `copyRows` encodes (PostgreSQL's binary send format of each). */
export type CopyType = 'int4' | 'int8' | 'float8' | 'text' | 'vector';

export type CopyValue = number | string | Float32Array | null;

/** Bytes handed to the connection at a time: large enough that a batch is few socket writes, small enough to stream. */
const CHUNK_BYTES = 1 << 20;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Writes rows into `table` with one `COPY … FROM STDIN (FORMAT binary)` on the client (inside the
 * caller's transaction): no SQL text, no array literals, vectors as pgvector's binary form (no float
 * printing or parsing). `rows` yields one array per row, its values in `columns` order; null is SQL NULL.
 * The statement ends before this resolves; a rejected row (a constraint, bad UTF-8) rejects the whole
 * COPY, and the caller's transaction with it.
 */
export async function copyRows(client: pg.PoolClient, table: string, columns: readonly (readonly [name: string, type: CopyType])[], rows: Iterable<readonly CopyValue[]>): Promise<void> {
  const types = columns.map(([, type]) => type);
  const stream = client.query(copyFrom(`COPY ${table} (${columns.map(([name]) => name).join(', ')}) FROM STDIN (FORMAT binary)`));
  await pipeline(Readable.from(encodeRows(types, rows), { objectMode: false }), stream);
}

/** The binary COPY stream of `rows`: header, tuples, trailer, in buffers of about CHUNK_BYTES. */
export function* encodeRows(types: readonly CopyType[], rows: Iterable<readonly CopyValue[]>): Generator<Buffer> {
  const out = new BinaryWriter();
  out.bytes(SIGNATURE);
  out.int32(0); // flags
  out.int32(0); // header extension length
  for (const row of rows) {
    out.int16(types.length);
    for (let i = 0; i < types.length; i++) out.field(types[i]!, row[i] ?? null);
    if (out.length >= CHUNK_BYTES) yield out.take();
  }
  out.int16(-1);
  yield out.take();
}

class BinaryWriter {
  #buffer = Buffer.allocUnsafe(CHUNK_BYTES * 2);
  #at = 0;

  get length(): number {
    return this.#at;
  }

  take(): Buffer {
    const filled = this.#buffer.subarray(0, this.#at);
    this.#buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES * 2, this.#buffer.length));
    this.#at = 0;
    return filled;
  }

  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#at + bytes));
    this.#buffer.copy(grown, 0, 0, this.#at);
    this.#buffer = grown;
  }

  int16(value: number): void {
    this.#room(2);
    this.#at = this.#buffer.writeInt16BE(value, this.#at);
  }

  int32(value: number): void {
    this.#room(4);
    this.#at = this.#buffer.writeInt32BE(value, this.#at);
  }

  bytes(value: Buffer): void {
    this.#room(value.length);
    this.#at += value.copy(this.#buffer, this.#at);
  }

  /** One field: its length (-1 for NULL), then its value in the type's binary form. */
  field(type: CopyType, value: CopyValue): void {
    if (value === null) {
      this.int32(-1);
      return;
    }
    switch (type) {
      case 'int4':
        this.int32(4);
        this.int32(value as number);
        return;
      case 'int8':
        this.int32(8);
        // Ids are safe integers: high and low 32 bits, no BigInt per value.
        this.#room(8);
        this.#at = this.#buffer.writeInt32BE(Math.floor((value as number) / 0x1_0000_0000), this.#at);
        this.#at = this.#buffer.writeUInt32BE((value as number) >>> 0, this.#at);
        return;
      case 'float8':
        this.int32(8);
        this.#room(8);
        this.#at = this.#buffer.writeDoubleBE(value as number, this.#at);
        return;
      case 'text': {
        const text = value as string;
        const bytes = Buffer.byteLength(text);
        this.int32(bytes);
        this.#room(bytes);
        this.#at += this.#buffer.write(text, this.#at, 'utf8');
        return;
      }
      case 'vector': {
        // pgvector's vector_recv: int16 dimensions, int16 unused, then float4 each.
        const vector = value as Float32Array;
        this.int32(4 + 4 * vector.length);
        this.#room(4 + 4 * vector.length);
        this.#at = this.#buffer.writeInt16BE(vector.length, this.#at);
        this.#at = this.#buffer.writeInt16BE(0, this.#at);
        for (let i = 0; i < vector.length; i++) this.#at = this.#buffer.writeFloatBE(vector[i]!, this.#at);
        return;
      }
    }
  }
}
