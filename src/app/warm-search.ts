import type { CairnApp } from './cairn-app.js';

/**
 * Readies every collection's search indexes ahead of the first query: the HNSW graph (a snapshot
 * load, ~0.25 s at 100k vectors) and the in-memory BM25 postings when the lexical index keeps them
 * (a worker-thread build, ~4 s at 100k chunks). Servers call it after they listen, without awaiting
 * it: queries meanwhile never wait (dense ones are answered exactly from the stored vectors until
 * the graph is ready, FTS5 answers lexical ones until the postings are). Collections are warmed one after another so the build takes one core at most.
 */
export async function warmSearch(app: CairnApp, onError: (collection: string, error: unknown) => void = () => undefined): Promise<void> {
  for (const collection of await app.chunks.listCollections()) {
    try {
      if (collection.dimensions > 0) await app.vectors.open(collection.name, collection.dimensions);
      await app.lexical.warm?.(collection.name);
    } catch (error) {
      onError(collection.name, error);
    }
  }
}
