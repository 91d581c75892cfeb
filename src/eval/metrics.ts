/**
 * Ranking metrics with the definitions BEIR reports (pytrec_eval / trec_eval):
 * - nDCG@k: DCG = sum over the top k of gain(rel) / log2(rank + 1), rank 1-based, gain(rel) = rel
 *   (trec_eval's `ndcg_cut` uses the judged relevance as the gain, not 2^rel - 1). The ideal DCG sorts
 *   every judged document of the query by relevance and takes the top k. Unjudged documents gain 0.
 * - Recall@k: relevant documents (rel > 0) in the top k / all relevant documents of the query.
 * - MRR@k: 1 / rank of the first relevant document within the top k, 0 when there is none.
 * A query with no relevant document scores 0 on every metric; evaluate-run.ts leaves such queries out.
 * Duplicate ids in `ranked` count once, at their first position (trec_eval ranks one line per document).
 */

/** Judged documents of one query: document id → graded relevance (0 = judged not relevant). */
export type Relevance = ReadonlyMap<string, number>;

export function ndcgAtK(ranked: readonly string[], relevance: Relevance, k: number): number {
  const ideal = idealDcg(relevance, k);
  if (ideal === 0) return 0;
  let dcg = 0;
  let rank = 0;
  for (const id of distinctTopK(ranked, k)) {
    rank++;
    const rel = relevance.get(id) ?? 0;
    if (rel > 0) dcg += rel / Math.log2(rank + 1);
  }
  return dcg / ideal;
}

export function recallAtK(ranked: readonly string[], relevance: Relevance, k: number): number {
  let relevant = 0;
  for (const rel of relevance.values()) if (rel > 0) relevant++;
  if (relevant === 0) return 0;
  let found = 0;
  for (const id of distinctTopK(ranked, k)) if ((relevance.get(id) ?? 0) > 0) found++;
  return found / relevant;
}

export function mrrAtK(ranked: readonly string[], relevance: Relevance, k: number): number {
  let rank = 0;
  for (const id of distinctTopK(ranked, k)) {
    rank++;
    if ((relevance.get(id) ?? 0) > 0) return 1 / rank;
  }
  return 0;
}

function idealDcg(relevance: Relevance, k: number): number {
  const gains = [...relevance.values()].filter((rel) => rel > 0).sort((a, b) => b - a);
  let dcg = 0;
  for (let i = 0; i < Math.min(k, gains.length); i++) dcg += (gains[i] as number) / Math.log2(i + 2);
  return dcg;
}

function distinctTopK(ranked: readonly string[], k: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ranked) {
    if (out.length >= k) break;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}
