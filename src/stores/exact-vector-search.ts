import type { VectorHit } from './vector-index.js';

/**
 * Exact top-k by dot product (= cosine for the L2-normalised vectors every Embedder returns).
 * Output: at most k hits, best first; ties by ascending chunk id so results are deterministic.
 * Vectors whose dimension differs from the query's are skipped (they belong to another embedder).
 */
export function exactVectorSearch(
  query: Float32Array,
  vectors: Iterable<[number, Float32Array]>,
  k: number,
): VectorHit[] {
  if (k <= 0) return [];
  const dimensions = query.length;
  const hits: VectorHit[] = [];
  let worst = Number.NEGATIVE_INFINITY;
  for (const [chunkId, vector] of vectors) {
    if (vector.length !== dimensions) continue;
    let score = 0;
    for (let index = 0; index < dimensions; index++) score += (query[index] as number) * (vector[index] as number);
    if (hits.length >= k && score < worst) continue;
    hits.push({ chunkId, score });
    // Keep the buffer at most 2k, then cut back to k: amortised O(n log k).
    if (hits.length >= 2 * k) {
      sortHits(hits);
      hits.length = k;
      worst = (hits[k - 1] as VectorHit).score;
    }
  }
  sortHits(hits);
  if (hits.length > k) hits.length = k;
  return hits;
}

/** Where a matrix keeps its rows when they are not packed: row i at `offset + rows[i] * stride` (rows absent: `offset + i * stride`). */
export interface MatrixLayout {
  offset: number;
  stride: number;
  rows?: ArrayLike<number>;
}

/**
 * exactVectorSearch over a row-major matrix (`ids[i]`'s vector at `matrix[i * dimensions ...]`, or where
 * `layout` says), for a scan repeated over the same vectors without a typed array per row. Same order
 * and ties. Rows past the end of either (a matrix with spare capacity, ids appended after a copy grew)
 * are not scored.
 */
export function exactMatrixSearch(query: Float32Array, ids: ArrayLike<number>, matrix: Float32Array, k: number, layout?: MatrixLayout): VectorHit[] {
  if (k <= 0) return [];
  const dimensions = query.length;
  const hits: VectorHit[] = [];
  let worst = Number.NEGATIVE_INFINITY;
  const offset = layout?.offset ?? 0;
  const stride = layout?.stride ?? dimensions;
  const rowOf = layout?.rows;
  const fitting = Math.max(0, Math.floor((matrix.length - offset - dimensions) / stride) + 1);
  const rows = Math.min(ids.length, rowOf === undefined ? fitting : rowOf.length);
  for (let row = 0; row < rows; row++) {
    const at = offset + (rowOf === undefined ? row : (rowOf[row] as number)) * stride;
    if (rowOf !== undefined && (at < 0 || at + dimensions > matrix.length)) continue;
    let score = 0;
    for (let index = 0; index < dimensions; index++) score += (query[index] as number) * (matrix[at + index] as number);
    if (hits.length >= k && score < worst) continue;
    hits.push({ chunkId: ids[row] as number, score });
    if (hits.length >= 2 * k) {
      sortHits(hits);
      hits.length = k;
      worst = (hits[k - 1] as VectorHit).score;
    }
  }
  sortHits(hits);
  if (hits.length > k) hits.length = k;
  return hits;
}

/** The best k of two best-first hit lists, ties by ascending chunk id (as exactVectorSearch). */
export function mergeTopK(a: VectorHit[], b: VectorHit[], k: number): VectorHit[] {
  const merged = [...a, ...b];
  sortHits(merged);
  return merged.slice(0, k);
}

function sortHits(hits: VectorHit[]): void {
  hits.sort((a, b) => b.score - a.score || a.chunkId - b.chunkId);
}
