import { adaptiveLexicalWeight } from '../retrieve/fuse/arm-agreement.js';
import { reciprocalRankFusion } from '../retrieve/fuse/reciprocal-rank-fusion.js';
import type { FusedItem, RankedItem } from '../retrieve/fuse/fusion-types.js';
import { weightedScoreFusion, type ScoreNormalization } from '../retrieve/fuse/weighted-score-fusion.js';
import { evaluateRun, type Qrels } from './evaluate-run.js';

/**
 * Compares fusion methods on fixed per-query candidate lists of the two arms, so that choosing the
 * default fusion and its weight is a measurement (docs/decisions/0005-fusion.md), not a guess.
 * Every row fuses the same candidates; `lexicalWeight` w gives the dense arm 1 - w, except for `adaptive`
 * (min-max fusion whose weight is set per query from the agreement of the arms, arm-agreement.ts), whose
 * w is the lexical weight at full agreement (config search.minLexicalWeight).
 */
export type StudyMethod = 'lexical' | 'dense' | 'rrf' | `score-${ScoreNormalization}` | 'adaptive';

export interface FusionStudyInput {
  lexical: ReadonlyMap<string, readonly RankedItem<string>[]>;
  dense: ReadonlyMap<string, readonly RankedItem<string>[]>;
  qrels: Qrels;
  /** Lexical weights to try (default 0, 0.1, ..., 1). */
  weights?: readonly number[];
  normalizations?: readonly ScoreNormalization[];
  rrfK?: number;
}

export interface FusionStudyRow {
  method: StudyMethod;
  /** Lexical weight; null for a single arm. */
  lexicalWeight: number | null;
  ndcgAt10: number;
  recallAt100: number;
  mrrAt10: number;
}

export function runFusionStudy(input: FusionStudyInput): FusionStudyRow[] {
  const weights = input.weights ?? Array.from({ length: 11 }, (_, index) => index / 10);
  const normalizations = input.normalizations ?? ['min-max', 'max', 'z-score'];
  const rrfK = input.rrfK ?? 60;
  const queryIds = [...input.qrels.keys()];
  const rows: FusionStudyRow[] = [];
  const score = (method: StudyMethod, lexicalWeight: number | null, fuse: (queryId: string) => string[]): void => {
    const run = new Map(queryIds.map((queryId) => [queryId, fuse(queryId)]));
    const result = evaluateRun(run, input.qrels, { ndcgK: 10, recallK: 100, mrrK: 10 });
    rows.push({ method, lexicalWeight, ndcgAt10: result.ndcg, recallAt100: result.recall, mrrAt10: result.mrr });
  };
  const arms = (queryId: string): RankedItem<string>[][] => [
    [...(input.lexical.get(queryId) ?? [])],
    [...(input.dense.get(queryId) ?? [])],
  ];
  const ids = (items: readonly { id: string }[]): string[] => items.map((item) => item.id);
  score('lexical', null, (queryId) => ids(input.lexical.get(queryId) ?? []));
  score('dense', null, (queryId) => ids(input.dense.get(queryId) ?? []));
  for (const weight of weights) {
    const armWeights = [weight, 1 - weight];
    score('rrf', weight, (queryId) => ids(reciprocalRankFusion(arms(queryId), { k: rrfK, weights: armWeights })));
    for (const normalization of normalizations) {
      score(`score-${normalization}`, weight, (queryId) =>
        ids(weightedScoreFusion(arms(queryId), { weights: armWeights, normalization }) as FusedItem<string>[]),
      );
    }
    score('adaptive', weight, (queryId) => {
      const [lexical, dense] = arms(queryId) as [RankedItem<string>[], RankedItem<string>[]];
      const w = adaptiveLexicalWeight(lexical, dense, weight);
      return ids(weightedScoreFusion([lexical, dense], { weights: [w, 1 - w], normalization: 'min-max' }));
    });
  }
  return rows;
}

/** A fixed-width table of the rows, best nDCG@10 marked with `*`. */
export function formatFusionStudy(rows: readonly FusionStudyRow[]): string {
  const best = Math.max(...rows.map((row) => row.ndcgAt10));
  const lines = ['method          w     nDCG@10  R@100   MRR@10'];
  for (const row of rows) {
    const weight = row.lexicalWeight === null ? '  -  ' : row.lexicalWeight.toFixed(2).padStart(5);
    lines.push(
      `${row.method.padEnd(15)} ${weight} ${row.ndcgAt10.toFixed(4)}  ${row.recallAt100.toFixed(4)}  ${row.mrrAt10.toFixed(4)}${row.ndcgAt10 === best ? ' *' : ''}`,
    );
  }
  return lines.join('\n');
}
