import { createHash } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { knownSha1, readAligned, type SnapshotPaths, type SnapshotSidecar } from './hnsw-snapshot.js';
import { snapshotLayout, SNAPSHOT_HEADER_BYTES } from './hnsw-snapshot-vectors.js';

/**
 * The int8 sidecar of an HNSW snapshot (`<name>.hnsw.q8`): every live element's label and vector,
 * quantised to one signed byte per dimension with a scale per vector, and a bound on what the rounding
 * lost. A quarter of the snapshot's bytes (100k × 384: 40 MB against 180 MB with M 32), so the exact
 * path's first search after a start reads and scans that instead of the graph's file, and re-scores
 * the few candidates the bound cannot rule out with the stored float vectors: its answers stay exact.
 *
 * Layout (little-endian): a 128-byte header — "CAIRNQ8\0", format (u32, 1), dimensions (u32), count
 * (u32), a zero u32, the sha1 of the snapshot file it was derived from (20 bytes), the sha1 of the body
 * (20 bytes), zeros — then the body: labels (float64 × count), scales (float32 × count), rounding
 * bounds (float32 × count), codes (int8 × count × dimensions). Element i's vector is
 * `scales[i] * codes[i * dimensions ...] + r` with `‖r‖₂ ≤ bounds[i]`.
 *
 * Same discipline as the snapshot: written to a temporary file and renamed before the sidecar is
 * (publishSnapshot), bound to one snapshot by its sha1 and checked whole (size, header, body hash)
 * before any answer uses it. A file that fails any check is ignored (the exact path reads the snapshot
 * file as before) and rewritten from the snapshot by the next load that verified it.
 */
export interface QuantizedVectors {
  dimensions: number;
  ids: Float64Array;
  scales: Float32Array;
  bounds: Float32Array;
  codes: Int8Array;
}

const MAGIC = Buffer.from('CAIRNQ8\0', 'latin1');
const FORMAT = 1;
const HEADER_BYTES = 128;
const INDEX_SHA1_AT = 24;
const BODY_SHA1_AT = 44;
/** Vectors quantised between two turns of the event loop (≈ 10–20 ms at 384 dimensions). */
const QUANTIZE_SLICE = 4096;

function fileBytes(count: number, dimensions: number): number {
  return HEADER_BYTES + count * (16 + dimensions);
}

/**
 * The int8 sidecar's bytes for a snapshot file held in memory (`indexBytes`, hashing to `indexSha1`),
 * or undefined when its layout is not one hnsw-snapshot-vectors understands (then none is written).
 * Deleted elements are left out; vectors are taken as hnswlib stored them (L2-normalised for cosine).
 */
export async function quantizeSnapshot(indexBytes: Buffer, indexSha1: string, count: number, dimensions: number): Promise<Buffer | undefined> {
  const layout = snapshotLayout(indexBytes, count, indexBytes.length, dimensions);
  if (layout === undefined || indexBytes.byteOffset % 4 !== 0) return undefined;
  const elements = new Float32Array(indexBytes.buffer, indexBytes.byteOffset + SNAPSHOT_HEADER_BYTES, (layout.count * layout.size) / 4);
  const live: number[] = [];
  for (let element = 0; element < layout.count; element += 1) {
    if (!layout.deleted(element)) live.push(element);
  }
  const out = Buffer.alloc(fileBytes(live.length, dimensions));
  const body = out.subarray(HEADER_BYTES);
  const n = live.length;
  const ids = new Float64Array(out.buffer, out.byteOffset + HEADER_BYTES, n);
  const scales = new Float32Array(out.buffer, out.byteOffset + HEADER_BYTES + 8 * n, n);
  const bounds = new Float32Array(out.buffer, out.byteOffset + HEADER_BYTES + 12 * n, n);
  const codes = new Int8Array(out.buffer, out.byteOffset + HEADER_BYTES + 16 * n, n * dimensions);
  const stride = layout.size / 4;
  const offset = layout.dataOffset / 4;
  for (let i = 0; i < n; i += 1) {
    if (i % QUANTIZE_SLICE === QUANTIZE_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
    const element = live[i]!;
    const label = layout.label(element);
    if (label === undefined) return undefined;
    ids[i] = label;
    const at = element * stride + offset;
    let largest = 0;
    for (let d = 0; d < dimensions; d += 1) {
      const value = elements[at + d]!;
      if (value > largest) largest = value;
      else if (-value > largest) largest = -value;
    }
    const scale = Math.fround(largest / 127);
    const inverse = scale === 0 ? 0 : 1 / scale;
    scales[i] = scale;
    let lost = 0;
    const to = i * dimensions;
    for (let d = 0; d < dimensions; d += 1) {
      const value = elements[at + d]!;
      // |value| ≤ largest, so the code is within ±127 up to rounding; the clamp only guards that edge.
      let code = Math.round(value * inverse);
      if (code > 127) code = 127;
      else if (code < -127) code = -127;
      codes[to + d] = code;
      const residual = value - scale * code;
      lost += residual * residual;
    }
    // Rounded up, so that float32 storage never makes the bound smaller than the true residual.
    bounds[i] = Math.fround(Math.sqrt(lost) * (1 + 1e-6) + 1e-9);
  }
  MAGIC.copy(out, 0);
  out.writeUInt32LE(FORMAT, 8);
  out.writeUInt32LE(dimensions, 12);
  out.writeUInt32LE(n, 16);
  Buffer.from(indexSha1, 'hex').copy(out, INDEX_SHA1_AT);
  createHash('sha1').update(body).digest().copy(out, BODY_SHA1_AT);
  return out;
}

/**
 * Reads and checks the int8 sidecar of the snapshot the sidecar describes: undefined when it is
 * missing, of another snapshot (its sha1 differs from `sidecar.sha1`), of other dimensions, of a size
 * that disagrees with its header, or damaged (its body's sha1 differs). Never answers unchecked bytes.
 */
export async function readQuantizedVectors(path: string, sidecar: Pick<SnapshotSidecar, 'sha1' | 'count'>, dimensions: number): Promise<QuantizedVectors | undefined> {
  const bytes = await readAligned(path);
  if (bytes === undefined || bytes.length < HEADER_BYTES) return undefined;
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC) || bytes.readUInt32LE(8) !== FORMAT || bytes.readUInt32LE(12) !== dimensions) return undefined;
  const n = bytes.readUInt32LE(16);
  if (n > sidecar.count || bytes.length !== fileBytes(n, dimensions)) return undefined;
  if (bytes.subarray(INDEX_SHA1_AT, INDEX_SHA1_AT + 20).toString('hex') !== sidecar.sha1) return undefined;
  const body = bytes.subarray(HEADER_BYTES);
  if (!createHash('sha1').update(body).digest().equals(bytes.subarray(BODY_SHA1_AT, BODY_SHA1_AT + 20))) return undefined;
  const base = bytes.byteOffset + HEADER_BYTES;
  return {
    dimensions,
    ids: new Float64Array(bytes.buffer, base, n),
    scales: new Float32Array(bytes.buffer, base + 8 * n, n),
    bounds: new Float32Array(bytes.buffer, base + 12 * n, n),
    codes: new Int8Array(bytes.buffer, base + 16 * n, n * dimensions),
  };
}

/**
 * Writes the int8 sidecar of a verified snapshot when the one on disk is missing, stale or damaged
 * (a snapshot published before this file existed, a restored backup, a damaged disk): reads the
 * snapshot file, checks it still hashes to `sidecar.sha1`, and publishes by rename. Answers whether it
 * wrote one. Two processes doing it at once write the same bytes.
 */
export async function ensureQuantizedVectors(paths: SnapshotPaths, sidecar: SnapshotSidecar): Promise<boolean> {
  const { index: indexPath, quantized: path } = paths;
  if ((await readQuantizedVectors(path, sidecar, sidecar.dimensions)) !== undefined) return false;
  const version = await stat(indexPath).catch(() => undefined);
  const indexBytes = version === undefined || version.size !== sidecar.bytes ? undefined : await readAligned(indexPath);
  if (version === undefined || indexBytes === undefined) return false;
  const sha1 = knownSha1(version) ?? createHash('sha1').update(indexBytes).digest('hex');
  if (sha1 !== sidecar.sha1) return false;
  const quantized = await quantizeSnapshot(indexBytes, sha1, sidecar.count, sidecar.dimensions);
  if (quantized === undefined) return false;
  await publishQuantized(path, quantized, `.tmp-${process.pid}-${Date.now()}`);
  return true;
}

/** Writes `<path><suffix>` then renames it over `path` (the temporary is removed if anything fails). */
export async function publishQuantized(path: string, bytes: Buffer, suffix: string): Promise<void> {
  const temporary = `${path}${suffix}`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Which of `rows` (elements of `vectors`) may hold one of the k best dot products with `query`, as
 * positions in `rows`: every
 * row whose upper bound reaches the k-th best lower bound (of these rows, or `floor`: the k-th best
 * exact score known from elsewhere). The true top k among the rows is always inside; their exact
 * scores must come from the float vectors. Bounds hold for unit vectors stored as hnswlib keeps them;
 * `slack` covers the float32 difference between those and the stored ones.
 */
export function quantizedCandidates(vectors: QuantizedVectors, rows: Int32Array, query: Float32Array, k: number, floor = Number.NEGATIVE_INFINITY): number[] {
  if (k <= 0 || rows.length === 0) return [];
  const { dimensions, scales, bounds, codes } = vectors;
  let norm = 0;
  for (let d = 0; d < dimensions; d += 1) norm += query[d]! * query[d]!;
  norm = Math.sqrt(norm);
  const slack = 1e-4 * norm;
  const approx = new Float64Array(rows.length);
  // The k best lower bounds, ascending (best[0] the k-th best once full).
  const best: number[] = [];
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r]!;
    const at = row * dimensions;
    let dot = 0;
    for (let d = 0; d < dimensions; d += 1) dot += query[d]! * codes[at + d]!;
    const score = dot * scales[row]!;
    approx[r] = score;
    const lower = score - bounds[row]! * norm - slack;
    if (best.length < k) {
      insertSorted(best, lower);
    } else if (lower > best[0]!) {
      best.shift();
      insertSorted(best, lower);
    }
  }
  const threshold = Math.max(floor, best.length < k ? Number.NEGATIVE_INFINITY : best[0]!);
  const candidates: number[] = [];
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r]!;
    if (approx[r]! + bounds[row]! * norm + slack >= threshold) candidates.push(r);
  }
  return candidates;
}

function insertSorted(sorted: number[], value: number): void {
  let at = sorted.length;
  while (at > 0 && sorted[at - 1]! > value) at -= 1;
  sorted.splice(at, 0, value);
}
