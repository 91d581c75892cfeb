import { toCairnError } from '../core/cairn-error.js';
import type { ScoredChunk } from '../core/search-types.js';
import type { Reranker } from '../models/rerank/reranker.js';
import { rerankCandidates } from '../retrieve/rerank/rerank-candidates.js';
import type { SearchResponse } from '../retrieve/run-search.js';

export interface RerankResponseOptions {
  /** Candidates (in retrieval order) the reranker reorders; the rest follow them in retrieval order. */
  depth: number;
  batchSize: number;
  signal?: AbortSignal;
  /** Rethrow a reranker failure instead of keeping the retrieval order with a notice (evaluation). */
  strict?: boolean;
}

/**
 * Reorders the top `depth` results of a search response with the reranker, in place: reranked results
 * carry `scores.rerank` (rank among the reranked, score), the results beyond `depth` follow unchanged,
 * and `timings.rerankMs` is set (and added to `totalMs`). A failure keeps the retrieval order and adds a
 * notice, unless `strict`. Cancellation always propagates. Shared by the search use case and the BEIR
 * evaluation, so the evaluation measures the reranking users get.
 */
export async function rerankResponse(reranker: Reranker, query: string, response: SearchResponse, options: RerankResponseOptions): Promise<void> {
  if (response.results.length === 0) return;
  try {
    const reranked = await rerankCandidates(reranker, query, response.results, {
      maxCandidates: options.depth,
      batchSize: options.batchSize,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const head = reranked.results.map(({ rerankScore, ...chunk }, index): ScoredChunk => ({
      ...chunk,
      scores: { ...chunk.scores, rerank: { rank: index + 1, score: rerankScore } },
    }));
    response.results = [...head, ...response.results.slice(reranked.candidates)];
    response.timings.rerankMs = reranked.millis;
    response.timings.totalMs += reranked.millis;
  } catch (error) {
    const failure = toCairnError(error);
    if (options.strict || failure.code === 'ABORTED' || options.signal?.aborted) throw failure;
    response.notices.push(`Reranking failed (${failure.message}); results keep their retrieval order.`);
  }
}
