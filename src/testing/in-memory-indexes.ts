import { matchesFilter, type NormalizedFilter } from '../core/search-filter.js';
import { analyzeForIndex } from '../models/tokenize/lexical-analyzer.js';
import { exactVectorSearch } from '../stores/exact-vector-search.js';
import type { LexicalHit, LexicalIndex, LexicalSearchOptions } from '../stores/lexical-index.js';
import type { VectorHit, VectorIndex, VectorIndexStatus, VectorSearchOptions } from '../stores/vector-index.js';
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

/** Exact vector index over an InMemoryChunkStore's vectors, filtering with core's matchesFilter; records searches. */
export class InMemoryVectorIndex implements VectorIndex {
  readonly kind = 'memory';
  readonly calls: VectorSearchOptions[] = [];
  constructor(private readonly store: InMemoryChunkStore) {}

  async open(): Promise<VectorIndexStatus> {
    return { count: 0, source: 'server', addedSinceSnapshot: 0, millis: 0 };
  }
  async upsert(): Promise<void> {}
  async remove(): Promise<void> {}
  async snapshot(): Promise<void> {}
  async drop(): Promise<void> {}
  async close(): Promise<void> {}

  async search(options: VectorSearchOptions): Promise<VectorHit[]> {
    this.calls.push(options);
    const vectors = await this.store.getVectors(passing(this.store, options.collection, options.filter));
    return exactVectorSearch(options.vector, vectors, options.k);
  }
}
