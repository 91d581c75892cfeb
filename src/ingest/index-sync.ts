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
 * then one `flush` at the end. Pushes run in the background in commit order, one at a time, so they
 * overlap the next batch's preparation; a failed push is reported through `onNotice` and the run goes
 * on (the ChunkStore holds the data; the index catches up from it), a failed flush fails the run.
 */
export class IndexSync {
  readonly #vectors: VectorIndex;
  readonly #chunks: Pick<ChunkStore, 'getDocument' | 'getDocumentChunks'>;
  readonly #collection: string;
  readonly #onNotice: (text: string) => void;
  #chain: Promise<void> = Promise.resolve();
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
  }

  /** Pushes a committed batch; resolves once the previous push is done (at most one waits behind the writes). */
  async written(batch: WrittenDocument[]): Promise<void> {
    const removed = batch.flatMap(({ result }) => result.removedChunkIds);
    const items = batch.flatMap(writtenVectors);
    await this.#push(async () => {
      if (removed.length > 0) await this.#vectors.remove(this.#collection, removed);
      if (items.length > 0) await this.#vectors.upsert(this.#collection, items);
    }, removed.length + items.length);
  }

  /** Pushes the chunk ids of documents the ChunkStore deleted (pruned or removed). */
  async removed(ids: number[]): Promise<void> {
    await this.#push(() => this.#vectors.remove(this.#collection, ids), ids.length);
  }

  /** A document whose fields changed without a rewrite (`touchDocument`): pushed only to an index that keeps them. */
  async touched(uri: string): Promise<void> {
    const updateFields = this.#vectors.updateFields?.bind(this.#vectors);
    if (updateFields === undefined) return;
    await this.#push(async () => {
      const record = await this.#chunks.getDocument(this.#collection, uri);
      if (record === undefined) return;
      const ids = (await this.#chunks.getDocumentChunks(record.id)).map((chunk) => chunk.id);
      await updateFields(this.#collection, ids, filterableFields(record));
    }, 1);
  }

  /** Resolves once every push made so far is done (never rejects): a run that stops early pushes nothing after it returned. */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** Waits for the pushes, then flushes the index when anything was pushed: searches see the writes once it resolves. */
  async finish(): Promise<void> {
    await this.#chain;
    if (this.#pushed) await this.#vectors.flush(this.#collection);
  }

  async #push(work: () => Promise<void>, size: number): Promise<void> {
    if (size === 0) return;
    this.#pushed = true;
    const previous = this.#chain;
    this.#chain = previous.then(work).catch((error: unknown) => {
      this.#onNotice(`The vector index will catch up later: ${toCairnError(error).message}`);
    });
    await previous;
  }
}
