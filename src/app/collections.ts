import { CairnError, toCairnError } from '../core/cairn-error.js';
import type { CollectionRecord } from '../stores/collection-record.js';
import type { CairnApp } from './cairn-app.js';
import { resolveCollection, type CollectionOverrides } from './resolve-collection.js';
import { collectionNotFound } from './collection-not-found.js';

export function listCollections(app: CairnApp): Promise<CollectionRecord[]> {
  return app.chunks.listCollections();
}

/** Use case: create a collection with its embedder and chunking fixed from now on. */
export async function createCollection(app: CairnApp, name: string, overrides: CollectionOverrides): Promise<CollectionRecord> {
  validateCollectionName(name);
  if (await app.chunks.getCollection(name)) {
    throw new CairnError('COLLECTION_EXISTS', `Collection "${name}" already exists.`, {
      hint: `Pick another name, or delete it first with \`cairn collections delete ${name}\`.`,
    });
  }
  return (await resolveCollection(app, name, overrides, true)).record;
}

/** Use case: delete a collection with its documents, chunks and vector index. */
export async function deleteCollection(app: CairnApp, name: string): Promise<void> {
  const deleted = await app.chunks.deleteCollection(name);
  if (!deleted) {
    throw await collectionNotFound(app, name, 'List collections with `cairn collections`.');
  }
  try {
    await app.vectors.drop(name);
  } catch (error) {
    // The collection is gone from the store; a separate vector store that is down keeps an orphan index.
    const reason = toCairnError(error);
    if (!reason.code.startsWith('VECTOR_STORE_')) throw error;
    app.notice(`Collection "${name}" was deleted, but its vectors stay in the vector store until it is reachable (${reason.message}).`);
  }
}

/** Names become file names (vector snapshots) and URL segments: keep them plain. */
export function validateCollectionName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new CairnError('INPUT_INVALID', `Invalid collection name "${name}".`, {
      hint: 'Use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit.',
    });
  }
}

/** Use case: one collection with its counts. */
export async function getCollection(app: CairnApp, name: string): Promise<CollectionRecord> {
  const record = await app.chunks.getCollection(name);
  if (!record) {
    throw await collectionNotFound(app, name, 'List collections with `GET /v1/collections` or `cairn collections`.');
  }
  return record;
}
