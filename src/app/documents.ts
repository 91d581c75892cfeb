import { CairnError } from '../core/cairn-error.js';
import { nearDuplicateSettings } from './ingest.js';
import type { DocumentListQuery, DocumentPage, DocumentRecord, DuplicateCluster, StoredChunk } from '../stores/chunk-store.js';
import type { CairnApp } from './cairn-app.js';
import { collectionNotFound } from './collection-not-found.js';

export async function listDocuments(app: CairnApp, query: DocumentListQuery): Promise<DocumentPage> {
  await requireCollection(app, query.collection);
  return app.chunks.listDocuments(query);
}

/**
 * Use case: the collection's near-duplicate clusters (two members or more), largest first. Documents
 * ingested before fingerprinting existed, or with `ingest.nearDuplicates.enabled` off, are in none.
 */
export async function listDuplicates(app: CairnApp, collection: string): Promise<DuplicateCluster[]> {
  await requireCollection(app, collection);
  return (await app.chunks.listDuplicateClusters?.(collection)) ?? [];
}

/** Use case: one document by id or source URI (a relative path is also tried), with its chunks. */
export async function showDocument(app: CairnApp, collection: string, ref: string): Promise<{ document: DocumentRecord; chunks: StoredChunk[] }> {
  const document = await findDocument(app, collection, ref);
  return { document, chunks: await app.chunks.getDocumentChunks(document.id) };
}

/** Use case: remove documents (by id, URI or relative path) from a collection, and their chunks from the vector index. */
export async function removeDocuments(app: CairnApp, collection: string, refs: string[]): Promise<DocumentRecord[]> {
  const documents: DocumentRecord[] = [];
  for (const ref of refs) documents.push(await findDocument(app, collection, ref));
  const removed = await app.chunks.deleteDocuments(collection, documents.map((d) => d.uri));
  await app.vectors.remove(collection, removed);
  await app.vectors.flush(collection);
  // A removal can take a shingle back under the boilerplate bound: settle as an ingest run ends (decision 0038).
  const nearDuplicates = nearDuplicateSettings(app.config);
  if (nearDuplicates !== undefined) await app.chunks.settleNearDuplicates?.(collection, nearDuplicates.boilerplateDf);
  return documents;
}

async function findDocument(app: CairnApp, collection: string, ref: string): Promise<DocumentRecord> {
  await requireCollection(app, collection);
  const byId = /^\d+$/.test(ref) ? await app.chunks.getDocument(collection, Number(ref)) : undefined;
  const found = byId ?? (await app.chunks.getDocument(collection, ref)) ?? (await findByPath(app, collection, ref));
  if (!found) {
    throw new CairnError('DOCUMENT_NOT_FOUND', `No document "${ref}" in collection "${collection}".`, {
      hint: `List documents with \`cairn docs list --collection ${collection}\` and use an id or source URI.`,
    });
  }
  return found;
}

async function findByPath(app: CairnApp, collection: string, path: string): Promise<DocumentRecord | undefined> {
  const page = await app.chunks.listDocuments({ collection, text: path, limit: 50, offset: 0 });
  return page.items.find((d) => d.relativePath === path || d.uri.endsWith(`/${path}`));
}

async function requireCollection(app: CairnApp, name: string): Promise<void> {
  if (!(await app.chunks.getCollection(name))) {
    throw await collectionNotFound(app, name, 'List collections with `cairn collections`.');
  }
}
