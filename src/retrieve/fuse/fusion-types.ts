import type { ArmScore } from '../../core/search-types.js';

/** One entry of an arm's ranking, best first. `score`: the arm's raw score (higher is better). */
export interface RankedItem<Id> {
  id: Id;
  score: number;
}

/** A fused result: the fused score and, per input list (same index), the item's rank and raw score there. */
export interface FusedItem<Id> {
  id: Id;
  score: number;
  arms: (ArmScore | undefined)[];
}

/**
 * Orders fused items: score descending, then the best (lowest) rank in any arm, then first appearance.
 * Deterministic, so equal inputs always give equal rankings.
 */
export function sortFused<Id>(items: FusedItem<Id>[]): FusedItem<Id>[] {
  const bestRank = (item: FusedItem<Id>): number =>
    item.arms.reduce((best, arm) => (arm !== undefined && arm.rank < best ? arm.rank : best), Number.POSITIVE_INFINITY);
  return items
    .map((item, order) => ({ item, order, best: bestRank(item) }))
    .sort((a, b) => b.item.score - a.item.score || a.best - b.best || a.order - b.order)
    .map((entry) => entry.item);
}

/** Collects each id's rank (1-based) and raw score in every list, keeping first-appearance order. */
export function collectArms<Id>(lists: readonly (readonly RankedItem<Id>[])[]): Map<Id, (ArmScore | undefined)[]> {
  const arms = new Map<Id, (ArmScore | undefined)[]>();
  lists.forEach((list, listIndex) => {
    list.forEach((item, position) => {
      let entry = arms.get(item.id);
      if (entry === undefined) {
        entry = new Array<ArmScore | undefined>(lists.length).fill(undefined);
        arms.set(item.id, entry);
      }
      if (entry[listIndex] === undefined) entry[listIndex] = { rank: position + 1, score: item.score };
    });
  });
  return arms;
}

/**
 * How hybrid search weighs its arms (docs/decisions/0033-adaptive-fusion.md):
 * - `adaptive`: per query, lexical weight 1 - (1 - minLexicalWeight) * agreement of the arms
 *   (arm-agreement.ts), so the dense arm counts as much as lexical corroborates it;
 * - `fixed`: the same lexical weight for every query (docs/decisions/0005-fusion.md).
 */
export type HybridFusion = { kind: 'adaptive'; minLexicalWeight: number } | { kind: 'fixed'; lexicalWeight: number };

/** The fusion that the `search` configuration section (fusion, lexicalWeight, minLexicalWeight) asks for. */
export function hybridFusionOf(search: { fusion: 'adaptive' | 'fixed'; lexicalWeight: number; minLexicalWeight: number }): HybridFusion {
  return search.fusion === 'fixed'
    ? { kind: 'fixed', lexicalWeight: search.lexicalWeight }
    : { kind: 'adaptive', minLexicalWeight: search.minLexicalWeight };
}
