import { toCairnError } from '../core/cairn-error.js';
import { filterableFields } from '../core/search-filter.js';
import type { ChunkStore, DocumentWrite, WriteResult } from '../stores/chunk-store.js';
import type { VectorIndex, VectorItem } from '../stores/vector-index.js';

/** A document as the ChunkStore committed it. */
export interface WrittenDocument {
  document: DocumentWrite;
  result: WriteResult;
}

/** The vectors a committed document write stored, as pushed to a vector index (chunks without one are left out). */
export function writtenVectors({ document, result }: WrittenDocument): VectorItem[] {
  const fields = filterableFields(document);
  // WriteResult.chunkIds follow the chunks' ordinals, whatever order the write listed them in.
  const ordered = [...document.chunks].sort((a, b) => a.ordinal - b.ordinal);
  const items: VectorItem[] = [];
  for (const [i, chunk] of ordered.entries()) {
    const id = result.chunkIds[i];
    if (chunk.vector !== null && id !== undefined) items.push({ id, vector: chunk.vector, document: fields });
  }
  return items;
}

/**
 * How a writer keeps the collection's vector index in step with what it commits to the ChunkStore:
 * after each committed batch, the vectors written and the chunk ids replaced; the ids of pruned or
 * deleted documents; the new fields of touched documents (only for an index that keeps its own copy);
 * then one `flush` at the end. Pushes run in the background so they overlap the next batch's
 * preparation: at most `VectorIndex.pushesInFlight` at once (1 when the index does not say), started in
 * commit order. Pushes of new vectors only may overlap one another; a push that removes ids or updates
 * fields waits for every earlier push and holds back every later one (an id removed here may be reused
 * by a later write). A failed push is reported through `onNotice` and the run goes on (the ChunkStore
 * holds the data; the index catches up from it), a failed flush fails the run.
 *
 * `acknowledged` is the watermark of the pushes: every push before it was acknowledged by the index.
 * It advances over contiguous acknowledged pushes only, so a push still running or failed holds it back
 * whatever later pushes finished (a failed one for good: its vectors reach the index by the catch-up).
 */
export class IndexSync {
  readonly #vectors: VectorIndex;
  readonly #chunks: Pick<ChunkStore, 'getDocument' | 'getDocumentChunks'>;
  readonly #collection: string;
  readonly #onNotice: (text: string) => void;
  readonly #limit: number;
  /** Resolves once every push issued so far is done (never rejects). */
  #all: Promise<void> = Promise.resolve();
  /** Resolves once the last push that removes or updates is done. */
  #barrier: Promise<void> = Promise.resolve();
  /** Resolves once the last push issued has started (pushes start in commit order). */
  #lastStart: Promise<void> = Promise.resolve();
  /** Pushes started and not yet done (each resolves when its push is done). */
  readonly #running = new Set<Promise<void>>();
  #issued = 0;
  #acknowledged = 0;
  /** Acknowledged pushes above the watermark (their predecessors are still running or failed). */
  readonly #acknowledgedAhead = new Set<number>();
  #pushed = false;

  constructor(
    deps: { vectors: VectorIndex; chunks: Pick<ChunkStore, 'getDocument' | 'getDocumentChunks'> },
    collection: string,
    onNotice: (text: string) => void,
  ) {
    this.#vectors = deps.vectors;
    this.#chunks = deps.chunks;
    this.#collection = collection;
    this.#onNotice = onNotice;
    this.#limit = Math.max(1, Math.floor(deps.vectors.pushesInFlight ?? 1));
  }

  /** The number of pushes, in commit order, that the index acknowledged without a gap (see the class comment). */
  get acknowledged(): number {
    return this.#acknowledged;
  }

  /** Pushes a committed batch; resolves once it has started (at most `pushesInFlight` run behind the writes). */
  async written(batch: WrittenDocument[]): Promise<void> {
    const removed = batch.flatMap(({ result }) => result.removedChunkIds);
    const items = batch.flatMap(writtenVectors);
    await this.#push(
      async () => {
        if (removed.length > 0) await this.#vectors.remove(this.#collection, removed);
        if (items.length > 0) await this.#vectors.upsert(this.#collection, items);
      },
      removed.length + items.length,
      removed.length > 0,
    );
  }

  /** Pushes the chunk ids of documents the ChunkStore deleted (pruned or removed). */
  async removed(ids: number[]): Promise<void> {
    await this.#push(() => this.#vectors.remove(this.#collection, ids), ids.length, true);
  }

  /** A document whose fields changed without a rewrite (`touchDocument`): pushed only to an index that keeps them. */
  async touched(uri: string): Promise<void> {
    const updateFields = this.#vectors.updateFields?.bind(this.#vectors);
    if (updateFields === undefined) return;
    await this.#push(
      async () => {
        const record = await this.#chunks.getDocument(this.#collection, uri);
        if (record === undefined) return;
        const ids = (await this.#chunks.getDocumentChunks(record.id)).map((chunk) => chunk.id);
        await updateFields(this.#collection, ids, filterableFields(record));
      },
      1,
      true,
    );
  }

  /** Resolves once every push made so far is done (never rejects): a run that stops early pushes nothing after it returned. */
  settled(): Promise<void> {
    return this.#all;
  }

  /** Waits for the pushes, then flushes the index when anything was pushed: searches see the writes once it resolves. */
  async finish(): Promise<void> {
    await this.#all;
    if (this.#pushed) await this.#vectors.flush(this.#collection);
  }

  /**
   * Starts `work`, in commit order, once fewer than `#limit` pushes are running and, for an `exclusive`
   * push, every earlier push is done (else the last exclusive one); resolves when it starts. A push that
   * only fills the index's send buffer is done at once and holds no place for long.
   */
  async #push(work: () => Promise<void>, size: number, exclusive: boolean): Promise<void> {
    if (size === 0) return;
    this.#pushed = true;
    const sequence = this.#issued++;
    const gate = exclusive ? this.#all : this.#barrier;
    let finished!: () => void;
    const running = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const start = this.#lastStart.then(async () => {
      await gate;
      while (this.#running.size >= this.#limit) await Promise.race(this.#running);
      this.#running.add(running);
    });
    this.#lastStart = start;
    const done = start
      .then(work)
      .then(
        () => this.#acknowledge(sequence),
        (error: unknown) => this.#onNotice(`The vector index will catch up later: ${toCairnError(error).message}`),
      )
      .finally(() => {
        this.#running.delete(running);
        finished();
      });
    this.#all = Promise.all([this.#all, done]).then(() => undefined);
    if (exclusive) this.#barrier = done;
    await start;
  }

  #acknowledge(sequence: number): void {
    this.#acknowledgedAhead.add(sequence);
    while (this.#acknowledgedAhead.delete(this.#acknowledged)) this.#acknowledged++;
  }
}
