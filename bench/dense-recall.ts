import type { CairnApp } from '../src/app/cairn-app.js';
import { search } from '../src/app/search.js';
import type { Embedder } from '../src/models/embed/embedder.js';
import { prepareQuery } from '../src/retrieve/query/prepare-query.js';
import { latencyStats, round } from './bench-support.js';

/**
 * Recall@k of dense search against exact search over every vector of the collection: `searchRecall`
 * for the top k of `search()` in dense mode (what users get), `indexRecall` for the vector index asked
 * for k directly. Exact search is a full scan of dot products (vectors are L2-normalised).
 */
export async function measureDenseRecall(app: CairnApp, embedder: Embedder, options: { collection: string; k: number; queries: string[] }) {
  const { collection, k, queries } = options;
  const ids: number[] = [];
  const pages: Float32Array[] = [];
  for await (const page of app.chunks.iterateVectors(collection, 0, 4096)) {
    for (const item of page) {
      ids.push(item.id);
      pages.push(item.vector);
    }
  }
  const dimensions = embedder.dimensions;
  const matrix = new Float32Array(ids.length * dimensions);
  pages.forEach((vector, row) => matrix.set(vector, row * dimensions));
  pages.length = 0;
  const rowOf = new Map<number, number>();
  ids.forEach((id, row) => rowOf.set(id, row));
  const scoreOf = (id: number, vector: Float32Array) => {
    const row = rowOf.get(id);
    if (row === undefined) return Number.NEGATIVE_INFINITY;
    let dot = 0;
    for (let d = 0; d < dimensions; d++) dot += (matrix[row * dimensions + d] as number) * (vector[d] as number);
    return dot;
  };
  const hits = { search: 0, index: 0, searchTies: 0, indexTies: 0 };
  const exactMs: number[] = [];
  for (const query of queries) {
    const vector = await embedder.embedQuery(prepareQuery(query).text);
    const started = performance.now();
    const top = exactTopK(matrix, ids, vector, k);
    exactMs.push(performance.now() - started);
    const exact = new Set(top.map((hit) => hit.id));
    // Tie-aware (as ANN-benchmarks counts): a returned id scoring at least the k-th exact score is a hit.
    const threshold = (top[top.length - 1]?.score ?? Number.NEGATIVE_INFINITY) - 1e-6;
    const viaSearch = (await search(app, { collection, query, mode: 'dense', k })).results.map((hit) => hit.chunkId);
    const viaIndex = (await app.vectors.search({ collection, vector, k })).map((hit) => hit.chunkId);
    hits.search += viaSearch.filter((id) => exact.has(id)).length;
    hits.index += viaIndex.filter((id) => exact.has(id)).length;
    hits.searchTies += viaSearch.filter((id) => scoreOf(id, vector) >= threshold).length;
    hits.indexTies += viaIndex.filter((id) => scoreOf(id, vector) >= threshold).length;
  }
  const denominator = queries.length * Math.min(k, ids.length);
  return {
    queries: queries.length,
    vectors: ids.length,
    k,
    searchRecall: round(hits.search / denominator, 4),
    indexRecall: round(hits.index / denominator, 4),
    searchRecallTieAware: round(hits.searchTies / denominator, 4),
    indexRecallTieAware: round(hits.indexTies / denominator, 4),
    exactMs: latencyStats(exactMs),
  };
}

export function exactTopK(matrix: Float32Array, ids: number[], query: Float32Array, size: number): { id: number; score: number }[] {
  const dimensions = query.length;
  const bestScores: number[] = [];
  const bestIds: number[] = [];
  for (let row = 0; row < ids.length; row++) {
    let dot = 0;
    const offset = row * dimensions;
    for (let d = 0; d < dimensions; d++) dot += (matrix[offset + d] as number) * (query[d] as number);
    if (bestScores.length === size && dot <= (bestScores[size - 1] as number)) continue;
    let at = bestScores.length;
    while (at > 0 && (bestScores[at - 1] as number) < dot) at--;
    bestScores.splice(at, 0, dot);
    bestIds.splice(at, 0, ids[row] as number);
    if (bestScores.length > size) {
      bestScores.pop();
      bestIds.pop();
    }
  }
  return bestIds.map((id, i) => ({ id, score: bestScores[i] as number }));
}

