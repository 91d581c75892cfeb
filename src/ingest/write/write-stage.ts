import type { SourceItem } from '../../core/source-item.js';
import type { Embedder } from '../../models/embed/embedder.js';
import type { ChunkStore } from '../../stores/chunk-store.js';
import { embedDocuments } from '../embed/embed-documents.js';
import type { IndexSync } from '../index-sync.js';
import type { IngestReport } from '../ingest-report.js';
import type { PreparedDocument } from '../prepare-document.js';
import type { PrepareOutcome } from '../prepare-pool.js';
import { writeDocuments, type NearDuplicateSettings } from './write-document.js';

type Ready = Extract<PreparedDocument, { kind: 'ready' }>;

export interface WriteStageOptions {
  collection: string;
  /** Tags given at ingest time, merged with each document's own. */
  tags: string[];
  /** Chunks per batch: a batch is embedded and committed once it holds at least this many. */
  embedBatchSize: number;
  /** See IngestRequest.nearDuplicates. */
  nearDuplicates?: NearDuplicateSettings | undefined;
  signal?: AbortSignal;
}

/**
 * Everything after preparation: each outcome is settled (a failure reported and skipped, an unchanged
 * document touched), ready documents are gathered into batches of `embedBatchSize` chunks, and each
 * batch is embedded, committed in one transaction and pushed to the vector index. One batch is in
 * flight while the next is gathered; a failure of the batch in flight is reported when it is awaited.
 */
export class WriteStage {
  readonly #deps: { chunks: ChunkStore; embedder: Embedder | null };
  readonly #options: WriteStageOptions;
  readonly #sync: IndexSync;
  readonly #report: IngestReport;
  #batch: Ready[] = [];
  #batchChunks = 0;
  #inflight: Promise<void> = Promise.resolve();

  constructor(deps: { chunks: ChunkStore; embedder: Embedder | null }, options: WriteStageOptions, sync: IndexSync, report: IngestReport) {
    this.#deps = deps;
    this.#options = options;
    this.#sync = sync;
    this.#report = report;
  }

  /** Settles one document's outcome; waits for the batch in flight when this one fills a new batch. */
  async accept(item: SourceItem, outcome: PrepareOutcome): Promise<void> {
    this.#report.prepared(outcome.times);
    if (!outcome.ok) {
      this.#report.skipped(item, outcome.error.code, outcome.error.message);
      return;
    }
    const prepared = outcome.prepared;
    if (prepared.kind === 'unchanged') {
      if (prepared.byHash) {
        await this.#deps.chunks.touchDocument(this.#options.collection, item.uri, item.modifiedMs, item.sizeBytes);
        await this.#sync.touched(item.uri);
      }
      this.#report.unchanged(item);
      return;
    }
    if (prepared.chunks.length === 0) {
      this.#report.skipped(item, 'PARSE_NO_TEXT', 'no text left after parsing');
      return;
    }
    // A parser that stopped at a limit (a PDF's page or character cap) says so in `truncated`.
    const truncated = prepared.parsed.metadata.truncated;
    if (typeof truncated === 'string') this.#report.notice(`${item.relativePath}: ingested in part: ${truncated}.`);
    this.#batch.push(prepared);
    this.#batchChunks += prepared.chunks.length;
    if (this.#batchChunks >= Math.max(1, this.#options.embedBatchSize)) {
      const docs = this.#batch;
      this.#batch = [];
      this.#batchChunks = 0;
      await this.#inflight;
      this.#inflight = this.#write(docs);
      // A batch that fails while the next one is gathered is reported when it is awaited.
      this.#inflight.catch(() => {});
    }
  }

  /** Waits for the batch in flight, then writes the last, partial one. */
  async finish(): Promise<void> {
    await this.#inflight;
    if (this.#batch.length > 0) await this.#write(this.#batch);
  }

  /** Resolves once no batch is being written (never rejects): on an abort nothing writes after the run returned. */
  settled(): Promise<void> {
    return this.#inflight.catch(() => {});
  }

  async #write(docs: Ready[]): Promise<void> {
    const { collection, tags, embedBatchSize, nearDuplicates, signal } = this.#options;
    const embedStarted = performance.now();
    const embedded = await embedDocuments(this.#deps, collection, docs, embedBatchSize, signal);
    this.#report.embedded(embedded, performance.now() - embedStarted);
    const writeStarted = performance.now();
    const written = await writeDocuments(
      this.#deps.chunks,
      docs.map((doc, i) => ({ collection, item: doc.item, contentHash: doc.contentHash, parsed: doc.parsed, chunks: embedded.documents[i]!, tags, nearDuplicates })),
    );
    await this.#sync.written(written);
    this.#report.written(docs, embedded.documents, embedded.embedded);
    const chunks = embedded.documents.reduce((sum, documentChunks) => sum + documentChunks.length, 0);
    this.#report.writeTime(performance.now() - writeStarted, docs.length, chunks);
  }
}
