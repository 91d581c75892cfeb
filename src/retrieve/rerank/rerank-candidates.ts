import { CairnError } from '../../core/cairn-error.js';
import type { ScoredChunk } from '../../core/search-types.js';
import type { Reranker } from '../../models/rerank/reranker.js';

/** A retrieved chunk with the reranker's score (higher is more relevant; comparable within one call). */
export interface RerankedChunk extends ScoredChunk {
  rerankScore: number;
}

export interface RerankCandidatesOptions {
  /** Candidates reranked at most (default 50); the top of the retrieval order is kept, the rest dropped. */
  maxCandidates: number;
  /** Documents per reranker call; also capped by the reranker's `maxBatchSize`. */
  batchSize: number;
  signal?: AbortSignal;
}

export interface RerankCandidatesResult {
  /** The kept candidates, best rerank score first; ties keep the retrieval order. */
  results: RerankedChunk[];
  /** Wall time of the reranker calls, in milliseconds. */
  millis: number;
  /** How many candidates were reranked (after the cap). */
  candidates: number;
}

/**
 * Reranks the first `maxCandidates` of `candidates` (which arrive in retrieval order) with a
 * cross-encoder, in batches, and sorts them by its score. Candidates beyond the cap are not returned:
 * a caller wanting them appends them itself. A NaN score sorts last. Errors of the reranker propagate.
 */
export async function rerankCandidates(
  reranker: Reranker,
  query: string,
  candidates: ScoredChunk[],
  options: RerankCandidatesOptions,
): Promise<RerankCandidatesResult> {
  const started = performance.now();
  const kept = candidates.slice(0, Math.max(0, options.maxCandidates));
  const batchSize = Math.max(1, Math.min(options.batchSize, reranker.maxBatchSize));
  const scores: number[] = [];
  for (let start = 0; start < kept.length; start += batchSize) {
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'Reranking was cancelled.', { cause: options.signal.reason });
    const batch = kept.slice(start, start + batchSize);
    const result = await reranker.rerank({ query, documents: batch.map((chunk) => chunk.text), signal: options.signal });
    if (result.scores.length !== batch.length) {
      throw new CairnError('INTERNAL', `Reranker ${reranker.id} returned ${result.scores.length} scores for ${batch.length} documents.`);
    }
    scores.push(...result.scores);
  }
  const ranked = kept.map((chunk, index) => ({ index, chunk, score: scores[index] as number }));
  ranked.sort((a, b) => compareScores(b.score, a.score) || a.index - b.index);
  return {
    results: ranked.map(({ chunk, score }) => ({ ...chunk, rerankScore: score })),
    millis: performance.now() - started,
    candidates: kept.length,
  };
}

/** Numeric order with NaN below every number. */
function compareScores(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}
