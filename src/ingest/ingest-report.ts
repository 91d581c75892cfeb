import type { EmbeddedChunk } from '../core/chunk.js';
import type { SourceItem } from '../core/source-item.js';
import type { Telemetry } from '../core/telemetry.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import type { EmbedDevice, IngestEvent, IngestSummary } from './ingest-events.js';
import type { PreparedDocument, StageTimes } from './prepare-document.js';

type Ready = Extract<PreparedDocument, { kind: 'ready' }>;

/**
 * What one ingestion run tells: the summary it returns, the events it emits (in order) and the
 * telemetry it records. Every stage reports here, so the counts, events and stage times stay in one place.
 */
export class IngestReport {
  readonly summary: IngestSummary;
  readonly #started = performance.now();
  readonly #times = { read: 0, parse: 0, chunk: 0, embed: 0, write: 0, index: 0 };
  readonly #emit: (event: IngestEvent) => void;
  readonly #telemetry: Telemetry | undefined;

  constructor(collection: string, options: { lexicalOnly: boolean; device?: EmbedDevice; onEvent?: (event: IngestEvent) => void; telemetry?: Telemetry }) {
    this.#emit = options.onEvent ?? (() => {});
    this.#telemetry = options.telemetry;
    this.summary = {
      collection, runId: 0, filesSeen: 0, filesNew: 0, filesUpdated: 0, filesUnchanged: 0,
      filesSkipped: 0, filesPruned: 0, chunksWritten: 0, chunksEmbedded: 0, chunksReused: 0, tokensEmbedded: 0,
      skipped: [], millis: { total: 0, read: 0, parse: 0, chunk: 0, embed: 0, write: 0, index: 0 },
      lexicalOnly: options.lexicalOnly, device: options.device ?? (options.lexicalOnly ? 'none' : 'cpu'), chunksPerSecond: 0, notices: [],
    };
  }

  emit(event: IngestEvent): void {
    this.#emit(event);
  }

  notice(text: string): void {
    this.summary.notices.push(text);
  }

  /** A file the run hands on to preparation or settles by its stat. */
  seen(): void {
    this.summary.filesSeen += 1;
  }

  /** A file that is not ingested, with its stable code and the reason in words. */
  skipped(item: Pick<SourceItem, 'uri' | 'relativePath'>, code: string, reason: string): void {
    const entry = { uri: item.uri, relativePath: item.relativePath, code, reason };
    this.summary.filesSkipped += 1;
    this.summary.skipped.push(entry);
    this.#telemetry?.count('ingest.errors', 1, { code });
    this.#emit({ type: 'skipped', ...entry });
  }

  /** Read, parse and chunk times of one document (zero for one settled by its stat). */
  prepared(times: StageTimes): void {
    this.#times.read += times.read;
    this.#times.parse += times.parse;
    this.#times.chunk += times.chunk;
    if (this.#telemetry && times.parse > 0) {
      this.#telemetry.observe('ingest.parseMs', times.parse);
      this.#telemetry.observe('ingest.chunkMs', times.chunk);
    }
  }

  unchanged(item: SourceItem): void {
    this.summary.filesUnchanged += 1;
    this.#emit({ type: 'file', uri: item.uri, relativePath: item.relativePath, outcome: 'unchanged', chunks: 0 });
  }

  /** How the embed stage went for one batch. */
  embedded(stats: { embedded: number; reused: number; tokens: number }, millis: number): void {
    this.#times.embed += millis;
    this.summary.chunksEmbedded += stats.embedded;
    this.summary.chunksReused += stats.reused;
    this.summary.tokensEmbedded += stats.tokens;
    this.#telemetry?.observe('ingest.embedMs', millis);
  }

  /** A batch committed: its `batch` event, then one `file` event per document. */
  written(docs: Ready[], chunks: EmbeddedChunk[][], embedded: number): void {
    const total = chunks.reduce((sum, documentChunks) => sum + documentChunks.length, 0);
    this.#emit({ type: 'batch', documents: docs.length, chunks: total, embedded });
    for (const [i, doc] of docs.entries()) {
      const count = chunks[i]!.length;
      this.summary.chunksWritten += count;
      if (doc.isNew) this.summary.filesNew += 1;
      else this.summary.filesUpdated += 1;
      this.#emit({ type: 'file', uri: doc.item.uri, relativePath: doc.item.relativePath, outcome: doc.isNew ? 'new' : 'updated', chunks: count });
    }
  }

  /** The write stage's time for one batch (the commit, the index push, the events). */
  writeTime(millis: number, documents: number, chunks: number): void {
    this.#times.write += millis;
    if (this.#telemetry) {
      this.#telemetry.observe('ingest.writeMs', millis);
      this.#telemetry.count('ingest.documents', documents);
      this.#telemetry.count('ingest.chunks', chunks);
    }
  }

  pruned(uris: string[]): void {
    for (const uri of uris) this.#emit({ type: 'pruned', uri });
    this.summary.filesPruned = uris.length;
  }

  /** Runs the index's end-of-write step between `index` start and done events, timing it. */
  async indexing(work: () => Promise<void>, vectorCount: () => Promise<number>): Promise<void> {
    const started = performance.now();
    this.#emit({ type: 'index', phase: 'start', vectors: this.summary.chunksWritten });
    await work();
    this.#times.index = performance.now() - started;
    this.#emit({ type: 'index', phase: 'done', vectors: await vectorCount(), millis: this.#times.index });
  }

  /** Closes the run: the summary's times, and its record in the store. */
  async finish(chunks: Pick<ChunkStore, 'finishRun'>): Promise<IngestSummary> {
    const summary = this.summary;
    summary.millis = { total: performance.now() - this.#started, ...this.#times };
    summary.chunksPerSecond = summary.millis.total > 0 ? Math.round((summary.chunksWritten / summary.millis.total) * 10_000) / 10 : 0;
    await chunks.finishRun(summary.runId, {
      filesSeen: summary.filesSeen, filesNew: summary.filesNew, filesUpdated: summary.filesUpdated,
      filesUnchanged: summary.filesUnchanged, filesSkipped: summary.filesSkipped, filesPruned: summary.filesPruned,
      chunksWritten: summary.chunksWritten, millis: summary.millis,
    });
    return summary;
  }
}
