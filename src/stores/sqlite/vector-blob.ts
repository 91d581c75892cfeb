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
