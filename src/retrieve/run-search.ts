import { CairnError, isCairnError, type ErrorCode } from '../core/cairn-error.js';
import { normalizeFilter } from '../core/search-filter.js';
import type { ScoredChunk, SearchFilter, SearchMode } from '../core/search-types.js';
import type { Embedder } from '../models/embed/embedder.js';
import type { CollectionRecord } from '../stores/collection-record.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import type { LexicalIndex } from '../stores/lexical-index.js';
import type { VectorIndex } from '../stores/vector-index.js';
import { fuseArms } from './fuse/fuse-arms.js';
import type { HybridFusion, RankedItem } from './fuse/fusion-types.js';
import { hydrateResults } from './hydrate-results.js';
import { prepareQuery } from './query/prepare-query.js';

/** The vector index must already be open for the collection (`VectorIndex.open`), which the app layer does. */
export interface SearchDeps {
  chunks: ChunkStore;
  lexical: LexicalIndex;
  vectors: VectorIndex;
  /** null: lexical only. */
  embedder: Embedder | null;
}

export interface SearchRequest {
  collection: string;
  query: string;
  mode: SearchMode;
  k: number;
  /** Candidates taken from each arm before fusion (raised to k when smaller). */
  candidates: number;
  /** How hybrid fusion weighs the arms (fixed or per-query adaptive lexical weight). */
  fusion: HybridFusion;
  /** Validated once here (INPUT_INVALID on a bad date or glob); each index translates its normal form. */
  filter?: SearchFilter;
  /** Results whose final score is below this are dropped (the scale is the effective mode's: BM25, cosine, or fused 0..1). */
  minScore?: number;
  signal?: AbortSignal;
  /** The collection as the caller just read it (saves the store a lookup: a round trip on a server database). */
  record?: CollectionRecord;
  /** The collection's ChunkStore.collectionGeneration as the caller read it with `record` (passed to the lexical index). */
  generation?: string;
  /**
   * false: results come with empty snippets, for a caller that shows only some of them (the search
   * use case groups 5 × k chunks into k documents) and fills in those with addSnippets. Default true.
   */
  snippets?: boolean;
}

export interface SearchResponse {
  results: ScoredChunk[];
  /** The mode actually used (dense and hybrid fall back to lexical when no vectors can be searched). */
  mode: SearchMode;
  timings: SearchTimings;
  /** Plain-language remarks for the user, such as a fallback to lexical search. */
  notices: string[];
  /** The lexical weight hybrid fusion used for this query; absent when only one arm ran. */
  lexicalWeight?: number;
}

/**
 * Milliseconds per stage; arms that did not run are absent. The arms run concurrently, so the stages
 * do not add up to `totalMs`. `denseMs` includes the query embedding, which `embedMs` also reports alone.
 */
export interface SearchTimings {
  lexicalMs?: number;
  embedMs?: number;
  denseMs?: number;
  fusionMs: number;
  /** Set by callers that rerank the results (the search use case). */
  rerankMs?: number;
  hydrateMs: number;
  totalMs: number;
}

/** Failures of the dense arm after which the lexical arm still answers. */
const DENSE_FALLBACK_CODES: ReadonlySet<ErrorCode> = new Set([
  'DENSE_UNAVAILABLE',
  'EMBEDDER_UNAVAILABLE',
  'UPSTREAM_FAILED',
  // A separate vector store (Chroma) that is down, refuses the token or errs: the lexical arm still answers.
  'VECTOR_STORE_UNAVAILABLE',
  'VECTOR_STORE_UNAUTHORIZED',
  'VECTOR_STORE_FAILED',
]);

/** query → lexical / dense → fuse → hydrate (with snippets). */
export async function runSearch(deps: SearchDeps, request: SearchRequest): Promise<SearchResponse> {
  const started = performance.now();
  const { signal } = request;
  throwIfAborted(signal);
  const query = prepareQuery(request.query);
  const filter = normalizeFilter(request.filter);
  const collection = request.record?.name === request.collection ? request.record : await deps.chunks.getCollection(request.collection);
  if (collection === undefined) {
    throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${request.collection}" does not exist.`, {
      hint: 'List collections with `cairn collections list`, or ingest into it first.',
    });
  }
  const notices: string[] = [];
  const timings: SearchTimings = { fusionMs: 0, hydrateMs: 0, totalMs: 0 };
  let candidates = Math.max(request.candidates, request.k);
  let mode = denseCapableMode(request.mode, collection, deps.embedder, notices);
  if (mode !== 'dense' && query.terms.length === 0) {
    notices.push('The query has no searchable words for lexical search (only stop words or punctuation).');
    if (mode === 'hybrid') mode = 'dense';
  }

  const scope = { collection: collection.name, ...(filter ? { filter } : {}), ...(signal ? { signal } : {}) };
  const runLexical = async (): Promise<RankedItem<number>[]> => {
    const start = performance.now();
    const generation = request.generation !== undefined && request.record?.name === request.collection ? { generation: request.generation } : {};
    const hits = await deps.lexical.search({ ...scope, ...generation, terms: query.terms, k: candidates });
    timings.lexicalMs = performance.now() - start;
    return hits.map((hit) => ({ id: hit.chunkId, score: hit.score }));
  };
  const runDense = async (embedder: Embedder): Promise<RankedItem<number>[] | CairnError> => {
    try {
      const embedStart = performance.now();
      const vector = await embedder.embedQuery(query.text, signal);
      timings.embedMs = performance.now() - embedStart;
      const hits = await deps.vectors.search({ ...scope, vector, k: candidates });
      timings.denseMs = performance.now() - embedStart;
      return hits.map((hit) => ({ id: hit.chunkId, score: hit.score }));
    } catch (error) {
      if (isCairnError(error) && DENSE_FALLBACK_CODES.has(error.code)) return error;
      throw error;
    }
  };

  const wantsLexical = mode !== 'dense' && query.terms.length > 0;
  const wantsDense = mode !== 'lexical' && deps.embedder !== null;
  // A single arm keeps its own order and raw scores (fuseArms), so its top k are the results: fetching
  // more candidates than k only feeds fusion, and costs rows to score, sort and copy out.
  if (!(wantsLexical && wantsDense)) candidates = request.k;
  // The dense arm starts first: its work happens off this thread (the embedding model's threads, a
  // Chroma server), while the lexical arm is synchronous SQLite on this thread. Started the other way
  // round, the arms ran one after the other (hybrid = lexical + dense). The lexical arm waits one turn of
  // the event loop so that the dense arm's request is written before SQLite holds the thread.
  const densePromise = wantsDense ? runDense(deps.embedder as Embedder) : null;
  const lexicalPromise = wantsLexical ? (wantsDense ? nextTurn().then(runLexical) : runLexical()) : null;
  const [lexicalOutcome, denseOutcome] = await Promise.all([lexicalPromise, densePromise]);
  let lexicalHits = lexicalOutcome;
  let denseHits: RankedItem<number>[] | null = null;
  if (denseOutcome instanceof CairnError) {
    notices.push(`Dense search is unavailable (${denseOutcome.message}); showing lexical results only.`);
    mode = 'lexical';
    if (lexicalHits === null && query.terms.length > 0) lexicalHits = await runLexical();
  } else {
    denseHits = denseOutcome;
  }
  throwIfAborted(signal);

  const fuseStart = performance.now();
  const minScore = request.minScore;
  const fusedArms = fuseArms(lexicalHits, denseHits, request.fusion);
  const fused = fusedArms.chunks
    .filter((item) => minScore === undefined || item.score >= minScore)
    .slice(0, request.k);
  const hydrateStart = performance.now();
  timings.fusionMs = hydrateStart - fuseStart;
  const results = await hydrateResults(deps.chunks, fused, query.terms, request.snippets !== false);
  timings.hydrateMs = performance.now() - hydrateStart;
  timings.totalMs = performance.now() - started;
  return { results, mode, timings, notices, ...(fusedArms.lexicalWeight === null ? {} : { lexicalWeight: fusedArms.lexicalWeight }) };
}

/**
 * The requested mode, or lexical when the collection has no vectors or no embedder is loaded
 * (with a notice). An embedder other than the collection's cannot search its vectors: that is an error.
 */
function denseCapableMode(requested: SearchMode, collection: CollectionRecord, embedder: Embedder | null, notices: string[]): SearchMode {
  if (requested === 'lexical') return requested;
  if (collection.embedder === 'none' || collection.dimensions === 0) {
    const why = collection.embedder === 'none' ? 'its embedder is none' : `${collection.embedder} has not embedded it yet`;
    notices.push(`Collection "${collection.name}" has no vectors (${why}); searched lexically.`);
    return 'lexical';
  }
  if (embedder === null) {
    notices.push('No embedding model is loaded; searched lexically.');
    return 'lexical';
  }
  if (embedder.id !== collection.embedder || embedder.dimensions !== collection.dimensions) {
    throw new CairnError(
      'EMBEDDER_MISMATCH',
      `Collection "${collection.name}" was embedded with ${collection.embedder} (${collection.dimensions}-d), not ${embedder.id} (${embedder.dimensions}-d).`,
      { hint: `Search it with its embedder, use --mode lexical, or re-embed it: cairn reembed --collection ${collection.name}` },
    );
  }
  return requested;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CairnError('ABORTED', 'The search was cancelled.', { cause: signal.reason });
}
