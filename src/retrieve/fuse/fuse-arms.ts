import type { ArmScore } from '../../core/search-types.js';
import { adaptiveLexicalWeight } from './arm-agreement.js';
import type { FusedItem, HybridFusion, RankedItem } from './fusion-types.js';
import { weightedScoreFusion } from './weighted-score-fusion.js';

/** A fused chunk with the arm scores that ScoredChunk reports. */
export interface FusedChunk {
  chunkId: number;
  score: number;
  lexical?: ArmScore;
  dense?: ArmScore;
}

/** Fused chunks, best first, and the lexical weight fusion used for this query (null: one arm only). */
export interface FusedArms {
  chunks: FusedChunk[];
  lexicalWeight: number | null;
}

/**
 * Cairn's hybrid fusion: a min-max normalised convex combination, lexical weight w, dense 1 - w
 * (weighted-score-fusion.ts). Chosen by measurement (docs/decisions/0005-fusion.md, src/eval/fusion-study.ts):
 * on SciFact with the static model it is the only method tried that beats BM25 alone across the whole
 * range w = 0.6..0.9, while plain RRF stays below BM25 at every weight. w is fixed or set per query from
 * the agreement of the arms (docs/decisions/0033-adaptive-fusion.md). A single arm keeps its raw scores.
 */
export function fuseArms(
  lexical: readonly RankedItem<number>[] | null,
  dense: readonly RankedItem<number>[] | null,
  fusion: HybridFusion,
): FusedArms {
  if (lexical !== null && dense !== null) {
    const lexicalWeight = fusion.kind === 'fixed' ? fusion.lexicalWeight : adaptiveLexicalWeight(lexical, dense, fusion.minLexicalWeight);
    const fused = weightedScoreFusion([lexical, dense], { weights: [lexicalWeight, 1 - lexicalWeight], normalization: 'min-max' });
    return { chunks: fused.map((item) => toFusedChunk(item, item.arms[0], item.arms[1])), lexicalWeight };
  }
  const single = lexical ?? dense ?? [];
  const chunks = single.map((item, index): FusedChunk => {
    const arm: ArmScore = { rank: index + 1, score: item.score };
    return lexical !== null
      ? { chunkId: item.id, score: item.score, lexical: arm }
      : { chunkId: item.id, score: item.score, dense: arm };
  });
  return { chunks, lexicalWeight: null };
}

function toFusedChunk(item: FusedItem<number>, lexical: ArmScore | undefined, dense: ArmScore | undefined): FusedChunk {
  return { chunkId: item.id, score: item.score, ...(lexical ? { lexical } : {}), ...(dense ? { dense } : {}) };
}
