/**
 * Vectors are stored as BLOBs of little-endian IEEE-754 float32, 4 bytes per dimension. The byte order
 * is fixed so that a database file moves between machines; every platform Node 20 ships on is
 * little-endian, so the conversion below is a copy.
 */
export function vectorToBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** Copies the bytes: buffers from SQLite may sit at offsets that are not 4-byte aligned. */
export function blobToVector(blob: Uint8Array): Float32Array {
  const vector = new Float32Array(blob.byteLength >>> 2);
  new Uint8Array(vector.buffer).set(blob.subarray(0, vector.byteLength));
  return vector;
}

/**
 * Vectors of stored rows as views into one buffer (one allocation per page, not per row). The views
 * keep the whole page alive: for callers that copy them (into a graph, a matrix, a request).
 */
export function vectorsInOneBuffer(rows: readonly (readonly [number, Uint8Array])[]): { id: number; vector: Float32Array }[] {
  let bytes = 0;
  for (const [, blob] of rows) bytes += blob.byteLength & ~3;
  const all = new Float32Array(bytes >>> 2);
  const view = new Uint8Array(all.buffer);
  const out: { id: number; vector: Float32Array }[] = new Array(rows.length);
  let offset = 0;
  for (let i = 0; i < rows.length; i += 1) {
    const [id, blob] = rows[i]!;
    const length = blob.byteLength & ~3;
    view.set(blob.subarray(0, length), offset);
    out[i] = { id, vector: all.subarray(offset >>> 2, (offset + length) >>> 2) };
    offset += length;
  }
  return out;
}
