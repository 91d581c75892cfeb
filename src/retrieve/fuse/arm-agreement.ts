import type { RankedItem } from './fusion-types.js';

/** How many of the dense arm's best results are checked against the lexical arm. */
export const AGREEMENT_DEPTH = 10;
/** How deep in the lexical arm's candidates a dense result counts as found there. */
export const CONFIRMATION_DEPTH = 100;

/**
 * How much the lexical arm corroborates the dense arm for one query, in [0, 1]: the share of the dense
 * arm's top AGREEMENT_DEPTH results that are also among the lexical arm's first CONFIRMATION_DEPTH
 * candidates. 0 when either arm is empty.
 *
 * Why this signal (docs/decisions/0033-adaptive-fusion.md): a dense arm that knows the topic retrieves
 * passages that share words with the query, so lexical finds them too; one that drifts (a weak model,
 * an entity it has never seen, a query of identifiers) returns passages lexical does not even reach.
 * It needs no labels and no score calibration, and reads only the top of each list, so it does not
 * depend on how many candidates a caller fetches beyond CONFIRMATION_DEPTH.
 */
export function armAgreement<Id>(lexical: readonly RankedItem<Id>[], dense: readonly RankedItem<Id>[]): number {
  const top = Math.min(AGREEMENT_DEPTH, dense.length);
  if (top === 0 || lexical.length === 0) return 0;
  const confirmed = new Set<Id>();
  const depth = Math.min(CONFIRMATION_DEPTH, lexical.length);
  for (let index = 0; index < depth; index++) confirmed.add((lexical[index] as RankedItem<Id>).id);
  let found = 0;
  for (let index = 0; index < top; index++) if (confirmed.has((dense[index] as RankedItem<Id>).id)) found++;
  return found / top;
}

/**
 * The lexical weight of adaptive fusion for one query: 1 - (1 - minLexicalWeight) * agreement. The dense
 * arm gets its full share (1 - minLexicalWeight) only when lexical confirms its whole top, and none when
 * lexical confirms nothing, so a dense arm without signal cannot pull the ranking below lexical alone.
 */
export function adaptiveLexicalWeight<Id>(
  lexical: readonly RankedItem<Id>[],
  dense: readonly RankedItem<Id>[],
  minLexicalWeight: number,
): number {
  return 1 - (1 - minLexicalWeight) * armAgreement(lexical, dense);
}
