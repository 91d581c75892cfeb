import { matchesFilter, type FilterableDocument, type NormalizedFilter } from '../core/search-filter.js';
import { analyzeForIndex } from '../models/tokenize/lexical-analyzer.js';
import { exactVectorSearch } from '../stores/exact-vector-search.js';
import type { LexicalHit, LexicalIndex, LexicalSearchOptions } from '../stores/lexical-index.js';
import type { VectorHit, VectorIndex, VectorIndexStatus, VectorItem, VectorSearchOptions } from '../stores/vector-index.js';
import type { InMemoryChunkStore } from './in-memory-chunk-store.js';

/** The collection's chunk ids whose document passes the filter (all of them without one). */
function passing(store: InMemoryChunkStore, collection: string, filter: NormalizedFilter | undefined): number[] {
  const ids = store.chunkIdsOf(collection);
  if (filter === undefined) return ids;
  return ids.filter((id) => {
    const document = store.documentOf(id);
    return document !== undefined && matchesFilter(filter, document);
  });
}

/**
 * Lexical index over an InMemoryChunkStore: BM25 (k1 1.2, b 0.75, Robertson-Sparck Jones idf as FTS5 has
 * it) on analyzeForIndex terms, no stemming, statistics over the filtered chunks. Records its searches.
 */
export class InMemoryLexicalIndex implements LexicalIndex {
  readonly kind = 'memory';
  readonly calls: LexicalSearchOptions[] = [];
  constructor(private readonly store: InMemoryChunkStore) {}

  async search(options: LexicalSearchOptions): Promise<LexicalHit[]> {
    this.calls.push(options);
    const ids = passing(this.store, options.collection, options.filter);
    const documents = ids.map((id) => ({ id, terms: analyzeForIndex(this.store.chunkText(id) ?? '').split(' ').filter(Boolean) }));
    const averageLength = documents.reduce((sum, doc) => sum + doc.terms.length, 0) / Math.max(documents.length, 1);
    const hits: LexicalHit[] = [];
    for (const doc of documents) {
      let score = 0;
      for (const term of options.terms) {
        const frequency = doc.terms.filter((t) => t === term).length;
        if (frequency === 0) continue;
        const containing = documents.filter((other) => other.terms.includes(term)).length;
        const idf = Math.log(1 + (documents.length - containing + 0.5) / (containing + 0.5));
        score += (idf * frequency * 2.2) / (frequency + 1.2 * (0.25 + (0.75 * doc.terms.length) / averageLength));
      }
      if (score > 0) hits.push({ chunkId: doc.id, score });
    }
    return hits.sort((a, b) => b.score - a.score || a.chunkId - b.chunkId).slice(0, options.k);
  }
}

/**
 * An exact vector index that knows only what writers pushed to it (vectors with their document fields),
 * as an external index does: the reference for push-fed backends, and the test double of retrieval.
 * Filters with core's matchesFilter; records its searches.
 */
export class InMemoryVectorIndex implements VectorIndex {
  readonly kind = 'memory';
  readonly calls: VectorSearchOptions[] = [];
  readonly #collections = new Map<string, Map<number, { vector: Float32Array; document: FilterableDocument }>>();

  async open(collection: string): Promise<VectorIndexStatus> {
    return { count: this.#collections.get(collection)?.size ?? 0, source: 'server', addedSinceSnapshot: 0, millis: 0 };
  }

  async upsert(collection: string, items: VectorItem[]): Promise<void> {
    const entries = this.#entries(collection);
    for (const { id, vector, document } of items) entries.set(id, { vector, document });
  }

  async remove(collection: string, ids: number[]): Promise<void> {
    const entries = this.#collections.get(collection);
    for (const id of ids) entries?.delete(id);
  }

  async updateFields(collection: string, ids: number[], document: FilterableDocument): Promise<void> {
    const entries = this.#collections.get(collection);
    for (const id of ids) {
      const entry = entries?.get(id);
      if (entry !== undefined) entry.document = document;
    }
  }

  async flush(): Promise<void> {}

  async drop(collection: string): Promise<void> {
    this.#collections.delete(collection);
  }

  async close(): Promise<void> {}

  async search(options: VectorSearchOptions): Promise<VectorHit[]> {
    this.calls.push(options);
    const { filter } = options;
    const passing: [number, Float32Array][] = [];
    for (const [id, entry] of this.#collections.get(options.collection) ?? []) {
      if (filter === undefined || matchesFilter(filter, entry.document)) passing.push([id, entry.vector]);
    }
    return exactVectorSearch(options.vector, passing, options.k);
  }

  #entries(collection: string): Map<number, { vector: Float32Array; document: FilterableDocument }> {
    let entries = this.#collections.get(collection);
    if (entries === undefined) {
      entries = new Map();
      this.#collections.set(collection, entries);
    }
    return entries;
  }
}
