import type { SearchMode } from '../core/search-types.js';
import { evaluateRun, type Qrels } from '../eval/evaluate-run.js';
import type { HybridFusion } from '../retrieve/fuse/fusion-types.js';
import type { CairnApp } from './cairn-app.js';
import { search } from './search.js';

export interface SearchEvalRequest {
  collection: string;
  queries: { id: string; text: string }[];
  qrels: Qrels;
  mode: SearchMode;
  /** Documents asked for per query, as `cairn search -k`; nDCG@10 and MRR@10 are measured on this list. */
  k: number;
  embedder: string;
  fusion: HybridFusion;
  /** The id the qrels know a retrieved document by (BEIR corpus id, file path). */
  documentId: (document: { sourceUri: string; relativePath: string }) => string;
}

export interface SearchEvalResult {
  ndcg: number;
  mrr: number;
  recall: number;
  /** Queries whose list held fewer than k distinct documents. */
  shortQueries: number;
  searchMs: number;
}

/**
 * Runs every query through the search use case with the defaults of `cairn search` (documents, not
 * chunks), so the number printed is the number a user of the CLI, HTTP, MCP or the web UI gets:
 * nDCG@10 and MRR@10 on the k documents a user asking for k sees, Recall@100 on a second search with k = 100.
 */
export async function evaluateThroughSearch(app: CairnApp, request: SearchEvalRequest): Promise<SearchEvalResult> {
  const started = performance.now();
  const shown = new Map<string, string[]>();
  const deep = new Map<string, string[]>();
  let shortQueries = 0;
  const ask = async (text: string, k: number) => {
    const response = await search(app, { collection: request.collection, query: text, mode: request.mode, k, embedder: request.embedder, fusion: request.fusion });
    return (response.documents ?? []).map(request.documentId);
  };
  for (const query of request.queries) {
    const documents = await ask(query.text, request.k);
    if (documents.length < request.k) shortQueries++;
    shown.set(query.id, documents);
    deep.set(query.id, request.k >= 100 ? documents : await ask(query.text, 100));
  }
  const qrels = new Map([...request.qrels].filter(([id]) => shown.has(id)));
  const top = evaluateRun(shown, qrels);
  const recall = evaluateRun(deep, qrels).recall;
  return { ndcg: top.ndcg, mrr: top.mrr, recall, shortQueries, searchMs: performance.now() - started };
}
