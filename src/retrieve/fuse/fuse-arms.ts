import type { ArmScore } from '../../core/search-types.js';
import type { FusedItem, RankedItem } from './fusion-types.js';
import { weightedScoreFusion } from './weighted-score-fusion.js';

/** A fused chunk with the arm scores that ScoredChunk reports. */
export interface FusedChunk {
  chunkId: number;
  score: number;
  lexical?: ArmScore;
  dense?: ArmScore;
}

/**
 * Cairn's default hybrid fusion: a min-max normalised convex combination, lexical weight w, dense 1 - w
 * (weighted-score-fusion.ts). Chosen by measurement (docs/decisions/0005-fusion.md, src/eval/fusion-study.ts):
 * on SciFact with the static model it is the only method tried that beats BM25 alone across the whole
 * range w = 0.6..0.9, while plain RRF stays below BM25 at every weight. A single arm keeps its raw scores.
 */
export function fuseArms(
  lexical: readonly RankedItem<number>[] | null,
  dense: readonly RankedItem<number>[] | null,
  lexicalWeight: number,
): FusedChunk[] {
  if (lexical !== null && dense !== null) {
    const fused = weightedScoreFusion([lexical, dense], { weights: [lexicalWeight, 1 - lexicalWeight], normalization: 'min-max' });
    return fused.map((item) => toFusedChunk(item, item.arms[0], item.arms[1]));
  }
  const single = lexical ?? dense ?? [];
  return single.map((item, index) => {
    const arm: ArmScore = { rank: index + 1, score: item.score };
    return lexical !== null
      ? { chunkId: item.id, score: item.score, lexical: arm }
      : { chunkId: item.id, score: item.score, dense: arm };
  });
}

function toFusedChunk(item: FusedItem<number>, lexical: ArmScore | undefined, dense: ArmScore | undefined): FusedChunk {
  return { chunkId: item.id, score: item.score, ...(lexical ? { lexical } : {}), ...(dense ? { dense } : {}) };
}
