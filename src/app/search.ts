import { toCairnError } from '../core/cairn-error.js';
import type { DocumentHit, ResultGrouping, ScoredChunk, SearchFilter, SearchMode } from '../core/search-types.js';
import type { Telemetry } from '../core/telemetry.js';
import { rerankCandidates } from '../retrieve/rerank/rerank-candidates.js';
import { topMatchScore } from '../retrieve/top-match-score.js';
import { runSearch, type SearchResponse, type SearchTimings } from '../retrieve/run-search.js';
import type { CairnApp } from './cairn-app.js';
import { recordSearchEvent, type AnalyticsOrigin } from './analytics/record-analytics.js';
import { resolveCollection } from './resolve-collection.js';
import { hybridFusionOf, type HybridFusion } from '../retrieve/fuse/fusion-types.js';
import { groupByDocument } from '../retrieve/group-documents.js';

/** Chunks retrieved per requested document before grouping (most documents have few matching chunks). */
export const DOCUMENT_DEPTH_FACTOR = 5;
/** The deepest chunk list a grouped search widens to while it finds fewer than k documents. */
export const MAX_GROUP_DEPTH = 5000;
/** Passages shown per document by default. */
export const DEFAULT_PASSAGES = 3;

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
  signal?: AbortSignal;
  /** Who asked; the search is recorded in the analytics log only with one. */
  origin?: AnalyticsOrigin;
  /** `documents` (default): k distinct documents, each with its best passages; `chunks`: the k best chunks. */
  group?: ResultGrouping;
  /** Passages kept per document when grouping (default 3). */
  passages?: number;
  /** Hybrid fusion other than the configured one (the evaluation's `--fusion` / `--lexical-weight`). */
  fusion?: HybridFusion;
}

export type SearchUseCaseResponse = SearchResponse & {
  collection: string;
  group: ResultGrouping;
  /**
   * With `group: 'documents'`: the k best distinct documents, each with its best passages; `results`
   * then holds each document's best passage, in the same order. Absent with `group: 'chunks'`.
   */
  documents?: DocumentHit[];
};

/**
 * Use case: the k best distinct documents of a collection for a query (lexical, dense or hybrid), each
 * with its best passages, or with `group: 'chunks'` the k best chunks; optionally reranked. Every edge
 * (CLI, HTTP, MCP, web UI) and `cairn eval` call this, so the evaluation measures what users get.
 * Grouped, k × DOCUMENT_DEPTH_FACTOR chunks are retrieved, widened (×4, up to MAX_GROUP_DEPTH) while
 * they hold fewer than k documents and more chunks exist. With `rerank`, at least `rerank.candidates`
 * chunks are retrieved and reordered by the reranker (`scores.rerank`) before grouping or the cut to k;
 * without a reranker, or when it fails, the retrieval order stays and a notice says so.
 */
export async function search(app: CairnApp, input: SearchInput): Promise<SearchUseCaseResponse> {
  const started = performance.now();
  const { record, loaded } = await resolveCollection(app, input.collection, { embedder: input.embedder }, false);
  const k = input.k ?? app.config.search.k;
  const group = input.group ?? 'documents';
  const passages = input.passages ?? DEFAULT_PASSAGES;
  const reranker = input.rerank ? await app.loadReranker() : null;
  const fusion = input.fusion ?? hybridFusionOf(app.config.search);
  // Grouped, retrieve k × factor chunks; widen while fewer than k documents came back and more chunks exist.
  let depth = group === 'documents' ? Math.min(MAX_GROUP_DEPTH, Math.max(k, k * DOCUMENT_DEPTH_FACTOR)) : k;
  let response: SearchResponse;
  let retrievalMs = 0;
  for (;;) {
    const retrieveK = reranker ? Math.max(depth, app.config.rerank.candidates) : depth;
    response = await runSearch(
      { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder: loaded.embedder },
      {
        collection: record.name,
        query: input.query,
        mode: input.mode ?? app.config.search.mode,
        k: retrieveK,
        candidates: Math.max(app.config.search.candidates, retrieveK),
        fusion,
        filter: input.filter,
        minScore: input.minScore,
        signal: input.signal,
      },
    );
    retrievalMs += response.timings.totalMs;
    if (group === 'chunks' || response.results.length < retrieveK || depth >= MAX_GROUP_DEPTH) break;
    if (groupByDocument(response.results, { k, passages: 1 }).length >= k) break;
    depth = Math.min(MAX_GROUP_DEPTH, depth * 4);
  }
  response.timings.totalMs = retrievalMs;
  if (input.rerank && reranker === null) response.notices.push(app.rerankerUnavailableNotice?.() ?? 'No reranker is available; results keep their retrieval order.');
  if (reranker !== null && response.results.length > 0) {
    try {
      const reranked = await rerankCandidates(reranker, input.query, response.results, {
        maxCandidates: app.config.rerank.candidates, batchSize: app.config.rerank.batchSize, ...(input.signal ? { signal: input.signal } : {}),
      });
      // The chunks past the reranker's cap follow in retrieval order, so grouping can still fill k documents.
      response.results = [
        ...reranked.results.map(({ rerankScore, ...chunk }, index): ScoredChunk => ({
          ...chunk, scores: { ...chunk.scores, rerank: { rank: index + 1, score: rerankScore } },
        })),
        ...response.results.slice(reranked.candidates),
      ];
      response.timings.rerankMs = reranked.millis;
      response.timings.totalMs += reranked.millis;
    } catch (error) {
      const failure = toCairnError(error);
      if (failure.code === 'ABORTED' || input.signal?.aborted) throw failure;
      response.notices.push(`Reranking failed (${failure.message}); results keep their retrieval order.`);
    }
  }
  let documents: DocumentHit[] | undefined;
  if (group === 'documents') {
    documents = groupByDocument(response.results, { k, passages });
    response.results = documents.map((document) => document.passages[0] as ScoredChunk);
  } else {
    response.results = response.results.slice(0, k);
  }
  if (app.telemetry) recordSearchTimings(app.telemetry, response.timings);
  recordSearchEvent(app, input.origin, {
    kind: 'search', collection: record.name, query: input.query, latencyMs: performance.now() - started,
    retrieval: { mode: response.mode, resultCount: response.results.length, topScore: topMatchScore(response.results, response.mode) },
  });
  return { ...response, collection: record.name, group, ...(documents ? { documents } : {}) };
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
