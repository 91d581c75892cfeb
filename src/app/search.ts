import { CairnError } from '../core/cairn-error.js';
import type { DocumentHit, ResultGrouping, ScoredChunk, SearchFilter, SearchMode } from '../core/search-types.js';
import type { Telemetry } from '../core/telemetry.js';
import { topMatchScore } from '../retrieve/top-match-score.js';
import { runSearch, type SearchResponse, type SearchTimings } from '../retrieve/run-search.js';
import type { CairnApp } from './cairn-app.js';
import { recordSearchEvent, type AnalyticsOrigin } from './analytics/record-analytics.js';
import { rerankResponse } from './rerank-response.js';
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
  /** Reorder the top `rerankDepth` chunks with the configured reranker before grouping or cutting to k. */
  rerank?: boolean;
  /** Chunks the reranker reorders; default `rerank.candidates`. */
  rerankDepth?: number;
  /**
   * Evaluation: an unavailable or failing reranker throws (RERANKER_UNAVAILABLE, or its error) instead of
   * keeping the retrieval order with a notice, so no number is printed under a reranker's name without it.
   */
  rerankStrict?: boolean;
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
 * they hold fewer than k documents and more chunks exist. With `rerank`, at least `rerankDepth`
 * (default `rerank.candidates`) chunks are retrieved and the top `rerankDepth` reordered by the reranker
 * (`scores.rerank`) before grouping or the cut to k; the chunks past the depth follow in retrieval order,
 * so grouping can still fill k documents. Without a reranker, or when it fails, the retrieval order
 * stays and a notice says so.
 */
export async function search(app: CairnApp, input: SearchInput): Promise<SearchUseCaseResponse> {
  const started = performance.now();
  const { record, loaded } = await resolveCollection(app, input.collection, { embedder: input.embedder }, false);
  const k = input.k ?? app.config.search.k;
  const group = input.group ?? 'documents';
  const passages = input.passages ?? DEFAULT_PASSAGES;
  const reranker = input.rerank ? await app.loadReranker() : null;
  const rerankDepth = input.rerankDepth ?? app.config.rerank.candidates;
  const fusion = input.fusion ?? hybridFusionOf(app.config.search);
  // Grouped, retrieve k × factor chunks; widen while fewer than k documents came back and more chunks exist.
  let depth = group === 'documents' ? Math.min(MAX_GROUP_DEPTH, Math.max(k, k * DOCUMENT_DEPTH_FACTOR)) : k;
  let response: SearchResponse;
  let spent: SearchTimings | undefined;
  for (;;) {
    const retrieveK = reranker ? Math.max(depth, rerankDepth) : depth;
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
    spent = spent ? addTimings(spent, response.timings) : response.timings;
    if (group === 'chunks' || response.results.length < retrieveK || depth >= MAX_GROUP_DEPTH) break;
    if (groupByDocument(response.results, { k, passages: 1 }).length >= k) break;
    depth = Math.min(MAX_GROUP_DEPTH, depth * 4);
  }
  response.timings = spent ?? response.timings;
  if (input.rerank && reranker === null) {
    const notice = app.rerankerUnavailableNotice?.() ?? 'No reranker is available; results keep their retrieval order.';
    if (input.rerankStrict) throw new CairnError('RERANKER_UNAVAILABLE', notice, { hint: 'Name one with --reranker onnx:<model-id> or --reranker http:<url>[#<model>] (CAIRN_RERANKER).' });
    response.notices.push(notice);
  }
  if (reranker !== null) {
    // The chunks past the depth follow the reranked ones in retrieval order, so grouping can still fill k documents.
    await rerankResponse(reranker, input.query, response, {
      depth: rerankDepth, batchSize: app.config.rerank.batchSize, strict: input.rerankStrict === true, ...(input.signal ? { signal: input.signal } : {}),
    });
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

/** Stage times of two retrieval rounds (a widened grouped search), added up. */
function addTimings(a: SearchTimings, b: SearchTimings): SearchTimings {
  const sum = (x: number | undefined, y: number | undefined) => (x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0));
  const lexicalMs = sum(a.lexicalMs, b.lexicalMs);
  const embedMs = sum(a.embedMs, b.embedMs);
  const denseMs = sum(a.denseMs, b.denseMs);
  return {
    ...(lexicalMs === undefined ? {} : { lexicalMs }),
    ...(embedMs === undefined ? {} : { embedMs }),
    ...(denseMs === undefined ? {} : { denseMs }),
    fusionMs: a.fusionMs + b.fusionMs,
    hydrateMs: a.hydrateMs + b.hydrateMs,
    totalMs: a.totalMs + b.totalMs,
  };
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
