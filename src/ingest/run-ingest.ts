import type { SourceItem } from '../core/source-item.js';
import { toCairnError } from '../core/cairn-error.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Embedder } from '../models/embed/embedder.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';
import type { ChunkStore, DocumentState } from '../stores/chunk-store.js';
import type { VectorIndex } from '../stores/vector-index.js';
import { isSupportedExtension } from './parse/parse-file.js';
import type { ParseLimits } from './parse/parse-limits.js';
import { resolveSource } from './source/resolve-sources.js';
import { prepareDocument, unchangedByStat, type PreparedDocument, type StageTimes } from './prepare-document.js';
import { defaultPrepareWorkers, PreparePool, type PrepareOutcome } from './prepare-pool.js';
import { PrepareQueue } from './prepare-queue.js';
import { describeForWorker } from './worker-recipe.js';
import { embedChunks } from './embed/embed-chunks.js';
import { writeDocuments } from './write/write-document.js';
import type { IngestEvent, IngestSummary } from './ingest-events.js';

export interface IngestDeps {
  chunks: ChunkStore;
  vectors: VectorIndex;
  /** null: lexical-only (no vectors are computed). */
  embedder: Embedder | null;
  /** The collection embedder's tokenizer, or the estimator when it is unavailable. */
  tokenizer: TokenCounter;
  /** Receives stage durations (parse and chunk per document, embed and write per batch) and counts. */
  telemetry?: Telemetry;
}

export interface IngestRequest {
  collection: string;
  sources: string[];
  prune: boolean;
  tags: string[];
  chunkSize: number;
  chunkOverlap: number;
  maxTokens: number;
  cacheDir: string;
  maxFileBytes: number;
  /** `ingest.limits`: what one file may cost to parse; the configuration's defaults when absent. */
  parseLimits?: ParseLimits;
  embedBatchSize: number;
  force?: boolean;
  /** Worker threads that read, parse and chunk; default `defaultPrepareWorkers()`; 0 prepares inline. */
  prepareWorkers?: number;
  /** Documents prepared inline before the pool starts, so tiny inputs never pay for it (default 32). */
  inlineFirst?: number;
  /** Most documents being prepared at once (back-pressure; default 16 per worker, at least 8). */
  maxInFlight?: number;
  signal?: AbortSignal;
  onEvent?: (event: IngestEvent) => void;
  /** Walks each source once more before ingesting it, to emit a `plan` event with its file count. */
  countFiles?: boolean;
  /** Directory sources: URIs `<rootUri><relative path>` instead of `file://` (see SourceOptions.rootUri). */
  rootUri?: string;
  /** Walked sources skip files whose symbolic links lead out of them (see SourceOptions.confineToRoot). */
  confineToRoot?: boolean;
  /** Only files with these URIs are ingested; the rest of each source is passed over silently (re-ingesting one document). */
  onlyUris?: string[];
}

/**
 * Chunks written between two `refresh` calls of the vector index: about a second of writing. A refresh
 * is a message to the store's index worker, which adds everything written up to then.
 */
const REFRESH_EVERY_CHUNKS = 2_000;
/**
 * Chunks written below which an ingest ends with a `refresh` instead of a `snapshot`: writing the
 * snapshot costs the whole graph (≈ 0.6 s at 40k vectors), which a server taking one upload per job
 * paid per job. The graph still catches up at once; the snapshot is written by a later large ingest,
 * after the index has been idle a while, or on close (see HnswVectorIndex.refresh).
 */
const SNAPSHOT_MIN_CHUNKS = 1_000;

type Ready = Extract<PreparedDocument, { kind: 'ready' }>;

/**
 * The ingest flow: source → parse → chunk → embed → write, then the vector index catches up.
 * Files unchanged by size and mtime are settled on the main thread with a stat. The rest are read,
 * parsed and chunked (and embedded, for the static model) by a pool of worker threads, with the main
 * thread helping whenever it would otherwise wait; outcomes are handled in source order, so the
 * writes do not depend on the pool size. Each document is committed on its own, so an interrupted
 * run resumes where it stopped.
 */
export async function runIngest(deps: IngestDeps, request: IngestRequest): Promise<IngestSummary> {
  const started = performance.now();
  const emit = request.onEvent ?? (() => {});
  const telemetry = deps.telemetry;
  const times: StageTimes & { embed: number; write: number; index: number } = { read: 0, parse: 0, chunk: 0, embed: 0, write: 0, index: 0 };
  const summary: IngestSummary = {
    collection: request.collection, runId: 0, filesSeen: 0, filesNew: 0, filesUpdated: 0, filesUnchanged: 0,
    filesSkipped: 0, filesPruned: 0, chunksWritten: 0, chunksEmbedded: 0, chunksReused: 0, tokensEmbedded: 0,
    skipped: [], millis: { total: 0, read: 0, parse: 0, chunk: 0, embed: 0, write: 0, index: 0 },
    lexicalOnly: deps.embedder === null, notices: [],
  };
  summary.runId = await deps.chunks.startRun(request.collection, request.sources);
  const states = await deps.chunks.listDocumentStates(request.collection);
  const seen = new Set<string>();
  const roots: string[] = [];
  const batchTarget = Math.max(1, request.embedBatchSize);
  let batch: Ready[] = [];
  let batchChunks = 0;
  let inflight: Promise<void> = Promise.resolve();
  // A flush that fails while the next batch is being prepared is reported when it is awaited.
  const track = (flushing: Promise<void>) => {
    flushing.catch(() => {});
    return flushing;
  };
  const prepareOptions = {
    tokenizer: deps.tokenizer,
    chunkSize: request.chunkSize,
    chunkOverlap: request.chunkOverlap,
    maxTokens: request.maxTokens,
    force: request.force ?? false,
    parseLimits: request.parseLimits,
    signal: request.signal,
  };

  /** Reports a file that is not ingested, with its stable code and the reason in words. */
  const skip = (item: Pick<SourceItem, 'uri' | 'relativePath'>, code: string, reason: string) => {
    const entry = { uri: item.uri, relativePath: item.relativePath, code, reason };
    summary.filesSkipped += 1;
    summary.skipped.push(entry);
    telemetry?.count('ingest.errors', 1, { code });
    emit({ type: 'skipped', ...entry });
  };

  // The HNSW index is derived: while documents are written, the store's index (a worker thread holding
  // the graph, on the other core) is refreshed every REFRESH_EVERY_CHUNKS chunks; the run ends with one
  // snapshot, which catches up, drops removed chunks and persists the graph.
  let chunksSinceRefresh = 0;
  let backgroundIndex: Promise<void> = Promise.resolve();

  const flush = async (docs: Ready[]) => {
    const embedStarted = performance.now();
    const reusable = await Promise.all(
      docs.map((doc) => (doc.isNew || deps.embedder === null ? new Map<string, Float32Array>() : deps.chunks.getDocumentVectors(request.collection, doc.item.uri))),
    );
    const embedded = await embedChunks(
      deps.embedder,
      docs.map((doc, i) => ({
        title: doc.parsed.title,
        chunks: doc.chunks,
        reusable: reusable[i]!,
        precomputed: doc.vectors === undefined ? undefined : { vectors: doc.vectors, tokens: doc.tokens ?? 0 },
      })),
      request.embedBatchSize,
      request.signal,
    );
    const embedMs = performance.now() - embedStarted;
    times.embed += embedMs;
    summary.chunksEmbedded += embedded.embedded;
    summary.chunksReused += embedded.reused;
    summary.tokensEmbedded += embedded.tokens;
    const writeStarted = performance.now();
    await writeDocuments(
      deps.chunks,
      docs.map((doc, i) => ({ collection: request.collection, item: doc.item, contentHash: doc.contentHash, parsed: doc.parsed, chunks: embedded.documents[i]!, tags: request.tags })),
    );
    emit({ type: 'batch', documents: docs.length, chunks: embedded.documents.reduce((sum, chunks) => sum + chunks.length, 0), embedded: embedded.embedded });
    for (const [i, doc] of docs.entries()) {
      const chunks = embedded.documents[i]!;
      summary.chunksWritten += chunks.length;
      if (doc.isNew) summary.filesNew += 1;
      else summary.filesUpdated += 1;
      emit({ type: 'file', uri: doc.item.uri, relativePath: doc.item.relativePath, outcome: doc.isNew ? 'new' : 'updated', chunks: chunks.length });
    }
    const writeMs = performance.now() - writeStarted;
    times.write += writeMs;
    if (telemetry) {
      telemetry.observe('ingest.embedMs', embedMs);
      telemetry.observe('ingest.writeMs', writeMs);
      telemetry.count('ingest.documents', docs.length);
      telemetry.count('ingest.chunks', embedded.documents.reduce((sum, chunks) => sum + chunks.length, 0));
    }
    chunksSinceRefresh += docs.reduce((sum, doc) => sum + doc.chunks.length, 0);
    if (deps.embedder !== null && deps.vectors.refresh !== undefined && chunksSinceRefresh >= REFRESH_EVERY_CHUNKS) {
      chunksSinceRefresh = 0;
      backgroundIndex = backgroundIndex.then(() =>
        deps.vectors.refresh?.(request.collection).catch((error: unknown) => {
          summary.notices.push(`The vector index will catch up later: ${toCairnError(error).message}`);
        }),
      );
    }
  };
  /** Waits for a background index run started during the ingest (its failure was already noted). */
  const indexInBackground = () => backgroundIndex;

  const workers = Math.max(0, Math.floor(request.prepareWorkers ?? defaultPrepareWorkers()));
  const recipe = workers > 0 ? describeForWorker(deps.tokenizer, deps.embedder) : null;
  const inlineFirst = request.inlineFirst ?? 32;
  // Each worker holds up to 16 jobs (a write burst of the main thread is shorter than 16 documents'
  // preparation); the queue holds twice what the workers hold, for the main thread to take from.
  const maxInFlight = Math.max(1, request.maxInFlight ?? Math.max(8, 32 * workers));
  const perWorker = Math.max(1, Math.min(16, Math.floor(maxInFlight / Math.max(1, 2 * workers))));
  let preparedInline = 0;
  let pool: PreparePool | null = null;
  let poolStart: Promise<void> | null = null;
  const onAbort = () => void pool?.close();
  request.signal?.addEventListener('abort', onAbort, { once: true });

  // Started once `inlineFirst` documents were prepared inline, and awaited (tens of milliseconds from
  // dist/): every later document goes to the workers. A pool that cannot start leaves the run inline.
  const startPool = async (): Promise<void> => {
    if (recipe === null || poolStart !== null) return;
    const data = { recipe, chunkSize: request.chunkSize, chunkOverlap: request.chunkOverlap, maxTokens: request.maxTokens, force: prepareOptions.force, parseLimits: request.parseLimits };
    poolStart = PreparePool.start(workers, data).then(
      (started) => {
        pool = started;
        queue.usePool(started);
      },
      (error: unknown) => {
        summary.notices.push(`Prepared documents on the main thread: the worker pool did not start (${toCairnError(error).message}).`);
      },
    );
    await poolStart;
    request.signal?.throwIfAborted();
  };

  const prepareInline = async (item: SourceItem, state: DocumentState | undefined): Promise<PrepareOutcome> => {
    const stageTimes: StageTimes = { read: 0, parse: 0, chunk: 0 };
    preparedInline += 1;
    try {
      return { ok: true, prepared: await prepareDocument(item, state, prepareOptions, stageTimes), times: stageTimes };
    } catch (error) {
      if (request.signal?.aborted) throw error;
      return { ok: false, error: toCairnError(error, 'PARSE_FAILED'), times: stageTimes };
    }
  };

  const queue = new PrepareQueue({ perWorker, inline: prepareInline });
  const only = request.onlyUris === undefined ? null : new Set(request.onlyUris);

  const handle = async (item: SourceItem, outcome: PrepareOutcome): Promise<void> => {
    times.read += outcome.times.read;
    times.parse += outcome.times.parse;
    times.chunk += outcome.times.chunk;
    if (telemetry && outcome.times.parse > 0) {
      telemetry.observe('ingest.parseMs', outcome.times.parse);
      telemetry.observe('ingest.chunkMs', outcome.times.chunk);
    }
    if (!outcome.ok) {
      skip(item, outcome.error.code, outcome.error.message);
      return;
    }
    const prepared = outcome.prepared;
    if (prepared.kind === 'unchanged') {
      summary.filesUnchanged += 1;
      if (prepared.byHash) await deps.chunks.touchDocument(request.collection, item.uri, item.modifiedMs, item.sizeBytes);
      emit({ type: 'file', uri: item.uri, relativePath: item.relativePath, outcome: 'unchanged', chunks: 0 });
      return;
    }
    if (prepared.chunks.length === 0) {
      skip(item, 'PARSE_NO_TEXT', 'no text left after parsing');
      return;
    }
    // A parser that stopped at a limit (a PDF's page or character cap) says so in `truncated`.
    const truncated = prepared.parsed.metadata.truncated;
    if (typeof truncated === 'string') summary.notices.push(`${item.relativePath}: ingested in part: ${truncated}.`);
    batch.push(prepared);
    batchChunks += prepared.chunks.length;
    if (batchChunks >= batchTarget) {
      const docs = batch;
      batch = [];
      batchChunks = 0;
      await inflight;
      inflight = track(flush(docs));
    }
  };

  // Outcomes are handled in submission order, so the store sees the same writes whatever the pool size.
  const takeHead = async (): Promise<void> => {
    let next: Awaited<ReturnType<PrepareQueue['next']>>;
    try {
      next = await queue.next();
    } catch (error) {
      request.signal?.throwIfAborted();
      throw error;
    }
    request.signal?.throwIfAborted();
    await handle(next.item, next.outcome);
  };

  try {
    for (const input of request.sources) {
      request.signal?.throwIfAborted();
      const source = await resolveSource({ input }, {
        cacheDir: request.cacheDir,
        isSupported: isSupportedExtension,
        maxFileBytes: request.maxFileBytes,
        signal: request.signal,
        ...(request.rootUri === undefined ? {} : { rootUri: request.rootUri }),
        ...(request.confineToRoot ? { confineToRoot: true } : {}),
      });
      roots.push(source.root);
      emit({ type: 'source', root: source.root, kind: source.kind, commit: source.git?.commit });
      try {
        if (request.countFiles) {
          let files = 0;
          for await (const item of source.items) {
            request.signal?.throwIfAborted();
            if (only === null || only.has(item.uri)) files += 1;
          }
          emit({ type: 'plan', root: source.root, files, skipped: only === null ? source.skipped.length : 0 });
        }
        for await (const item of source.items) {
          request.signal?.throwIfAborted();
          if (only !== null && !only.has(item.uri)) continue;
          if (seen.has(item.uri)) continue;
          seen.add(item.uri);
          summary.filesSeen += 1;
          const state = states.get(item.uri);
          if (unchangedByStat(item, state, prepareOptions.force)) {
            await handle(item, { ok: true, prepared: { kind: 'unchanged', item, byHash: false }, times: { read: 0, parse: 0, chunk: 0 } });
            continue;
          }
          if (preparedInline >= inlineFirst) await startPool();
          queue.add(item, state);
          while (queue.length >= maxInFlight || (pool === null && queue.length > 0)) await takeHead();
        }
        // A git checkout is removed by cleanup(): every file of this source is prepared before it.
        while (queue.length > 0) await takeHead();
        for (const entry of source.skipped) {
          if (only === null || only.has(entry.uri)) skip({ uri: entry.uri, relativePath: entry.path }, entry.code, entry.reason);
        }
      } finally {
        await source.cleanup();
      }
    }
    await inflight;
    if (batch.length > 0) await flush(batch);
  } finally {
    // On an abort the batch being written finishes (each document commits on its own) before the
    // caller hears of it, so nothing writes after the run has returned.
    await inflight.catch(() => {});
    request.signal?.removeEventListener('abort', onAbort);
    await poolStart;
    await (pool as PreparePool | null)?.close();
  }

  if (request.prune) {
    const stale = [...states.entries()].filter(([uri, state]) => !seen.has(uri) && roots.includes(state.sourceRoot)).map(([uri]) => uri);
    if (stale.length > 0) {
      // The vector index drops the removed chunks when it next opens (it reconciles with the store).
      await deps.chunks.deleteDocuments(request.collection, stale);
      for (const uri of stale) emit({ type: 'pruned', uri });
      summary.filesPruned = stale.length;
    }
  }

  if (deps.embedder !== null && (summary.chunksWritten > 0 || summary.filesPruned > 0)) {
    const indexStarted = performance.now();
    emit({ type: 'index', phase: 'start', vectors: summary.chunksWritten });
    await indexInBackground();
    if (summary.chunksWritten >= SNAPSHOT_MIN_CHUNKS || summary.filesPruned > 0 || deps.vectors.refresh === undefined) await deps.vectors.snapshot(request.collection);
    else await deps.vectors.refresh(request.collection);
    times.index = performance.now() - indexStarted;
    const { vectorCount } = await deps.chunks.vectorWatermark(request.collection);
    emit({ type: 'index', phase: 'done', vectors: vectorCount, millis: times.index });
  }

  summary.millis = { total: performance.now() - started, ...times };
  await deps.chunks.finishRun(summary.runId, {
    filesSeen: summary.filesSeen, filesNew: summary.filesNew, filesUpdated: summary.filesUpdated,
    filesUnchanged: summary.filesUnchanged, filesSkipped: summary.filesSkipped, filesPruned: summary.filesPruned,
    chunksWritten: summary.chunksWritten, millis: summary.millis,
  });
  return summary;
}
