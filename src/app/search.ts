import { CairnError } from '../core/cairn-error.js';
import type { CollectionRecord } from '../stores/collection-record.js';
import type { DocumentHit, ResultGrouping, SearchFilter, SearchMode } from '../core/search-types.js';
import type { Telemetry } from '../core/telemetry.js';
import { topMatchScore } from '../retrieve/top-match-score.js';
import { runSearch, type SearchResponse, type SearchTimings } from '../retrieve/run-search.js';
import type { CairnApp, LoadedEmbedder } from './cairn-app.js';
import { recordSearchEvent, type AnalyticsOrigin } from './analytics/record-analytics.js';
import { rerankResponse } from './rerank-response.js';
import { resolveCollection } from './resolve-collection.js';
import { hybridFusionOf, type HybridFusion } from '../retrieve/fuse/fusion-types.js';
import { groupByDocument } from '../retrieve/group-documents.js';
import { collapseDuplicates } from '../retrieve/collapse-duplicates.js';
import { searchCacheKey } from './search-cache.js';
import { addSnippets } from '../retrieve/hydrate-results.js';
import { prepareQuery } from '../retrieve/query/prepare-query.js';

/** Chunks retrieved per requested document before grouping (most documents have few matching chunks). */
export const DOCUMENT_DEPTH_FACTOR = 5;
/** The deepest chunk list a grouped search widens to while it finds fewer than k documents. */
export const MAX_GROUP_DEPTH = 5000;
/** Passages shown per document by default. */
export const DEFAULT_PASSAGES = 3;
/** Most rounds of retrieval when collapsing near-duplicates left fewer than k results (depth ×2 each). */
const MAX_COLLAPSE_ROUNDS = 3;

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
  /** One result per near-duplicate cluster, the others listed in `alsoIn` (default `search.collapseDuplicates`). */
  collapseDuplicates?: boolean;
}

export type SearchUseCaseResponse = SearchResponse & {
  collection: string;
  group: ResultGrouping;
  /**
   * With `group: 'documents'`: the k best distinct documents, each with its best passages; `results`
   * then holds each document's best passage, in the same order. Absent with `group: 'chunks'`.
   */
  documents?: DocumentHit[];
  /** Answered from the result cache (app/search-cache.ts). */
  cached?: boolean;
};

/** The request fields, defaults applied, that shape a response besides the input's own. */
interface ResponseShape {
  k: number;
  group: ResultGrouping;
  passages: number;
  collapse: boolean;
  fusion: HybridFusion;
}

/**
 * Use case: the k best distinct documents of a collection for a query (lexical, dense or hybrid), each
 * with its best passages, or with `group: 'chunks'` the k best chunks; optionally reranked. Every edge
 * (CLI, HTTP, MCP, web UI) and `cairn eval` call this, so the evaluation measures what users get.
 * Grouped, k × DOCUMENT_DEPTH_FACTOR chunks are retrieved, widened (×4, up to MAX_GROUP_DEPTH) while
 * they hold fewer than k documents and more chunks exist. With `rerank`, at least `rerankDepth`
 * (default `rerank.candidates`) chunks are retrieved and the top `rerankDepth` reordered by the reranker
 * (`scores.rerank`) before grouping or the cut to k; the chunks past the depth follow in retrieval order,
 * so grouping can still fill k documents. Without a reranker, or when it fails, the retrieval order
 * stays and a notice says so. With
 * `collapseDuplicates`, the documents (or chunks) are collapsed by near-duplicate cluster, and the
 * retrieval re-run deeper (×2, at most MAX_COLLAPSE_ROUNDS) while that left fewer than k. Responses are
 * cached per collection, keyed by the request and the collection's write generation.
 */
export async function search(app: CairnApp, input: SearchInput): Promise<SearchUseCaseResponse> {
  const started = performance.now();
  const cache = app.searchCache;
  const { record, loaded, generation } = await readCollection(app, input, cache !== undefined);
  const group = input.group ?? 'documents';
  const shape: ResponseShape = {
    k: input.k ?? app.config.search.k,
    group,
    passages: group === 'documents' ? input.passages ?? DEFAULT_PASSAGES : 1,
    collapse: input.collapseDuplicates ?? app.config.search.collapseDuplicates,
    fusion: input.fusion ?? hybridFusionOf(app.config.search),
  };
  const key = generation === undefined || cache === undefined ? undefined : searchCacheKey(cacheRequest(app, input, record.embedder, shape));
  const cached = key === undefined ? undefined : cache!.get(record.name, generation!, key);
  if (key !== undefined) app.telemetry?.count(cached === undefined ? 'search.cacheMisses' : 'search.cacheHits');
  let value = cached;
  // A hit ran no stage: its timings say so (the cached response kept those of the search that computed it).
  if (value !== undefined) value = { ...value, cached: true, timings: { fusionMs: 0, hydrateMs: 0, totalMs: performance.now() - started } };
  if (value === undefined) {
    const computed = await searchUncached(app, input, record, generation, loaded.embedder, shape);
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

/**
 * The collection, its embedder and its write generation (undefined when the store has none, or when
 * it is not `wanted` and costs a read of its own). A store that reads both in one statement is asked
 * for both always: the generation also spares the lexical index its freshness read (runSearch).
 */
async function readCollection(
  app: CairnApp,
  input: SearchInput,
  wanted: boolean,
): Promise<{ record: CollectionRecord; loaded: LoadedEmbedder; generation: string | undefined }> {
  const overrides = { embedder: input.embedder };
  if (app.chunks.getCollectionAndGeneration !== undefined) {
    const read = await app.chunks.getCollectionAndGeneration(input.collection);
    const { record, loaded } = await resolveCollection(app, input.collection, overrides, false, read?.record ?? null);
    return { record, loaded, generation: read?.generation };
  }
  // The generation needs only the name: read beside the collection.
  const [{ record, loaded }, generation] = await Promise.all([
    resolveCollection(app, input.collection, overrides, false),
    wanted ? app.chunks.collectionGeneration?.(input.collection) : undefined,
  ]);
  return { record, loaded, generation };
}

/** Everything a response depends on besides the collection's contents (its write generation). */
function cacheRequest(app: CairnApp, input: SearchInput, embedder: string, shape: ResponseShape): Record<string, unknown> {
  const { signal: _signal, origin: _origin, collection: _collection, collapseDuplicates: _collapse, query, ...rest } = input;
  const { search: settings, rerank } = app.config;
  return {
    ...rest,
    ...shape,
    query: query.trim().replace(/\s+/g, ' '),
    embedder,
    mode: input.mode ?? settings.mode,
    candidates: settings.candidates,
    lexicalMaxScoredRows: settings.lexicalMaxScoredRows,
    ...(input.rerank ? { reranker: { spec: rerank.reranker, depth: input.rerankDepth ?? rerank.candidates } } : {}),
  };
}

async function searchUncached(
  app: CairnApp,
  input: SearchInput,
  record: CollectionRecord,
  generation: string | undefined,
  embedder: LoadedEmbedder['embedder'],
  { k, group, passages, collapse, fusion }: ResponseShape,
): Promise<{ value: SearchUseCaseResponse; cacheable: boolean }> {
  const collection = record.name;
  const reranker = input.rerank ? await app.loadReranker() : null;
  const rerankDepth = input.rerankDepth ?? app.config.rerank.candidates;
  // Grouped, retrieve k × factor chunks; widen while fewer than k documents came back and more chunks exist.
  let depth = group === 'documents' ? Math.min(MAX_GROUP_DEPTH, Math.max(k, k * DOCUMENT_DEPTH_FACTOR)) : k;
  let response: SearchResponse;
  let documents: DocumentHit[] | undefined;
  let cacheable = true;
  let spent: SearchTimings | undefined;
  for (let round = 1; ; round += 1) {
    let exhausted: boolean;
    for (;;) {
      const retrieveK = reranker ? Math.max(depth, rerankDepth) : depth;
      response = await runSearch(
        { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder },
        {
          collection,
          query: input.query,
          mode: input.mode ?? app.config.search.mode,
          k: retrieveK,
          candidates: Math.max(app.config.search.candidates, retrieveK),
          fusion,
          filter: input.filter,
          minScore: input.minScore,
          signal: input.signal,
          record,
          generation,
          snippets: false, // made below for the results shown only
        },
      );
      spent = spent ? addTimings(spent, response.timings) : response.timings;
      exhausted = response.results.length < retrieveK || depth >= MAX_GROUP_DEPTH;
      if (group === 'chunks' || exhausted) break;
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
      const notices = response.notices.length;
      // The chunks past the depth follow the reranked ones in retrieval order, so grouping can still fill k documents.
      await rerankResponse(reranker, input.query, response, {
        depth: rerankDepth, batchSize: app.config.rerank.batchSize, strict: input.rerankStrict === true, ...(input.signal ? { signal: input.signal } : {}),
      });
      if (response.notices.length > notices) cacheable = false; // a reranking failure is not cached
    }
    let shown: number;
    if (group === 'documents') {
      // Collapsing works on the document list: all documents grouped, collapsed, then cut to k.
      documents = groupByDocument(response.results, { k: collapse ? Number.POSITIVE_INFINITY : k, passages });
      if (collapse) documents = (await collapseNearDuplicates(app, collection, generation, documents)).slice(0, k);
      shown = documents.length;
    } else {
      if (collapse) response.results = await collapseNearDuplicates(app, collection, generation, response.results);
      shown = Math.min(k, response.results.length);
    }
    if (!collapse || shown >= k || exhausted || round >= MAX_COLLAPSE_ROUNDS) break;
    depth = Math.min(MAX_GROUP_DEPTH, depth * 2);
  }
  const terms = prepareQuery(input.query).terms;
  if (documents !== undefined) {
    for (const document of documents) addSnippets(document.passages, terms);
    response.results = documents.map((document) => document.alsoIn === undefined ? document.passages[0]! : { ...document.passages[0]!, alsoIn: document.alsoIn });
  } else {
    response.results = response.results.slice(0, k);
    addSnippets(response.results, terms);
  }
  return { value: { ...response, collection, group, ...(documents ? { documents } : {}) }, cacheable };
}

/** One result per near-duplicate cluster (retrieve/collapse-duplicates.ts); unchanged without clusters. */
async function collapseNearDuplicates<T extends { documentId: number }>(app: CairnApp, collection: string, generation: string | undefined, results: T[]): Promise<T[]> {
  if (app.chunks.duplicatesOf === undefined || results.length === 0) return results;
  const clusters = await app.chunks.duplicatesOf(collection, [...new Set(results.map((result) => result.documentId))], generation);
  return clusters.size === 0 ? results : collapseDuplicates(results, clusters);
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
