import { analyzeForIndex } from '../models/tokenize/lexical-analyzer.js';
import { exactVectorSearch } from '../retrieve/dense/exact-vector-search.js';
import type { LexicalHit, LexicalIndex, LexicalSearchOptions } from '../stores/lexical-index.js';
import type { VectorHit, VectorIndex, VectorIndexStatus, VectorSearchOptions } from '../stores/vector-index.js';
import type { InMemoryChunkStore } from './in-memory-chunk-store.js';

/**
 * Lexical index over an InMemoryChunkStore: BM25 (k1 1.2, b 0.75, Robertson-Sparck Jones idf as FTS5 has
 * it) on analyzeForIndex terms, no stemming. `supportsFilter` is chosen by the test.
 */
export class InMemoryLexicalIndex implements LexicalIndex {
  readonly kind = 'memory';
  readonly calls: LexicalSearchOptions[] = [];
  constructor(private readonly store: InMemoryChunkStore, readonly supportsFilter = true) {}

  async search(options: LexicalSearchOptions): Promise<LexicalHit[]> {
    this.calls.push(options);
    let ids = this.store.chunkIdsOf(options.collection);
    if (options.filter && this.supportsFilter) {
      const allowed = await this.store.filterChunkIds(options.collection, options.filter, Number.MAX_SAFE_INTEGER);
      const set = new Set(allowed.kind === 'ids' ? allowed.ids : []);
      ids = ids.filter((id) => set.has(id));
    }
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

/** Exact vector index over an InMemoryChunkStore's vectors; records searches so tests see `accept` use. */
export class InMemoryVectorIndex implements VectorIndex {
  readonly kind = 'memory';
  readonly calls: VectorSearchOptions[] = [];
  constructor(private readonly store: InMemoryChunkStore, readonly supportsFilter = true) {}

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
    const accept = this.supportsFilter ? options.accept : undefined;
    const ids = this.store.chunkIdsOf(options.collection).filter((id) => accept === undefined || accept(id));
    const vectors = await this.store.getVectors(ids);
    return exactVectorSearch(options.vector, vectors, options.k);
  }
}
