import { collectArms, sortFused, type FusedItem, type RankedItem } from './fusion-types.js';

/**
 * Convex combination of normalised scores (Fox and Shaw's CombSUM with weights; analysed for hybrid
 * lexical+dense retrieval by Bruch, Gai and Ingber, ACM TOIS 2023, "An Analysis of Fusion Functions for
 * Hybrid Retrieval", which finds it more robust and sample-efficient than RRF):
 *   score(d) = sum over lists i of w_i * norm_i(d)
 * Each list is normalised over its own candidates, so BM25 (unbounded) and cosine ([-1, 1]) meet on
 * one scale:
 * - `min-max`: (s - min) / (max - min), in [0, 1]; a list whose scores are all equal maps to 1.
 * - `max`: s / max, a lower bound of 0 assumed (Bruch et al.'s "theoretical min-max" for BM25 and
 *   non-negative cosine); the list falls back to min-max when its max is not positive.
 * - `z-score`: (s - mean) / stddev; a list with zero spread maps to 0.
 * A document missing from a list gets that list's floor: the lowest normalised value among its candidates
 * (0 for min-max, min/max for max, the lowest z for z-score): it is known only to rank below them.
 *
 * With a lexical weight w and dense weight 1 - w, w = 1 returns the lexical order (dense only breaks
 * ties) and w = 0 the dense order.
 */
export type ScoreNormalization = 'min-max' | 'max' | 'z-score';

export interface WeightedScoreFusionOptions {
  /** One weight per list (default 1 each); for two arms pass [w, 1 - w]. */
  weights?: readonly number[];
  normalization?: ScoreNormalization;
}

export function weightedScoreFusion<Id>(
  lists: readonly (readonly RankedItem<Id>[])[],
  options: WeightedScoreFusionOptions = {},
): FusedItem<Id>[] {
  const normalization = options.normalization ?? 'min-max';
  const weights = lists.map((_, index) => options.weights?.[index] ?? 1);
  const normalizers = lists.map((list) => makeNormalizer(list.map((item) => item.score), normalization));
  const fused: FusedItem<Id>[] = [];
  for (const [id, arms] of collectArms(lists)) {
    let score = 0;
    arms.forEach((arm, index) => {
      const normalizer = normalizers[index] as Normalizer;
      const weight = weights[index] as number;
      score += weight * (arm === undefined ? normalizer.floor : normalizer.apply(arm.score));
    });
    fused.push({ id, score, arms });
  }
  return sortFused(fused);
}

interface Normalizer {
  apply(score: number): number;
  floor: number;
}

function makeNormalizer(scores: number[], normalization: ScoreNormalization): Normalizer {
  if (scores.length === 0) return { apply: () => 0, floor: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const score of scores) {
    if (score < min) min = score;
    if (score > max) max = score;
    sum += score;
  }
  if (normalization === 'z-score') {
    const mean = sum / scores.length;
    let squares = 0;
    for (const score of scores) squares += (score - mean) * (score - mean);
    const deviation = Math.sqrt(squares / scores.length);
    if (deviation === 0) return { apply: () => 0, floor: 0 };
    return { apply: (score) => (score - mean) / deviation, floor: (min - mean) / deviation };
  }
  if (normalization === 'max' && max > 0) {
    return { apply: (score) => score / max, floor: min / max };
  }
  const range = max - min;
  if (range === 0) return { apply: () => 1, floor: 0 };
  return { apply: (score) => (score - min) / range, floor: 0 };
}
