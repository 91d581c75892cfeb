import { mrrAtK, ndcgAtK, recallAtK } from './metrics.js';

/** Query id → judged documents (document id → relevance), as read from a BEIR `qrels/<split>.tsv`. */
export type Qrels = Map<string, Map<string, number>>;

/** Query id → document ids, best first. */
export type Run = ReadonlyMap<string, readonly string[]>;

export interface EvaluateOptions {
  /** Cut-offs; BEIR's headline numbers are nDCG@10, Recall@100 and MRR@10 (the defaults). */
  ndcgK?: number;
  recallK?: number;
  mrrK?: number;
  /**
   * Drop a retrieved document whose id equals the query id, as BEIR's EvaluateRetrieval does by default
   * (some datasets use the same id space for queries and documents).
   */
  ignoreIdenticalIds?: boolean;
}

export interface QueryScores {
  queryId: string;
  ndcg: number;
  recall: number;
  mrr: number;
  retrieved: number;
}

export interface RunEvaluation {
  /** Queries averaged over: those of the qrels with at least one relevant document. */
  queries: number;
  ndcgK: number;
  recallK: number;
  mrrK: number;
  ndcg: number;
  recall: number;
  mrr: number;
  perQuery: QueryScores[];
}

/**
 * Mean metrics of a run over every judged query. A judged query missing from the run scores 0 (it
 * counts against the system); run entries for unjudged queries are ignored.
 */
export function evaluateRun(run: Run, qrels: Qrels, options: EvaluateOptions = {}): RunEvaluation {
  const ndcgK = options.ndcgK ?? 10;
  const recallK = options.recallK ?? 100;
  const mrrK = options.mrrK ?? 10;
  const perQuery: QueryScores[] = [];
  for (const [queryId, relevance] of qrels) {
    if (![...relevance.values()].some((rel) => rel > 0)) continue;
    let ranked = run.get(queryId) ?? [];
    if (options.ignoreIdenticalIds ?? false) ranked = ranked.filter((id) => id !== queryId);
    perQuery.push({
      queryId,
      ndcg: ndcgAtK(ranked, relevance, ndcgK),
      recall: recallAtK(ranked, relevance, recallK),
      mrr: mrrAtK(ranked, relevance, mrrK),
      retrieved: ranked.length,
    });
  }
  const mean = (pick: (scores: QueryScores) => number): number =>
    perQuery.length === 0 ? 0 : perQuery.reduce((sum, scores) => sum + pick(scores), 0) / perQuery.length;
  return {
    queries: perQuery.length,
    ndcgK,
    recallK,
    mrrK,
    ndcg: mean((scores) => scores.ndcg),
    recall: mean((scores) => scores.recall),
    mrr: mean((scores) => scores.mrr),
    perQuery,
  };
}
