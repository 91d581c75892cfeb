import type { SearchFilter, SearchMode } from '../core/search-types.js';
import type { Telemetry } from '../core/telemetry.js';
import { topMatchScore } from '../retrieve/top-match-score.js';
import { runSearch, type SearchResponse, type SearchTimings } from '../retrieve/run-search.js';
import type { CairnApp } from './cairn-app.js';
import { recordSearchEvent, type AnalyticsOrigin } from './analytics/record-analytics.js';
import { rerankResponse } from './rerank-response.js';
import { resolveCollection } from './resolve-collection.js';
import { hybridFusionOf } from '../retrieve/fuse/fusion-types.js';

export interface SearchInput {
  collection: string;
  query: string;
  mode?: SearchMode;
  k?: number;
  filter?: SearchFilter;
  minScore?: number;
  /** Explicit embedder; must match the collection's. */
  embedder?: string;
  /** Reorder the top `rerank.candidates` with the configured reranker before cutting to k. */
  rerank?: boolean;
  /** Candidates the reranker reorders; default `rerank.candidates`. */
  rerankDepth?: number;
  signal?: AbortSignal;
  /** Who asked; the search is recorded in the analytics log only with one. */
  origin?: AnalyticsOrigin;
}

/**
 * Use case: ranked chunks of a collection for a query (lexical, dense or hybrid), optionally
 * reranked. With `rerank`, at least `rerankDepth` (default `rerank.candidates`) results are retrieved,
 * the top `rerankDepth` reordered by the reranker (`scores.rerank`) and the list cut to k; without a reranker, or when it fails, the retrieval order
 * stays and a notice says so.
 */
export async function search(app: CairnApp, input: SearchInput): Promise<SearchResponse & { collection: string }> {
  const started = performance.now();
  const { record, loaded } = await resolveCollection(app, input.collection, { embedder: input.embedder }, false);
  const k = input.k ?? app.config.search.k;
  const reranker = input.rerank ? await app.loadReranker() : null;
  const rerankDepth = input.rerankDepth ?? app.config.rerank.candidates;
  const retrieveK = reranker ? Math.max(k, rerankDepth) : k;
  const response = await runSearch(
    { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder: loaded.embedder },
    {
      collection: record.name,
      query: input.query,
      mode: input.mode ?? app.config.search.mode,
      k: retrieveK,
      candidates: Math.max(app.config.search.candidates, retrieveK),
      fusion: hybridFusionOf(app.config.search),
      filter: input.filter,
      minScore: input.minScore,
      signal: input.signal,
    },
  );
  if (input.rerank && reranker === null) response.notices.push(app.rerankerUnavailableNotice?.() ?? 'No reranker is available; results keep their retrieval order.');
  if (reranker !== null) {
    await rerankResponse(reranker, input.query, response, { depth: rerankDepth, batchSize: app.config.rerank.batchSize, ...(input.signal ? { signal: input.signal } : {}) });
  }
  response.results = response.results.slice(0, k);
  if (app.telemetry) recordSearchTimings(app.telemetry, response.timings);
  recordSearchEvent(app, input.origin, {
    kind: 'search', collection: record.name, query: input.query, latencyMs: performance.now() - started,
    retrieval: { mode: response.mode, resultCount: response.results.length, topScore: topMatchScore(response.results, response.mode) },
  });
  return { ...response, collection: record.name };
}

function recordSearchTimings(telemetry: Telemetry, timings: SearchTimings): void {
  if (timings.lexicalMs !== undefined) telemetry.observe('search.lexicalMs', timings.lexicalMs);
  if (timings.embedMs !== undefined) telemetry.observe('search.embedMs', timings.embedMs);
  if (timings.denseMs !== undefined) telemetry.observe('search.denseMs', timings.denseMs);
  telemetry.observe('search.fusionMs', timings.fusionMs);
  if (timings.rerankMs !== undefined) telemetry.observe('search.rerankMs', timings.rerankMs);
  telemetry.observe('search.hydrateMs', timings.hydrateMs);
  telemetry.observe('search.totalMs', timings.totalMs);
}
