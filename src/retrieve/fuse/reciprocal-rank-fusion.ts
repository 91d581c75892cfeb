import { collectArms, sortFused, type FusedItem, type RankedItem } from './fusion-types.js';

/**
 * Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009, "Reciprocal Rank Fusion
 * outperforms Condorcet and individual Rank Learning Methods"): score(d) = sum over lists i of
 * w_i / (k + rank_i(d)), rank 1-based, a list that lacks d adds nothing. k = 60 is the paper's value.
 * Raw scores are ignored, so arms with incomparable scales fuse without normalisation; the price is
 * that a weak arm pulls as hard as a strong one unless weighted (see weighted-score-fusion.ts).
 *
 * Input lists are best first; an id repeated in one list counts at its first position.
 * Output: every id of every list, sorted by fused score (ties: best rank in any arm, then first seen).
 */
export interface ReciprocalRankFusionOptions {
  k?: number;
  /** One weight per list (default 1 each). */
  weights?: readonly number[];
}

export function reciprocalRankFusion<Id>(
  lists: readonly (readonly RankedItem<Id>[])[],
  options: ReciprocalRankFusionOptions = {},
): FusedItem<Id>[] {
  const k = options.k ?? 60;
  if (!(k >= 0)) throw new RangeError(`reciprocalRankFusion: k must be >= 0, got ${k}`);
  const weights = lists.map((_, index) => options.weights?.[index] ?? 1);
  const fused: FusedItem<Id>[] = [];
  for (const [id, arms] of collectArms(lists)) {
    let score = 0;
    arms.forEach((arm, index) => {
      if (arm !== undefined) score += (weights[index] as number) / (k + arm.rank);
    });
    fused.push({ id, score, arms });
  }
  return sortFused(fused);
}
