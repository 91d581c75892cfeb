import { resolve } from 'node:path';
import type { SearchMode } from '../core/search-types.js';
import { evaluateRun, type QueryScores, type Qrels } from '../eval/evaluate-run.js';
import { perQueryFile, writePerQueryFiles } from '../eval/per-query-file.js';
import { StageLatency, type LatencyPercentiles, type LatencyStage } from '../eval/stage-latency.js';
import type { HybridFusion, RankedItem } from '../retrieve/fuse/fusion-types.js';
import type { SearchTimings } from '../retrieve/run-search.js';
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
  /**
   * Rerank as `cairn search --rerank --rerank-depth <depth>` does; the reranker must be loadable and must
   * not fail (the evaluation fails instead of measuring the retrieval order under its name).
   */
  rerankDepth?: number;
}

export interface SearchEvalResult {
  ndcg: number;
  mrr: number;
  recall: number;
  /** Queries whose list held fewer than k distinct documents. */
  shortQueries: number;
  searchMs: number;
  /** Per-query percentiles of each stage of the k-document search (the one a user runs). */
  latency: Partial<Record<LatencyStage, LatencyPercentiles>>;
  /** Per judged query: nDCG@10 and MRR@10 of the k documents, Recall@100 of the k = 100 search, `retrieved` = documents shown. */
  perQuery: QueryScores[];
  /**
   * Per query, the documents of a TREC run: the k shown, then the k = 100 search's others, up to
   * max(k, 100); scores descend with the rank (trec_eval sorts by score).
   */
  ranking: Map<string, RankedItem<string>[]>;
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
  const latency = new StageLatency();
  let shortQueries = 0;
  const rerank = request.rerankDepth === undefined ? {} : { rerank: true, rerankDepth: request.rerankDepth, rerankStrict: true };
  const ask = async (text: string, k: number) => {
    const response = await search(app, { collection: request.collection, query: text, mode: request.mode, k, embedder: request.embedder, fusion: request.fusion, ...rerank });
    return { documents: (response.documents ?? []).map(request.documentId), timings: response.timings };
  };
  for (const query of request.queries) {
    const { documents, timings } = await ask(query.text, request.k);
    addLatency(latency, timings);
    if (documents.length < request.k) shortQueries++;
    shown.set(query.id, documents);
    deep.set(query.id, request.k >= 100 ? documents : (await ask(query.text, 100)).documents);
  }
  const searchMs = performance.now() - started;
  const qrels = new Map([...request.qrels].filter(([id]) => shown.has(id)));
  const top = evaluateRun(shown, qrels);
  const wide = evaluateRun(deep, qrels);
  const recallOf = new Map(wide.perQuery.map((scores) => [scores.queryId, scores.recall]));
  const perQuery = top.perQuery.map((scores) => ({ ...scores, recall: recallOf.get(scores.queryId) ?? 0 }));
  const ranking = new Map<string, RankedItem<string>[]>();
  for (const [id, documents] of shown) {
    const listed = [...new Set([...documents, ...(deep.get(id) ?? [])])].slice(0, Math.max(request.k, 100));
    ranking.set(id, listed.map((document, rank) => ({ id: document, score: listed.length - rank })));
  }
  return { ndcg: top.ndcg, mrr: top.mrr, recall: wide.recall, shortQueries, searchMs, latency: latency.summary(), perQuery, ranking };
}

/**
 * When `path` is given, writes the per-query files of an evaluation labelled by what it ran: `source`
 * (the dataset or folder) first, then mode, embedder, k, the fusion of a hybrid run and the reranker.
 */
export async function writePerQueryIfAsked(
  path: string | undefined,
  source: Record<string, string>,
  run: { mode: string; embedder: string; k: number; fusion: { kind: string }; reranker: { id: string } | null; rerankDepth: number },
  measured: Pick<SearchEvalResult, 'perQuery' | 'ranking'>,
): Promise<{ perQuery: string; trecRun: string } | undefined> {
  if (path === undefined) return undefined;
  const settings = {
    ...source,
    mode: run.mode,
    embedder: run.embedder,
    k: run.k,
    ...(run.mode === 'hybrid' ? { fusion: run.fusion.kind } : {}),
    ...(run.reranker ? { reranker: run.reranker.id, rerank_depth: run.rerankDepth } : {}),
  };
  return writeEvalPerQuery(resolve(path), settings, measured, run.reranker ? `cairn-${run.mode}-rerank` : `cairn-${run.mode}`);
}

/** Writes an evaluation's per-query metrics (for `cairn eval compare`) and its TREC run beside them. */
async function writeEvalPerQuery(
  path: string,
  settings: Record<string, string | number>,
  measured: Pick<SearchEvalResult, 'perQuery' | 'ranking'>,
  tag: string,
): Promise<{ perQuery: string; trecRun: string }> {
  const label = Object.values(settings).join(' · ');
  return writePerQueryFiles(path, perQueryFile(label, settings, measured.perQuery), measured.ranking, tag);
}

function addLatency(latency: StageLatency, t: SearchTimings): void {
  latency.add('lexical', t.lexicalMs);
  latency.add('dense', t.denseMs);
  latency.add('fuse', t.lexicalMs !== undefined && t.denseMs !== undefined ? t.fusionMs : undefined);
  latency.add('hydrate', t.hydrateMs);
  latency.add('rerank', t.rerankMs);
  latency.add('total', t.totalMs);
}
