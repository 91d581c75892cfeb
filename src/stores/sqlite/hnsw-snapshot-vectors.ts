import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { knownSha1, memoisedSha1, type SnapshotSidecar } from './hnsw-snapshot.js';

/**
 * The live elements of a snapshot: labels (chunk ids) and their vectors, left where they are in the
 * file's bytes: `ids[i]`'s vector is at `matrix[offset + rows[i] * stride ...]` (`rows[i]` its element).
 */
export interface SnapshotVectors {
  ids: number[];
  rows: Int32Array;
  matrix: Float32Array;
  offset: number;
  stride: number;
  /**
   * Whether the bytes read hash to the sidecar's sha1: settles after the read is returned (hashed in
   * slices between turns of the event loop, or shared with a graph load hashing the file already).
   */
  verified: Promise<boolean>;
}

/** hnswlib's index header: 6 size_t, an int, an unsigned int, 3 size_t, a double, a size_t (little-endian). */
export const SNAPSHOT_HEADER_BYTES = 96;
const HEADER_BYTES = SNAPSHOT_HEADER_BYTES;
/** In a level-0 element, byte 2 of the link-list header holds the flags; bit 0 marks a deleted element. */
const DELETED_FLAG_BYTE = 2;
const DELETE_MARK = 0x01;
/** The file is read in pieces of this size (each one read in libuv's thread pool, off this thread). */
const READ_PIECE = 16 << 20;
/** Bytes hashed per turn of the event loop while verifying (≈ 10 ms of sha1). */
const HASH_SLICE = 4 << 20;

/**
 * Reads the vectors out of an HNSW snapshot file (the format hnswlib 0.8 writes through hnswlib-node 3:
 * a 96-byte header, then every element's level-0 record — link list, vector, 8-byte label — back to
 * back, then the upper-level link lists) in one read into one buffer, which the answer views without
 * copying a vector. Answers undefined when the file's size, header or layout disagree with the sidecar
 * and the expected layout, or when its hash is known to differ: a foreign or truncated file is never
 * used. The sha1 is checked after the answer (`verified`): the first exact search after a start does
 * not wait for it, and its caller must stop using the vectors when it resolves false. Vectors are as
 * hnswlib stored them (L2-normalised for cosine).
 *
 * Why: the first dense search after a start answers exactly while the graph loads; one sequential
 * read of the file beats a row per chunk from SQLite (≈ 1.3–2 s of CPU per 100k × 384), and leaving the
 * vectors in place and hashing afterwards saves a copy and a pass over 150 MB before the first answer.
 */
export async function readSnapshotVectors(indexPath: string, sidecar: SnapshotSidecar, dimensions: number): Promise<SnapshotVectors | undefined> {
  let bytes: Buffer;
  let version: Stats;
  try {
    const handle = await open(indexPath, 'r');
    try {
      version = await handle.stat();
      const known = knownSha1(version);
      if (version.size !== sidecar.bytes || version.size < HEADER_BYTES || (known !== undefined && known !== sidecar.sha1)) return undefined;
      // Its own ArrayBuffer at offset 0 (never the pool), so that float views are aligned.
      bytes = Buffer.allocUnsafeSlow(version.size);
      for (let at = 0; at < bytes.length; ) {
        const { bytesRead } = await handle.read(bytes, at, Math.min(READ_PIECE, bytes.length - at), at);
        if (bytesRead === 0) return undefined;
        at += bytesRead;
      }
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  const layout = snapshotLayout(bytes, sidecar.count, sidecar.bytes, dimensions);
  if (layout === undefined || bytes.byteOffset % 4 !== 0) return undefined;
  const { count, size, dataOffset } = layout;
  const ids: number[] = [];
  const rows = new Int32Array(count);
  for (let element = 0; element < count; element += 1) {
    if (layout.deleted(element)) continue;
    const label = layout.label(element);
    if (label === undefined) return undefined;
    rows[ids.length] = element;
    ids.push(label);
  }
  const verified = memoisedSha1(version, () => sha1InSlices(bytes)).then(
    (sha1) => sha1 === sidecar.sha1,
    () => false,
  );
  return {
    ids,
    rows: rows.subarray(0, ids.length),
    matrix: new Float32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, (count * size) / 4),
    offset: dataOffset / 4,
    stride: size / 4,
    verified,
  };
}

async function sha1InSlices(bytes: Buffer): Promise<string> {
  const hash = createHash('sha1');
  for (let at = 0; at < bytes.length; at += HASH_SLICE) {
    await new Promise((resolve) => setImmediate(resolve));
    hash.update(bytes.subarray(at, at + HASH_SLICE));
  }
  return hash.digest('hex');
}

/** Where an hnswlib file keeps its level-0 records, and readers of an element's flags and label. */
export interface SnapshotLayout {
  count: number;
  /** Bytes per level-0 record. */
  size: number;
  dataOffset: number;
  labelOffset: number;
  deleted: (element: number) => boolean;
  /** The element's label, or undefined when it is beyond what a chunk id can be (2^53). */
  label: (element: number) => number | undefined;
}

/**
 * The level-0 layout of an hnswlib file held in `bytes`, or undefined when its header is not one this
 * reader understands for `count` elements of `dimensions` in a file of `fileBytes`.
 */
export function snapshotLayout(bytes: Buffer, count: number, fileBytes: number, dimensions: number): SnapshotLayout | undefined {
  if (bytes.length < HEADER_BYTES) return undefined;
  const parsed = parseHeader(bytes, count, fileBytes, dimensions);
  if (parsed === undefined || bytes.length < HEADER_BYTES + parsed.count * parsed.size) return undefined;
  const { size, labelOffset } = parsed;
  return {
    ...parsed,
    deleted: (element) => (bytes[HEADER_BYTES + element * size + DELETED_FLAG_BYTE]! & DELETE_MARK) !== 0,
    label: (element) => {
      const at = HEADER_BYTES + element * size + labelOffset;
      const high = bytes.readUInt32LE(at + 4);
      return high >= 2 ** 21 ? undefined : high * 2 ** 32 + bytes.readUInt32LE(at);
    },
  };
}

/** The level-0 layout, or undefined when the header is not one this reader understands for this sidecar. */
function parseHeader(header: Buffer, expectedCount: number, fileBytes: number, dimensions: number): { count: number; size: number; dataOffset: number; labelOffset: number } | undefined {
  const sizeT = (index: number) => header.readBigUInt64LE(index * 8);
  const offsetLevel0 = sizeT(0);
  const maxElements = sizeT(1);
  const count = sizeT(2);
  const size = sizeT(3);
  const labelOffset = sizeT(4);
  const dataOffset = sizeT(5);
  const vectorBytes = BigInt(dimensions * 4);
  if (offsetLevel0 !== 0n || count !== BigInt(expectedCount) || count > maxElements) return undefined;
  if (labelOffset !== dataOffset + vectorBytes || size !== labelOffset + 8n) return undefined;
  if (BigInt(HEADER_BYTES) + count * size > BigInt(fileBytes)) return undefined;
  // Float views into the bytes need 4-byte alignment (hnswlib's float32 records always have it).
  if (size % 4n !== 0n || dataOffset % 4n !== 0n) return undefined;
  return { count: Number(count), size: Number(size), dataOffset: Number(dataOffset), labelOffset: Number(labelOffset) };
}
