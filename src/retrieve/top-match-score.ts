import type { ScoredChunk, SearchMode } from '../core/search-types.js';

/**
 * How well the best result matched, on a scale that means the same from one query to the next:
 * the highest cosine similarity of the dense arm for dense and hybrid (the fused score is min-max
 * normalised per query, so its top is about 1 whatever the match), the highest BM25 score for
 * lexical. Null without results, or when no result carries the arm's score.
 */
export function topMatchScore(results: readonly ScoredChunk[], mode: SearchMode): number | null {
  let best: number | null = null;
  for (const result of results) {
    const score = mode === 'lexical' ? (result.scores.lexical?.score ?? result.score) : result.scores.dense?.score;
    if (score !== undefined && Number.isFinite(score) && (best === null || score > best)) best = score;
  }
  return best;
}
