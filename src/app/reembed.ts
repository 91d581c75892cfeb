import { CairnError } from '../core/cairn-error.js';
import { filterableFields } from '../core/search-filter.js';
import { embedChunks } from '../ingest/embed/embed-chunks.js';
import type { CairnApp } from './cairn-app.js';
import { collectionNotFound } from './collection-not-found.js';
import { assertModelAllowed } from './model-allow-list.js';

export interface ReembedInput {
  collection: string;
  /** The new embedder; defaults to the collection's own (fills vectors that are missing, e.g. after an offline ingest). */
  embedder?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ReembedSummary {
  collection: string;
  embedder: string;
  dimensions: number;
  chunks: number;
  millis: number;
}

/**
 * Use case: recompute every vector of a collection with an embedder (switching the collection to it).
 * The vector index is dropped first, then gets every new vector pushed and one flush at the end.
 * Chunk texts are kept; only vectors change.
 */
export async function reembed(app: CairnApp, input: ReembedInput): Promise<ReembedSummary> {
  const started = performance.now();
  const record = await app.chunks.getCollection(input.collection);
  if (!record) {
    throw await collectionNotFound(app, input.collection, 'List collections with `cairn collections`.');
  }
  const id = input.embedder ?? record.embedder;
  if (id !== record.embedder) assertModelAllowed(app.config, id, 'embedder');
  const loaded = await app.loadEmbedder(id);
  if (id !== 'none' && !loaded.embedder) {
    throw new CairnError('EMBEDDER_UNAVAILABLE', `Cannot re-embed with ${id}: ${loaded.unavailableReason ?? 'it could not be loaded'}.`, {
      hint: `Make the model available (\`cairn models pull ${id.replace(/^onnx:/, '')}\` or CAIRN_MODELS_DIR) and run again.`,
    });
  }
  const embedder = loaded.embedder;
  await app.chunks.setCollectionEmbedder(record.name, id, embedder?.dimensions ?? 0);
  await app.vectors.drop(record.name);
  const total = record.chunkCount;
  let done = 0;
  for (let offset = 0; ; offset += 200) {
    const page = await app.chunks.listDocuments({ collection: record.name, limit: 200, offset, sort: 'path', order: 'asc' });
    if (page.items.length === 0) break;
    for (const document of page.items) {
      input.signal?.throwIfAborted();
      const chunks = await app.chunks.getDocumentChunks(document.id);
      const embedded = await embedChunks(embedder, [{ title: document.title, chunks, reusable: new Map() }], app.config.ingest.embedBatchSize, input.signal);
      const vectors = chunks.map((chunk, i) => ({ id: chunk.id, vector: embedded.documents[0]![i]!.vector }));
      await app.chunks.updateVectors(vectors);
      const fields = filterableFields(document);
      await app.vectors.upsert(
        record.name,
        vectors.flatMap(({ id, vector }) => (vector === null ? [] : [{ id, vector, document: fields }])),
      );
      done += chunks.length;
      input.onProgress?.(done, total);
    }
  }
  await app.vectors.flush(record.name);
  // An index built whole on the server (pgvector: a dimension change dropped it) is built once, over the new vectors.
  if (embedder && app.vectors.deferBuild !== undefined) await app.vectors.open(record.name, embedder.dimensions);
  return { collection: record.name, embedder: id, dimensions: embedder?.dimensions ?? 0, chunks: done, millis: performance.now() - started };
}
