import type { SourceItem } from '../core/source-item.js';
import type { EmbedDevice } from './ingest-events.js';
import type { ParseLimits } from './parse/parse-limits.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Embedder } from '../models/embed/embedder.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';
import type { CrawlSettings } from './source/crawl/site-crawler.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import type { VectorIndex } from '../stores/vector-index.js';
import type { IngestEvent, IngestSummary } from './ingest-events.js';
import { IngestReport } from './ingest-report.js';
import { IndexSync } from './index-sync.js';
import { unchangedByStat } from './prepare-document.js';
import type { PrepareOutcome } from './prepare-pool.js';
import { PrepareStage } from './prepare-stage.js';
import { pruneStale } from './prune-stale.js';
import { SourceWalk } from './source/walk-sources.js';
import type { NearDuplicateSettings } from './write/write-document.js';
import { WriteStage } from './write/write-stage.js';

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
  /**
   * Fingerprint each document for near-duplicate clusters (core/minhash.ts; decision 0038); absent: off.
   * The run ends by settling the clusters that boilerplate crossing its bound made stale.
   */
  nearDuplicates?: NearDuplicateSettings;
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
  /** http(s) sources are web sites to crawl with these settings (see SiteCrawler), not git remotes. */
  crawl?: CrawlSettings;
  /** Where crawls keep their state between runs (`<home>/cache/crawl`). */
  crawlDir?: string;
}

/**
 * The ingest flow: source → prepare (read, parse, chunk) → embed → write → index sync.
 * Files unchanged by size and mtime are settled with a stat. The rest are prepared by a pool of worker
 * threads (prepare-stage.ts), their outcomes handled in source order, so the writes do not depend on
 * the pool size; ready documents are embedded and committed in batches (write/write-stage.ts), each
 * batch pushed to the vector index (index-sync.ts), which is flushed once at the end. Each document is
 * committed whole, so an interrupted run resumes where it stopped.
 */
export async function runIngest(deps: IngestDeps, request: IngestRequest): Promise<IngestSummary> {
  const { collection, signal } = request;
  const device = embedDeviceOf(deps.embedder);
  const report = new IngestReport(collection, { lexicalOnly: deps.embedder === null, device, onEvent: request.onEvent, telemetry: deps.telemetry });
  report.emit({ type: 'embedder', id: deps.embedder?.id ?? 'none', device });
  report.summary.runId = await deps.chunks.startRun(collection, request.sources);
  const states = await deps.chunks.listDocumentStates(collection);
  const force = request.force ?? false;

  // Into an empty collection, an index the database maintains row by row (pgvector) stands aside and is
  // built once at the end, several times cheaper than a graph insertion per chunk (decision 0043). An
  // interrupted run leaves it to the next `open` (start-up's warm-up, the next ingest's end).
  const dimensions = deps.embedder?.dimensions ?? 0;
  const deferredIndex = states.size === 0 && dimensions > 0 && deps.vectors.deferBuild !== undefined;
  if (deferredIndex) await deps.vectors.deferBuild!(collection);
  const sources = new SourceWalk({ ...request, force, knownDocuments: states }, report);
  const sync = new IndexSync(deps, collection, (text) => report.notice(text));
  const write = new WriteStage(deps, { collection, tags: request.tags, embedBatchSize: request.embedBatchSize, nearDuplicates: request.nearDuplicates, signal }, sync, report);
  const prepare = new PrepareStage({
    tokenizer: deps.tokenizer, embedder: deps.embedder, chunkSize: request.chunkSize, chunkOverlap: request.chunkOverlap,
    maxTokens: request.maxTokens, force, parseLimits: request.parseLimits, workers: request.prepareWorkers, inlineFirst: request.inlineFirst,
    maxInFlight: request.maxInFlight, signal, onOutcome: (item, outcome) => write.accept(item, outcome), onNotice: (text) => report.notice(text),
  });
  try {
    for await (const step of sources.steps()) {
      // A git checkout is removed once its source ends: every file of it is prepared before.
      if (step.type === 'end-of-source') await prepare.drain();
      else if (unchangedByStat(step.item, states.get(step.item.uri), force)) await write.accept(step.item, unchangedByStatOutcome(step.item));
      else await prepare.add(step.item, states.get(step.item.uri));
    }
    await write.finish();
  } finally {
    // On an abort the batch being written finishes (each document commits on its own) and its push
    // ends before the caller hears of it, so nothing writes after the run has returned.
    await write.settled();
    await sync.settled();
    await prepare.close();
  }

  if (request.prune) await pruneStale(deps.chunks, collection, { states, seen: sources.seen, roots: sources.roots, pruneScopes: sources.pruneScopes }, sync, report);
  if (request.nearDuplicates !== undefined) await deps.chunks.settleNearDuplicates?.(collection, request.nearDuplicates.boilerplateDf);
  const summary = report.summary;
  const buildIndex = async () => {
    if (deferredIndex || (dimensions > 0 && deps.vectors.deferBuild !== undefined && summary.chunksWritten > 0)) await deps.vectors.open(collection, dimensions);
  };
  if (deps.embedder !== null && (summary.chunksWritten > 0 || summary.filesPruned > 0)) {
    await report.indexing(async () => {
      await sync.finish();
      await buildIndex();
    }, async () => (await deps.chunks.vectorWatermark(collection)).vectorCount);
  } else {
    await sync.finish();
    await buildIndex();
  }
  return report.finish(deps.chunks);
}

/** The outcome of a file settled by its stat (size and mtime unchanged): nothing was read. */
function unchangedByStatOutcome(item: SourceItem): PrepareOutcome {
  return { ok: true, prepared: { kind: 'unchanged', item, byHash: false }, times: { read: 0, parse: 0, chunk: 0 } };
}

/** Where an embedder computes: its own `device` (in-process models), else a server; `none` without one. */
export function embedDeviceOf(embedder: { device?: 'cpu' | 'cuda' } | null | undefined): EmbedDevice {
  if (!embedder) return 'none';
  return embedder.device ?? 'remote';
}
