import { CairnError } from '../core/cairn-error.js';
import type { CairnApp } from './cairn-app.js';

export interface RebuiltIndex {
  collection: string;
  /** Vectors the index holds (or was sent) afterwards. */
  vectors: number;
  millis: number;
}

/**
 * Use case: repopulates the vector index of one collection, or of every collection with vectors, from
 * the store, the source of truth (`cairn index rebuild`). A separate vector store (Chroma) gets every
 * stored vector again and loses the ids the store no longer has; the embedded index is dropped and
 * rebuilt from the store.
 */
export async function rebuildVectorIndex(app: CairnApp, collection?: string): Promise<RebuiltIndex[]> {
  const records = collection === undefined ? await app.chunks.listCollections() : [await app.chunks.getCollection(collection)];
  const out: RebuiltIndex[] = [];
  for (const record of records) {
    if (record === undefined) {
      throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${collection}" does not exist.`, { hint: 'List collections with `cairn collections`.' });
    }
    if (record.dimensions === 0) continue;
    const started = performance.now();
    let vectors: number;
    if (app.vectors.rebuild !== undefined) {
      vectors = await app.vectors.rebuild(record.name);
    } else {
      await app.vectors.drop(record.name);
      vectors = (await app.vectors.open(record.name, record.dimensions)).count;
    }
    out.push({ collection: record.name, vectors, millis: performance.now() - started });
  }
  return out;
}
