import { exactMatrixSearch, exactVectorSearch, mergeTopK, type MatrixLayout } from '../exact-vector-search.js';
import type { VectorHit } from '../vector-index.js';
import { quantizedCandidates, readQuantizedVectors, type QuantizedVectors } from './hnsw-quantized-vectors.js';
import { readSnapshotVectors } from './hnsw-snapshot-vectors.js';
import { readSidecar, snapshotPaths, type SnapshotSidecar } from './hnsw-snapshot.js';
import type { HnswVectorSource } from './hnsw-vector-source.js';

/** Vectors read per page into a copy from the store. */
const PAGE = 4096;

/**
 * The stored vectors of a collection whose graph is not loaded yet, copied once so that searches
 * meanwhile scan memory (≈ 0.1 s of one core per 100k × 384) instead of reading the store again: the
 * part a snapshot held, left in the snapshot file's bytes, and the rest read from the store into one
 * matrix. Valid while the collection's vectorKey is the same and no chunk was removed (checked by
 * count); new chunks are appended.
 */
export interface ExactCopy {
  vectorKey: string;
  /** Read from the snapshot: `ids[i]`'s vector where `layout` says, in `matrix` (the file's bytes). */
  snapshot: { ids: number[]; matrix: Float32Array; layout: MatrixLayout; verified: Promise<boolean>; rejected: boolean } | undefined;
  /**
   * Read from the snapshot's int8 copy instead (checked whole before use): `ids[i]` is element
   * `rows[i]` of `vectors`. Its candidates are re-scored with the stored float vectors.
   */
  quantized?: { ids: number[]; rows: Int32Array; vectors: QuantizedVectors };
  /** Read from the store: `ids[i]`'s vector at `matrix[i * dimensions ...]`. */
  ids: number[];
  matrix: Float32Array;
  /** Chunks above this id are read from the store on the next update. */
  maxId: number;
}

/**
 * The exact top k of a copy (every vector it holds scored; the int8 part's candidates re-scored with
 * the float vectors `source` stores), best first, ties by ascending chunk id.
 */
export async function searchExactCopy(copy: ExactCopy, query: Float32Array, k: number, source: Pick<HnswVectorSource, 'getVectors'>): Promise<VectorHit[]> {
  const stored = exactMatrixSearch(query, copy.ids, copy.matrix, k);
  const { snapshot, quantized } = copy;
  if (quantized !== undefined) {
    const floor = stored.length >= k ? stored[k - 1]!.score : Number.NEGATIVE_INFINITY;
    const candidates = quantizedCandidates(quantized.vectors, quantized.rows, query, k, floor).map((position) => quantized.ids[position]!);
    return mergeTopK(exactVectorSearch(query, await source.getVectors(candidates), k), stored, k);
  }
  return snapshot === undefined ? stored : mergeTopK(exactMatrixSearch(query, snapshot.ids, snapshot.matrix, k, snapshot.layout), stored, k);
}

export interface ExactCopiesOptions {
  /** Directory of the snapshots: a current one seeds a copy (see readSnapshotVectors). */
  directory: string;
  /** Whether a snapshot was built for this collection as it is now (key, embedder, dimensions, parameters). */
  snapshotMatches: (sidecar: SnapshotSidecar, base: { vectorKey: string; embedder: string; dimensions: number }) => boolean;
  /** Whether the collection's graph is ready: a copy finished after that is freed at once. */
  graphReady: (collection: string) => boolean;
}

/**
 * The exact path's copies, one per collection whose graph is not ready. A copy starts from the
 * collection's snapshot when one matches (the vectors of everything up to its watermark that is still
 * stored, in one sequential read), and takes the rest from the store; without a snapshot, all of it
 * from the store.
 */
export class HnswExactCopies {
  readonly #source: HnswVectorSource;
  readonly #options: ExactCopiesOptions;
  readonly #copies = new Map<string, Promise<ExactCopy>>();

  constructor(source: HnswVectorSource, options: ExactCopiesOptions) {
    this.#source = source;
    this.#options = options;
  }

  /**
   * The collection's copy, brought up to date with the store (appended to, or read again after a
   * removal, or when its snapshot part failed verification).
   */
  get(collection: string, dimensions: number): Promise<ExactCopy> {
    const previous = this.#copies.get(collection);
    const updating = (async () => {
      const vectorKey = (await this.#source.vectorKey(collection)) ?? '';
      const stale = await previous?.catch(() => undefined);
      let copy: ExactCopy =
        stale?.vectorKey === vectorKey && stale.snapshot?.rejected !== true
          ? stale
          : ((await this.#fromSnapshot(collection, dimensions, vectorKey)) ?? emptyCopy(vectorKey));
      copy = await this.#append(collection, dimensions, copy);
      if ((copy.snapshot?.ids.length ?? copy.quantized?.ids.length ?? 0) + copy.ids.length !== (await this.#source.countVectorsAfter(collection, 0))) {
        copy = await this.#append(collection, dimensions, emptyCopy(vectorKey));
      }
      return copy;
    })();
    this.#copies.set(collection, updating);
    // A graph that became ready meanwhile makes the copy useless: free it. So does a failed verification.
    void updating
      .finally(() => {
        if (this.#options.graphReady(collection) && this.#copies.get(collection) === updating) this.#copies.delete(collection);
      })
      .then(async (copy) => {
        if (copy.snapshot === undefined || (await copy.snapshot.verified)) return;
        copy.snapshot.rejected = true;
        if (this.#copies.get(collection) === updating) this.#copies.delete(collection);
      })
      .catch(() => undefined);
    return updating;
  }

  /** Resolves once no copy of the collection is being built or verified (whatever the outcome). */
  async settled(collection: string): Promise<void> {
    const copy = await this.#copies.get(collection)?.catch(() => undefined);
    await copy?.snapshot?.verified;
  }

  drop(collection: string): void {
    this.#copies.delete(collection);
  }

  clear(): void {
    this.#copies.clear();
  }

  /**
   * A copy of what the collection's matching snapshot holds and the store still has, or undefined: from
   * its int8 copy when that checks out (a quarter of the bytes), else from the snapshot file. The file
   * is read in libuv's thread pool while this thread reads the store (the ids up to the snapshot's
   * watermark, the tail above it).
   */
  async #fromSnapshot(collection: string, dimensions: number, vectorKey: string): Promise<ExactCopy | undefined> {
    const record = await this.#source.getCollection(collection);
    if (record === undefined || vectorKey === '') return undefined;
    const paths = snapshotPaths(this.#options.directory, collection);
    const sidecar = await readSidecar(paths);
    if (sidecar === undefined || !this.#options.snapshotMatches(sidecar, { vectorKey, embedder: record.embedder, dimensions })) return undefined;
    const reading = readQuantizedVectors(paths.quantized, sidecar, dimensions);
    const stored = new Set(await this.#source.vectorIds(collection, sidecar.watermark));
    const tail = await this.#append(collection, dimensions, { ...emptyCopy(vectorKey), maxId: sidecar.watermark });
    const quantized = await reading;
    let copy: ExactCopy;
    if (quantized !== undefined) {
      // Keep the elements whose chunk is still stored; the stored ones it lacks are read below.
      const ids: number[] = [];
      const rows = new Int32Array(quantized.ids.length);
      quantized.ids.forEach((id, element) => {
        if (!stored.delete(id)) return;
        rows[ids.length] = element;
        ids.push(id);
      });
      copy = { vectorKey, snapshot: undefined, quantized: { ids, rows: rows.subarray(0, ids.length), vectors: quantized }, ids: tail.ids, matrix: tail.matrix, maxId: tail.maxId };
    } else {
      const read = await readSnapshotVectors(paths.index, sidecar, dimensions);
      if (read === undefined) return undefined;
      const ids: number[] = [];
      const rows = new Int32Array(read.ids.length);
      read.ids.forEach((id, i) => {
        if (!stored.delete(id)) return;
        rows[ids.length] = read.rows[i]!;
        ids.push(id);
      });
      const layout = { offset: read.offset, stride: read.stride, rows: rows.subarray(0, ids.length) };
      copy = { vectorKey, snapshot: { ids, matrix: read.matrix, layout, verified: read.verified, rejected: false }, ids: tail.ids, matrix: tail.matrix, maxId: tail.maxId };
    }
    if (stored.size > 0) {
      // Stored at or below the watermark but not in the snapshot (an unreconciled one): from the store.
      const missing = await this.#source.getVectors([...stored]);
      let used = copy.ids.length * dimensions;
      copy.matrix = grow(copy.matrix, used + missing.size * dimensions, used);
      for (const [id, vector] of missing) {
        if (vector.length !== dimensions) continue;
        copy.matrix.set(vector, used);
        used += dimensions;
        copy.ids.push(id);
      }
    }
    return copy;
  }

  async #append(collection: string, dimensions: number, copy: ExactCopy): Promise<ExactCopy> {
    let { matrix, maxId } = copy;
    const ids = copy.ids;
    for await (const page of this.#source.iterateVectors(collection, maxId, PAGE)) {
      matrix = grow(matrix, (ids.length + page.length) * dimensions, ids.length * dimensions);
      for (const item of page) {
        if (item.vector.length === dimensions) {
          matrix.set(item.vector, ids.length * dimensions);
          ids.push(item.id);
        }
        maxId = item.id;
      }
    }
    return { ...copy, ids, matrix, maxId };
  }
}

function emptyCopy(vectorKey: string): ExactCopy {
  return { vectorKey, snapshot: undefined, ids: [], matrix: new Float32Array(0), maxId: 0 };
}

/** `matrix`, or a larger one holding its first `used` values, with room for `needed`. */
function grow(matrix: Float32Array, needed: number, used: number): Float32Array {
  if (needed <= matrix.length) return matrix;
  const grown = new Float32Array(Math.max(needed, matrix.length * 2));
  grown.set(matrix.subarray(0, used));
  return grown;
}
