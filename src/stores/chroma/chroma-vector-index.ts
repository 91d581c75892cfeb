import { createHash } from 'node:crypto';
import { CairnError, toCairnError } from '../../core/cairn-error.js';
import { filterableFields, type FilterableDocument } from '../../core/search-filter.js';
import type { ChunkStore } from '../chunk-store.js';
import type { CollectionRecord } from '../collection-record.js';
import type { VectorHit, VectorIndex, VectorIndexHealth, VectorIndexStatus, VectorItem, VectorSearchOptions } from '../vector-index.js';
import type { ChromaClient } from './chroma-client.js';
import { chromaMetadata, planChromaFilter } from './chroma-where.js';

export interface ChromaVectorIndexOptions {
  client: ChromaClient;
  /** The source of truth: every vector is there, Chroma is derived from it. */
  chunks: ChunkStore;
  /** Chroma collections are `<prefix><name>-<hash of name and creation time>`. */
  collectionPrefix: string;
  /** Vectors per upsert request. */
  batchSize: number;
  /** Pushes a writer may have running at once (`VectorIndex.pushesInFlight`); 1 when absent. */
  pushesInFlight?: number;
  /** Longest wait for one search, in ms. */
  queryTimeoutMs: number;
  hnsw: { m: number; efConstruction: number; efSearch: number };
}

/** The Chroma collection that holds one Cairn collection's vectors. */
interface Target {
  id: string;
  name: string;
}

/** What a search asks for first when part of the filter runs on the hits: k times this, at least MIN_WIDENED. */
const WIDEN_FACTOR = 4;
const MIN_WIDENED = 100;
/** Ids per delete or get request. */
const ID_PAGE = 5000;
const METADATA_COLLECTION = 'cairn_collection';
const METADATA_CREATED = 'cairn_created_at';

/**
 * The vector index in a Chroma server (docs/decisions/0031-chroma.md). One Chroma collection per Cairn
 * collection, cosine space and HNSW parameters set through the collection configuration; chunk ids are
 * the record ids and the document fields filters read are the metadata (chroma-where.ts).
 *
 * Chroma is a derived index, never the only copy: writers' pushes are buffered and sent in batches; a
 * push that fails marks the collection `vectorsPending` in the ChunkStore (durably), and the next
 * `flush`, `open` or search that finds Chroma reachable again catches up from the store (upserts every
 * stored vector, deletes ids the store no longer has). A count that differs from the store's is
 * treated the same way, which also fills Chroma for a collection whose vectors were indexed elsewhere.
 */
export class ChromaVectorIndex implements VectorIndex {
  readonly kind = 'chroma';
  readonly pushesInFlight: number;
  readonly #options: ChromaVectorIndexOptions;
  readonly #client: ChromaClient;
  readonly #chunks: ChunkStore;
  readonly #targets = new Map<string, Promise<Target>>();
  readonly #buffers = new Map<string, Map<number, VectorItem>>();
  /** Collections known to miss pushes (mirrors CollectionRecord.vectorsPending). */
  readonly #pending = new Set<string>();
  /** Collections whose count was compared with the store's in this process. */
  readonly #checked = new Set<string>();
  readonly #catchUps = new Map<string, Promise<number>>();

  constructor(options: ChromaVectorIndexOptions) {
    this.#options = options;
    this.pushesInFlight = options.pushesInFlight ?? 1;
    this.#client = options.client;
    this.#chunks = options.chunks;
  }

  async open(collection: string, _dimensions?: number): Promise<VectorIndexStatus> {
    const started = performance.now();
    await this.#target(collection);
    const caughtUp = await this.#check(collection, true);
    const count = await this.#client.count((await this.#target(collection)).id);
    return { count, source: caughtUp ? 'rebuilt' : 'server', addedSinceSnapshot: 0, millis: performance.now() - started };
  }

  async search(options: VectorSearchOptions): Promise<VectorHit[]> {
    const target = await this.#target(options.collection);
    if (!this.#checked.has(options.collection) || this.#pending.has(options.collection)) {
      // A first search (or one after failed pushes) starts the catch-up without waiting for it.
      void this.#check(options.collection, false).catch(() => undefined);
    }
    const plan = planChromaFilter(options.filter);
    let n = plan.residual === undefined ? options.k : Math.max(options.k * WIDEN_FACTOR, MIN_WIDENED);
    const embedding = Array.from(options.vector);
    for (;;) {
      const answer = await this.#client.query(
        target.id,
        { embedding, n, ...(plan.where === undefined ? {} : { where: plan.where }), include: plan.residual === undefined ? ['distances'] : ['distances', 'metadatas'] },
        { timeoutMs: this.#options.queryTimeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) },
      );
      const ids = answer.ids[0] ?? [];
      const distances = answer.distances?.[0] ?? [];
      const metadatas = answer.metadatas?.[0] ?? [];
      const hits: VectorHit[] = [];
      for (const [i, id] of ids.entries()) {
        if (plan.residual !== undefined && !plan.residual(metadatas[i] ?? {})) continue;
        hits.push({ chunkId: Number(id), score: 1 - (distances[i] ?? 1) });
      }
      // Enough hits, or Chroma had no more candidates to give: the answer is complete.
      if (plan.residual === undefined || hits.length >= options.k || ids.length < n) return hits.slice(0, options.k);
      n *= WIDEN_FACTOR;
    }
  }

  async upsert(collection: string, items: VectorItem[]): Promise<void> {
    const buffer = this.#buffer(collection);
    for (const item of items) buffer.set(item.id, item);
    if (buffer.size >= this.#options.batchSize) await this.#send(collection);
  }

  async remove(collection: string, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const buffer = this.#buffers.get(collection);
    for (const id of ids) buffer?.delete(id);
    await this.#guard(collection, async () => {
      const target = await this.#target(collection);
      for (let i = 0; i < ids.length; i += ID_PAGE) await this.#client.delete(target.id, ids.slice(i, i + ID_PAGE).map(String));
    });
  }

  async updateFields(collection: string, ids: number[], document: FilterableDocument): Promise<void> {
    if (ids.length === 0) return;
    const metadata = chromaMetadata(document);
    await this.#guard(collection, async () => {
      const target = await this.#target(collection);
      await this.#client.update(target.id, { ids: ids.map(String), metadatas: ids.map(() => metadata) });
    });
  }

  async flush(collection: string): Promise<void> {
    try {
      await this.#send(collection);
      await this.#check(collection, true);
    } catch (error) {
      // The store holds every vector and the collection is durably marked: the next open or search catches up.
      if (toCairnError(error).code === 'VECTOR_STORE_UNAVAILABLE' && this.#pending.has(collection)) return;
      throw error;
    }
  }

  async drop(collection: string): Promise<void> {
    this.#buffers.delete(collection);
    this.#targets.delete(collection);
    this.#pending.delete(collection);
    this.#checked.delete(collection);
    for (const found of await this.#chromaCollections()) {
      if (found.metadata?.[METADATA_COLLECTION] === collection) await this.#client.deleteCollection(found.name);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#catchUps.values());
  }

  /**
   * Repopulates the collection's Chroma index from the store (`cairn index rebuild`): upserts every
   * stored vector and deletes ids the store does not have; returns the vectors sent.
   */
  async rebuild(collection: string): Promise<number> {
    await this.#send(collection);
    return this.#catchUp(collection);
  }

  /** Heartbeat, version and, per collection, Chroma's count against the store's (never rejects). */
  async health(): Promise<VectorIndexHealth> {
    const started = performance.now();
    try {
      const [version] = await Promise.all([this.#client.version(5000), this.#client.heartbeat(5000)]);
      const latencyMs = Math.round(performance.now() - started);
      const collections = await Promise.all(
        (await this.#chunks.listCollections())
          .filter((record) => record.dimensions > 0)
          .map(async (record) => {
            const expected = (await this.#chunks.vectorWatermark(record.name)).vectorCount;
            const found = await this.#client.getCollection(chromaName(this.#options.collectionPrefix, record));
            const count = found === undefined ? 0 : await this.#client.count(found.id);
            return { collection: record.name, count, expected, inSync: count === expected && record.vectorsPending !== true };
          }),
      );
      return { kind: this.kind, location: this.#client.url, ok: true, version, latencyMs, collections };
    } catch (error) {
      return { kind: this.kind, location: this.#client.url, ok: false, error: toCairnError(error).message, collections: [] };
    }
  }

  #buffer(collection: string): Map<number, VectorItem> {
    let buffer = this.#buffers.get(collection);
    if (buffer === undefined) {
      buffer = new Map();
      this.#buffers.set(collection, buffer);
    }
    return buffer;
  }

  /** Sends the buffered upserts in batches; on failure the buffer is dropped and the collection marked for a catch-up. */
  async #send(collection: string): Promise<void> {
    const buffer = this.#buffers.get(collection);
    if (buffer === undefined || buffer.size === 0) return;
    const items = [...buffer.values()];
    buffer.clear();
    await this.#guard(collection, async () => {
      const target = await this.#target(collection);
      await this.#upsertItems(target, items);
    });
  }

  async #upsertItems(target: Target, items: VectorItem[]): Promise<void> {
    const size = this.#options.batchSize;
    for (let i = 0; i < items.length; i += size) {
      const batch = items.slice(i, i + size);
      await this.#client.upsert(target.id, {
        ids: batch.map((item) => String(item.id)),
        embeddings: batch.map((item) => item.vector),
        metadatas: batch.map((item) => chromaMetadata(item.document)),
      });
    }
  }

  /** Runs a push; when it fails, records durably that the collection must catch up, then rethrows. */
  async #guard(collection: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (toCairnError(error).code === 'VECTOR_STORE_UNAVAILABLE' || toCairnError(error).code === 'VECTOR_STORE_FAILED') await this.#markPending(collection);
      throw error;
    }
  }

  async #markPending(collection: string): Promise<void> {
    this.#pending.add(collection);
    await this.#chunks.setVectorsPending(collection, true);
  }

  /**
   * Compares Chroma's count with the store's and catches up when they differ or pushes were missed;
   * `wait` false leaves the catch-up running. Returns whether a catch-up ran (or started).
   */
  async #check(collection: string, wait: boolean): Promise<boolean> {
    const target = await this.#target(collection);
    const [count, { vectorCount }] = await Promise.all([this.#client.count(target.id), this.#chunks.vectorWatermark(collection)]);
    this.#checked.add(collection);
    if (count === vectorCount && !this.#pending.has(collection)) return false;
    const running = this.#catchUp(collection);
    if (wait) await running;
    return true;
  }

  /** One catch-up per collection at a time; returns the number of vectors sent. */
  #catchUp(collection: string): Promise<number> {
    const running = this.#catchUps.get(collection);
    if (running !== undefined) return running;
    const work = this.#replay(collection).finally(() => this.#catchUps.delete(collection));
    this.#catchUps.set(collection, work);
    return work;
  }

  async #replay(collection: string): Promise<number> {
    await this.#markPending(collection);
    const target = await this.#target(collection);
    // Ids above the watermark were written after the replay began (by another process, say): never deleted here.
    const { maxChunkId } = await this.#chunks.vectorWatermark(collection);
    const stored = new Set<number>();
    const documents = new Map<number, FilterableDocument | undefined>();
    let sent = 0;
    for await (const page of this.#chunks.iterateVectors(collection, 0, this.#options.batchSize)) {
      const views = await this.#chunks.getChunks(page.map((entry) => entry.id));
      const documentOf = new Map(views.map((view) => [view.id, view.documentId]));
      const items: VectorItem[] = [];
      for (const { id, vector } of page) {
        const documentId = documentOf.get(id);
        if (documentId === undefined) continue;
        if (!documents.has(documentId)) {
          const record = await this.#chunks.getDocument(collection, documentId);
          documents.set(documentId, record === undefined ? undefined : filterableFields(record));
        }
        const document = documents.get(documentId);
        if (document === undefined) continue;
        stored.add(id);
        items.push({ id, vector, document });
      }
      await this.#upsertItems(target, items);
      sent += items.length;
    }
    const extra: string[] = [];
    for (let offset = 0; ; offset += ID_PAGE) {
      const page = await this.#client.get(target.id, { limit: ID_PAGE, offset, include: [] });
      for (const id of page.ids) if (!stored.has(Number(id)) && Number(id) <= maxChunkId) extra.push(id);
      if (page.ids.length < ID_PAGE) break;
    }
    for (let i = 0; i < extra.length; i += ID_PAGE) await this.#client.delete(target.id, extra.slice(i, i + ID_PAGE));
    this.#pending.delete(collection);
    await this.#chunks.setVectorsPending(collection, false);
    return sent;
  }

  /** The collection's Chroma collection, created on first use (cached per process; `drop` forgets it). */
  #target(collection: string): Promise<Target> {
    let target = this.#targets.get(collection);
    if (target === undefined) {
      target = this.#resolve(collection);
      this.#targets.set(collection, target);
      target.catch(() => this.#targets.delete(collection));
    }
    return target;
  }

  async #resolve(collection: string): Promise<Target> {
    const record = await this.#chunks.getCollection(collection);
    if (record === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${collection}" does not exist.`, { hint: 'Run `cairn collections list` to see the collections.' });
    }
    const name = chromaName(this.#options.collectionPrefix, record);
    const { m, efConstruction, efSearch } = this.#options.hnsw;
    const created = await this.#client.createCollection(
      name,
      { hnsw: { space: 'cosine', max_neighbors: m, ef_construction: efConstruction, ef_search: efSearch } },
      { [METADATA_COLLECTION]: record.name, [METADATA_CREATED]: record.createdAt, embedder: record.embedder },
    );
    // A collection indexed elsewhere until now is filled by the count check (#check).
    if (record.vectorStore !== this.kind) await this.#chunks.setCollectionVectorStore(collection, this.kind);
    if (record.vectorsPending) await this.#markPending(collection);
    return { id: created.id, name: created.name };
  }

  async #chromaCollections(): Promise<{ name: string; metadata: Record<string, unknown> | null }[]> {
    const all: { name: string; metadata: Record<string, unknown> | null }[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await this.#client.listCollections(100, offset);
      all.push(...page.filter((found) => found.name.startsWith(this.#options.collectionPrefix)));
      if (page.length < 100) return all;
    }
  }
}

/**
 * `<prefix><name>-<8 hex>`: the hash of the name and creation time makes a re-created collection a new
 * Chroma collection, and keeps names inside Chroma's rules (3–512 of [A-Za-z0-9._-], alphanumeric ends).
 */
export function chromaName(prefix: string, record: Pick<CollectionRecord, 'name' | 'createdAt'>): string {
  const hash = createHash('sha256').update(`${record.name}\n${record.createdAt}`).digest('hex').slice(0, 8);
  return `${prefix}${record.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 400)}-${hash}`;
}
