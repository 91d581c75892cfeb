import { toCairnError } from '../core/cairn-error.js';
import type { ScoredChunk, SearchFilter, SearchMode } from '../core/search-types.js';
import type { Telemetry } from '../core/telemetry.js';
import { rerankCandidates } from '../retrieve/rerank/rerank-candidates.js';
import { topMatchScore } from '../retrieve/top-match-score.js';
import { runSearch, type SearchResponse, type SearchTimings } from '../retrieve/run-search.js';
import type { CairnApp } from './cairn-app.js';
import { recordSearchEvent, type AnalyticsOrigin } from './analytics/record-analytics.js';
import { resolveCollection } from './resolve-collection.js';
import { hybridFusionOf } from '../retrieve/fuse/fusion-types.js';
import { collapseDuplicates } from '../retrieve/collapse-duplicates.js';
import type { LoadedEmbedder } from './cairn-app.js';
import { searchCacheKey } from './search-cache.js';

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
  /** One result per near-duplicate cluster, the others listed in `alsoIn` (default `search.collapseDuplicates`). */
  collapseDuplicates?: boolean;
}

/** `cached`: answered from the result cache (app/search-cache.ts). */
export type SearchUseCaseResponse = SearchResponse & { collection: string; cached?: boolean };

/** Most rounds of widening the retrieval when collapsing near-duplicates left fewer than k results (×2 each). */
const MAX_COLLAPSE_ROUNDS = 3;

/**
 * Use case: ranked chunks of a collection for a query (lexical, dense or hybrid), optionally
 * reranked. With `rerank`, up to `rerank.candidates` results are retrieved, reordered by the
 * reranker (`scores.rerank`) and cut to k; without a reranker, or when it fails, the retrieval order
 * stays and a notice says so.
 */
export async function search(app: CairnApp, input: SearchInput): Promise<SearchUseCaseResponse> {
  const started = performance.now();
  const { record, loaded } = await resolveCollection(app, input.collection, { embedder: input.embedder }, false);
  const k = input.k ?? app.config.search.k;
  const collapse = input.collapseDuplicates ?? app.config.search.collapseDuplicates;
  const cache = app.searchCache;
  const generation = cache === undefined ? undefined : await app.chunks.collectionGeneration?.(record.name);
  const key = generation === undefined ? undefined : searchCacheKey(cacheRequest(app, input, record.embedder, k, collapse));
  const cached = key === undefined ? undefined : cache!.get(record.name, generation!, key);
  if (key !== undefined) app.telemetry?.count(cached === undefined ? 'search.cacheMisses' : 'search.cacheHits');
  let value = cached;
  // A hit ran no stage: its timings say so (the cached response kept those of the search that computed it).
  if (value !== undefined) value = { ...value, cached: true, timings: { fusionMs: 0, hydrateMs: 0, totalMs: performance.now() - started } };
  if (value === undefined) {
    const computed = await searchUncached(app, input, record.name, loaded.embedder, k, collapse);
    if (key !== undefined && computed.cacheable) cache!.set(record.name, generation!, key, computed.value);
    value = computed.value;
  }
  if (app.telemetry && cached === undefined) recordSearchTimings(app.telemetry, value.timings);
  recordSearchEvent(app, input.origin, {
    kind: 'search', collection: record.name, query: input.query, latencyMs: performance.now() - started,
    retrieval: { mode: value.mode, resultCount: value.results.length, topScore: topMatchScore(value.results, value.mode) },
  });
  return value;
}

/** Everything a response depends on besides the collection's contents (its write generation). */
function cacheRequest(app: CairnApp, input: SearchInput, embedder: string, k: number, collapse: boolean): Record<string, unknown> {
  const { signal: _signal, origin: _origin, collection: _collection, query, ...rest } = input;
  const { search: settings, rerank } = app.config;
  return {
    ...rest,
    query: query.trim().replace(/\s+/g, ' '),
    k,
    collapse,
    embedder,
    mode: input.mode ?? settings.mode,
    candidates: settings.candidates,
    fusion: hybridFusionOf(settings),
    lexicalMaxScoredRows: settings.lexicalMaxScoredRows,
    ...(input.rerank ? { reranker: { spec: rerank.reranker, candidates: rerank.candidates } } : {}),
  };
}

async function searchUncached(
  app: CairnApp,
  input: SearchInput,
  collection: string,
  embedder: LoadedEmbedder['embedder'],
  k: number,
  collapse: boolean,
): Promise<{ value: SearchUseCaseResponse; cacheable: boolean }> {
  const reranker = input.rerank ? await app.loadReranker() : null;
  let cacheable = true;
  let depth = k;
  let response: SearchResponse;
  for (let round = 1; ; round += 1) {
    const retrieveK = reranker ? Math.max(depth, app.config.rerank.candidates) : depth;
    response = await runSearch(
      { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder },
      {
        collection,
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
    if (reranker !== null && response.results.length > 0) {
      try {
        const reranked = await rerankCandidates(reranker, input.query, response.results, {
          maxCandidates: app.config.rerank.candidates, batchSize: app.config.rerank.batchSize, ...(input.signal ? { signal: input.signal } : {}),
        });
        response.results = reranked.results.map(({ rerankScore, ...chunk }, index): ScoredChunk => ({
          ...chunk, scores: { ...chunk.scores, rerank: { rank: index + 1, score: rerankScore } },
        }));
        response.timings.rerankMs = reranked.millis;
        response.timings.totalMs += reranked.millis;
      } catch (error) {
        const failure = toCairnError(error);
        if (failure.code === 'ABORTED' || input.signal?.aborted) throw failure;
        response.notices.push(`Reranking failed (${failure.message}); results keep their retrieval order.`);
        cacheable = false;
      }
    }
    const retrieved = response.results.length;
    if (collapse) response.results = await collapseNearDuplicates(app, collection, response.results);
    if (!collapse || response.results.length >= k || retrieved < retrieveK || round >= MAX_COLLAPSE_ROUNDS) break;
    depth *= 2;
  }
  response.results = response.results.slice(0, k);
  return { value: { ...response, collection }, cacheable };
}

/** One result per near-duplicate cluster (retrieve/collapse-duplicates.ts); unchanged without clusters. */
async function collapseNearDuplicates(app: CairnApp, collection: string, results: ScoredChunk[]): Promise<ScoredChunk[]> {
  if (app.chunks.duplicatesOf === undefined || results.length === 0) return results;
  const clusters = await app.chunks.duplicatesOf(collection, [...new Set(results.map((result) => result.documentId))]);
  return clusters.size === 0 ? results : collapseDuplicates(results, clusters);
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
